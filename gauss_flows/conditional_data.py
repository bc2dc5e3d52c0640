"""Data whose conditional densities are known exactly: yardsticks for conditional flows.

A conditional flow :math:`q(y \\mid c)` is judged, context by context, by the forward KL to the
truth,

.. math::  \\mathrm{KL}\\big(p(\\cdot\\mid c)\\,\\|\\,q(\\cdot\\mid c)\\big)
           \\approx \\frac1n\\sum_{i=1}^n \\log p(y_i\\mid c) - \\log q(y_i \\mid c),
           \\qquad y_i \\sim p(\\cdot \\mid c),

(:func:`conditional_kl`). Every target here is a :class:`ConditionalDensity`: it samples
``sample_given(key, condition, n)`` and evaluates ``log_prob(value, condition)`` exactly.

* :class:`HeteroscedasticBimodal` - a regression :math:`p(y \\mid x)` whose noise grows with
  :math:`|x|` and which splits into two branches of unequal weight: a least-squares fit (one
  mean, one variance) is wrong in both respects, a conditional flow need not be.
* :class:`LinearGaussian` - a simulator :math:`\\theta \\sim \\mathcal N(\\mu_0, \\Sigma_0)`,
  :math:`x = A\\theta + b + \\varepsilon`, :math:`\\varepsilon \\sim \\mathcal N(0, \\Sigma_\\varepsilon)`,
  whose posterior :math:`p(\\theta \\mid x)` (its ``.posterior``) is Gaussian in closed form: the
  target of amortised inference, where one flow :math:`q(\\theta \\mid x)` serves every
  observation.
* :class:`Bilinear` - a simulator :math:`x = \\theta_1\\theta_2 + \\sigma\\varepsilon` whose posterior
  is not Gaussian (it hugs the two branches of the hyperbola :math:`\\theta_1\\theta_2 = x`) but
  still known: its normaliser is a one-dimensional integral, computed on a fine grid.

Shapes: a value or condition is a vector; batches put their axes in front, ``(..., d)``.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array

from .distributions import jit_log_prob

__all__ = ["ConditionalDensity", "HeteroscedasticBimodal", "LinearGaussian", "GaussianPosterior",
           "Bilinear", "BilinearPosterior", "conditional_kl"]

_LOG_2PI = math.log(2.0 * math.pi)


def _check_n(n, where: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{where} expects a positive integer n, got {n!r}.")
    return int(n)


def _as_points(value, size: int, what: str, where: str) -> Array:
    value = jnp.asarray(value)
    if value.ndim == 0 or value.shape[-1] != size:
        raise ValueError(f"{where} expects {what} of shape (..., {size}), but got shape {value.shape}.")
    if not jnp.issubdtype(value.dtype, jnp.floating):
        value = value.astype(jnp.result_type(float))
    return value


class ConditionalDensity(eqx.Module):
    """A conditional density :math:`p(y \\mid c)` that samples and evaluates exactly.

    ``shape = (d,)`` is the value's shape, ``condition_shape = (k,)`` the context's.
    ``log_prob(value, condition)`` broadcasts the leading axes of both (NumPy rules);
    ``sample_given(key, condition, n)`` returns ``(n, *batch_c, d)``: ``n`` draws per context.
    """

    shape = None            # set by every subclass (a class attribute or a static field)
    condition_shape = None

    def log_prob(self, value, condition) -> Array:
        """:math:`\\log p(y \\mid c)`, shape: the broadcast leading axes of both."""
        where = f"{type(self).__name__}.log_prob"
        value = _as_points(value, self.shape[0], "values", where)
        condition = _as_points(condition, self.condition_shape[0], "conditions", where)
        return self._log_prob(value, condition.astype(value.dtype))

    def sample_given(self, key: Array, condition, n: int) -> Array:
        """``n`` draws of :math:`y \\sim p(\\cdot \\mid c)` for every context: ``(n, *batch_c, d)``."""
        where = f"{type(self).__name__}.sample_given"
        n = _check_n(n, where)
        condition = _as_points(condition, self.condition_shape[0], "conditions", where)
        return self._sample_given(key, jnp.broadcast_to(condition, (n,) + condition.shape))

    def _log_prob(self, value: Array, condition: Array) -> Array:
        raise NotImplementedError

    def _sample_given(self, key: Array, condition: Array) -> Array:
        raise NotImplementedError


class HeteroscedasticBimodal(ConditionalDensity):
    """:math:`x \\sim U(-L, L)` and, given :math:`x`, two Gaussian branches :math:`y \\approx \\pm a x`:

    .. math::  p(y \\mid x) = w(x)\\,\\mathcal N\\big(y;\\ a x,\\ s(x)^2\\big)
               + \\big(1 - w(x)\\big)\\,\\mathcal N\\big(y;\\ -a x,\\ s(x)^2\\big),

    .. math::  w(x) = \\frac{1}{1 + e^{-x}}, \\qquad s(x) = s_0 + s_1 |x| .

    Near :math:`x = 0` the branches overlap (one narrow mode); as :math:`|x|` grows they
    separate, widen (heteroscedastic noise) and one branch takes most of the weight. Values
    and contexts have shape ``(..., 1)``.

    Args:
        slope: :math:`a`; half_width: :math:`L`; noise, noise_growth: :math:`s_0, s_1`.
    """

    slope: float = eqx.field(static=True, default=1.0)
    half_width: float = eqx.field(static=True, default=2.5)
    noise: float = eqx.field(static=True, default=0.15)
    noise_growth: float = eqx.field(static=True, default=0.15)
    shape = (1,)
    condition_shape = (1,)

    def __check_init__(self):
        for name in ("half_width", "noise"):
            if not getattr(self, name) > 0:
                raise ValueError(f"HeteroscedasticBimodal expects {name} > 0, got {getattr(self, name)!r}.")
        if not self.noise_growth >= 0:
            raise ValueError(f"HeteroscedasticBimodal expects noise_growth >= 0, got {self.noise_growth!r}.")

    def weight(self, x) -> Array:
        """:math:`w(x)`, the weight of the branch :math:`y \\approx +a x`."""
        return jax.nn.sigmoid(jnp.asarray(x))

    def scale(self, x) -> Array:
        """:math:`s(x) = s_0 + s_1 |x|`, the standard deviation of each branch."""
        return self.noise + self.noise_growth * jnp.abs(jnp.asarray(x))

    def _log_prob(self, y, x):
        y, x = y[..., 0], x[..., 0]
        s = self.scale(x)
        log_gauss = lambda mean: -0.5 * ((y - mean) / s) ** 2 - jnp.log(s) - 0.5 * _LOG_2PI  # noqa: E731
        w = self.weight(x)
        return jnp.logaddexp(jnp.log(w) + log_gauss(self.slope * x),
                             jnp.log1p(-w) + log_gauss(-self.slope * x))

    def _sample_given(self, key, x):
        k_branch, k_noise = jr.split(key)
        upper = jr.bernoulli(k_branch, self.weight(x))
        mean = jnp.where(upper, self.slope * x, -self.slope * x)
        return mean + self.scale(x) * jr.normal(k_noise, x.shape, x.dtype)

    def sample(self, key: Array, n: int) -> tuple[Array, Array]:
        """``n`` pairs ``(y, x)``: ``x ~ U(-L, L)`` then ``y ~ p(y | x)``, each ``(n, 1)``.
        (``y`` first, as in ``log_prob(y, x)`` and ``fit(key, flow, y, condition=x)``.)"""
        n = _check_n(n, "HeteroscedasticBimodal.sample")
        k_x, k_y = jr.split(key)
        x = jr.uniform(k_x, (n, 1), minval=-self.half_width, maxval=self.half_width)
        return self._sample_given(k_y, x), x


class GaussianPosterior(ConditionalDensity):
    """The exact posterior of :class:`LinearGaussian`, :math:`p(\\theta \\mid x) = \\mathcal N(m(x), S)`:

    .. math::  S = \\big(\\Sigma_0^{-1} + A^\\top \\Sigma_\\varepsilon^{-1} A\\big)^{-1}, \\qquad
               m(x) = S\\big(\\Sigma_0^{-1}\\mu_0 + A^\\top \\Sigma_\\varepsilon^{-1}(x - b)\\big).

    The covariance does not depend on the observation, the mean is affine in it.
    """

    gain: Array      # S A^T Sigma_eps^{-1}: m(x) = offset + gain x
    offset: Array
    covariance: Array
    cholesky: Array
    shape: tuple[int, ...] = eqx.field(static=True)
    condition_shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, prior_mean, prior_cov, matrix, shift, noise_cov):
        precision_prior = np.linalg.inv(prior_cov)
        precision_noise = np.linalg.inv(noise_cov)
        covariance = np.linalg.inv(precision_prior + matrix.T @ precision_noise @ matrix)
        gain = covariance @ matrix.T @ precision_noise
        self.covariance = jnp.asarray(covariance)
        self.cholesky = jnp.asarray(np.linalg.cholesky(covariance))
        self.gain = jnp.asarray(gain)
        self.offset = jnp.asarray(covariance @ precision_prior @ prior_mean - gain @ shift)
        self.shape = (int(matrix.shape[1]),)
        self.condition_shape = (int(matrix.shape[0]),)

    def mean(self, x) -> Array:
        """:math:`m(x)` for observations ``(..., k)``: shape ``(..., d)``."""
        x = _as_points(x, self.condition_shape[0], "observations", "GaussianPosterior.mean")
        return self.offset.astype(x.dtype) + x @ self.gain.T.astype(x.dtype)

    def _log_prob(self, theta, x):
        residual = theta - self.mean(x)
        solved = jax.scipy.linalg.solve_triangular(self.cholesky.astype(theta.dtype), residual[..., None],
                                                   lower=True)[..., 0]
        log_det = jnp.sum(jnp.log(jnp.diag(self.cholesky))).astype(theta.dtype)
        return -0.5 * jnp.sum(solved ** 2, -1) - log_det - 0.5 * self.shape[0] * _LOG_2PI

    def _sample_given(self, key, x):
        eps = jr.normal(key, x.shape[:-1] + self.shape, x.dtype)
        return self.mean(x) + eps @ self.cholesky.T.astype(x.dtype)


class LinearGaussian(eqx.Module):
    """A simulator with a closed-form posterior: the yardstick of amortised inference.

    .. math::  \\theta \\sim \\mathcal N(\\mu_0, \\Sigma_0), \\qquad
               x \\mid \\theta \\sim \\mathcal N(A\\theta + b,\\ \\Sigma_\\varepsilon),

    and :attr:`posterior` is :math:`p(\\theta \\mid x)` (a :class:`GaussianPosterior`). The
    defaults (2-D parameter, 2-D observation, a shear and unequal noise) give a correlated
    posterior that moves with the observation.

    Args:
        matrix: :math:`A` ``(k, d)``; shift: :math:`b` ``(k,)``; noise_cov: :math:`\\Sigma_\\varepsilon`;
        prior_mean, prior_cov: :math:`\\mu_0, \\Sigma_0`.
    """

    # the settings, as nested tuples (hashable, so the simulator can sit inside jit); the
    # properties below give them back as float64 arrays
    settings: tuple = eqx.field(static=True)
    posterior: GaussianPosterior

    def __init__(self, matrix=((1.0, 0.8), (0.0, 0.6)), shift=(0.0, 0.0),
                 noise_cov=((0.25, 0.0), (0.0, 0.1)), prior_mean=(0.0, 0.0),
                 prior_cov=((1.0, 0.0), (0.0, 1.0))):
        matrix = np.atleast_2d(np.asarray(matrix, dtype=np.float64))
        k, d = matrix.shape
        values = dict(matrix=matrix, shift=np.asarray(shift, dtype=np.float64).reshape(-1),
                      noise_cov=np.asarray(noise_cov, dtype=np.float64),
                      prior_mean=np.asarray(prior_mean, dtype=np.float64).reshape(-1),
                      prior_cov=np.asarray(prior_cov, dtype=np.float64))
        for name, shape in (("shift", (k,)), ("noise_cov", (k, k)), ("prior_mean", (d,)),
                            ("prior_cov", (d, d))):
            if values[name].shape != shape:
                raise ValueError(f"LinearGaussian: with matrix of shape {(k, d)}, {name} must have "
                                 f"shape {shape}, but has shape {values[name].shape}.")
        for name in ("noise_cov", "prior_cov"):
            cov = values[name]
            if not np.allclose(cov, cov.T) or np.linalg.eigvalsh(cov).min() <= 0:
                raise ValueError(f"LinearGaussian: {name} must be symmetric positive definite, got {cov}.")
        self.settings = tuple((name, tuple(v.tolist()) if v.ndim == 1 else tuple(map(tuple, v.tolist())))
                              for name, v in values.items())
        self.posterior = GaussianPosterior(values["prior_mean"], values["prior_cov"], matrix,
                                           values["shift"], values["noise_cov"])

    def _setting(self, name: str) -> np.ndarray:
        return np.asarray(dict(self.settings)[name], dtype=np.float64)

    matrix = property(lambda self: self._setting("matrix"), doc=":math:`A`, ``(k, d)``.")
    shift = property(lambda self: self._setting("shift"), doc=":math:`b`, ``(k,)``.")
    noise_cov = property(lambda self: self._setting("noise_cov"), doc=":math:`\\Sigma_\\varepsilon`.")
    prior_mean = property(lambda self: self._setting("prior_mean"), doc=":math:`\\mu_0`.")
    prior_cov = property(lambda self: self._setting("prior_cov"), doc=":math:`\\Sigma_0`.")

    @property
    def predictive_cov(self) -> np.ndarray:
        """The prior predictive covariance of the observations, :math:`A\\Sigma_0A^\\top + \\Sigma_\\varepsilon`
        (its diagonal's square root is the scale of a typical observation)."""
        return self.matrix @ self.prior_cov @ self.matrix.T + self.noise_cov

    @property
    def parameter_shape(self) -> tuple[int]:
        return (self.matrix.shape[1],)

    @property
    def observation_shape(self) -> tuple[int]:
        return (self.matrix.shape[0],)

    def simulate(self, key: Array, theta) -> Array:
        """One observation :math:`x \\sim p(x \\mid \\theta)` per parameter ``(..., d) -> (..., k)``."""
        theta = _as_points(theta, self.parameter_shape[0], "parameters", "LinearGaussian.simulate")
        eps = jr.normal(key, theta.shape[:-1] + self.observation_shape, theta.dtype)
        noise = eps @ jnp.asarray(np.linalg.cholesky(self.noise_cov).T, theta.dtype)
        return theta @ jnp.asarray(self.matrix.T, theta.dtype) + jnp.asarray(self.shift, theta.dtype) + noise

    def sample(self, key: Array, n: int) -> tuple[Array, Array]:
        """``n`` pairs ``(theta, x)`` from the joint: ``theta`` ``(n, d)`` from the prior, ``x``
        ``(n, k)`` simulated from it; train ``fit(key, flow, theta, condition=x)``."""
        n = _check_n(n, "LinearGaussian.sample")
        k_theta, k_x = jr.split(key)
        eps = jr.normal(k_theta, (n,) + self.parameter_shape)
        theta = jnp.asarray(self.prior_mean) + eps @ jnp.asarray(np.linalg.cholesky(self.prior_cov).T)
        return theta, self.simulate(k_x, theta)

    def prior_log_prob(self, theta) -> Array:
        """:math:`\\log p(\\theta)`."""
        return _gaussian_log_prob(theta, self.prior_mean, self.prior_cov)

    def likelihood_log_prob(self, x, theta) -> Array:
        """:math:`\\log p(x \\mid \\theta)`, broadcasting the leading axes of both."""
        theta = _as_points(theta, self.parameter_shape[0], "parameters", "LinearGaussian.likelihood_log_prob")
        x = _as_points(x, self.observation_shape[0], "observations", "LinearGaussian.likelihood_log_prob")
        mean = theta @ jnp.asarray(self.matrix.T, theta.dtype) + jnp.asarray(self.shift, theta.dtype)
        return _gaussian_log_prob(x - mean, np.zeros(self.observation_shape), self.noise_cov)


class BilinearPosterior(ConditionalDensity):
    """The posterior of :class:`Bilinear`: :math:`\\theta \\sim \\mathcal N(0, I_2)`,
    :math:`x = \\theta_1\\theta_2 + \\sigma\\varepsilon`.

    .. math::  \\log p(\\theta \\mid x) = \\log\\varphi(\\theta_1) + \\log\\varphi(\\theta_2)
               + \\log\\mathcal N(x;\\ \\theta_1\\theta_2,\\ \\sigma^2) - \\log Z(x),

    and integrating :math:`\\theta_2` out in closed form (for fixed :math:`\\theta_1`, :math:`x` is
    Gaussian with variance :math:`\\theta_1^2 + \\sigma^2`) leaves a 1-D normaliser,

    .. math::  Z(x) = \\int \\varphi(t)\\, \\mathcal N(x;\\ 0,\\ t^2 + \\sigma^2)\\, dt ,

    computed by the trapezoid rule on ``grid`` (smooth, Gaussian-tailed integrand: the rule
    converges faster than any power of the spacing). Sampling draws :math:`\\theta_1` from
    :math:`p(\\theta_1 \\mid x) \\propto \\varphi(\\theta_1)\\mathcal N(x; 0, \\theta_1^2+\\sigma^2)` by
    inverting its CDF on the grid, then :math:`\\theta_2` from its exact Gaussian conditional
    :math:`\\mathcal N\\big(\\theta_1 x/(\\theta_1^2+\\sigma^2),\\ \\sigma^2/(\\theta_1^2+\\sigma^2)\\big)`.
    """

    noise: float = eqx.field(static=True)
    grid: tuple = eqx.field(static=True)   # (lowest, highest, points) of the 1-D grid in theta_1
    shape = (2,)
    condition_shape = (1,)

    def _nodes(self, dtype):
        low, high, points = self.grid
        return jnp.linspace(low, high, points, dtype=dtype)

    def _log_marginal_terms(self, x):
        """:math:`\\log[\\varphi(t)\\,\\mathcal N(x; 0, t^2+\\sigma^2)]` on the grid nodes: ``(..., points)``."""
        t = self._nodes(x.dtype)
        variance = t ** 2 + self.noise ** 2
        return (-0.5 * t ** 2 - 0.5 * x ** 2 / variance - 0.5 * jnp.log(variance) - _LOG_2PI)

    def log_normaliser(self, x) -> Array:
        """:math:`\\log Z(x)` for observations ``(..., 1)``: shape ``(...)``."""
        x = _as_points(x, 1, "observations", "BilinearPosterior.log_normaliser")
        terms = self._log_marginal_terms(x)
        step = (self.grid[1] - self.grid[0]) / (self.grid[2] - 1)
        trapezoid = jnp.full(self.grid[2], math.log(step), x.dtype).at[jnp.array([0, -1])].add(-math.log(2.0))
        return jax.scipy.special.logsumexp(terms + trapezoid, axis=-1)

    def _log_prob(self, theta, x):
        t1, t2, x = theta[..., 0], theta[..., 1], x[..., 0]
        log_joint = (-0.5 * (t1 ** 2 + t2 ** 2) - _LOG_2PI
                     - 0.5 * ((x - t1 * t2) / self.noise) ** 2 - math.log(self.noise) - 0.5 * _LOG_2PI)
        return log_joint - self.log_normaliser(x[..., None])

    def _sample_given(self, key, x):
        k1, k2 = jr.split(key)
        terms = self._log_marginal_terms(x)                                   # (..., points)
        density = jnp.exp(terms - terms.max(-1, keepdims=True))
        cdf = jnp.cumsum(0.5 * (density[..., 1:] + density[..., :-1]), -1)
        cdf = jnp.concatenate([jnp.zeros_like(cdf[..., :1]), cdf], -1) / cdf[..., -1:]
        u = jr.uniform(k1, x.shape, x.dtype)
        nodes = self._nodes(x.dtype)
        flat_u, flat_cdf = u.reshape(-1), cdf.reshape(-1, cdf.shape[-1])
        t1 = jax.vmap(lambda ui, ci: jnp.interp(ui, ci, nodes))(flat_u, flat_cdf).reshape(x.shape)
        precision = t1 ** 2 + self.noise ** 2                                 # theta_2 | theta_1, x
        t2 = t1 * x / precision + self.noise / jnp.sqrt(precision) * jr.normal(k2, x.shape, x.dtype)
        return jnp.concatenate([t1, t2], -1)


class Bilinear(eqx.Module):
    """A simulator with a non-Gaussian posterior known to quadrature accuracy.

    .. math::  \\theta \\sim \\mathcal N(0, I_2), \\qquad x = \\theta_1\\theta_2 + \\sigma\\varepsilon .

    Only the product is observed, so the posterior lies along the hyperbola
    :math:`\\theta_1\\theta_2 = x`: two separate branches when :math:`|x|` is large, a cross
    near :math:`x = 0`, and symmetric under :math:`\\theta \\to -\\theta`. :attr:`posterior` is a
    :class:`BilinearPosterior`.

    Args:
        noise: :math:`\\sigma`; grid: ``(lowest, highest, points)`` of the quadrature in :math:`\\theta_1`.
    """

    noise: float = eqx.field(static=True)
    posterior: BilinearPosterior

    def __init__(self, noise: float = 0.3, grid: tuple = (-8.0, 8.0, 1601)):
        if not noise > 0:
            raise ValueError(f"Bilinear expects noise > 0, got {noise!r}.")
        low, high, points = grid
        if not (high > low and int(points) >= 3):
            raise ValueError(f"Bilinear expects grid=(lowest, highest, points) with highest > lowest "
                             f"and points >= 3, got {grid!r}.")
        self.noise = float(noise)
        self.posterior = BilinearPosterior(self.noise, (float(low), float(high), int(points)))

    parameter_shape = (2,)
    observation_shape = (1,)

    def simulate(self, key: Array, theta) -> Array:
        """One observation per parameter: ``(..., 2) -> (..., 1)``."""
        theta = _as_points(theta, 2, "parameters", "Bilinear.simulate")
        product = theta[..., :1] * theta[..., 1:]
        return product + self.noise * jr.normal(key, product.shape, theta.dtype)

    def sample(self, key: Array, n: int) -> tuple[Array, Array]:
        """``n`` pairs ``(theta (n, 2), x (n, 1))`` from the joint."""
        n = _check_n(n, "Bilinear.sample")
        k_theta, k_x = jr.split(key)
        theta = jr.normal(k_theta, (n, 2))
        return theta, self.simulate(k_x, theta)


def _gaussian_log_prob(x, mean, cov) -> Array:
    x = jnp.asarray(x)
    precision, (_, log_det) = np.linalg.inv(cov), np.linalg.slogdet(cov)
    r = x - jnp.asarray(mean, x.dtype)
    return (-0.5 * jnp.einsum("...i,ij,...j->...", r, jnp.asarray(precision, x.dtype), r)
            - 0.5 * log_det - 0.5 * len(mean) * _LOG_2PI)


def conditional_kl(key: Array, target: ConditionalDensity, model, conditions, n: int = 2000
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Monte Carlo :math:`\\mathrm{KL}(p(\\cdot \\mid c)\\,\\|\\,q(\\cdot \\mid c))` for every context.

    Args:
        key: PRNG key for the draws from ``target``.
        target: the exact conditional (``sample_given`` and ``log_prob``).
        model: a conditional flow (``log_prob(value, condition)``).
        conditions: ``(m, k)`` contexts.
        n: draws per context.

    Returns:
        ``(kl, standard_error)``, each ``(m,)``: the mean of :math:`\\log p - \\log q` over the
        ``n`` draws at each context, and its standard deviation over :math:`\\sqrt n`.
    """
    n = _check_n(n, "conditional_kl")
    conditions = _as_points(conditions, target.condition_shape[0], "conditions", "conditional_kl")
    if conditions.ndim != 2:
        raise ValueError(f"conditional_kl expects conditions of shape (m, {target.condition_shape[0]}), "
                         f"but got shape {conditions.shape}.")
    values = target.sample_given(key, conditions, n)                       # (n, m, d)
    paired = jnp.broadcast_to(conditions, values.shape[:-1] + conditions.shape[-1:])
    gap = np.asarray(target.log_prob(values, paired)) - np.asarray(jit_log_prob(model, values, paired))
    return gap.mean(axis=0), gap.std(axis=0) / math.sqrt(n)
