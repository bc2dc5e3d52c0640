"""Mixture-of-Gaussians CDF followed by the normal quantile: a marginal Gaussianizer.

With weights :math:`\\pi = \\operatorname{softmax}(\\text{logits})`, means :math:`\\mu_k` and
scales :math:`\\sigma_k = e^{\\text{log\\_scales}_k}`, the mixture CDF and density are

.. math::

    F(x) = \\sum_k \\pi_k \\Phi\\Big(\\frac{x - \\mu_k}{\\sigma_k}\\Big), \\qquad
    f(x) = \\sum_k \\frac{\\pi_k}{\\sigma_k} \\varphi\\Big(\\frac{x - \\mu_k}{\\sigma_k}\\Big),

and the transformer is

.. math::

    z = \\Phi^{-1}(F(x)), \\qquad
    \\log\\Big\\lvert\\frac{dz}{dx}\\Big\\rvert = \\log f(x) - \\log\\varphi(z), \\qquad
    x = F^{-1}(\\Phi(z)) \\ \\text{(numerically)}.

If the data were exactly this mixture, :math:`z` would be exactly standard normal: this is
the marginal step of Gaussianization (Chen & Gopinath 2000, "Gaussianization"), and the
mixture CDF is the coupling transformer of Flow++ (Ho et al. 2019), here composed with
:math:`\\Phi^{-1}` so that it maps onto :math:`\\mathbb R` instead of :math:`(0, 1)`.

Everything is done in log space: :math:`\\log F` and :math:`\\log(1 - F)` are ``logsumexp``
of the components' ``log_ndtr`` (:func:`~gauss_flows.numerics.normal_quantile_of_mixture`).
Below the middle of the mixture (:math:`F < 1/2`) we use
:math:`z = \\Phi^{-1}(F)` from :math:`\\log F`, above it :math:`z = -\\Phi^{-1}(1 - F)` from
:math:`\\log(1-F)`, so :math:`z` stays accurate where :math:`F` itself would round to 0 or 1.
The inverse is :func:`~gauss_flows.numerics.solve_monotone` on :math:`x \\mapsto z`.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.nn import log_softmax
from jax.scipy.special import logsumexp

from ..numerics import normal_log_pdf, normal_quantile_of_mixture
from .monotone import MonotoneElementwise

def _spread_components(n_components: int) -> tuple[np.ndarray, float]:
    """Means at normal quantiles with variance 1/4, one common scale: a mixture close to N(0, 1)."""
    # The standard library's quantile, not jax's: this runs once per construction, on a
    # handful of numbers, and an eager jax op would compile anew for every n_components
    # (seconds per new size) and could not be traced by jax.eval_shape.
    quantiles = np.array([NormalDist().inv_cdf((k + 0.5) / n_components) for k in range(n_components)])
    if n_components == 1:
        return quantiles, 1.0
    means = 0.5 * quantiles / np.std(quantiles)
    return means, math.sqrt(1.0 - 0.25)  # total variance = var(means) + scale**2 = 1


class MixtureGaussianCDF(MonotoneElementwise):
    """:math:`z = \\Phi^{-1}(\\sum_k \\pi_k \\Phi((x - \\mu_k)/\\sigma_k))`, elementwise over ``shape``.

    Args:
        n_components: number of mixture components :math:`K`.
        shape: event shape; ``logits``, ``means`` and ``log_scales`` have shape ``shape + (K,)``.

    The default mixture has equal weights, means spread at normal quantiles and a common scale,
    chosen so that its variance is 1: close to the identity, yet with distinct components.
    """

    logits: Array
    means: Array
    log_scales: Array
    n_components: int = eqx.field(static=True)
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, n_components: int = 8, shape: tuple[int, ...] = ()):
        if int(n_components) < 1:
            raise ValueError(f"n_components must be at least 1, got {n_components}.")
        self.n_components = int(n_components)
        self.shape = tuple(shape)
        means, scale = _spread_components(self.n_components)
        full = self.shape + (self.n_components,)
        self.logits = jnp.zeros(full)
        self.means = jnp.broadcast_to(jnp.asarray(means), full)
        self.log_scales = jnp.full(full, math.log(scale), dtype=jnp.result_type(float))

    def __check_init__(self):
        full = self.shape + (self.n_components,)
        for name in ("logits", "means", "log_scales"):
            if getattr(self, name).shape != full:
                raise ValueError(f"MixtureGaussianCDF.{name} must have shape {full} "
                                 f"(shape + (n_components,)), got {getattr(self, name).shape}.")

    @classmethod
    def from_mixture(cls, weights, means, scales) -> "MixtureGaussianCDF":
        """Build from fitted mixture values, each of shape ``shape + (K,)``.

        ``weights`` must be positive (they are renormalised), ``scales`` positive.
        """
        weights, means, scales = (jnp.asarray(a) for a in (weights, means, scales))
        if not (weights.shape == means.shape == scales.shape) or means.ndim == 0:
            raise ValueError("weights, means and scales must share one shape shape + (K,), got "
                             f"{weights.shape}, {means.shape} and {scales.shape}.")
        dtype = jnp.result_type(means, float)
        bijector = cls(n_components=means.shape[-1], shape=means.shape[:-1])
        return eqx.tree_at(
            lambda b: (b.logits, b.means, b.log_scales), bijector,
            (jnp.log(weights).astype(dtype), means.astype(dtype), jnp.log(scales).astype(dtype)))

    # ---- the map, elementwise -------------------------------------------------
    def _forward_elementwise(self, x: Array) -> tuple[Array, Array]:
        """:math:`z(x)` and :math:`\\log z'(x)` per coordinate."""
        log_weights = log_softmax(self.logits, axis=-1)
        standardized = (x[..., None] - self.means) * jnp.exp(-self.log_scales)
        z = normal_quantile_of_mixture(log_weights, standardized)
        log_density = logsumexp(log_weights + normal_log_pdf(standardized) - self.log_scales, axis=-1)
        return z, log_density - normal_log_pdf(z)
