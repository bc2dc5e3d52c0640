"""The logit pre-transform: from the unit cube, where dequantized images live, to the real line.

Dequantized pixel values :math:`v \\in (0, 1)` are first squeezed into :math:`(\\alpha, 1-\\alpha)`
(so that values at the edges do not map to :math:`\\pm\\infty`), then sent through the logit:

.. math::  s = \\alpha + (1 - 2\\alpha)\\, v, \\qquad y = \\operatorname{logit}(s) = \\log s - \\log(1 - s).

Elementwise, so the Jacobian is diagonal and

.. math::  \\log\\Big|\\det\\frac{\\partial y}{\\partial v}\\Big|
           = \\sum_i \\Big[\\log(1 - 2\\alpha) - \\log s_i - \\log(1 - s_i)\\Big].

The inverse is :math:`s = \\sigma(y)`, :math:`v = (s - \\alpha)/(1 - 2\\alpha)`, with
:math:`\\log s = -\\operatorname{softplus}(-y)` and :math:`\\log(1-s) = -\\operatorname{softplus}(y)`
computed without forming :math:`s`, so far-out :math:`y` keep finite log-dets. With
``alpha = 0`` it is the plain logit (the inverse of the sigmoid), e.g. to put a flow on
:math:`u \\in (0, 1)^D` in variational dequantization. RealNVP (Dinh et al. 2017) uses
:math:`\\alpha = 0.05`; the log-det belongs in every likelihood and bits/dim reported on the
pixel scale (see ``gauss_flows.dequantization``).

Inputs must lie in :math:`(0, 1)` (with :math:`\\alpha > 0` also the closed :math:`[0, 1]`); values
outside have no logit.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

from .base import Bijector


class Logit(Bijector):
    """:math:`y = \\operatorname{logit}(\\alpha + (1 - 2\\alpha) v)` elementwise on ``shape``.

    Args:
        shape: the event shape, e.g. ``(8, 8, 1)``.
        alpha: the margin kept from 0 and 1, in ``[0, 0.5)``.
    """

    shape: tuple[int, ...] = eqx.field(static=True)
    alpha: float = eqx.field(static=True)

    def __init__(self, shape: tuple[int, ...] = (), alpha: float = 0.05):
        if not (isinstance(alpha, (int, float)) and 0.0 <= alpha < 0.5):
            raise ValueError(f"Logit needs 0 <= alpha < 0.5, but got alpha={alpha!r}.")
        self.shape = tuple(int(s) for s in shape)
        self.alpha = float(alpha)

    def _transform_and_log_det(self, v: Array) -> tuple[Array, Array]:
        s = self.alpha + (1.0 - 2.0 * self.alpha) * v
        log_s, log_1ms = jnp.log(s), jnp.log1p(-s)
        log_det = jnp.sum(math.log1p(-2.0 * self.alpha) - log_s - log_1ms)
        return log_s - log_1ms, log_det

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        log_s, log_1ms = -jax.nn.softplus(-y), -jax.nn.softplus(y)
        v = (jax.nn.sigmoid(y) - self.alpha) / (1.0 - 2.0 * self.alpha)
        return v, jnp.sum(log_s + log_1ms - math.log1p(-2.0 * self.alpha))
