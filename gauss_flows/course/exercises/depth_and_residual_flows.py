"""Checkers for Part 5 · 07, residual flows (i-ResNet, Behrmann et al. 2019).

Exercise 1: ``fixed_point(g, y, tol, max_iterations)`` solves :math:`x + g(x) = y` by
:math:`x_0 = y,\\ x_{k+1} = y - g(x_k)`, stopping at the first :math:`k` with
:math:`\\|x_{k} - x_{k-1}\\| \\le` ``tol`` and returning ``(x_k, k)``, or ``None`` when
``max_iterations`` updates were not enough. The checker uses maps
:math:`g(x) = a R_\\phi x + b` (a scaled rotation, Lipschitz constant :math:`|a|`): it converges
iff :math:`|a| < 1`, in about :math:`\\log(\\text{tol}) / \\log|a|` iterations.
Exercise 2: ``log_det_series(J, n_terms)`` -> :math:`\\sum_{k=1}^{n} (-1)^{k+1}\\operatorname{tr}(J^k)/k`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.bijectors.residual import log_det_series as _series
from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

__all__ = ["check_fixed_point", "check_log_det_series", "FIXED_POINT_CASES"]


def _fail(exercise, message: str) -> ExerciseError:
    return ExerciseError(f"Exercise {exercise}: {message}")


def _rotation(a: float, phi: float, b) -> callable:
    matrix = a * np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    b = np.asarray(b, dtype=float)
    return lambda x: matrix @ np.asarray(x, dtype=float) + b


# (Lipschitz constant a, angle, shift, y, tol, max_iterations)
FIXED_POINT_CASES = [
    (0.5, 0.3, [0.2, -0.1], [1.0, 2.0], 1e-10, 500),
    (0.9, 1.1, [0.0, 0.5], [-1.0, 0.5], 1e-10, 500),
    (0.99, 0.2, [0.1, 0.1], [2.0, -3.0], 1e-8, 5000),
    (-0.7, 0.0, [0.0, 0.0], [0.0, 0.0], 1e-10, 500),   # y = 0, g(0) = 0: x = 0 at once
    (0.3, 2.0, [1.0, 0.0], [0.0, 0.0], 1e-12, 500),
    (1.0, 0.7, [0.1, 0.0], [1.0, 1.0], 1e-10, 300),     # Lip = 1: a rotation, never converges
    (1.5, 0.4, [0.0, 0.2], [1.0, -1.0], 1e-10, 300),    # Lip > 1: diverges
]


def _reference(g, y, tol, max_iterations):
    x = np.asarray(y, dtype=float)
    for k in range(1, max_iterations + 1):
        x_new = y - g(x)
        if np.linalg.norm(x_new - x) <= tol:
            return x_new, k
        x = x_new
    return None


def _plus(g, y, tol, max_iterations):
    x = np.asarray(y, dtype=float)
    for k in range(1, max_iterations + 1):
        x_new = y + g(x)
        if np.linalg.norm(x_new - x) <= tol:
            return x_new, k
        x = x_new
    return None


def _from_zero(g, y, tol, max_iterations):
    x = np.zeros_like(np.asarray(y, dtype=float))
    for k in range(1, max_iterations + 1):
        x_new = y - g(x)
        if np.linalg.norm(x_new - x) <= tol:
            return x_new, k
        x = x_new
    return None


def _zero_based(g, y, tol, max_iterations):
    out = _reference(g, y, tol, max_iterations)
    return None if out is None else (out[0], out[1] - 1)


def _no_none(g, y, tol, max_iterations):
    out = _reference(g, y, tol, max_iterations)
    if out is not None:
        return out
    x = np.asarray(y, dtype=float)
    for _ in range(max_iterations):
        x = y - g(x)
    return x, max_iterations


FIXED_POINT_MISTAKES = [
    Mistake(_plus, "The update is x <- y - g(x) (from x + g(x) = y); you added g(x)."),
    Mistake(_from_zero, "Start from x_0 = y (the natural first guess: y minus a small correction), "
            "not from zero; the count of iterations depends on the start."),
    Mistake(_zero_based, "Count the UPDATES: the first new x is iteration 1, so a point that needs one update "
            "returns k = 1."),
    Mistake(_no_none, "When Lip(g) >= 1 the iteration need not converge: after max_iterations updates without "
            "meeting the tolerance return None, not the last iterate."),
]


def _describe(case) -> str:
    a, phi, b, y, tol, n = case
    return f"g(x) = {a} R({phi}) x + {b}, y = {y}, tol = {tol}, max_iterations = {n}"


def check_fixed_point(fixed_point) -> None:
    """Exercise 1: ``fixed_point(g, y, tol, max_iterations)`` on scaled rotations."""
    if not callable(fixed_point):
        raise _fail(1, "`fixed_point` should be a function (def fixed_point(g, y, tol, max_iterations): ...).")
    for case in FIXED_POINT_CASES:
        a, phi, b, y, tol, n = case
        g, y = _rotation(a, phi, b), np.asarray(y, dtype=float)
        want = _reference(g, y, tol, n)
        try:
            got = fixed_point(g, y.copy(), tol, n)
        except NotImplementedError:
            raise
        except Exception as err:
            raise _fail(1, f"`fixed_point` raised {type(err).__name__}: {err} for {_describe(case)}.") from err
        for mistake in FIXED_POINT_MISTAKES:
            if got is not None and _same(got, mistake.answer(g, y, tol, n)) and not _same(got, want):
                raise _fail(1, mistake.hint)
        if want is None:
            if got is not None:
                raise _fail(1, f"for {_describe(case)} (Lipschitz constant {abs(a)} >= 1) the iteration does "
                               "not converge; return None after max_iterations updates.")
            continue
        if got is None:
            raise _fail(1, f"for {_describe(case)} (Lipschitz constant {abs(a)} < 1) the iteration converges "
                           f"in {want[1]} updates, but you returned None.")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise _fail(1, "return a pair (x, n_iterations), or None when it does not converge.")
        x, k = np.asarray(got[0], dtype=float), got[1]
        if x.shape != y.shape or not np.allclose(x, want[0], rtol=0, atol=10 * tol + 1e-12):
            raise _fail(1, f"for {_describe(case)} your x = {x} but the solution of x + g(x) = y is {want[0]}.")
        if int(k) != want[1]:
            raise _fail(1, f"for {_describe(case)} you counted {k} iterations, the answer is {want[1]} "
                           f"(about log(tol)/log({abs(a)}) = {np.log(tol) / np.log(abs(a)):.0f} "
                           "if the first step is of size ~1).")
    print(f"Correct: `fixed_point` solves x + g(x) = y with the right iteration counts on "
          f"{len(FIXED_POINT_CASES)} maps, and returns None for Lip(g) >= 1.")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return (np.allclose(np.asarray(a[0], dtype=float), np.asarray(b[0], dtype=float), atol=1e-9)
                and int(a[1]) == int(b[1]))
    except (TypeError, ValueError, IndexError):
        return False


# ----------------------------------------------------------------------------- exercise 2
def _matrices():
    rng = np.random.default_rng(3)
    out = [np.zeros((2, 2)), np.array([[0.5, 0.2], [-0.1, 0.3]])]
    for d, scale in ((2, 0.4), (3, 0.3), (4, 0.2)):
        out.append(scale * rng.normal(size=(d, d)))
    return out


SERIES_INPUTS = [(J, n) for J in _matrices() for n in (1, 3, 8)]


def _reference_series(J, n_terms):
    return float(_series(np.asarray(J, dtype=float), int(n_terms)))


def _no_alternation(J, n):
    return sum(np.trace(np.linalg.matrix_power(J, k)) / k for k in range(1, n + 1))


def _no_one_over_k(J, n):
    return sum((-1) ** (k + 1) * np.trace(np.linalg.matrix_power(J, k)) for k in range(1, n + 1))


def _power_of_trace(J, n):
    return sum((-1) ** (k + 1) * np.trace(J) ** k / k for k in range(1, n + 1))


def _one_term_short(J, n):
    return sum((-1) ** (k + 1) * np.trace(np.linalg.matrix_power(J, k)) / k for k in range(1, n))


SERIES_MISTAKES = [
    Mistake(_no_alternation, "The signs alternate: log(1 + x) = x - x^2/2 + x^3/3 - ..., so term k carries "
            "(-1)^(k+1)."),
    Mistake(_no_one_over_k, "Each term is divided by k: tr(J^k) / k."),
    Mistake(_power_of_trace, "tr(J^k) is the trace of the matrix power, not the k-th power of the trace "
            "(they differ as soon as J is not 1 x 1)."),
    Mistake(_one_term_short, "Sum k = 1, ..., n_terms: your sum stops one term early."),
]


def check_log_det_series(log_det_series) -> None:
    """Exercise 2: ``log_det_series(J, n_terms)`` on 2x2 to 4x4 matrices with norm < 1."""
    check_function(log_det_series, _reference_series, SERIES_INPUTS, name="log_det_series", exercise=2,
                   mistakes=SERIES_MISTAKES, rtol=1e-8, atol=1e-12)
