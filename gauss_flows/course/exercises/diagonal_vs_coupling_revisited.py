"""Checkers for Part 5 · 04, diagonal vs coupling flows revisited.

Exercise 1: ``mean_and_se(values)``: the mean over seeds and its standard error
:math:`s/\\sqrt n`, :math:`s` the sample standard deviation (``ddof=1``), as an array
``[mean, se]``.
Exercise 2: ``diagonal_kl_floor(cov)``: the smallest KL from a Gaussian :math:`\\mathcal N(0, \\Sigma)`
to any product of marginals, i.e. its total correlation
:math:`\\tfrac12\\big(\\sum_i \\log \\Sigma_{ii} - \\log\\det\\Sigma\\big)`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_mean_and_se", "check_diagonal_kl_floor"]


def _mean_se(values):
    values = np.asarray(values, dtype=float)
    return np.array([values.mean(), values.std(ddof=1) / np.sqrt(values.size)])


_RNG = np.random.default_rng(8)
MEAN_SE_INPUTS = [np.array([1.2, 1.3, 1.25, 1.28, 1.31]), 0.5 + 0.1 * _RNG.normal(size=7),
                  np.array([0.0, 1.0]), 3.0 + _RNG.normal(size=12)]
MEAN_SE_MISTAKES = [
    Mistake(lambda v: np.array([np.mean(v), np.std(v, ddof=1)]),
            "The second number is the standard deviation of the seeds; the standard ERROR of their "
            "mean divides it by sqrt(n)."),
    Mistake(lambda v: np.array([np.mean(v), np.std(v) / np.sqrt(len(v))]),
            "Use the sample standard deviation (ddof=1): np.std(values, ddof=1). With a handful of "
            "seeds the difference matters."),
    Mistake(lambda v: np.array([np.mean(v), np.std(v, ddof=1) / len(v)]),
            "Divide the standard deviation by sqrt(n), not by n."),
    Mistake(lambda v: np.array([np.mean(v), np.var(v, ddof=1) / len(v)]),
            "That is the VARIANCE of the mean, s^2 / n; the standard error is its square root."),
]


def check_mean_and_se(mean_and_se) -> None:
    """Exercise 1: ``[mean, standard error]`` of the values."""
    check_function(mean_and_se, _mean_se, MEAN_SE_INPUTS, name="mean_and_se", exercise=1,
                   mistakes=MEAN_SE_MISTAKES)


def _floor(cov):
    cov = np.asarray(cov, dtype=float)
    return 0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1])


def _covariances():
    rng = np.random.default_rng(9)
    out = [np.array([[1.0, 0.8], [0.8, 1.0]]), np.array([[2.0, -0.6], [-0.6, 0.5]]), np.diag([1.0, 3.0, 0.2])]
    for d in (3, 5):
        a = rng.normal(size=(d, d))
        out.append(a @ a.T + 0.5 * np.eye(d))
    return out


FLOOR_MISTAKES = [
    Mistake(lambda c: 2 * _floor(c), "You lost the 1/2: the entropy of a Gaussian is 1/2 log det(2 pi e Sigma)."),
    Mistake(lambda c: -0.5 * np.linalg.slogdet(np.asarray(c, float))[1],
            "-1/2 log det Sigma is the total correlation only when every variance is 1: subtract "
            "the log-determinant from the SUM of the log-variances."),
    Mistake(lambda c: 0.5 * (np.sum(np.log(np.abs(np.asarray(c, float)).sum(axis=1)))
                             - np.linalg.slogdet(np.asarray(c, float))[1]),
            "The marginal variances are the DIAGONAL entries Sigma_ii, not row sums."),
]


def check_diagonal_kl_floor(diagonal_kl_floor) -> None:
    """Exercise 2: the total correlation of N(0, cov), the floor of any diagonal flow's KL."""
    check_function(diagonal_kl_floor, _floor, _covariances(), name="diagonal_kl_floor", exercise=2,
                   mistakes=FLOOR_MISTAKES)
