"""Fitting one-dimensional marginals: the first half of every Gaussianization step.

A continuous variable :math:`x` with CDF :math:`F` becomes standard normal under
:math:`z = \\Phi^{-1}(F(x))` (Chen & Gopinath 2000). Everything here estimates
:math:`F` from samples, column by column:

* the empirical CDF :math:`\\hat F_n(x) = \\frac1n \\#\\{i: x_i \\le x\\}`, whose uniform error
  is bounded by the Dvoretzky-Kiefer-Wolfowitz band: :math:`P(\\sup|\\hat F_n - F| > \\varepsilon)
  \\le 2e^{-2n\\varepsilon^2}` (:func:`dkw_epsilon`);
* a Gaussian kernel density estimate, :math:`\\hat F(x) = \\frac1n\\sum_i \\Phi((x - x_i)/h)`, with
  Silverman's bandwidth :math:`h = 0.9\\min(\\hat\\sigma, \\mathrm{IQR}/1.34)\\, n^{-1/5}`;
* a :math:`K`-component Gaussian mixture fitted by expectation-maximisation (Dempster et al.
  1977), returned as a :class:`~gauss_flows.MixtureGaussianCDF` layer, which is what RBIG uses.

EM, per column, alternates responsibilities
:math:`r_{ik} \\propto \\pi_k \\mathcal N(x_i; \\mu_k, \\sigma_k^2)` and the weighted updates
:math:`\\pi_k = \\tfrac1n\\sum_i r_{ik}`, :math:`\\mu_k = \\sum_i r_{ik}x_i / \\sum_i r_{ik}`,
:math:`\\sigma_k^2 = \\sum_i r_{ik}(x_i - \\mu_k)^2 / \\sum_i r_{ik}`. It runs a fixed number of
iterations (one compiled loop, vectorised over columns), starts from means at the data's
quantiles, and floors the scales so that no component collapses onto a single point.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.scipy.special import logsumexp, ndtri

from .bijectors.mixture_cdf import MixtureGaussianCDF
from .numerics import normal_quantile_of_mixture

__all__ = ["fit_gaussian_mixture", "fit_marginal_mixture", "empirical_cdf", "gaussianize_empirical",
           "silverman_bandwidth", "kde_cdf", "kde_log_pdf", "gaussianize_kde", "dkw_epsilon",
           "mixture_log_pdf", "mixture_bic", "marginal_pass", "clipped_gaussianize", "extended_cdf"]


def _columns(data, name: str) -> tuple[Array, bool]:
    data = jnp.asarray(data)
    if data.ndim not in (1, 2) or data.shape[0] < 2:
        raise ValueError(f"{name} expects data of shape (n,) or (n, d) with n >= 2, got shape {data.shape}.")
    if not jnp.issubdtype(data.dtype, jnp.floating):
        data = data.astype(jnp.result_type(float))
    if not bool(jnp.all(jnp.isfinite(data))):
        raise ValueError(f"{name} got data with NaN or infinite values.")
    return (data[:, None], True) if data.ndim == 1 else (data, False)


# ---- Gaussian mixtures by EM ------------------------------------------------------------

def _em_one_column(x: Array, n_components: int, n_iterations: int, min_scale: float,
                   tail_weight: float):
    """EM on a standardised column: returns (weights, means, scales), each of shape (K,).

    With ``tail_weight > 0`` the last component is not fitted: it stays N(0, 1) (the column's
    own mean and variance) with that weight, a broad floor under the tails.
    """
    n = x.shape[0]
    n_free = n_components - 1 if tail_weight > 0 else n_components
    levels = (jnp.arange(n_free) + 0.5) / n_free
    means = jnp.quantile(x, levels)
    # each component starts as wide as the gap to its neighbours: narrow where data are dense
    gaps = jnp.diff(means)
    width = (jnp.maximum(jnp.concatenate([gaps[:1], gaps]), jnp.concatenate([gaps, gaps[-1:]]))
             if n_free > 1 else jnp.ones(1))
    scales = jnp.maximum(width, min_scale)
    log_weights = jnp.full(n_free, math.log1p(-tail_weight) - math.log(n_free))
    tiny = 1e-10  # keeps an empty component where it is instead of dividing 0 by 0

    def with_tail(log_weights, means, scales):
        if n_free == n_components:
            return log_weights, means, scales
        return (jnp.append(log_weights, math.log(tail_weight)), jnp.append(means, 0.0),
                jnp.append(scales, 1.0))

    def step(_, state):
        log_weights, means, scales = state
        all_log_w, all_means, all_scales = with_tail(log_weights, means, scales)
        log_joint = all_log_w - jnp.log(all_scales) - 0.5 * ((x[:, None] - all_means) / all_scales) ** 2
        resp = jnp.exp(log_joint - logsumexp(log_joint, axis=1, keepdims=True))[:, :n_free]
        mass = resp.sum(0) + tiny
        means = (resp.T @ x + tiny * means) / mass
        variance = (jnp.sum(resp * (x[:, None] - means) ** 2, 0) + tiny * scales**2) / mass
        scales = jnp.sqrt(jnp.maximum(variance, min_scale**2))
        # the free components share what the fixed tail leaves: 1 - tail_weight
        log_weights = jnp.log(mass) - jnp.log(jnp.sum(mass)) + math.log1p(-tail_weight)
        return log_weights, means, scales

    state = jax.lax.fori_loop(0, n_iterations, step, (log_weights, means, scales))
    log_weights, means, scales = with_tail(*state)
    return jnp.exp(log_weights), means, scales


# compiled once per (data shape, K, iterations), reused by every RBIG layer
_em_columns = jax.jit(jax.vmap(_em_one_column, in_axes=(1, None, None, None, None)),
                      static_argnums=(1, 2, 3, 4))


def fit_gaussian_mixture(data, n_components: int = 8, *, n_iterations: int = 100,
                         min_scale: float = 1e-3, tail_weight: float = 0.0) -> tuple[Array, Array, Array]:
    """Fit a 1-D Gaussian mixture to each column of ``data`` by EM.

    Args:
        data: shape ``(n,)`` or ``(n, d)``.
        n_components: :math:`K`, components per column.
        n_iterations: EM iterations (fixed, so the fit is one compiled loop).
        min_scale: floor on each component's scale, relative to the column's standard
            deviation (prevents collapse on repeated values).
        tail_weight: if positive, the last component is fixed to the column's own Gaussian
            :math:`\\mathcal N(\\bar x, s^2)` with this weight, and only the other ``K - 1``
            are fitted. Its broad tails keep points beyond the training range from being
            mapped to extreme values (the "support extension" of Laparra et al. 2011).

    Returns:
        ``(weights, means, scales)``, each of shape ``(K,)`` or ``(d, K)``.
    """
    data, single = _columns(data, "fit_gaussian_mixture")
    if int(n_components) < 1 or int(n_iterations) < 0:
        raise ValueError(f"fit_gaussian_mixture needs n_components >= 1 and n_iterations >= 0, "
                         f"got {n_components} and {n_iterations}.")
    if not 0.0 <= tail_weight < 1.0 or (tail_weight > 0 and int(n_components) < 2):
        raise ValueError(f"fit_gaussian_mixture needs 0 <= tail_weight < 1 (and n_components >= 2 "
                         f"when it is positive), got tail_weight={tail_weight}, n_components={n_components}.")
    # EM runs on standardised columns, so one min_scale and one tolerance fit every column
    centre, spread = jnp.mean(data, 0), jnp.std(data, 0)
    spread = jnp.where(spread > 0, spread, 1.0)
    weights, means, scales = _em_columns((data - centre) / spread, int(n_components), int(n_iterations),
                                 float(min_scale), float(tail_weight))
    means = centre[:, None] + spread[:, None] * means
    scales = spread[:, None] * scales
    if single:
        return weights[0], means[0], scales[0]
    return weights, means, scales


def fit_marginal_mixture(data, n_components: int = 8, *, n_iterations: int = 100,
                         min_scale: float = 1e-3, tail_weight: float = 0.0) -> MixtureGaussianCDF:
    """A :class:`MixtureGaussianCDF` of shape ``(d,)`` Gaussianizing each column of ``data`` (n, d)."""
    data = jnp.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"fit_marginal_mixture expects data of shape (n, d), got shape {data.shape}.")
    weights, means, scales = fit_gaussian_mixture(data, n_components, n_iterations=n_iterations,
                                                  min_scale=min_scale, tail_weight=tail_weight)
    return MixtureGaussianCDF.from_mixture(weights, means, scales)


def mixture_log_pdf(x, weights, means, scales) -> Array:
    """:math:`\\log \\sum_k \\pi_k\\,\\mathcal N(x; \\mu_k, \\sigma_k^2)` of a 1-D mixture; ``x`` any shape.

    ``weights``, ``means`` and ``scales`` have shape ``(K,)`` (as returned by
    :func:`fit_gaussian_mixture` for 1-D data); the weights are used as given.
    """
    weights, means, scales = (jnp.asarray(a) for a in (weights, means, scales))
    if not (weights.shape == means.shape == scales.shape) or means.ndim != 1:
        raise ValueError("mixture_log_pdf needs weights, means and scales of one shape (K,), got "
                         f"{weights.shape}, {means.shape} and {scales.shape}.")
    return _mixture_log_pdf(jnp.asarray(x), weights, means, scales)


@jax.jit
def _mixture_log_pdf(x, weights, means, scales):
    # one compiled kernel per shape: run eagerly, every op over the (points x K) table is a pass
    u = (x[..., None] - means) / scales
    return logsumexp(jnp.log(weights) - jnp.log(scales) - 0.5 * u**2, axis=-1) - 0.5 * math.log(2 * math.pi)


def mixture_bic(data, weights, means, scales) -> Array:
    """Bayesian information criterion of a fitted 1-D :math:`K`-component Gaussian mixture.

    .. math::  \\mathrm{BIC} = -2 \\sum_{i=1}^n \\log \\hat f(x_i) + p \\log n, \\qquad p = 3K - 1,

    since :math:`K` means, :math:`K` scales and :math:`K - 1` free weights (they sum to 1) are
    fitted (Schwarz 1978). Lower is better; use it to choose :math:`K`.
    """
    data, _ = _columns(data, "mixture_bic")
    if data.shape[1] != 1:
        raise ValueError(f"mixture_bic expects 1-D data of shape (n,), got shape {data.shape}.")
    n_components = jnp.shape(means)[-1]
    log_likelihood = jnp.sum(mixture_log_pdf(data[:, 0], weights, means, scales))
    return -2.0 * log_likelihood + (3 * n_components - 1) * math.log(data.shape[0])


# ---- non-parametric CDFs ----------------------------------------------------------------

def empirical_cdf(data, x) -> Array:
    """:math:`\\hat F_n(x) = \\frac1n\\#\\{i: \\text{data}_i \\le x\\}` for 1-D ``data``; ``x`` any shape."""
    data, _ = _columns(data, "empirical_cdf")
    ordered = jnp.sort(data[:, 0])
    return jnp.searchsorted(ordered, jnp.asarray(x), side="right") / ordered.shape[0]


def gaussianize_empirical(data, x=None) -> Array:
    """:math:`z = \\Phi^{-1}\\big((n\\hat F_n(x) + \\tfrac12)/(n + 1)\\big)`, finite everywhere.

    The shift by :math:`\\tfrac12` and the :math:`n + 1` keep the argument inside (0, 1), so
    the sample minimum and maximum do not map to :math:`\\mp\\infty`. ``x`` defaults to ``data``.
    """
    data, _ = _columns(data, "gaussianize_empirical")
    n = data.shape[0]
    counts = empirical_cdf(data[:, 0], data[:, 0] if x is None else x) * n
    return ndtri((counts + 0.5) / (n + 1.0))


def dkw_epsilon(n: int, alpha: float = 0.05) -> float:
    """Half-width of the DKW confidence band: :math:`\\sqrt{\\log(2/\\alpha) / 2n}`."""
    if n < 1 or not 0 < alpha < 1:
        raise ValueError(f"dkw_epsilon needs n >= 1 and 0 < alpha < 1, got n={n}, alpha={alpha}.")
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


def silverman_bandwidth(data) -> Array:
    """Silverman's rule of thumb :math:`0.9\\min(\\hat\\sigma, \\mathrm{IQR}/1.34)\\,n^{-1/5}`."""
    data, _ = _columns(data, "silverman_bandwidth")
    column = data[:, 0]
    iqr = jnp.subtract(*jnp.quantile(column, jnp.array([0.75, 0.25])))
    spread = jnp.minimum(jnp.std(column, ddof=1), iqr / 1.34)
    spread = jnp.where(spread > 0, spread, jnp.std(column, ddof=1))
    return 0.9 * spread * column.shape[0] ** (-0.2)


def _kde_standardised(data, x, bandwidth, name):
    data, _ = _columns(data, name)
    h = silverman_bandwidth(data[:, 0]) if bandwidth is None else jnp.asarray(bandwidth)
    x = jnp.asarray(x)
    return (x[..., None] - data[:, 0]) / h, h, data.shape[0]


def kde_log_pdf(data, x, bandwidth=None) -> Array:
    """:math:`\\log \\frac{1}{nh}\\sum_i \\varphi((x - x_i)/h)` for 1-D ``data``."""
    u, h, n = _kde_standardised(data, x, bandwidth, "kde_log_pdf")
    return logsumexp(-0.5 * u**2, axis=-1) - 0.5 * math.log(2 * math.pi) - jnp.log(h) - math.log(n)


def kde_cdf(data, x, bandwidth=None) -> Array:
    """:math:`\\hat F(x) = \\frac1n\\sum_i \\Phi((x - x_i)/h)` for 1-D ``data``."""
    u, _, _ = _kde_standardised(data, x, bandwidth, "kde_cdf")
    return jnp.mean(jax.scipy.stats.norm.cdf(u), axis=-1)


@jax.jit
def _gaussianize_standardised(u: Array) -> Array:
    # compiled as one kernel: run eagerly, each op over the (points x data) table is a pass
    return normal_quantile_of_mixture(-math.log(u.shape[-1]), u)  # equal weights 1/n


def gaussianize_kde(data, x=None, bandwidth=None) -> Array:
    """:math:`z = \\Phi^{-1}(\\hat F_{\\text{KDE}}(x))`, computed from :math:`\\log\\hat F` and
    :math:`\\log(1-\\hat F)` so it stays finite and accurate in both tails."""
    data_c, _ = _columns(data, "gaussianize_kde")
    u, _, _ = _kde_standardised(data_c[:, 0], data_c[:, 0] if x is None else x, bandwidth,
                                "gaussianize_kde")
    return _gaussianize_standardised(u)


def marginal_pass(x) -> np.ndarray:
    """One marginal Gaussianization pass over ``x`` (n, d): a mixture-CDF layer fitted to each
    coordinate by EM (:func:`fit_marginal_mixture`), then applied; returns the Gaussianized sample."""
    layer = fit_marginal_mixture(x)
    return np.asarray(jax.vmap(layer.transform)(x))


# ---- two fixes for points beyond the training range (Part 3 · 03) ----------------------

def clipped_gaussianize(u, eps: float) -> np.ndarray:
    """:math:`\\Phi^{-1}(\\mathrm{clip}(u, \\varepsilon, 1 - \\varepsilon))`; infinite at 0 and 1 if ``eps = 0``.

    The upper half is computed as :math:`-\\Phi^{-1}(1 - u)`, so tiny ``eps`` keep their meaning."""
    from scipy.special import ndtri  # numpy in, numpy out: infinities stay visible

    u = np.asarray(u, dtype=float)
    with np.errstate(divide="ignore"):
        lower = ndtri(np.clip(u, eps, 0.5))
        upper = -ndtri(np.clip(1.0 - u, eps, 0.5))
    return np.where(u <= 0.5, lower, upper)


def extended_cdf(train, x, margin: float) -> np.ndarray:
    """The empirical CDF of ``train`` (1-D), linearly interpolated between the order statistics
    (at levels :math:`i/(n+1)`) and extended by ``margin`` times the range on both sides, where it
    reaches 0 and 1. Beyond the extended support it is 0 or 1."""
    ordered = np.sort(np.asarray(train, dtype=float))
    n, spread = ordered.size, ordered[-1] - ordered[0]
    knots = np.concatenate([[ordered[0] - margin * spread], ordered, [ordered[-1] + margin * spread]])
    levels = np.arange(n + 2) / (n + 1.0)
    return np.interp(np.asarray(x, dtype=float), knots, levels)
