"""Deep sigmoidal flow transformer (Huang et al. 2018, "Neural Autoregressive Flows").

One hidden layer of sigmoids with positive slopes, mixed by a convex combination and mapped
back to :math:`\\mathbb R` by the logit:

.. math::

    u_j = a_j x + b_j, \\qquad S(x) = \\sum_j w_j\\, \\sigma(u_j), \\qquad y = \\operatorname{logit} S(x),

with :math:`a = \\operatorname{softplus}(\\text{raw\\_slopes}) > 0` and
:math:`w = \\operatorname{softmax}(\\text{logits})`. :math:`y` is increasing in :math:`x`, and

.. math::

    \\log\\frac{dy}{dx} = \\log\\sum_j w_j a_j \\sigma(u_j)\\sigma(-u_j) - \\log S - \\log(1 - S).

Because :math:`\\sum_j w_j = 1`, :math:`1 - S = \\sum_j w_j \\sigma(-u_j)`, so both
:math:`\\log S` and :math:`\\log(1 - S)` are ``logsumexp`` of log-sigmoids: :math:`y` stays finite
and accurate where :math:`S` itself would round to 0 or 1. There is no closed-form inverse;
:math:`x = y^{-1}(y)` is found by :func:`~gauss_flows.numerics.solve_monotone`.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jax import Array
from jax.nn import log_sigmoid, log_softmax, softplus
from jax.scipy.special import logsumexp

from .monotone import MonotoneElementwise

_RAW_UNIT_SLOPE = math.log(math.expm1(1.0))  # softplus of this is 1


class DeepSigmoid(MonotoneElementwise):
    """:math:`y = \\operatorname{logit}(\\sum_j w_j \\sigma(a_j x + b_j))`, elementwise over ``shape``.

    Args:
        n_hidden: number of sigmoid units.
        shape: event shape; ``raw_slopes``, ``offsets`` and ``logits`` have shape
            ``shape + (n_hidden,)``.

    Defaults: unit slopes, equal weights and offsets spread over :math:`[-1/2, 1/2]`, so
    :math:`y \\approx x` (exactly :math:`x` if all offsets were 0) while the units can train apart.
    """

    raw_slopes: Array
    offsets: Array
    logits: Array
    n_hidden: int = eqx.field(static=True)
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, n_hidden: int = 8, shape: tuple[int, ...] = ()):
        if int(n_hidden) < 1:
            raise ValueError(f"n_hidden must be at least 1, got {n_hidden}.")
        self.n_hidden = int(n_hidden)
        self.shape = tuple(shape)
        full = self.shape + (self.n_hidden,)
        self.raw_slopes = jnp.full(full, _RAW_UNIT_SLOPE, dtype=jnp.result_type(float))
        self.offsets = jnp.broadcast_to(jnp.linspace(-0.5, 0.5, self.n_hidden), full)
        self.logits = jnp.zeros(full)

    def __check_init__(self):
        full = self.shape + (self.n_hidden,)
        for name in ("raw_slopes", "offsets", "logits"):
            if getattr(self, name).shape != full:
                raise ValueError(f"DeepSigmoid.{name} must have shape {full} "
                                 f"(shape + (n_hidden,)), got {getattr(self, name).shape}.")

    def _forward_elementwise(self, x: Array) -> tuple[Array, Array]:
        """:math:`y(x)` and :math:`\\log y'(x)` per coordinate."""
        slopes = softplus(self.raw_slopes)
        log_weights = log_softmax(self.logits, axis=-1)
        u = slopes * x[..., None] + self.offsets
        log_s = logsumexp(log_weights + log_sigmoid(u), axis=-1)
        log_one_minus_s = logsumexp(log_weights + log_sigmoid(-u), axis=-1)
        log_ds = logsumexp(log_weights + jnp.log(slopes) + log_sigmoid(u) + log_sigmoid(-u), axis=-1)
        return log_s - log_one_minus_s, log_ds - log_s - log_one_minus_s
