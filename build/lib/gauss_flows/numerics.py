"""Numerics in log space: the standard normal's CDF, its inverse, and a safe 1-D solver.

Flows that Gaussianize data pass values through :math:`\\Phi` and :math:`\\Phi^{-1}`.
Done naively, :math:`\\Phi(x)` rounds to 0 below :math:`x\\approx-38` and to 1 above
:math:`x\\approx 8.3` (float64), and the inverse then returns :math:`\\pm\\infty`.
Working with :math:`\\log\\Phi` keeps every step finite:

* :func:`log_ndtr` :math:`= \\log\\Phi(x)`, accurate for any finite :math:`x`;
* :func:`ndtri_exp` :math:`= \\Phi^{-1}(e^{\\ell})`, the inverse of ``log_ndtr``, accurate for
  :math:`\\ell` down to about :math:`-10^4` (:math:`z\\approx-141`) in float32 and float64;
* :func:`normal_log_pdf` :math:`= \\log\\varphi(x) = -x^2/2 - \\tfrac12\\log 2\\pi`.

:func:`solve_monotone` inverts any increasing scalar map numerically (safeguarded Newton
with bisection); its gradients come from the implicit function theorem
:math:`\\partial x^*/\\partial\\theta = -(\\partial f/\\partial\\theta) / f'(x^*)`, not from
differentiating the iterations.

For teaching, :func:`bisection_trace`, :func:`newton_trace` (unsafeguarded) and
:func:`solve_monotone_trace` run fixed-length loops and return every iterate
(:class:`SolverTrace`); differentiating them differentiates the iterations (unrolled).
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array, lax
from jax.scipy.special import log_ndtr as _log_ndtr
from jax.scipy.special import logsumexp, ndtri

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_LOG_HALF = math.log(0.5)
# below this log-probability exp(log_p) may underflow in float32: start from the tail asymptotics
_TAIL_LOG_P = -20.0
_NEWTON_STEPS = 6
_SERIES_ORDER = 8


def log_ndtr_pair(x: Array) -> tuple[Array, Array]:
    """:math:`(\\log\\Phi(x),\\ \\log\\Phi(-x))`, both to full relative precision, from ONE
    evaluation of the tail series.

    The smaller side :math:`\\log\\Phi(-|x|) \\le \\log\\tfrac12` is ``jax.scipy.special.log_ndtr``
    with 8 instead of 3 terms of its asymptotic series in the far tail (3 leave relative errors
    of ~1e-11 around x = -30 in float64); the larger side is
    :math:`\\operatorname{log1p}(-e^{\\log\\Phi(-|x|)})`, which keeps the relative precision of
    the tiny negative result (``log(ndtr(x))`` loses it between about 5 and 8). A Gaussian-CDF
    map needs both sides (each tail from its own small side), and computing them together
    halves the work and the compiled program.
    """
    x = jnp.asarray(x)
    positive = x > 0
    small_side = _log_ndtr(jnp.where(positive, -x, x), series_order=_SERIES_ORDER)
    large_side = jnp.log1p(-jnp.exp(small_side))
    return jnp.where(positive, large_side, small_side), jnp.where(positive, small_side, large_side)


def log_ndtr(x: Array) -> Array:
    """:math:`\\log\\Phi(x)`, to full relative precision in both tails (see :func:`log_ndtr_pair`)."""
    return log_ndtr_pair(x)[0]


def normal_log_pdf(x: Array) -> Array:
    """:math:`\\log\\varphi(x) = -x^2/2 - \\tfrac12 \\log 2\\pi`."""
    return -0.5 * jnp.square(x) - _HALF_LOG_2PI


@jax.custom_jvp
def ndtri_exp_lower(log_p: Array) -> Array:
    """:math:`z = \\Phi^{-1}(e^{\\ell}) \\le 0` for :math:`\\ell \\le \\log\\tfrac12` (larger values are
    treated as :math:`\\log\\tfrac12`): the lower half of :func:`ndtri_exp`.

    Start from ``ndtri(exp(l))`` or, in the far tail where ``exp`` would underflow, from the
    asymptotic :math:`\\log\\Phi(z) \\approx -z^2/2 - \\log(-z) - \\tfrac12\\log 2\\pi`, i.e.
    :math:`z_0 = -\\sqrt{t - \\log t - \\log 2\\pi}` with :math:`t = -2\\ell`; then Newton steps on
    :math:`\\log\\Phi(z) = \\ell`. :math:`\\log\\Phi` is concave, so Newton converges monotonically.
    The derivative is :math:`dz/d\\ell = \\Phi(z)/\\varphi(z) = e^{\\ell - \\log\\varphi(z)}`.
    """
    log_p = jnp.asarray(log_p)
    if not jnp.issubdtype(log_p.dtype, jnp.floating):
        log_p = log_p.astype(jnp.result_type(float))
    lower = jnp.minimum(log_p, _LOG_HALF)
    # both starts are computed on safe inputs and the right one is picked (no NaN on either path)
    t = -2.0 * jnp.minimum(lower, _TAIL_LOG_P)
    z_tail = -jnp.sqrt(t - jnp.log(t) - 2.0 * _HALF_LOG_2PI)
    z_mid = ndtri(jnp.exp(jnp.maximum(lower, _TAIL_LOG_P)))
    z = jnp.where(lower < _TAIL_LOG_P, z_tail, z_mid)

    def newton(_, z):
        log_cdf = log_ndtr(z)
        slope = jnp.exp(normal_log_pdf(z) - log_cdf)  # d log Phi / dz, the inverse Mills ratio
        return z - (log_cdf - lower) / slope

    return lax.fori_loop(0, _NEWTON_STEPS, newton, z)


@ndtri_exp_lower.defjvp
def _ndtri_exp_lower_jvp(primals, tangents):
    (log_p,), (d_log_p,) = primals, tangents
    z = ndtri_exp_lower(log_p)
    return z, jnp.where(log_p <= _LOG_HALF, jnp.exp(log_p - normal_log_pdf(z)), 0.0) * d_log_p


@jax.custom_jvp
def ndtri_exp(log_p: Array) -> Array:
    """:math:`z = \\Phi^{-1}(e^{\\ell})`, the inverse of :func:`log_ndtr`, for :math:`\\ell \\le 0`.

    Lower half: :func:`ndtri_exp_lower`. Upper half (:math:`\\ell > \\log\\tfrac12`):
    :math:`z = -\\Phi^{-1}(-\\operatorname{expm1}\\ell)`, which keeps the precision of
    :math:`1 - p` when :math:`p` is close to 1.
    The derivative is :math:`dz/d\\ell = \\Phi(z)/\\varphi(z) = e^{\\ell - \\log\\varphi(z)}`.
    """
    log_p = jnp.asarray(log_p)
    if not jnp.issubdtype(log_p.dtype, jnp.floating):
        log_p = log_p.astype(jnp.result_type(float))
    z_upper = -ndtri(-jnp.expm1(jnp.maximum(log_p, _LOG_HALF)))
    return jnp.where(log_p > _LOG_HALF, z_upper, ndtri_exp_lower(log_p))


@ndtri_exp.defjvp
def _ndtri_exp_jvp(primals, tangents):
    (log_p,), (d_log_p,) = primals, tangents
    z = ndtri_exp(log_p)
    return z, jnp.exp(log_p - normal_log_pdf(z)) * d_log_p


def normal_quantile_of_mixture(log_weights: Array, standardized: Array) -> Array:
    """:math:`z = \\Phi^{-1}\\big(\\sum_k w_k \\Phi(u_k)\\big)` over the last axis, in log space.

    :math:`\\log F` and :math:`\\log(1 - F)` are ``logsumexp`` of the components' log-CDFs and
    log-survivals; the quantile is taken from the smaller of the two tail probabilities (at most
    1/2, up to rounding), so :math:`z` stays accurate where :math:`F` itself would round to 0 or 1.
    Shared by the mixture-CDF bijector and the KDE Gaussianizer.
    """
    log_cdf_parts, log_survival_parts = log_ndtr_pair(standardized)
    log_cdf = logsumexp(log_weights + log_cdf_parts, axis=-1)
    log_survival = logsumexp(log_weights + log_survival_parts, axis=-1)
    tail_quantile = ndtri_exp_lower(jnp.minimum(log_cdf, log_survival))
    return jnp.where(log_cdf <= log_survival, tail_quantile, -tail_quantile)


def _value_and_slope(fn, has_derivative: bool):
    """``x -> (f(x), f'(x))``: ``fn`` itself, or ``fn`` with its slope from ``jax.jvp``."""
    if has_derivative:
        return fn
    return lambda x: jax.jvp(fn, (x,), (jnp.ones_like(x),))


def _hybrid_step(value_and_slope, t, tolerance):
    """One iteration of :func:`solve_monotone` (shared with :func:`solve_monotone_trace`)."""

    def step(state):
        i, x, lo, hi, width, step_before, last_step, done = state
        value, slope = value_and_slope(x)
        lo = jnp.where(value <= t, x, lo)
        hi = jnp.where(value >= t, x, hi)
        newton = x - (value - t) / slope
        inside = (newton > lo) & (newton < hi) & jnp.isfinite(newton)
        bracketed = jnp.isfinite(lo) & jnp.isfinite(hi)
        # Newton if it stays in the bracket and at least halves the step before last (else it
        # may crawl, e.g. on exp); otherwise bisect, or expand towards the missing end
        fast = jnp.abs(newton - x) <= 0.5 * jnp.abs(step_before)
        fallback = jnp.where(bracketed, 0.5 * (lo + hi),
                             jnp.where(jnp.isfinite(lo), lo + width, hi - width))
        x_new = jnp.where(inside & fast & (jnp.abs(newton - x) <= width), newton, fallback)
        size = tolerance * jnp.maximum(1.0, jnp.abs(x))
        converged = (value == t) | ((jnp.abs(x_new - x) <= size) & jnp.isfinite(value)) \
            | (bracketed & (hi - lo <= size))
        x_new = jnp.where(done, x, x_new)
        # the allowed step grows while unbracketed; once bracketed it only limits Newton jumps
        return i + 1, x_new, lo, hi, 2.0 * width, last_step, x_new - x, done | converged

    return step


def solve_monotone(
    fn: Callable[[Array], Array | tuple[Array, Array]],
    target: Array,
    *,
    initial: Array | None = None,
    has_derivative: bool = False,
    tolerance: float | None = None,
    max_iterations: int = 200,
) -> Array:
    """Solve :math:`f(x) = \\text{target}` for an increasing, elementwise :math:`f`.

    Args:
        fn: elementwise increasing map; returns :math:`f(x)`, or :math:`(f(x), f'(x))` when
            ``has_derivative=True`` (otherwise :math:`f'` comes from ``jax.jvp``).
        target: array of targets; the solution has its shape.
        initial: starting guess (default: ``target``, right for near-identity maps).
        tolerance: relative step or bracket size at which to stop (default 32 machine epsilons).
        max_iterations: evaluations of ``fn`` allowed (bracketing included).

    Every iteration evaluates :math:`f` once, at :math:`x`, and shrinks the bracket
    :math:`[lo, hi]` (initially :math:`(-\\infty, \\infty)`) with it. The Newton step is taken if it
    lands strictly inside the bracket; otherwise we bisect, or, while one end is still
    unknown, step towards it by a width that doubles each time (bracket expansion). The loop
    has a fixed maximal length, so the solver jits and vmaps. If it has not converged it
    raises (``equinox.error_if``) instead of returning a wrong value.

    Gradients flow through :math:`x = x^* - (f(x^*) - t)/f'(x^*)` with :math:`x^*` and
    :math:`f'(x^*)` held constant (the correction is zero in value): this is the
    implicit-function-theorem derivative; the iterations are never differentiated.
    """
    target = jnp.asarray(target)
    dtype = target.dtype
    if tolerance is None:
        tolerance = 32.0 * float(jnp.finfo(dtype).eps)

    value_and_slope = _value_and_slope(fn, has_derivative)
    t = lax.stop_gradient(target)
    x0 = t if initial is None else lax.stop_gradient(jnp.asarray(initial, dtype))
    x0 = jnp.where(jnp.isfinite(x0), x0, 0.0)
    inf = jnp.full_like(x0, jnp.inf)

    def keep_going(state):
        return (state[0] < max_iterations) & ~jnp.all(state[-1])

    step = _hybrid_step(value_and_slope, t, tolerance)

    state = (0, x0, -inf, inf, jnp.ones_like(x0), inf, inf, jnp.zeros(x0.shape, bool))
    _, x, *_, done = lax.while_loop(keep_going, step, state)
    x = eqx.error_if(
        x, ~(done & jnp.isfinite(x)),
        f"solve_monotone did not converge within {max_iterations} iterations: no x with "
        "f(x) = target was bracketed or pinned down (is the map increasing and the target "
        "finite and inside its range?)")
    x = lax.stop_gradient(x)

    value, slope = value_and_slope(x)
    correction = -(value - target) / lax.stop_gradient(slope)
    return x + correction - lax.stop_gradient(correction)


# ---- solvers with their iterates, for teaching and diagnostics ----------------------------
# Fixed-length loops (lax.scan) that record every iterate. They are NOT what the bijectors
# use: differentiating them differentiates the iterations ("unrolled" gradients), which is
# exactly what a comparison with the implicit-function gradient of solve_monotone needs.

class SolverTrace(NamedTuple):
    """The history of a 1-D root finder run for ``max_iterations`` evaluations of ``f``.

    Attributes:
        root: the final estimate (shape of the target).
        iterates: shape ``(max_iterations + 1, *target.shape)``; ``iterates[k]`` is the
            estimate after ``k`` evaluations of ``f`` (``iterates[0]`` the starting guess);
            once an element has stopped, its estimate is held constant.
        n_evaluations: evaluations of ``f`` each element used before its stopping rule fired
            (``max_iterations`` if it never did).
        converged: whether the stopping rule fired with a finite estimate.
    """

    root: Array
    iterates: Array
    n_evaluations: Array
    converged: Array


def _tolerance(tolerance, dtype) -> Array:
    # an array, not a Python float: a jitted caller may pass it as a traced argument
    return jnp.asarray(32.0 * float(jnp.finfo(dtype).eps) if tolerance is None else tolerance, dtype)


def _run_traced(step, state, max_iterations: int, x_of, done_of) -> SolverTrace:
    def body(state, _):
        state = step(state)
        return state, (x_of(state), done_of(state))

    x0, done0 = x_of(state), done_of(state)
    state, (xs, dones) = lax.scan(body, state, None, length=int(max_iterations))
    done_before = jnp.concatenate([done0[None], dones[:-1]])
    n_evaluations = jnp.sum(~done_before, axis=0)
    root = x_of(state)
    return SolverTrace(root, jnp.concatenate([x0[None], xs]), n_evaluations,
                       dones[-1] & jnp.isfinite(root))


def bisection_trace(fn: Callable[[Array], Array], target: Array, lower: Array, upper: Array, *,
                    tolerance: float | None = None, max_iterations: int = 100) -> SolverTrace:
    """Bisection on :math:`f(x) = t` inside the bracket ``[lower, upper]``, every midpoint recorded.

    Each evaluation of :math:`f` at the midpoint :math:`m` keeps the half that still
    contains the root (:math:`f(m) \\le t \\Rightarrow lo = m`, else :math:`hi = m`), so after
    :math:`k` evaluations the error is at most :math:`(upper - lower)/2^{k+1}`: one binary
    digit per evaluation, whatever :math:`f` looks like. Stops when the bracket is narrower
    than ``tolerance`` :math:`\\cdot\\max(1, |x|)` (default 32 machine epsilons).

    ``fn`` must be increasing with :math:`f(lower) \\le t \\le f(upper)`; two extra evaluations
    (not counted) check this, and an element whose bracket does not hold the target is
    reported as not converged.
    """
    target = jnp.asarray(target)
    if not jnp.issubdtype(target.dtype, jnp.floating):
        target = target.astype(jnp.result_type(float))
    tolerance = _tolerance(tolerance, target.dtype)
    lo = jnp.broadcast_to(jnp.asarray(lower, target.dtype), target.shape)
    hi = jnp.broadcast_to(jnp.asarray(upper, target.dtype), target.shape)
    valid = (fn(lo) <= target) & (fn(hi) >= target)

    def step(state):
        x, lo, hi, done = state
        value = fn(x)
        lo = jnp.where(value <= target, x, lo)
        hi = jnp.where(value >= target, x, hi)
        x_new = jnp.where(value == target, x, 0.5 * (lo + hi))
        converged = (value == target) | (hi - lo <= tolerance * jnp.maximum(1.0, jnp.abs(x_new)))
        return jnp.where(done, x, x_new), lo, hi, done | (converged & valid)

    state = (0.5 * (lo + hi), lo, hi, jnp.zeros(target.shape, bool))
    return _run_traced(step, state, max_iterations, lambda s: s[0], lambda s: s[-1])


def newton_trace(fn: Callable[[Array], Array | tuple[Array, Array]], target: Array,
                 initial: Array, *, has_derivative: bool = False,
                 tolerance: float | None = None, max_iterations: int = 100) -> SolverTrace:
    """Plain Newton iterations :math:`x_{k+1} = x_k - (f(x_k) - t)/f'(x_k)`, no safeguard.

    Near a simple root the number of correct digits doubles at every step (quadratic
    convergence); far from it a step may overshoot, oscillate or run off to infinity (where
    :math:`f'` is small, e.g. in the flat tails of a CDF). Stops when a step is smaller than
    ``tolerance`` :math:`\\cdot\\max(1, |x|)`. A diverged element ends non-finite or with
    ``converged = False``; this solver is here to show that, not to be used inside a flow
    (use :func:`solve_monotone`).
    """
    target = jnp.asarray(target)
    if not jnp.issubdtype(target.dtype, jnp.floating):
        target = target.astype(jnp.result_type(float))
    tolerance = _tolerance(tolerance, target.dtype)
    value_and_slope = _value_and_slope(fn, has_derivative)

    def step(state):
        x, done = state
        value, slope = value_and_slope(x)
        x_new = jnp.where(value == target, x, x - (value - target) / slope)
        converged = (value == target) | (
            (jnp.abs(x_new - x) <= tolerance * jnp.maximum(1.0, jnp.abs(x))) & jnp.isfinite(x_new))
        return jnp.where(done, x, x_new), done | converged

    x0 = jnp.broadcast_to(jnp.asarray(initial, target.dtype), target.shape)
    return _run_traced(step, (x0, jnp.zeros(target.shape, bool)), max_iterations,
                       lambda s: s[0], lambda s: s[1])


def solve_monotone_trace(fn: Callable[[Array], Array | tuple[Array, Array]], target: Array, *,
                         initial: Array | None = None, has_derivative: bool = False,
                         tolerance: float | None = None, max_iterations: int = 100) -> SolverTrace:
    """The iterations of :func:`solve_monotone` (same steps, same stopping rule), recorded.

    Use it to see the hybrid at work: bracket expansion while one end is unknown, bisection
    when Newton would leave the bracket, Newton near the root. Unlike :func:`solve_monotone`
    it neither raises when it has not converged nor has implicit gradients.
    """
    target = jnp.asarray(target)
    if not jnp.issubdtype(target.dtype, jnp.floating):
        target = target.astype(jnp.result_type(float))
    tolerance = _tolerance(tolerance, target.dtype)
    x0 = target if initial is None else jnp.asarray(initial, target.dtype)
    x0 = jnp.where(jnp.isfinite(x0), jnp.broadcast_to(x0, target.shape), 0.0)
    inf = jnp.full_like(x0, jnp.inf)
    step = _hybrid_step(_value_and_slope(fn, has_derivative), target, tolerance)
    state = (0, x0, -inf, inf, jnp.ones_like(x0), inf, inf, jnp.zeros(x0.shape, bool))
    return _run_traced(step, state, max_iterations, lambda s: s[1], lambda s: s[-1])
