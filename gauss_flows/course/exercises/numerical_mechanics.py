"""Checkers for Part 0 · 05, numerical mechanics.

Exercise 1: ``smallest_safe_epsilon(dtype)``: the smallest power of two :math:`\\varepsilon`
for which the clipped naive Gaussianization stays finite in ``dtype``, i.e.
:math:`1 - \\varepsilon < 1` so that :math:`\\Phi^{-1}(1 - \\varepsilon)` is finite. The answer is
the spacing of floats just below 1, ``np.finfo(dtype).epsneg`` (2^-24 in float32, 2^-53 in
float64), half of ``np.finfo(dtype).eps`` (the spacing just ABOVE 1).

Exercise 2: ``log_normal_cdf(x)``: :math:`\\log\\Phi(x)` for :math:`x \\le 0`, finite and
accurate down to :math:`x = -1000` (where :math:`\\Phi(x)` itself underflows to 0 in float64).
"""

from __future__ import annotations

import math

import numpy as np

from gauss_flows.numerics import log_ndtr
from gauss_flows.course.exercises.core import ExerciseError, Mistake, call_student, check_function

# ----------------------------------------------------------------------------- exercise 1
DTYPES = (np.float32, np.float64)


def _epsilon_mistakes(dtype) -> list[tuple[float, str]]:
    info = np.finfo(dtype)
    name = np.dtype(dtype).name
    return [
        (float(info.eps), f"Safe, but not the smallest: np.finfo({name}).eps = {float(info.eps):.3g} is the "
                          "gap between 1 and the next float ABOVE 1. Below 1 the floats are twice as "
                          "dense, so half of it still keeps 1 - epsilon below 1."),
        (float(info.tiny), f"With epsilon = {float(info.tiny):.3g} (the smallest normal float) the lower "
                           "clip is fine, but 1 - epsilon rounds to exactly 1 and Phi^-1(1) = inf. The "
                           "upper end decides: floats are sparse near 1."),
        (float(info.epsneg) / 2, f"One halving too far: 1 - {float(info.epsneg) / 2:.3g} is exactly halfway "
                                 "between the last float below 1 and 1 itself, and rounds (to even) to 1, "
                                 "so Phi^-1 gives inf. Check 1 - epsilon < 1 IN the float type."),
        (2.0**-53 if dtype == np.float32 else 2.0**-24,
         f"That is the answer for the other float type. Do the arithmetic in {name} "
         f"(np.{name}(1) - np.{name}(eps)); float32 has a 24-bit, float64 a 53-bit significand."),
    ]


def check_smallest_safe_epsilon(smallest_safe_epsilon) -> None:
    """Exercise 1: ``smallest_safe_epsilon(dtype)`` for ``np.float32`` and ``np.float64``."""
    if not callable(smallest_safe_epsilon):
        raise ExerciseError("Exercise 1: `smallest_safe_epsilon` should be a function "
                            "(def smallest_safe_epsilon(dtype): ...).")
    found = {}
    for dtype in DTYPES:
        name = np.dtype(dtype).name
        value = call_student(smallest_safe_epsilon, dtype, exercise=1,
                             call=f"smallest_safe_epsilon({name})")
        if value is None:
            raise ExerciseError("Exercise 1: `smallest_safe_epsilon` returned None: did you forget "
                                "the `return` statement?")
        try:
            value = float(np.asarray(value).item())
        except (TypeError, ValueError) as err:
            raise ExerciseError(f"Exercise 1: `smallest_safe_epsilon({name})` should return one "
                                f"number, got {value!r}.") from err
        answer = float(np.finfo(dtype).epsneg)
        if value == answer:
            found[name] = value
            continue
        for wrong, hint in _epsilon_mistakes(dtype):
            if math.isclose(value, wrong, rel_tol=1e-6):
                raise ExerciseError(f"Exercise 1 ({name}): {hint}")
        if value > answer:
            raise ExerciseError(f"Exercise 1 ({name}): {value:.4g} is safe but larger than needed; "
                                "keep halving while 1 - epsilon/2 is still below 1 in this float type.")
        raise ExerciseError(f"Exercise 1 ({name}): {value:.4g} is not safe: in {name}, 1 - {value:.4g} "
                            "rounds to 1 and Phi^-1(1 - epsilon) is infinite.")
    print(f"Correct: float32 needs epsilon >= {found['float32']:.4g} (2^-24), float64 >= "
          f"{found['float64']:.4g} (2^-53): the spacing of floats just below 1.")


# ----------------------------------------------------------------------------- exercise 2
INPUTS = [np.zeros(3), np.array([0.0, -0.5, -1.0]), np.array([-3.0, -8.0, -20.0]),
          np.array([-37.0, -38.5, -40.0]), np.array([-100.0, -300.0, -1000.0])]  # one shape
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _reference(x):
    return np.asarray(log_ndtr(np.asarray(x, dtype=np.float64)))


def _naive(x):
    from scipy.special import ndtr

    with np.errstate(divide="ignore"):
        return np.log(ndtr(np.asarray(x, dtype=np.float64)))


def _leading_term(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -0.5 * x**2 - np.log(-x) - _HALF_LOG_2PI


MISTAKES = [
    Mistake(_naive, "np.log(Phi(x)) is -inf for x below about -38.5: Phi(x) underflows to 0 in float64 "
                    "before the log is taken. Never form Phi(x) itself in the tail; e.g. use the scaled "
                    "complementary error function, Phi(x) = erfcx(-x/sqrt 2) exp(-x^2/2) / 2, and take "
                    "the log of each factor."),
    Mistake(_leading_term, "That is only the leading term of the tail asymptotics, "
                           "log Phi(x) ~ -x^2/2 - log(-x) - log(2 pi)/2; it is infinite at 0 and off by "
                           "about 1/x^2 elsewhere. Use an exact identity: "
                           "Phi(x) = erfcx(-x/sqrt 2) exp(-x^2/2) / 2 (scipy.special.erfcx)."),
]


def check_log_normal_cdf(log_normal_cdf) -> None:
    """Exercise 2: ``log_normal_cdf(x)`` = log Phi(x) for arrays ``x <= 0``, down to -1000."""
    check_function(log_normal_cdf, _reference, INPUTS, name="log_normal_cdf", exercise=2,
                   mistakes=MISTAKES, rtol=1e-10, atol=1e-12)
