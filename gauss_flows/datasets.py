"""Toy densities (most of them two-dimensional) that can both sample and give their exact log-density.

A fitted flow is only as convincing as the yardstick it is measured with. Every data set
here knows its own density, so a flow's quality can be printed as a number: the forward
Kullback-Leibler divergence

.. math::  \\mathrm{KL}(p\\,\\|\\,q) = \\mathbb E_{x\\sim p}[\\log p(x) - \\log q(x)]
           \\approx \\frac1n \\sum_{i=1}^n \\log p(x_i) - \\log q(x_i),

estimated by :func:`kl_divergence` on fresh samples, with its Monte Carlo standard error.

Most shapes are a curve :math:`c(t)` blurred by isotropic Gaussian noise:
:math:`x = c(t) + \\sigma\\varepsilon`, :math:`t \\sim p(t)`, :math:`\\varepsilon\\sim\\mathcal N(0, I)`,
whose density is the integral over the latent curve parameter

.. math::  p(x) = \\int p(t)\\, \\mathcal N\\big(x;\\ c(t),\\ \\sigma^2 I\\big)\\, dt .

For circles the integral has a closed form (a Bessel function, :class:`Rings`); for arcs
and spirals it is computed by composite Gauss-Legendre quadrature on panels of constant
arc length :math:`\\sigma`, so that each panel sees a nearly polynomial piece of the
Gaussian bump, summed in log space. Its relative error is below 1e-9 wherever
:math:`p(x) > e^{-25}\\max p` (checked against a quadrature eight times finer in the tests);
far out in the tails, where the bump seen from :math:`x` gets narrower than a panel, the
log-density stays finite but loses digits.

Shapes: :class:`TwoMoons`, :class:`Spiral`, :class:`Rings`, :class:`Checkerboard`,
:class:`RingOfGaussians` and its classic instance :class:`EightGaussians`; wide and heavy-tailed
ones that a flow's defaults must survive: :class:`Banana` (a long arm), :class:`StudentT`
(power-law tails); and :class:`RotatedProduct`, an 8-dimensional density built from them.
"""

from __future__ import annotations

import functools
import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from .distributions import jit_log_prob
from jax import Array
from jax.scipy.special import i0e, logsumexp

__all__ = ["ToyDensity", "TwoMoons", "Spiral", "Rings", "Checkerboard", "RingOfGaussians",
           "EightGaussians", "Banana", "StudentT", "RotatedProduct", "kl_divergence", "SKEWED_BIMODAL", "skewed_bimodal_pdf",
           "skewed_bimodal_cdf", "sample_skewed_bimodal", "tilted_square", "correlated_gaussian"]

_LOG_2PI = math.log(2.0 * math.pi)


class ToyDensity(eqx.Module):
    """A density on vectors of ``shape = (d,)`` (2-D unless a subclass says otherwise) with
    ``sample(key, n) -> (n, d)`` and a batched exact ``log_prob``."""

    shape = (2,)

    def sample(self, key: Array, n: int) -> Array:
        """``n`` independent samples, an array of shape ``(n, d)``."""
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{type(self).__name__}.sample expects a positive integer n, got {n!r}.")
        return self._sample(key, int(n))

    def log_prob(self, x) -> Array:
        """:math:`\\log p(x)` for ``x`` of shape ``(..., d)``; returns shape ``(...)``."""
        x = jnp.asarray(x)
        d = self.shape[-1]
        if x.ndim == 0 or x.shape[-1] != d:
            raise ValueError(f"{type(self).__name__}.log_prob expects points of shape (..., {d}), "
                             f"but got an array of shape {x.shape}.")
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.result_type(float))
        flat = x.reshape(-1, d)
        return self._log_prob(flat).reshape(x.shape[:-1])

    def prob(self, x) -> Array:
        """:math:`p(x)`."""
        return jnp.exp(self.log_prob(x))

    def _sample(self, key: Array, n: int) -> Array:
        raise NotImplementedError

    def _log_prob(self, x: Array) -> Array:
        raise NotImplementedError


def _check_positive(name: str, value: float, owner: str) -> None:
    if not value > 0:
        raise ValueError(f"{owner} expects {name} > 0, got {value!r}.")


# ---- noisy curves: quadrature over the latent curve parameter ----------------------------

def _arm(t: np.ndarray) -> np.ndarray:
    """One spiral arm, radius t / pi at angle t."""
    return np.stack([-t * np.cos(t), t * np.sin(t)], -1) / math.pi


# name -> (curves as functions of t, density of t, interval of t); the curves of one shape are
# equally likely and isometric images of each other, so one set of t-nodes serves them all
_CURVES = {
    "moons": lambda: (
        [lambda t: np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], -1),
         lambda t: np.stack([0.5 - np.cos(t), 0.25 - np.sin(t)], -1)],
        lambda t, t_max: np.full_like(t, 1.0 / t_max), math.pi),
    # t = t_max sqrt(u) spreads points evenly along an arm: p(t) = 2 t / t_max^2
    "spiral": lambda: ([_arm, lambda t: -_arm(t)], lambda t, t_max: 2.0 * t / t_max**2, None),
}


@functools.lru_cache(maxsize=32)
def _curve_quadrature(name: str, t_max: float | None, noise: float, refine: float = 0.5):
    """Nodes ``c_j(t_i)`` and log-weights ``log(w_i p(t_i) / n_curves)``, float64 numpy.

    Panel edges are equally spaced in arc length (spacing ``noise / (2 refine)``, one noise
    width by default) with 8 Gauss-Legendre nodes per panel: each panel then sees a nearly
    polynomial piece of the Gaussian bump, whatever the curve's speed.
    """
    curves, density, default_t_max = _CURVES[name]()
    t_max = default_t_max if t_max is None else t_max
    fine = np.linspace(0.0, t_max, 20_001)
    steps = np.linalg.norm(np.diff(curves[0](fine), axis=0), axis=1)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    n_panels = max(8, int(math.ceil(arc[-1] / (0.5 * noise / refine))))
    edges = np.interp(np.linspace(0.0, arc[-1], n_panels + 1), arc, fine)
    u, w = np.polynomial.legendre.leggauss(8)
    lo, hi = edges[:-1, None], edges[1:, None]
    t = (0.5 * (hi - lo) * u + 0.5 * (hi + lo)).ravel()
    log_w = np.log((0.5 * (hi - lo) * w).ravel() * density(t, t_max)) - math.log(len(curves))
    nodes = np.concatenate([c(t) for c in curves], 0)
    return nodes, np.tile(log_w, len(curves))


@functools.partial(jax.jit, static_argnames="noise")
def _log_noisy_curve(x: Array, nodes: Array, log_weights: Array, noise: float) -> Array:
    """:math:`\\log \\sum_i w_i\\, \\mathcal N(x; c_i, \\sigma^2 I)` for a batch ``x`` of shape (n, 2)."""
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2 turns the work into one matrix product per chunk
    # (the cancellation costs ~1e-12 in float64, which the quadrature runs in when enabled)
    dtype = x.dtype
    x, nodes, log_weights = (jnp.asarray(a, jnp.result_type(float)) for a in (x, nodes, log_weights))
    offset = log_weights - 0.5 * jnp.sum(nodes**2, -1) / noise**2
    log_norm = -_LOG_2PI - 2.0 * math.log(noise)

    def one(point):
        scores = (nodes @ point - 0.5 * point @ point) / noise**2 + offset
        return logsumexp(scores) + log_norm

    return jax.lax.map(one, x, batch_size=1024).astype(dtype)


class _NoisyCurves(ToyDensity):
    def _quadrature_log_prob(self, x, name, t_max, refine=0.5):
        nodes, log_w = _curve_quadrature(name, t_max, float(self.noise), refine)
        return _log_noisy_curve(x, jnp.asarray(nodes, x.dtype), jnp.asarray(log_w, x.dtype),
                                float(self.noise))


class TwoMoons(_NoisyCurves):
    """Two interleaved half circles of radius 1, centred on the origin, blurred by noise.

    Upper moon :math:`(\\cos t - \\tfrac12,\\ \\sin t - \\tfrac14)`, lower moon
    :math:`(\\tfrac12 - \\cos t,\\ \\tfrac14 - \\sin t)`, :math:`t \\sim U(0, \\pi)`, each moon
    with probability 1/2, plus :math:`\\mathcal N(0, \\text{noise}^2 I)` (scikit-learn's
    ``make_moons`` shifted by (-1/2, -1/4)). ``log_prob`` integrates over :math:`t`.
    """

    noise: float = eqx.field(static=True, default=0.05)

    def __check_init__(self):
        _check_positive("noise", self.noise, "TwoMoons")

    def _sample(self, key, n):
        k_t, k_moon, k_noise = jr.split(key, 3)
        t = jr.uniform(k_t, (n,), maxval=math.pi)
        upper = jnp.stack([jnp.cos(t) - 0.5, jnp.sin(t) - 0.25], -1)
        flip = jr.bernoulli(k_moon, 0.5, (n, 1))
        centre = jnp.where(flip, -upper, upper)  # the lower moon is the upper one turned by pi
        return centre + self.noise * jr.normal(k_noise, (n, 2))

    def _log_prob(self, x):
        return self._quadrature_log_prob(x, "moons", None)


class Spiral(_NoisyCurves):
    """Two interleaved spiral arms :math:`\\pm (t/\\pi)(-\\cos t,\\ \\sin t)`, blurred by noise.

    :math:`t = t_{\\max}\\sqrt{u}`, :math:`u\\sim U(0,1)`, :math:`t_{\\max} = 2\\pi\\,\\text{turns}`
    (so points are spread evenly along the arm, :math:`p(t) = 2t/t_{\\max}^2`); each arm
    with probability 1/2, plus :math:`\\mathcal N(0, \\text{noise}^2 I)`. With the default
    1.5 turns the outer end sits at radius 3.
    """

    noise: float = eqx.field(static=True, default=0.1)
    turns: float = eqx.field(static=True, default=1.5)

    def __check_init__(self):
        _check_positive("noise", self.noise, "Spiral")
        _check_positive("turns", self.turns, "Spiral")

    def _sample(self, key, n):
        k_t, k_arm, k_noise = jr.split(key, 3)
        t = 2.0 * math.pi * self.turns * jnp.sqrt(jr.uniform(k_t, (n,)))
        arm = jnp.stack([-t * jnp.cos(t), t * jnp.sin(t)], -1) / math.pi
        sign = jnp.where(jr.bernoulli(k_arm, 0.5, (n, 1)), -1.0, 1.0)
        return sign * arm + self.noise * jr.normal(k_noise, (n, 2))

    def _log_prob(self, x):
        return self._quadrature_log_prob(x, "spiral", 2.0 * math.pi * self.turns)


class Rings(ToyDensity):
    """Concentric circles of the given radii blurred by noise; exact closed-form density.

    A point is uniform on circle :math:`k` (chosen with probability ``weights[k]``, by default
    proportional to the radius: uniform along the total length) plus noise. Averaging the
    Gaussian over the angle gives, with :math:`\\rho = |x|`,

    .. math::  p_k(x) = \\frac{1}{2\\pi\\sigma^2}\\,
               e^{-(\\rho^2 + r_k^2)/2\\sigma^2}\\, I_0\\!\\left(\\frac{\\rho r_k}{\\sigma^2}\\right),

    evaluated as :math:`-(\\rho-r_k)^2/2\\sigma^2 + \\log \\mathrm{i0e}(\\rho r_k/\\sigma^2)` so it
    never overflows.
    """

    radii: tuple = eqx.field(static=True, default=(1.0, 2.0, 3.0))
    noise: float = eqx.field(static=True, default=0.1)
    weights: tuple | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        _check_positive("noise", self.noise, "Rings")
        if len(self.radii) == 0 or min(self.radii) <= 0:
            raise ValueError(f"Rings expects a non-empty tuple of positive radii, got {self.radii!r}.")
        if self.weights is not None and (len(self.weights) != len(self.radii) or min(self.weights) < 0):
            raise ValueError(f"Rings expects {len(self.radii)} non-negative weights (one per radius), "
                             f"got {self.weights!r}.")

    def _probabilities(self):
        w = np.asarray(self.radii if self.weights is None else self.weights, dtype=np.float64)
        return w / w.sum()

    def _sample(self, key, n):
        k_ring, k_angle, k_noise = jr.split(key, 3)
        ring = jr.choice(k_ring, len(self.radii), (n,), p=jnp.asarray(self._probabilities()))
        radius = jnp.asarray(self.radii)[ring]
        angle = jr.uniform(k_angle, (n,), maxval=2.0 * math.pi)
        centre = radius[:, None] * jnp.stack([jnp.cos(angle), jnp.sin(angle)], -1)
        return centre + self.noise * jr.normal(k_noise, (n, 2))

    def _log_prob(self, x):
        rho = jnp.linalg.norm(x, axis=-1, keepdims=True)
        r = jnp.asarray(self.radii, x.dtype)
        s2 = self.noise**2
        log_ring = -0.5 * (rho - r) ** 2 / s2 + jnp.log(i0e(rho * r / s2)) - _LOG_2PI - math.log(s2)
        return logsumexp(log_ring + jnp.log(jnp.asarray(self._probabilities(), x.dtype)), axis=-1)


class Checkerboard(ToyDensity):
    """Uniform on the 8 dark squares of a 4x4 checkerboard covering :math:`[-2, 2)^2`.

    The density is exact and piecewise constant: :math:`\\log p = -\\log 8` on the support
    (unit squares :math:`[i, i+1) \\times [j, j+1)`, :math:`i, j \\in \\{-2,\\dots,1\\}`,
    :math:`i + j` even) and :math:`-\\infty` outside. A flow has full support, so its
    forward KL to this target is finite but its reverse KL is not.
    """

    def _sample(self, key, n):
        k_cell, k_offset = jr.split(key)
        cell = jr.randint(k_cell, (n,), 0, 8)
        row = cell // 2
        col = 2 * (cell % 2) + (row % 2)  # dark squares: row + col even
        corner = jnp.stack([col, row], -1).astype(jnp.result_type(float)) - 2.0
        return corner + jr.uniform(k_offset, (n, 2))

    def _log_prob(self, x):
        cell = jnp.floor(x)
        inside = jnp.all((x >= -2.0) & (x < 2.0), axis=-1)
        dark = jnp.mod(cell[:, 0] + cell[:, 1], 2) == 0
        return jnp.where(inside & dark, -math.log(8.0), -jnp.inf).astype(x.dtype)


class RingOfGaussians(ToyDensity):
    """An equal-weight mixture of ``n_modes`` isotropic Gaussians on a circle.

    Means :math:`r(\\cos(2\\pi k/n), \\sin(2\\pi k/n))`, standard deviation ``std``;
    :math:`\\log p(x) = \\log\\frac1n\\sum_k \\mathcal N(x;\\mu_k, \\text{std}^2 I)`, exact.
    """

    n_modes: int = eqx.field(static=True, default=8)
    radius: float = eqx.field(static=True, default=2.0)
    std: float = eqx.field(static=True, default=0.25)

    def __check_init__(self):
        if self.n_modes < 1:
            raise ValueError(f"{type(self).__name__} expects n_modes >= 1, got {self.n_modes!r}.")
        _check_positive("radius", self.radius, type(self).__name__)
        _check_positive("std", self.std, type(self).__name__)

    @property
    def means(self) -> Array:
        angle = 2.0 * math.pi * jnp.arange(self.n_modes) / self.n_modes
        return self.radius * jnp.stack([jnp.cos(angle), jnp.sin(angle)], -1)

    def _sample(self, key, n):
        k_mode, k_noise = jr.split(key)
        mode = jr.randint(k_mode, (n,), 0, self.n_modes)
        return self.means[mode] + self.std * jr.normal(k_noise, (n, 2))

    def _log_prob(self, x):
        sq = jnp.sum((x[:, None, :] - self.means.astype(x.dtype)) ** 2, axis=-1)
        log_mode = -0.5 * sq / self.std**2 - _LOG_2PI - 2.0 * math.log(self.std)
        return logsumexp(log_mode, axis=-1) - math.log(self.n_modes)


class EightGaussians(RingOfGaussians):
    """The classic 8-mode benchmark: :class:`RingOfGaussians` with ``n_modes=8``."""

    def __check_init__(self):
        if self.n_modes != 8:
            raise ValueError(f"EightGaussians has 8 modes, got n_modes={self.n_modes}; "
                             "use RingOfGaussians(n_modes=...) for another number.")


# ---- wide and heavy-tailed densities: what a flow's fixed interval and defaults must survive ----

class Banana(ToyDensity):
    """A banana with a long arm: :math:`x_1 \\sim \\mathcal N(0, s^2)`,
    :math:`x_2 \\mid x_1 \\sim \\mathcal N(b\\,x_1^2,\\ \\sigma^2)`, exact:

    .. math::  \\log p(x) = \\log \\mathcal N(x_1; 0, s^2) + \\log \\mathcal N(x_2;\\ b x_1^2,\\ \\sigma^2).

    With the defaults (``spread`` :math:`s = 2`, ``curvature`` :math:`b = 0.5`, ``noise``
    :math:`\\sigma = 0.5`) the arms reach :math:`x_2 \\approx 18` at :math:`x_1 = \\pm 3s`: far
    beyond a spline's interval of :math:`\\pm 4` on unscaled data.
    """

    spread: float = eqx.field(static=True, default=2.0)
    curvature: float = eqx.field(static=True, default=0.5)
    noise: float = eqx.field(static=True, default=0.5)

    def __check_init__(self):
        _check_positive("spread", self.spread, "Banana")
        _check_positive("noise", self.noise, "Banana")

    def _sample(self, key, n):
        k1, k2 = jr.split(key)
        x1 = self.spread * jr.normal(k1, (n,))
        x2 = self.curvature * x1**2 + self.noise * jr.normal(k2, (n,))
        return jnp.stack([x1, x2], -1)

    def _log_prob(self, x):
        x1, x2 = x[:, 0], x[:, 1]
        return (_log_normal(x1, 0.0, self.spread)
                + _log_normal(x2, self.curvature * x1**2, self.noise))


class StudentT(ToyDensity):
    """A heavy-tailed bivariate Student-t with ``df`` :math:`\\nu` degrees of freedom, scale
    matrix :math:`\\Sigma = s^2 \\begin{pmatrix}1 & \\rho\\\\ \\rho & 1\\end{pmatrix}`:
    :math:`x = z / \\sqrt{w}` with :math:`z \\sim \\mathcal N(0, \\Sigma)`,
    :math:`w \\sim \\chi^2_\\nu/\\nu`, and exactly (:math:`d = 2`)

    .. math::  \\log p(x) = \\log\\Gamma\\!\\left(\\tfrac{\\nu+d}{2}\\right) - \\log\\Gamma\\!\\left(\\tfrac{\\nu}{2}\\right)
               - \\tfrac d2 \\log(\\nu\\pi) - \\tfrac12\\log\\det\\Sigma
               - \\tfrac{\\nu+d}{2}\\log\\!\\left(1 + \\tfrac{x^\\top\\Sigma^{-1}x}{\\nu}\\right).

    Its tails fall like a power, :math:`p \\propto |x|^{-(\\nu+d)}`: with :math:`\\nu = 3` one sample
    in a thousand lies beyond :math:`|x| \\approx 10 s`.
    """

    df: float = eqx.field(static=True, default=3.0)
    scale: float = eqx.field(static=True, default=1.0)
    correlation: float = eqx.field(static=True, default=0.5)

    def __check_init__(self):
        _check_positive("df", self.df, "StudentT")
        _check_positive("scale", self.scale, "StudentT")
        if not -1.0 < self.correlation < 1.0:
            raise ValueError(f"StudentT expects -1 < correlation < 1, got {self.correlation!r}.")

    def _cholesky(self) -> np.ndarray:
        rho = self.correlation
        return self.scale * np.array([[1.0, 0.0], [rho, math.sqrt(1.0 - rho**2)]])

    def _sample(self, key, n):
        k_z, k_w = jr.split(key)
        z = jr.normal(k_z, (n, 2)) @ jnp.asarray(self._cholesky()).T
        w = 2.0 * jr.gamma(k_w, self.df / 2.0, (n,)) / self.df    # chi^2_nu / nu
        return z / jnp.sqrt(w)[:, None]

    def _log_prob(self, x):
        nu, d = self.df, 2
        chol = jnp.asarray(self._cholesky(), x.dtype)
        white = jax.scipy.linalg.solve_triangular(chol, x.T, lower=True).T   # L^{-1} x
        mahalanobis = jnp.sum(white**2, axis=-1)
        log_det = 2.0 * float(np.sum(np.log(np.diag(self._cholesky()))))
        const = (math.lgamma((nu + d) / 2) - math.lgamma(nu / 2) - d / 2 * math.log(nu * math.pi)
                 - 0.5 * log_det)
        return const - (nu + d) / 2 * jnp.log1p(mahalanobis / nu)


class RotatedProduct(ToyDensity):
    """Independent 2-D densities side by side, turned by a fixed rotation :math:`R`:
    :math:`x = R\\,(u_1, \\dots, u_k)`, :math:`u_j \\sim p_j`, a density on :math:`d = 2k`
    dimensions whose coordinates all depend on each other, exact because a rotation has
    :math:`|\\det R| = 1`:

    .. math::  \\log p(x) = \\sum_{j=1}^{k} \\log p_j\\big((R^\\top x)_{2j-1},\\ (R^\\top x)_{2j}\\big).

    ``RotatedProduct()`` is the 8-dimensional one: two moons, a banana, a Student-t and a
    ring of Gaussians, turned by a Haar-random rotation drawn with ``seed``.
    """

    parts: tuple = eqx.field(static=True, default=None)
    seed: int = eqx.field(static=True, default=0)

    def __post_init__(self):
        if self.parts is None:
            self.parts = (TwoMoons(noise=0.05), Banana(), StudentT(), RingOfGaussians())

    def __check_init__(self):
        if not self.parts or not all(isinstance(p, ToyDensity) and tuple(p.shape) == (2,)
                                     for p in self.parts):
            raise ValueError(f"RotatedProduct expects a non-empty tuple of 2-D ToyDensity parts, "
                             f"got {self.parts!r}.")

    @property
    def shape(self) -> tuple[int, ...]:
        return (2 * len(self.parts),)

    @property
    def rotation(self) -> np.ndarray:
        """:math:`R`, Haar-random (QR of a Gaussian matrix, signs fixed), from ``seed``."""
        d = 2 * len(self.parts)
        q, r = np.linalg.qr(np.random.default_rng(self.seed).standard_normal((d, d)))
        return q * np.sign(np.diag(r))

    def _sample(self, key, n):
        u = jnp.concatenate([p.sample(k, n) for p, k in zip(self.parts, jr.split(key, len(self.parts)))],
                            axis=-1)
        return u @ jnp.asarray(self.rotation).T

    def _log_prob(self, x):
        u = x @ jnp.asarray(self.rotation, x.dtype)                      # R^T x, row by row
        return sum(p.log_prob(u[:, 2 * j:2 * j + 2]) for j, p in enumerate(self.parts))


def _log_normal(x, mean, std: float):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std) - 0.5 * _LOG_2PI


# ---- Part 1's 1-D data: a known skewed, bimodal mixture --------------------------------

#: A skewed, bimodal mixture of three Gaussians on the line (weights, means, scales): the data
#: of every marginal-Gaussianization page, so that each estimate meets the true density and CDF.
SKEWED_BIMODAL = dict(weights=np.array([0.5, 0.3, 0.2]), means=np.array([-1.0, 0.8, 2.5]),
                      scales=np.array([0.5, 0.6, 0.8]))


def skewed_bimodal_pdf(x) -> np.ndarray:
    """Density of :data:`SKEWED_BIMODAL`, :math:`\\sum_k w_k\\,\\mathcal N(x; \\mu_k, \\sigma_k^2)`."""
    from scipy.stats import norm

    x = np.asarray(x, dtype=float)[..., None]
    m = SKEWED_BIMODAL
    return np.sum(m["weights"] * norm.pdf(x, m["means"], m["scales"]), axis=-1)


def skewed_bimodal_cdf(x) -> np.ndarray:
    """CDF of :data:`SKEWED_BIMODAL`, :math:`\\sum_k w_k\\,\\Phi((x - \\mu_k)/\\sigma_k)`."""
    from scipy.stats import norm

    x = np.asarray(x, dtype=float)[..., None]
    m = SKEWED_BIMODAL
    return np.sum(m["weights"] * norm.cdf(x, m["means"], m["scales"]), axis=-1)


def sample_skewed_bimodal(seed: int, n: int) -> np.ndarray:
    """``n`` draws from :data:`SKEWED_BIMODAL` (a numpy generator seeded with ``seed``)."""
    rng = np.random.default_rng(seed)
    m = SKEWED_BIMODAL
    component = rng.choice(len(m["weights"]), size=n, p=m["weights"])
    return rng.normal(m["means"][component], m["scales"][component])


# ---- Part 2's 2-D samples for rotations ---------------------------------------------------

def tilted_square(n: int = 2000, tilt: float = 30.0, seed: int = 0) -> np.ndarray:
    """Uniform on the square :math:`[-\\sqrt3, \\sqrt3]^2` (unit variances, so its covariance is the
    identity and PCA sees nothing), turned by ``tilt`` degrees; shape ``(n, 2)``."""
    from .bijectors.rotations import rotation_matrix

    u = np.asarray(jr.uniform(jr.key(seed), (n, 2), minval=-np.sqrt(3.0), maxval=np.sqrt(3.0)))
    return u @ rotation_matrix(tilt).T


def correlated_gaussian(n: int = 2000, rho: float = 0.8, seed: int = 1) -> np.ndarray:
    """``n`` draws of :math:`\\mathcal N(0, [[1, \\rho], [\\rho, 1]])`: its principal axes sit at 45
    degrees; shape ``(n, 2)``."""
    cov = np.array([[1.0, rho], [rho, 1.0]])
    return np.asarray(jr.normal(jr.key(seed), (n, 2))) @ np.linalg.cholesky(cov).T


# ---- how far is a model from the truth -------------------------------------------------

def kl_divergence(key: Array, target: ToyDensity, model, n: int = 20_000) -> tuple[float, float]:
    """Monte Carlo forward KL :math:`\\mathrm{KL}(p\\,\\|\\,q)` and its standard error.

    ``target`` (:math:`p`) must offer ``sample(key, n)`` and ``log_prob``; ``model``
    (:math:`q`, e.g. a fitted flow) must offer a batched ``log_prob``. The estimate is the mean
    of :math:`\\log p(x_i) - \\log q(x_i)` over ``n`` fresh samples :math:`x_i \\sim p`; the
    standard error is their sample standard deviation (``ddof=1``) over :math:`\\sqrt n`.
    """
    x = target.sample(key, n)
    log_q = jit_log_prob(model, x)
    if log_q.shape != (n,):
        raise ValueError(f"model.log_prob should map a batch of shape {x.shape} to shape ({n},), "
                         f"but returned shape {log_q.shape}.")
    gap = target.log_prob(x) - log_q
    return float(jnp.mean(gap)), float(jnp.std(gap, ddof=1) / math.sqrt(n))
