"""Checkers for Part 1 · 04, inverting what has no formula.

Exercise 1: the implicit-function derivative. For :math:`x^\\star(\\theta)` defined by
:math:`f(x^\\star; \\theta) = t` with :math:`f(x; \\theta) = x + \\theta \\sin 2x` (:func:`warp`,
increasing for :math:`|\\theta| < 1/2`),

.. math::  \\frac{dx^\\star}{d\\theta} = -\\frac{\\partial f/\\partial\\theta}{\\partial f/\\partial x}
           \\Big|_{x = x^\\star} = -\\frac{\\sin 2x^\\star}{1 + 2\\theta\\cos 2x^\\star}.

Write ``implicit_derivative(theta, target)``; it is compared with ``jax.grad`` through the
library's inverse (``solve_monotone``).

Exercise 2: a safeguarded Newton solver ``safe_newton(f, slope, target, lo, hi, n_steps)``:
Newton steps, but a step that would leave the bracket :math:`(lo, hi)` is replaced by the
midpoint, and the bracket shrinks after every evaluation. It must find the root to
``1e-12`` within ``n_steps`` evaluations on problems where plain Newton runs away and plain
bisection is too slow.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import ndtr

from gauss_flows.numerics import solve_monotone
from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

# ---- exercise 1: implicit-function derivative ----------------------------------------------


def warp(x, theta):
    """:math:`f(x; \\theta) = x + \\theta \\sin 2x`, increasing in :math:`x` for :math:`|\\theta| < 1/2`."""
    return x + theta * jnp.sin(2.0 * x)


@jax.jit  # compiled once: the checker and its mistakes call it on many (theta, target)
def _solve(theta, target):
    return solve_monotone(lambda x: warp(x, theta), target)


_derivative = jax.jit(jax.grad(_solve))


def _root(theta, target):
    return _solve(jnp.asarray(theta, float), jnp.asarray(target, float))


def _implicit_derivative(theta, target):
    return _derivative(jnp.asarray(theta, float), jnp.asarray(target, float))


def _partials(theta, x):
    x = np.asarray(x, float)
    return np.sin(2 * x), 1 + 2 * theta * np.cos(2 * x)  # df/dtheta, df/dx


IMPLICIT_INPUTS = [(0.0, 0.0), (0.2, 1.3), (-0.3, -2.0), (0.45, 0.7), (0.1, 3.0), (-0.45, 0.4)]
IMPLICIT_MISTAKES = [
    Mistake(lambda th, t: -_partials(th, _root(th, t))[0],
            "You returned -df/dtheta but did not divide by df/dx. Moving theta changes f by "
            "df/dtheta; to get back to f = target, x must move by that amount divided by the "
            "slope df/dx: dx*/dtheta = -(df/dtheta) / (df/dx)."),
    Mistake(lambda th, t: -_partials(th, _root(th, t))[1] / _partials(th, _root(th, t))[0],
            "The ratio is upside down: dx*/dtheta = -(df/dtheta) / (df/dx), the slope in x is in "
            "the DENOMINATOR (a steep f needs only a small move of x)."),
    Mistake(lambda th, t: -np.divide(*_partials(th, t)),
            "You evaluated the partial derivatives at the target t instead of at the solution "
            "x* = f^-1(t). First solve f(x*; theta) = t (solve_monotone), then evaluate "
            "df/dtheta and df/dx at x*."),
    Mistake(lambda th, t: 0.0 * th,
            "You got 0 everywhere: that is what differentiating BISECTION gives, because its "
            "midpoints (lo + hi)/2 come from a fixed bracket and do not depend on theta (only the "
            "comparisons do, and they have no derivative). Use the implicit function theorem: "
            "-(df/dtheta)/(df/dx) at x*."),
]


def check_implicit_derivative(implicit_derivative) -> None:
    """Exercise 1: ``implicit_derivative(theta, target)`` = dx*/dtheta for warp(x*, theta) = target."""
    check_function(implicit_derivative, _implicit_derivative, IMPLICIT_INPUTS,
                   name="implicit_derivative", exercise=1, mistakes=IMPLICIT_MISTAKES,
                   rtol=1e-7, atol=1e-10)


# ---- exercise 2: safeguarded Newton --------------------------------------------------------

def _mixture_cdf(x):
    """The bimodal CDF of the page (weights .55/.45, means -2/2, scales .4/.7), in NumPy."""
    return 0.55 * ndtr((x + 2.0) / 0.4) + 0.45 * ndtr((x - 2.0) / 0.7)


def _mixture_pdf(x):
    phi = lambda u: math.exp(-0.5 * u * u) / math.sqrt(2 * math.pi)
    return 0.55 * phi((x + 2.0) / 0.4) / 0.4 + 0.45 * phi((x - 2.0) / 0.7) / 0.7


def _cubic(x):
    return x**3 + x


#: ``(description, f, slope, target, lo, hi, n_steps, root)``: plain Newton from the midpoint
#: runs away on the first two; plain bisection cannot reach 1e-12 in n_steps on any of them.
PROBLEMS = [
    ("F(x) = 0.02 for the bimodal mixture CDF on (-8, 8)", _mixture_cdf, _mixture_pdf, 0.02,
     -8.0, 8.0, 25),
    ("arctan(x) = 1.2 on (-4, 20)", math.atan, lambda x: 1.0 / (1.0 + x * x), 1.2, -4.0, 20.0, 25),
    ("F(x) = 0.9 for the bimodal mixture CDF on (-8, 8)", _mixture_cdf, _mixture_pdf, 0.9,
     -8.0, 8.0, 25),
    ("x^3 + x = 5 on (-10, 10)", _cubic, lambda x: 3 * x * x + 1, 5.0, -10.0, 10.0, 25),
]
TOLERANCE = 1e-12


def _bisect_to_machine_precision(f, target, lo, hi):
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if f(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


_ROOTS = [_bisect_to_machine_precision(f, t, lo, hi) for _, f, _, t, lo, hi, _ in PROBLEMS]


def _safe_newton(f, slope, target, lo, hi, n_steps):
    """Reference: Newton from the midpoint, bisect when the step leaves (lo, hi)."""
    x = 0.5 * (lo + hi)
    for _ in range(n_steps):
        value = f(x)
        if value == target:
            return x
        lo, hi = (x, hi) if value < target else (lo, x)
        step = x - (value - target) / slope(x)
        if abs(step - x) <= 1e-14 * max(1.0, abs(x)):
            return step  # converged: a rejected zero-length step would bisect away from the root
        x = step if lo < step < hi else 0.5 * (lo + hi)
    return x


def _counted(fn, counter):
    def wrapped(x):
        counter[0] += 1
        return fn(x)
    return wrapped


def check_safe_newton(safe_newton) -> None:
    """Exercise 2: ``safe_newton(f, slope, target, lo, hi, n_steps)`` finds the root to 1e-12."""
    if not callable(safe_newton):
        raise ExerciseError("Exercise 2: `safe_newton` should be a function "
                            "(def safe_newton(f, slope, target, lo, hi, n_steps): ...).")
    worst = 0.0
    for (what, f, slope, target, lo, hi, n_steps), root in zip(PROBLEMS, _ROOTS):
        calls = [0]
        try:
            with np.errstate(all="ignore"):
                x = safe_newton(_counted(f, calls), slope, target, lo, hi, n_steps)
        except NotImplementedError:
            raise
        except (OverflowError, ZeroDivisionError, ValueError) as err:
            raise ExerciseError(
                f"Exercise 2: on {what}, `safe_newton` raised {type(err).__name__}: {err}. Newton "
                "steps divide by the slope, which is tiny on a flat stretch of the function: a step "
                "from there flies far away. That is what the safeguard is for: if the Newton step "
                "lands outside (lo, hi), take the midpoint (lo + hi)/2 instead.") from err
        except Exception as err:
            raise ExerciseError(f"Exercise 2: on {what}, `safe_newton` raised "
                                f"{type(err).__name__}: {err}") from err
        if x is None:
            raise ExerciseError("Exercise 2: `safe_newton` returned None: did you forget `return x`?")
        try:
            x = float(np.asarray(x))
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"Exercise 2: `safe_newton` should return one number, got "
                                f"{type(x).__name__}.") from err
        error = abs(x - root)
        if not math.isfinite(x) or not lo <= x <= hi:
            raise ExerciseError(
                f"Exercise 2: on {what} your answer x = {x:.4g} is outside the bracket "
                f"({lo:g}, {hi:g}): a Newton step ran away (the slope is nearly 0 where it started, "
                "so the step (f(x) - target)/f'(x) is huge). Safeguard it: accept the Newton step "
                "only if it lands strictly inside (lo, hi); otherwise take the midpoint.")
        if calls[0] > n_steps + 1:
            raise ExerciseError(
                f"Exercise 2: on {what} `safe_newton` evaluated f {calls[0]} times; the budget is "
                f"n_steps = {n_steps} evaluations (one per step).")
        if error > TOLERANCE:
            if min(abs(x - lo), abs(x - hi)) < 1e-6 * (hi - lo):
                raise ExerciseError(
                    f"Exercise 2: on {what} you ended at the edge of the bracket (x = {x:.6g}), "
                    f"far from the root {root:.6g}. Is the bracket update reversed? If "
                    "f(x) < target the root lies to the RIGHT of x, so set lo = x (else hi = x).")
            if error <= 2.0 * (hi - lo) / 2.0 ** n_steps:
                raise ExerciseError(
                    f"Exercise 2: on {what} you are {error:.1e} from the root after {n_steps} "
                    "steps: that is the accuracy of pure bisection (one halving per step, "
                    f"(hi - lo)/2^{n_steps} = {(hi - lo) / 2 ** n_steps:.1e}). Take the Newton step "
                    "x - (f(x) - target)/slope(x) whenever it stays inside (lo, hi): near the root "
                    "it doubles the number of correct digits at every step.")
            raise ExerciseError(
                f"Exercise 2: on {what} your answer {x:.10g} is {error:.1e} from the root "
                f"{root:.10g} (allowed: {TOLERANCE:.0e}). Check that the bracket shrinks after "
                "every evaluation (f(x) < target: lo = x, else hi = x) and that a Newton step "
                "outside (lo, hi) is replaced by the midpoint.")
        worst = max(worst, error)
    print(f"Correct: `safe_newton` found all {len(PROBLEMS)} roots to within {worst:.1e} "
          f"(allowed {TOLERANCE:.0e}), including two where plain Newton runs away.")
