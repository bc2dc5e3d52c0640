"""Checkers for Part 14 · 01, total correlation by Gaussianization.

Exercise 1: ``gaussian_total_correlation(cov)`` ->
:math:`\\mathrm{TC} = \\tfrac12\\big(\\sum_i\\log\\Sigma_{ii} - \\log\\det\\Sigma\\big) = -\\tfrac12\\log\\det R`.
Exercise 2: ``equicorrelated_tc(rho, d)`` -> the same for :math:`R = (1-\\rho)I + \\rho\\,\\mathbf 1\\mathbf 1^\\top`,
whose eigenvalues are :math:`1 + (d-1)\\rho` (once) and :math:`1 - \\rho` (:math:`d - 1` times):
:math:`-\\tfrac12[(d-1)\\log(1-\\rho) + \\log(1 + (d-1)\\rho)]`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.information import gaussian_total_correlation_exact
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_gaussian_total_correlation", "check_equicorrelated_tc"]

COVARIANCES = [np.eye(3), np.array([[1.0, 0.8], [0.8, 1.0]]), np.array([[4.0, -1.0], [-1.0, 0.5]]),
               np.array([[2.0, 0.3, 0.1], [0.3, 2.0, -0.4], [0.1, -0.4, 0.7]]),
               np.array([[9.0, 2.4], [2.4, 1.0]])]


def _logdet(m):
    return float(np.linalg.slogdet(np.asarray(m, dtype=float))[1])


TC_MISTAKES = [
    Mistake(lambda c: -0.5 * _logdet(c),
            "-1/2 log det holds for the CORRELATION matrix. With a covariance, add the marginal "
            "terms: TC = 1/2 (sum_i log Sigma_ii - log det Sigma)."),
    Mistake(lambda c: 0.5 * (np.sum(np.log(np.sqrt(np.diag(np.asarray(c, dtype=float))))) - _logdet(c)),
            "The diagonal holds variances: use log Sigma_ii, not the log of the standard deviations."),
    Mistake(lambda c: float(-0.5 * np.sum(np.log(1 - np.square(
        (np.asarray(c) / np.sqrt(np.outer(np.diag(c), np.diag(c))))[np.triu_indices(len(c), 1)])))),
            "You added the pairwise mutual informations -1/2 log(1 - r_ij^2). Total correlation is not a "
            "sum over pairs (it is, only in 2-D); use -1/2 log det of the whole correlation matrix."),
]


def check_gaussian_total_correlation(gaussian_total_correlation) -> None:
    """Exercise 1: ``gaussian_total_correlation(cov)`` -> 1/2 (sum log diag(cov) - log det cov)."""
    check_function(gaussian_total_correlation, gaussian_total_correlation_exact, COVARIANCES,
                   name="gaussian_total_correlation", exercise=1, mistakes=TC_MISTAKES)


def _equicorrelated(rho, d):
    d = int(d)
    return -0.5 * ((d - 1) * np.log(1 - rho) + np.log(1 + (d - 1) * rho))


EQUI_INPUTS = [(0.0, 3), (0.5, 2), (0.3, 5), (0.8, 10), (-0.2, 4), (0.9, 3)]

EQUI_MISTAKES = [
    Mistake(lambda r, d: -0.5 * int(d) * np.log(1 - r),
            "det R is not (1 - rho)^d: one eigenvalue, along the all-ones direction, is 1 + (d - 1) rho."),
    Mistake(lambda r, d: -0.5 * ((int(d) - 1) * np.log(1 - r) + np.log(1 + int(d) * r)),
            "The large eigenvalue is 1 + (d - 1) rho: R times the all-ones vector gives 1 + (d - 1) rho "
            "in each entry (the diagonal 1 plus d - 1 off-diagonal rho)."),
    Mistake(lambda r, d: -0.25 * int(d) * (int(d) - 1) * np.log(1 - r**2),
            "You added the pairwise mutual informations over all d(d-1)/2 pairs. Total correlation is "
            "-1/2 log det R, not a sum over pairs."),
]


def check_equicorrelated_tc(equicorrelated_tc) -> None:
    """Exercise 2: ``equicorrelated_tc(rho, d)`` -> TC of an equicorrelated Gaussian."""
    check_function(equicorrelated_tc, _equicorrelated, EQUI_INPUTS, name="equicorrelated_tc", exercise=2,
                   mistakes=EQUI_MISTAKES)
