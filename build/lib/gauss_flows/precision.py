"""Floating-point precision of Gaussianization: the naive route and the log-space route.

The marginal step of every Gaussianization flow computes :math:`z = \\Phi^{-1}(F(x))`. For a
standard normal :math:`x` and :math:`F = \\Phi` the exact answer is :math:`z = x`, which makes
the map a clean test of numerics: any difference between :math:`z` and :math:`x` is round-off.

* Naive: :math:`u = \\Phi(x)`, clipped into :math:`[\\varepsilon, 1 - \\varepsilon]` so that
  :math:`\\Phi^{-1}` stays finite, then :math:`z = \\Phi^{-1}(u)`. Floats are dense near 0 and
  sparse near 1, so the upper tail loses digits first: :math:`1 - \\Phi(x)` is only known to the
  spacing of floats below 1, and :math:`1 - \\varepsilon` rounds to 1 when
  :math:`\\varepsilon` is below half that spacing (``np.finfo(dtype).epsneg``).
* Log space: :math:`z = \\Phi^{-1}(\\exp(\\log\\Phi(x)))` with :func:`~gauss_flows.numerics.log_ndtr`
  and :func:`~gauss_flows.numerics.ndtri_exp` for :math:`x \\le 0`, and the mirror image
  :math:`z = -\\Phi^{-1}(\\exp(\\log\\Phi(-x)))` for :math:`x > 0`, so that both tails are computed
  from a small probability, never from a number close to 1.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array
from jax.scipy.special import ndtr, ndtri

from .numerics import log_ndtr, ndtri_exp

__all__ = ["gaussianize_naive", "gaussianize_log_space", "round_trip_error"]


def gaussianize_naive(x, epsilon: float, dtype=jnp.float64) -> Array:
    """:math:`\\Phi^{-1}(\\mathrm{clip}(\\Phi(x), \\varepsilon, 1 - \\varepsilon))`, computed in ``dtype``."""
    return _naive(jnp.asarray(x, dtype), jnp.asarray(epsilon, dtype))


@jax.jit  # compiled once per float type and shape (epsilon is traced: no recompilation)
def _naive(x, eps):
    dtype = x.dtype
    u = jnp.clip(ndtr(x), eps, jnp.asarray(1, dtype) - eps)  # 1 - eps is rounded in dtype
    return ndtri(u)


def gaussianize_log_space(x, dtype=jnp.float64) -> Array:
    """:math:`\\Phi^{-1}(\\Phi(x))` through :math:`\\log\\Phi`, each tail from its own small side."""
    return _log_space(jnp.asarray(x, dtype))


@jax.jit  # one compilation per float type and shape (ndtri_exp's Newton loop is not re-traced)
def _log_space(x):
    lower = ndtri_exp(log_ndtr(jnp.minimum(x, 0)))   # x <= 0: log Phi(x) is accurate
    upper = -ndtri_exp(log_ndtr(-jnp.maximum(x, 0)))  # x > 0: Phi(x) = 1 - Phi(-x), use Phi(-x)
    return jnp.where(x > 0, upper, lower)


def round_trip_error(z, x) -> Array:
    """:math:`|z - x|` in float64 (``inf`` where ``z`` is not finite)."""
    z = jnp.asarray(z, jnp.float64)
    return jnp.where(jnp.isfinite(z), jnp.abs(z - jnp.asarray(x, jnp.float64)), jnp.inf)
