"""Invertible residual layer (i-ResNet, Behrmann et al. 2019).

.. math::  y = T(x) = x + g(x), \\qquad \\operatorname{Lip}(g) \\le c < 1 .

**Why it is invertible.** For a given :math:`y`, :math:`x` solves the fixed-point equation
:math:`x = y - g(x)`. The map :math:`x \\mapsto y - g(x)` is a contraction with constant
:math:`c`, so (Banach) the iteration

.. math::  x_0 = y, \\qquad x_{k+1} = y - g(x_k)

converges to the unique solution, geometrically: :math:`\\|x_k - x^\\star\\| \\le
\\tfrac{c^k}{1-c}\\|x_1 - x_0\\|`, hence about :math:`\\log(\\text{tol}) / \\log c` iterations.
We stop once :math:`\\tfrac{c}{1-c}\\|x_{k+1} - x_k\\| \\le \\text{tol}\\,(1 + \\|y\\|)`, which
bounds the remaining error by the same amount. At :math:`c \\ge 1` nothing is guaranteed.

**How Lip(g) < c is enforced.** :math:`g` is an MLP with 1-Lipschitz activations (tanh) and
:math:`L` linear layers; each weight is spectrally normalised,
:math:`\\tilde W = W \\min(1, c^{1/L} / \\hat\\sigma(W))`, with :math:`\\hat\\sigma(W)` the
largest singular value: computed exactly (an SVD; cheap for small layers), or estimated by
``n_power_iterations`` steps of power iteration (:func:`spectral_norm`) as i-ResNet does for
large ones. Then :math:`\\operatorname{Lip}(g) \\le \\prod_l \\|\\tilde W_l\\|_2 \\le c`, exactly
with the SVD and up to the power iteration's convergence otherwise (it approaches
:math:`\\sigma` from below, so an unconverged estimate lets :math:`c` be exceeded slightly). (i-ResNet normalises each
layer to :math:`c`; dividing the budget over the layers makes ``lipschitz`` the bound on
:math:`g` itself.)

**The log-determinant.** :math:`\\log|\\det(I + J_g(x))|`, exactly with ``slogdet`` (fine in
low dimension), or by the power series that i-ResNet uses in high dimension,

.. math::  \\log\\det(I + J_g) = \\operatorname{tr}\\log(I + J_g)
           = \\sum_{k=1}^{\\infty} \\frac{(-1)^{k+1}}{k} \\operatorname{tr}(J_g^k),

which converges because :math:`\\|J_g\\| \\le c < 1` (truncation error
:math:`\\le d\\, c^{n+1} / ((n+1)(1-c))`), with the traces either exact or estimated by
Hutchinson's :math:`\\operatorname{tr}(A) = \\mathbb E[v^\\top A v]` for Rademacher probes
:math:`v`, using only Jacobian-vector products. Truncation makes the series estimate biased
(Chen et al. 2019's residual flows remove the bias with a random truncation).
"""

from __future__ import annotations

import math
from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jax import Array

from ..parameters import Frozen
from .base import Bijector

LOG_DET_METHODS = ("exact", "series")


def spectral_norm(weight: Array, u0: Array, n_iterations: int) -> Array:
    """The largest singular value of ``weight`` by ``n_iterations`` of power iteration from
    ``u0`` (an output-space vector): :math:`v \\propto W^\\top u,\\ u \\propto W v,\\ \\hat\\sigma =
    u^\\top W v`. Underestimates :math:`\\sigma` until converged; gradients do not flow
    through the singular vectors (as in spectral normalisation, Miyato et al. 2018)."""
    def step(_, u):
        v = weight.T @ u
        v = v / (jnp.linalg.norm(v) + 1e-30)
        u = weight @ v
        return u / (jnp.linalg.norm(u) + 1e-30)

    u = jax.lax.stop_gradient(jax.lax.fori_loop(0, n_iterations, step, u0 / jnp.linalg.norm(u0)))
    v = weight.T @ u
    v = jax.lax.stop_gradient(v / (jnp.linalg.norm(v) + 1e-30))
    return u @ weight @ v


def fixed_point_inverse(g: Callable[[Array], Array], y: Array, *, lipschitz: float, tol: float,
                        max_iterations: int) -> tuple[Array, Array, Array]:
    """Solve :math:`x + g(x) = y` by :math:`x \\leftarrow y - g(x)` from :math:`x = y`.

    Returns ``(x, n_iterations, converged)``; converged means
    :math:`\\tfrac{c}{1-c}\\|x_{k+1} - x_k\\| \\le \\text{tol}(1 + \\|y\\|)` with :math:`c` =
    ``lipschitz`` (the a-posteriori error bound of a contraction), reached within ``max_iterations``.
    """
    if not 0 < lipschitz < 1:
        raise ValueError(f"the fixed-point iteration needs a Lipschitz constant in (0, 1), got {lipschitz}.")
    factor = lipschitz / (1 - lipschitz)
    threshold = tol * (1 + jnp.linalg.norm(y))

    def not_done(state):
        _, k, step = state
        return (factor * step > threshold) & (k < max_iterations)

    def iterate(state):
        x, k, _ = state
        x_new = y - g(x)
        return x_new, k + 1, jnp.linalg.norm(x_new - x)

    x, k, step = jax.lax.while_loop(not_done, iterate, (y, jnp.array(0), jnp.array(jnp.inf, y.dtype)))
    return x, k, factor * step <= threshold


def log_det_series(jacobian: Array, n_terms: int) -> Array:
    """:math:`\\sum_{k=1}^{n} (-1)^{k+1} \\operatorname{tr}(J^k)/k` with exact traces."""
    def term(carry, k):
        power = carry @ jacobian
        return power, (-1.0) ** (k + 1) * jnp.trace(power) / k

    eye = jnp.eye(jacobian.shape[0], dtype=jacobian.dtype)
    _, terms = jax.lax.scan(term, eye, jnp.arange(1, n_terms + 1, dtype=jacobian.dtype))
    return jnp.sum(terms)


def log_det_hutchinson(jvp: Callable[[Array], Array], probes: Array, n_terms: int) -> Array:
    """The series with Hutchinson traces: mean over probes :math:`v` of
    :math:`\\sum_k (-1)^{k+1} v^\\top J^k v / k`, using only products ``jvp(w) = J w``."""
    def one_probe(v):
        def term(w, k):
            w = jvp(w)
            return w, (-1.0) ** (k + 1) * (v @ w) / k

        _, terms = jax.lax.scan(term, v, jnp.arange(1, n_terms + 1, dtype=v.dtype))
        return jnp.sum(terms)

    return jnp.mean(jax.vmap(one_probe)(probes))


class InvertibleResidual(Bijector):
    """:math:`y = x + g(x)` with a spectrally normalised MLP :math:`g`, :math:`\\operatorname{Lip}(g)
    \\le` ``lipschitz`` < 1, on vectors of shape ``(d,)``.

    Args:
        key: PRNG key (weights, power-iteration start vectors, Hutchinson probes).
        shape: ``(d,)``.
        lipschitz: the bound :math:`c` on :math:`\\operatorname{Lip}(g)`, in (0, 1).
        nn_width, nn_depth: hidden units per layer and hidden layers of :math:`g`.
        n_power_iterations: ``None`` (default): exact spectral norms (SVD); an integer: that
            many power-iteration steps per spectral norm, run at every call.
        log_det: ``"exact"`` (``slogdet``) or ``"series"`` (truncated power series).
        n_series_terms: terms of the series.
        n_probes: Hutchinson probes for the series' traces (``0``: exact traces). The probes
            are drawn once, so the layer is a deterministic function.
        tol: fixed-point tolerance (default 1e-11 in float64, 1e-5 in float32).
        max_iterations: the inverse raises an error if it has not converged by then.
    """

    linears: tuple[eqx.nn.Linear, ...]
    power_vectors: tuple[Frozen, ...]
    probes: Frozen
    shape: tuple[int, ...] = eqx.field(static=True)
    lipschitz: float = eqx.field(static=True)
    n_power_iterations: int | None = eqx.field(static=True)
    log_det: str = eqx.field(static=True)
    n_series_terms: int = eqx.field(static=True)
    tol: float | None = eqx.field(static=True)
    max_iterations: int = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int, ...], lipschitz: float = 0.9,
                 nn_width: int = 32, nn_depth: int = 1, n_power_iterations: int | None = None,
                 log_det: str = "exact", n_series_terms: int = 20, n_probes: int = 0,
                 tol: float | None = None, max_iterations: int = 5000):
        shape = tuple(int(s) for s in shape)
        if len(shape) != 1 or shape[0] < 1:
            raise ValueError(f"InvertibleResidual acts on vectors of shape (d,), but got shape {shape}.")
        if not 0 < lipschitz < 1:
            raise ValueError(f"lipschitz must be in (0, 1) for the layer to be invertible, got {lipschitz}.")
        if log_det not in LOG_DET_METHODS:
            raise ValueError(f"log_det must be one of {LOG_DET_METHODS}, got {log_det!r}.")
        if nn_width < 1 or nn_depth < 0 or n_series_terms < 1 or n_probes < 0:
            raise ValueError(f"need nn_width >= 1, nn_depth >= 0, n_series_terms >= 1, n_probes >= 0; got "
                             f"{nn_width}, {nn_depth}, {n_series_terms}, {n_probes}.")
        d = shape[0]
        self.shape, self.lipschitz = shape, float(lipschitz)
        self.n_power_iterations = None if n_power_iterations is None else int(n_power_iterations)
        self.log_det = log_det
        self.n_series_terms, self.tol, self.max_iterations = int(n_series_terms), tol, int(max_iterations)
        sizes = [d] + [nn_width] * nn_depth + [d]
        keys = jr.split(key, 2 * len(sizes))
        dtype = jnp.result_type(float)
        self.linears = tuple(eqx.nn.Linear(n_in, n_out, key=k, dtype=dtype)
                             for n_in, n_out, k in zip(sizes[:-1], sizes[1:], keys))
        self.power_vectors = tuple(Frozen(jr.normal(k, (n_out,), dtype))
                                   for n_out, k in zip(sizes[1:], keys[len(sizes):]))
        self.probes = Frozen(jr.rademacher(keys[-1], (n_probes, d), dtype))

    # ---- the residual branch -----------------------------------------------------
    def normalised_weights(self) -> tuple[Array, ...]:
        """:math:`\\tilde W_l = W_l \\min(1, c^{1/L} / \\hat\\sigma(W_l))` for every layer."""
        per_layer = self.lipschitz ** (1.0 / len(self.linears))
        out = []
        for linear, u0 in zip(self.linears, self.power_vectors):
            if self.n_power_iterations is None:
                sigma = jnp.linalg.norm(linear.weight, ord=2)
            else:
                sigma = spectral_norm(linear.weight, u0.get(), self.n_power_iterations)
            out.append(linear.weight * jnp.minimum(1.0, per_layer / sigma))
        return tuple(out)

    def residual(self, x: Array) -> Array:
        """:math:`g(x)`, the branch added to the identity."""
        h = x
        weights = self.normalised_weights()
        for k, (w, linear) in enumerate(zip(weights, self.linears)):
            h = w @ h + linear.bias
            if k < len(weights) - 1:
                h = jnp.tanh(h)
        return h

    def residual_jacobian(self, x: Array) -> Array:
        """:math:`J_g(x)` (d x d), by forward-mode autodiff."""
        return jax.jacfwd(self.residual)(self._check(x, "residual_jacobian"))

    def log_det_at(self, x: Array, method: str | None = None, n_terms: int | None = None) -> Array:
        """:math:`\\log|\\det(I + J_g(x))|` by ``method`` (default: the layer's own)."""
        method = self.log_det if method is None else method
        n_terms = self.n_series_terms if n_terms is None else n_terms
        if method == "exact":
            return jnp.linalg.slogdet(jnp.eye(x.shape[0], dtype=x.dtype) + jax.jacfwd(self.residual)(x))[1]
        if method != "series":
            raise ValueError(f"method must be one of {LOG_DET_METHODS}, got {method!r}.")
        probes = self.probes.get()
        if probes.shape[0] == 0:
            return log_det_series(jax.jacfwd(self.residual)(x), n_terms)
        jvp = lambda w: jax.jvp(self.residual, (x,), (w,))[1]  # noqa: E731
        return log_det_hutchinson(jvp, probes.astype(x.dtype), n_terms)

    # ---- the bijector ------------------------------------------------------------
    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return x + self.residual(x), self.log_det_at(x)

    def inverse_with_iterations(self, y: Array) -> tuple[Array, Array, Array]:
        """``(x, n_iterations, converged)`` of the fixed-point inverse (no error raised)."""
        y = self._check(y, "inverse_with_iterations")
        tol = self.tol if self.tol is not None else (1e-11 if y.dtype == jnp.float64 else 1e-5)
        return fixed_point_inverse(self.residual, y, lipschitz=self.lipschitz, tol=tol,
                                   max_iterations=self.max_iterations)

    def _inverse(self, y: Array) -> Array:
        x, n_iterations, converged = self.inverse_with_iterations(y)
        return eqx.error_if(x, ~converged, f"InvertibleResidual: the fixed-point inverse did not reach "
                                            f"its tolerance in {self.max_iterations} iterations.")

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        x = self._inverse(y)
        return x, -self.log_det_at(x)


def iterations_bound(lipschitz: float, tol: float) -> float:
    """:math:`\\log(\\text{tol}) / \\log c`: the iterations a contraction with constant :math:`c`
    needs to shrink an error by the factor ``tol``."""
    return math.log(tol) / math.log(lipschitz)
