"""Checkers for Part 14 · 02, mutual information.

Exercise 1: ``gaussian_mi(rho)`` -> :math:`I = -\\tfrac12\\log(1 - \\rho^2)` nats, the mutual
information of a bivariate Gaussian with correlation :math:`\\rho`.
Exercise 2: ``block_mutual_information(cov, k)`` -> the mutual information between the first
:math:`k` coordinates of :math:`\\mathcal N(\\mu, \\Sigma)` and the rest,
:math:`\\tfrac12\\big(\\log\\det\\Sigma_{AA} + \\log\\det\\Sigma_{BB} - \\log\\det\\Sigma\\big)`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.information import gaussian_mutual_information_exact
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_gaussian_mi", "check_block_mutual_information"]


def _gaussian_mi(rho):
    return -0.5 * np.log1p(-float(rho) ** 2)


RHOS = [0.0, 0.3, -0.5, 0.8, 0.95, -0.99]

MI_MISTAKES = [
    Mistake(lambda r: -0.5 * np.log(1 - r),
            "Square the correlation: the determinant of [[1, rho], [rho, 1]] is 1 - rho^2, and a "
            "negative rho carries as much information as a positive one."),
    Mistake(lambda r: -0.5 * np.log2(1 - r**2),
            "That is in bits (log base 2). The book measures information in nats: use the natural log."),
    Mistake(lambda r: 0.5 * r**2,
            "rho^2 / 2 is only the small-correlation approximation of -1/2 log(1 - rho^2); it is far "
            "too small for strong dependence, where the exact value grows without bound."),
    Mistake(lambda r: -0.5 * np.log(1 - abs(r)),
            "Use rho squared, not |rho|: the determinant of the correlation matrix is 1 - rho^2."),
]


def check_gaussian_mi(gaussian_mi) -> None:
    """Exercise 1: ``gaussian_mi(rho)`` -> -1/2 log(1 - rho^2) nats."""
    check_function(gaussian_mi, _gaussian_mi, RHOS, name="gaussian_mi", exercise=1, mistakes=MI_MISTAKES)


BLOCK_INPUTS = [
    (np.eye(3), 1),
    (np.array([[1.0, 0.6], [0.6, 1.0]]), 1),
    (np.array([[2.0, 0.5, 0.3], [0.5, 1.0, -0.4], [0.3, -0.4, 3.0]]), 1),
    (np.array([[2.0, 0.5, 0.3], [0.5, 1.0, -0.4], [0.3, -0.4, 3.0]]), 2),
    (np.array([[4.0, 1.0, 0.8, 0.2], [1.0, 2.0, 0.1, 0.5], [0.8, 0.1, 1.0, 0.3], [0.2, 0.5, 0.3, 0.5]]), 2),
    (0.5 * np.eye(4) + 0.5 * np.ones((4, 4)), 1),
]


def _logdet(m):
    return float(np.linalg.slogdet(np.asarray(m, dtype=float))[1])


def _split(cov, k):
    cov = np.asarray(cov, dtype=float)
    k = int(k)
    return cov[:k, :k], cov[k:, k:], cov


def _pairwise(cov, k):
    cov, k = np.asarray(cov, dtype=float), int(k)
    r = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    return float(-0.5 * np.sum(np.log(1 - r[:k, k:] ** 2)))


BLOCK_MISTAKES = [
    Mistake(lambda c, k: 0.5 * (np.sum(np.log(np.diag(np.asarray(c, dtype=float)))) - _logdet(c)),
            "That is the TOTAL CORRELATION of all the coordinates, which also counts the dependence "
            "inside each block. Mutual information compares the whole with the two BLOCKS: use "
            "log det of the diagonal blocks Sigma_AA and Sigma_BB, not the single variances."),
    Mistake(_pairwise,
            "You added the mutual informations of the pairs (x_i, x_j) across the blocks. Mutual "
            "information between blocks is not a sum over pairs (pairs share information); use the "
            "determinants of the blocks and of the whole covariance."),
    Mistake(lambda c, k: 0.5 * (_logdet(_split(c, k)[0]) - _logdet(c)),
            "The block B term is missing: I = 1/2 (log det Sigma_AA + log det Sigma_BB - log det Sigma)."),
    Mistake(lambda c, k: 0.5 * (_logdet(np.asarray(c)[:int(k), :int(k)]) + _logdet(np.asarray(c)[int(k) - 1:, int(k) - 1:])
                                - _logdet(c)),
            "Block B starts at index k (Python slices stop before their end): Sigma_BB = cov[k:, k:]."),
]


def check_block_mutual_information(block_mutual_information) -> None:
    """Exercise 2: ``block_mutual_information(cov, k)`` -> I(x[:k]; x[k:]) of a Gaussian with covariance cov."""
    check_function(block_mutual_information, gaussian_mutual_information_exact, BLOCK_INPUTS,
                   name="block_mutual_information", exercise=2, mistakes=BLOCK_MISTAKES)
