"""Checkers for Part 0 · 02, forward vs inverse.

Exercise 1: ``bisect(f, y, lo, hi)`` solves :math:`f(x) = y` for an increasing :math:`f` with
:math:`f(lo) \\le y \\le f(hi)` by halving the bracket until it is shorter than
:math:`10^{-10}`-ish; the answer must match the root to 1e-10. Each halving gains one bit,
so a bracket of width :math:`w` needs about :math:`\\log_2(w / 10^{-12})` steps.
Exercise 2: ``flow_log_prob(bijector, x)``: the density of a flow at one point from the
data -> latent direction,
:math:`\\log p(x) = \\log\\mathcal N(T(x); 0, I) + \\log|\\det \\partial T/\\partial x|`.
"""

from __future__ import annotations

import contextlib
import io
import math
from functools import lru_cache

import jax.numpy as jnp
import jax.random as jr
import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

from gauss_flows.course.examples import forward_vs_inverse_layers
from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

# ---------------------------------------------------------------------------- exercise 1
TOLERANCE = 1e-10


def _mixture_cdf(x):
    return 0.3 * ndtr((x + 1.0) / 0.5) + 0.7 * ndtr((x - 1.0) / 0.7)


#: name -> (increasing function, cases (y, lo, hi))
BISECTION_CASES = {
    "f(x) = x³ + x": (lambda x: x**3 + x, [(0.0, -10.0, 10.0), (0.5, -10.0, 10.0),
                                           (-3.0, -10.0, 10.0), (100.0, -10.0, 10.0)]),
    "a Gaussian-mixture CDF": (_mixture_cdf, [(0.05, -10.0, 10.0), (0.5, -10.0, 10.0),
                                              (0.93, -10.0, 10.0)]),
    "f(x) = exp(x)": (lambda x: math.exp(x), [(1e-3, -20.0, 5.0), (1.0, -20.0, 5.0),
                                              (50.0, -20.0, 5.0)]),
}


def _root(f, y, lo, hi):
    return brentq(lambda x: f(x) - y, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)


def _bisect(f, y, lo, hi, n_steps=200, wrong_side=False):
    for _ in range(n_steps):
        mid = 0.5 * (lo + hi)
        below = f(mid) < y
        if below != wrong_side:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return 0.5 * (lo + hi)


BISECTION_MISTAKES = [
    (lambda f, y, lo, hi: _bisect(f, y, lo, hi, wrong_side=True),
     "The bracket moves the wrong way: when f(mid) < y the root lies to the RIGHT of mid, so the "
     "new bracket is [mid, hi] (lo = mid), and when f(mid) >= y it is [lo, mid]. Yours slides to "
     "one end of the starting bracket."),
    (lambda f, y, lo, hi: _bisect(f, y, -1.0, 1.0),
     "You ignored the bracket passed in: the root can lie outside [-1, 1]. Start from [lo, hi]."),
    (lambda f, y, lo, hi: _bisect(f, y, lo, hi) - 0.5 * (hi - lo),
     "Your answer is off by half the width of the starting bracket: return the midpoint of the "
     "FINAL bracket, 0.5 * (lo + hi), after the loop."),
]


def check_bisect(bisect) -> None:
    """Exercise 1: ``bisect(f, y, lo, hi)`` -> x with f(x) = y (to 1e-10) for increasing f."""
    n_cases = 0
    for description, (f, cases) in BISECTION_CASES.items():
        got, want = [], []
        for y, lo, hi in cases:
            try:
                got.append(float(bisect(f, y, lo, hi)))
            except NotImplementedError:
                raise
            except Exception:  # let check_function report it with the input
                got = None
                break
            want.append(_root(f, y, lo, hi))
        if got is not None and all(np.isfinite(got)):
            errors = np.abs(np.array(got) - np.array(want))
            widths = np.array([hi - lo for _, lo, hi in cases])
            if errors.max() > TOLERANCE and np.all(errors < 1e-2 * widths) \
                    and np.all(errors < widths / 2 ** 8):
                steps = int(np.ceil(np.log2(widths.max() / TOLERANCE)))
                raise ExerciseError(
                    f"Exercise 1: on {description} your root is close but not close enough: off by "
                    f"up to {errors.max():.1e}, the target is 1e-10. You stopped too early. Each "
                    f"step halves the bracket, so a bracket of width {widths.max():g} needs about "
                    f"{steps} steps to get below 1e-10: loop until hi - lo < 1e-12 (or ~60 times).")
        with contextlib.redirect_stdout(io.StringIO()):
            check_function(lambda y, lo, hi: bisect(f, y, lo, hi),
                           lambda y, lo, hi: _root(f, y, lo, hi), cases,
                           name=f"bisect on {description}", exercise=1,
                           mistakes=[Mistake(lambda y, lo, hi, m=m: m(f, y, lo, hi), hint)
                                     for m, hint in BISECTION_MISTAKES],
                           rtol=0.0, atol=TOLERANCE)
        n_cases += len(cases)
    print(f"Correct: `bisect` finds the root to 1e-10 on {len(BISECTION_CASES)} functions, "
          f"{n_cases} targets.")


# ---------------------------------------------------------------------------- exercise 2
@lru_cache(maxsize=1)
def _bijectors() -> dict:
    """Layers with closed-form inverses (the notebook's affine and coupling layers, a chain)."""
    from gauss_flows.bijectors import Chain, Householder
    layers = forward_vs_inverse_layers()
    affine, coupling = layers["affine (elementwise)"], layers["affine coupling"]
    return {"an affine layer": affine, "an affine coupling": coupling,
            "a chain": Chain([Householder(jr.key(5), shape=(2,), n_reflections=1), coupling, affine])}


FLOW_POINTS = [np.zeros(2), np.array([0.8, -1.2]), np.array([-2.0, 0.4]), np.array([1.5, 2.5])]
_LOG_2PI = math.log(2 * math.pi)


def _log_normal(z):
    z = np.asarray(z, dtype=float)
    return -0.5 * float(z @ z) - 0.5 * z.size * _LOG_2PI


def _flow_log_prob(bijector, x):
    z, log_det = bijector.transform_and_log_det(jnp.asarray(x, float))
    return _log_normal(z) + float(log_det)


FLOW_MISTAKES = [
    (lambda b, x: _log_normal(b.inverse_and_log_det(x)[0]) + float(b.inverse_and_log_det(x)[1]),
     "You used inverse_and_log_det: that is the SAMPLING direction (latent -> data). To evaluate "
     "the density of a data point x, map it to the latent space with transform_and_log_det."),
    (lambda b, x: _log_normal(b.transform(x)) - float(b.transform_and_log_det(x)[1]),
     "The log-det has the wrong sign. With T = transform (data -> latent), "
     "log p(x) = log N(T(x)) + log|det dT/dx|: ADD the log-det that transform_and_log_det returns."),
    (lambda b, x: _log_normal(x) + float(b.transform_and_log_det(x)[1]),
     "You evaluated the standard normal at x itself. The base density is the density of the "
     "LATENT point: use log N(z) with z = T(x)."),
    (lambda b, x: _log_normal(b.transform(x)),
     "The volume term is missing: add log|det dT/dx| (the second output of transform_and_log_det)."),
]


def check_flow_log_prob(flow_log_prob) -> None:
    """Exercise 2: ``flow_log_prob(bijector, x)`` = log p(x) for ``Transformed(StandardNormal, bijector)``."""
    for description, bijector in _bijectors().items():
        with contextlib.redirect_stdout(io.StringIO()):
            check_function(lambda x: flow_log_prob(bijector, x),
                           lambda x: _flow_log_prob(bijector, x), FLOW_POINTS,
                           name=f"flow_log_prob on {description}", exercise=2,
                           mistakes=[Mistake(lambda x, m=m: m(bijector, jnp.asarray(x, float)), hint)
                                     for m, hint in FLOW_MISTAKES],
                           rtol=1e-9, atol=1e-12)
    print(f"Correct: `flow_log_prob` matches Transformed(StandardNormal, T).log_prob for "
          f"{len(_bijectors())} bijectors at {len(FLOW_POINTS)} points each.")
