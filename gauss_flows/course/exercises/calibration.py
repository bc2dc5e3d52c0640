"""Checkers for Part 7 · 03, calibration of a conditional flow.

Exercise 1: ``hdr_level(log_q_draws, log_q_truth)`` with shapes ``(n, m)`` and ``(m,)``: the
credibility of the smallest highest-density region of the model that contains each truth,

.. math::  \\lambda_i = \\frac1n\\sum_{s=1}^n \\mathbb 1\\big[\\log q(\\theta^{(s)}_i \\mid x_i)
           > \\log q(\\theta_i \\mid x_i)\\big],

shape ``(m,)`` (``gf.calibration.hdr_levels``).

Exercise 2: ``ks_statistic(u)``: the Kolmogorov-Smirnov distance of ``m`` values to the uniform,

.. math::  D = \\max_k \\max\\Big(\\frac km - u_{(k)},\\ u_{(k)} - \\frac{k-1}{m}\\Big),

with :math:`u_{(k)}` the values sorted (``gf.calibration.uniformity_test``'s statistic).
"""

from __future__ import annotations

import numpy as np

from gauss_flows.calibration import hdr_levels, uniformity_test
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_hdr_level", "check_ks_statistic"]


def _level_inputs():
    rng = np.random.default_rng(9)
    inputs = []
    for n, m in [(50, 6), (300, 11), (1000, 4)]:
        draws = rng.normal(-2.0, 1.0, (n, m))
        truth = rng.normal(-2.5, 1.5, m)
        inputs.append((draws, truth))
    return inputs


LEVEL_MISTAKES = [
    Mistake(lambda d, t: np.mean(np.asarray(d) < np.asarray(t)[None], 0),
            "You counted the draws LESS dense than the truth: the region that contains the truth holds "
            "every draw at least as dense as it, so count log q(draws) > log q(truth)."),
    Mistake(lambda d, t: np.sum(np.asarray(d) > np.asarray(t)[None], 0).astype(float),
            "That is a count; the level is a fraction of the n draws (divide by n)."),
    Mistake(lambda d, t: np.mean(np.exp(np.asarray(d)) > np.asarray(t)[None], 0),
            "Compare log-densities with log-densities: both inputs are already log q."),
]


def check_hdr_level(hdr_level) -> None:
    """Exercise 1: ``hdr_level(log_q_draws, log_q_truth)`` -> ``(m,)`` levels in [0, 1]."""
    check_function(hdr_level, hdr_levels, _level_inputs(), name="hdr_level", exercise=1,
                   mistakes=LEVEL_MISTAKES)


def _ks(u):
    return uniformity_test(u)[0]


def _ks_inputs():
    rng = np.random.default_rng(10)
    return [rng.uniform(size=40), rng.uniform(size=300) ** 1.4, rng.beta(3.0, 3.0, size=150),
            np.clip(rng.normal(0.7, 0.1, size=80), 0, 1)]


def _one_sided_above(u):
    u = np.sort(np.asarray(u, dtype=float))
    k = np.arange(1, u.size + 1)
    return float(np.max(k / u.size - u))


def _one_sided_below(u):
    u = np.sort(np.asarray(u, dtype=float))
    k = np.arange(1, u.size + 1)
    return float(np.max(u - (k - 1) / u.size))


KS_MISTAKES = [
    Mistake(_one_sided_above,
            "Only one side: the empirical CDF can also fall BELOW u just before each jump; include "
            "u_(k) - (k - 1)/m."),
    Mistake(_one_sided_below,
            "Only one side: the empirical CDF can also rise ABOVE u right after each jump; include "
            "k/m - u_(k)."),
    Mistake(lambda u: float(np.max(np.abs(np.arange(1, np.size(u) + 1) / np.size(u) - np.asarray(u, float)))),
            "Sort the values first: the empirical CDF at the k-th smallest value is k/m."),
    Mistake(lambda u: float(np.max(np.abs(np.arange(1, np.size(u) + 1) / np.size(u) - np.sort(np.asarray(u, float))))),
            "Close, but |k/m - u_(k)| misses the gap just below each jump; D also needs u_(k) - (k - 1)/m."),
]


def check_ks_statistic(ks_statistic) -> None:
    """Exercise 2: ``ks_statistic(u)`` -> the Kolmogorov-Smirnov distance to U(0, 1)."""
    check_function(ks_statistic, _ks, _ks_inputs(), name="ks_statistic", exercise=2, mistakes=KS_MISTAKES)
