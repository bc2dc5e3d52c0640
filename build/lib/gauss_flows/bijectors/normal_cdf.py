"""The standard normal CDF as a bijection :math:`\\mathbb R \\to (0, 1)`.

.. math::

    y = \\Phi(x), \\qquad x = \\Phi^{-1}(y), \\qquad
    \\log\\lvert\\det \\partial y/\\partial x\\rvert = \\textstyle\\sum_i \\log\\varphi(x_i).

Its inverse, ``Invert(NormalCDF())``, is the last step of a marginal Gaussianization
(Chen & Gopinath 2000, "Gaussianization"; Laparra et al. 2011, RBIG): uniformise each
coordinate with its fitted CDF, then map the uniforms to normals with :math:`\\Phi^{-1}`.

Numerical range: :math:`\\Phi(x)` rounds to 1 above :math:`x\\approx 8.3` in float64
(:math:`\\approx 5.3` in float32), after which the map cannot be inverted; the lower tail is
fine far further out. Compose in log space (e.g. ``MixtureGaussianCDF``) when tails matter.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import ndtr, ndtri

from ..numerics import normal_log_pdf
from .base import Bijector


class NormalCDF(Bijector):
    """:math:`y = \\Phi(x)` elementwise over ``shape``; no parameters."""

    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, shape: tuple[int, ...] = ()):
        self.shape = tuple(shape)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return ndtr(x), jnp.sum(normal_log_pdf(x))

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        x = ndtri(y)
        return x, -jnp.sum(normal_log_pdf(x))
