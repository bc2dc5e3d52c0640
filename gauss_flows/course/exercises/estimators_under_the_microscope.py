"""Checkers for Part 14 · 03, estimators under the microscope.

Exercise 1: ``kozachenko_leonenko(distances, d, k)`` -> the Kozachenko-Leonenko entropy from the
Euclidean distances :math:`\\varepsilon_j` of :math:`n` points in :math:`\\mathbb R^d` to their
:math:`k`-th nearest neighbours,

.. math::  \\hat H = \\psi(n) - \\psi(k) + \\log V_d + \\frac dn\\sum_j\\log\\varepsilon_j,
           \\qquad V_d = \\frac{\\pi^{d/2}}{\\Gamma(d/2 + 1)}.

Exercise 2: ``broken(bias, se, tolerance)`` -> for each entry, whether the estimator has broken
there: its bias is beyond two standard errors (real, not noise) AND beyond the tolerance (large
enough to matter), in either direction.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma

from gauss_flows.course.exercises.core import Mistake, check_function
from gauss_flows.diagnostics import kozachenko_leonenko, log_unit_ball_volume

__all__ = ["check_kozachenko_leonenko", "check_broken"]


_log_unit_ball = log_unit_ball_volume
_kozachenko_leonenko = kozachenko_leonenko   # the reference answer is the library's own estimator


_RNG = np.random.default_rng(7)
KL_INPUTS = [(_RNG.uniform(0.2, 1.5, 50), 1, 1), (_RNG.uniform(0.5, 2.0, 80), 2, 4),
             (_RNG.uniform(0.8, 3.0, 40), 5, 3), (_RNG.uniform(1.0, 4.0, 120), 10, 4),
             (_RNG.uniform(0.1, 0.9, 60), 3, 2)]


def _n(distances):
    return np.asarray(distances).size


KL_MISTAKES = [
    Mistake(lambda e, d, k: np.log(_n(e)) - np.log(k) + _log_unit_ball(int(d)) + int(d) * np.mean(np.log(e)),
            "Use the digamma function psi(n) - psi(k) (scipy.special.digamma), not log n - log k: the "
            "difference is the estimator's bias correction, which matters most for small k."),
    Mistake(lambda e, d, k: digamma(_n(e)) - digamma(k) + int(d) * np.mean(np.log(e)),
            "The log-volume of the unit ball, log V_d = d/2 log pi - log Gamma(d/2 + 1), is missing: "
            "the k-th neighbour's ball has volume V_d eps^d, not eps^d."),
    Mistake(lambda e, d, k: digamma(_n(e)) - digamma(k) + _log_unit_ball(int(d)) + np.mean(np.log(e)),
            "The mean log-distance is multiplied by the dimension d: a ball's volume grows as eps^d."),
    Mistake(lambda e, d, k: digamma(_n(e)) - digamma(k) + _log_unit_ball(int(d)) + int(d) * np.log(np.mean(e)),
            "Average the LOG of the distances, not the distances: the estimator is the mean of "
            "-log of a local density estimate, one per point."),
    Mistake(lambda e, d, k: (digamma(_n(e)) - digamma(k) + _log_unit_ball(int(d))
                             + int(d) * np.mean(np.log(2 * np.asarray(e)))),
            "eps is already the RADIUS of the ball around each point (the distance to the neighbour); "
            "do not double it."),
]


def check_kozachenko_leonenko(kozachenko_leonenko) -> None:
    """Exercise 1: ``kozachenko_leonenko(distances, d, k)`` -> the KL entropy estimate (nats)."""
    check_function(kozachenko_leonenko, _kozachenko_leonenko, KL_INPUTS, name="kozachenko_leonenko",
                   exercise=1, mistakes=KL_MISTAKES)


def _broken(bias, se, tolerance):
    bias, se = np.asarray(bias, dtype=float), np.asarray(se, dtype=float)
    return (np.abs(bias) > 2 * se) & (np.abs(bias) > tolerance)


#: Each case tells one rule from another: significant but small, large but noisy (beyond one SE or
#: not), negative, both.
BROKEN_INPUTS = [
    (np.array([0.05, -0.30, 0.30, -0.02, 0.50, -0.50, 0.50]), np.array([0.01, 0.05, 0.20, 0.001, 0.30, 0.10, 0.60]),
     0.1),
    (np.array([-1.2, 0.8, 0.15, -0.15, 0.0]), np.array([0.1, 0.5, 0.05, 0.05, 0.1]), 0.1),
    (np.array([0.3, -0.3, 0.3]), np.array([0.1, 0.1, 0.2]), 0.25),
]

BROKEN_MISTAKES = [
    Mistake(lambda b, s, t: np.abs(np.asarray(b)) > 2 * np.asarray(s),
            "A bias beyond 2 standard errors is real, but it may still be too small to matter: also "
            "require |bias| > tolerance."),
    Mistake(lambda b, s, t: np.abs(np.asarray(b)) > t,
            "A bias beyond the tolerance may still be noise: also require |bias| > 2 standard errors."),
    Mistake(lambda b, s, t: (np.asarray(b) > 2 * np.asarray(s)) & (np.asarray(b) > t),
            "An estimator can break downwards too: compare the SIZE of the bias, |bias|."),
    Mistake(lambda b, s, t: (np.abs(np.asarray(b)) > np.asarray(s)) & (np.abs(np.asarray(b)) > t),
            "One standard error is not enough: about a third of unbiased estimates land beyond it. "
            "Use |bias| > 2 standard errors."),
]


def check_broken(broken) -> None:
    """Exercise 2: ``broken(bias, se, tolerance)`` -> boolean array, |bias| > 2 se and |bias| > tolerance."""
    check_function(broken, _broken, BROKEN_INPUTS, name="broken", exercise=2, mistakes=BROKEN_MISTAKES)
