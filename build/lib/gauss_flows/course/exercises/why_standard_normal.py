"""Checkers for Part 0 · 03, why a standard normal (entropy and total correlation, in nats).

Exercise 1: ``entropies_at_variance(variance)`` -> ``[H_Gauss, H_uniform, H_Laplace]``, the
differential entropies of three distributions with the same variance :math:`\\sigma^2`:

.. math::  H_{\\mathcal N} = \\tfrac12\\log(2\\pi e\\sigma^2), \\quad
           H_{U} = \\log(2\\sqrt3\\,\\sigma) \\ (\\text{width } 2\\sqrt3\\sigma), \\quad
           H_{\\mathrm{Laplace}} = 1 + \\log(2b),\\ b = \\sigma/\\sqrt2 .

Exercise 2: ``gaussian_tc(cov)``, the total correlation of :math:`\\mathcal N(\\mu, \\Sigma)`:
:math:`\\sum_i \\tfrac12\\log(2\\pi e\\Sigma_{ii}) - \\tfrac12\\log\\det(2\\pi e\\Sigma)
= -\\tfrac12\\log\\det R`, with :math:`R = D^{-1/2}\\Sigma D^{-1/2}` the correlation matrix.
"""

from __future__ import annotations

import math

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

# ---------------------------------------------------------------------------- exercise 1
VARIANCES = [1.0, 0.25, 4.0, 2.0, 10.0]


def _gauss(v):
    return 0.5 * math.log(2 * math.pi * math.e * v)


def _uniform(v):
    return math.log(2 * math.sqrt(3 * v))


def _laplace(v):
    return 1.0 + math.log(2 * math.sqrt(v / 2))


def _entropies(v):
    return np.array([_gauss(v), _uniform(v), _laplace(v)])


ENTROPY_MISTAKES = [
    Mistake(lambda v: np.array([0.5 * math.log(2 * math.pi * math.e * math.sqrt(v)), _uniform(v), _laplace(v)]),
            "The Gaussian entry uses the standard deviation where the variance belongs: "
            "H = 1/2 log(2 pi e sigma^2), with sigma^2 = variance."),
    Mistake(lambda v: np.array([_gauss(v), math.log(math.sqrt(3 * v)), _laplace(v)]),
            "The uniform entry uses the half-width. U(-a, a) has variance a^2/3, so a = sqrt(3) sigma, "
            "the width is 2a = 2 sqrt(3) sigma, and H = log(width)."),
    Mistake(lambda v: np.array([_gauss(v), _uniform(v), 1.0 + math.log(2 * math.sqrt(v))]),
            "The Laplace entry takes b = sigma. A Laplace(b) variable has variance 2 b^2, so at "
            "variance sigma^2 the scale is b = sigma / sqrt(2); then H = 1 + log(2b)."),
    Mistake(lambda v: np.array([_gauss(v), math.log(math.sqrt(12 * v)) - 1.0, _laplace(v)]),
            "The uniform entry should not have a -1: the density of U(a, b) is the constant 1/(b - a), "
            "so H = -E[log p] = log(b - a) exactly."),
]


def check_entropies_at_variance(entropies_at_variance) -> None:
    """Exercise 1: ``entropies_at_variance(v)`` -> [Gaussian, uniform, Laplace] entropies at variance v."""
    check_function(entropies_at_variance, _entropies, VARIANCES, name="entropies_at_variance",
                   exercise=1, mistakes=ENTROPY_MISTAKES, rtol=1e-9, atol=1e-12)
    gap = _entropies(1.0)
    print(f"  at variance 1: Gaussian {gap[0]:.4f} > Laplace {gap[2]:.4f} > uniform {gap[1]:.4f} nats.")


# ---------------------------------------------------------------------------- exercise 2
COVARIANCES = [
    np.eye(2),
    np.array([[1.0, 0.6], [0.6, 1.0]]),
    np.array([[4.0, 1.2], [1.2, 1.0]]),
    np.array([[2.0, -1.3], [-1.3, 3.0]]),
    np.array([[1.0, 0.5, 0.2], [0.5, 2.0, -0.7], [0.2, -0.7, 1.5]]),
]


def _gaussian_tc(cov):
    cov = np.asarray(cov, dtype=float)
    scale = 1.0 / np.sqrt(np.diag(cov))
    return -0.5 * np.linalg.slogdet(cov * np.outer(scale, scale))[1]


def _quiet_log_term(rho_squared):
    """-1/2 log(1 - rho^2), NaN (without a warning) when rho^2 >= 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return -0.5 * np.log(1.0 - np.float64(rho_squared))


TC_MISTAKES = [
    Mistake(lambda cov: -0.5 * np.linalg.slogdet(cov)[1],
            "You used log det of the COVARIANCE. Total correlation does not change when a coordinate "
            "is rescaled: subtract the marginal terms, TC = 1/2 sum_i log Sigma_ii - 1/2 log det Sigma, "
            "i.e. -1/2 log det of the CORRELATION matrix."),
    Mistake(lambda cov: _quiet_log_term(cov[0][1] ** 2 / (cov[0][0] * cov[1][1])),
            "That is the two-variable formula -1/2 log(1 - rho^2) for the first pair only. With more "
            "than two coordinates use the whole correlation matrix: -1/2 log det R."),
    Mistake(lambda cov: _quiet_log_term(np.asarray(cov)[0, 1] ** 2),
            "You used the covariance Sigma_12 as if it were the correlation rho. Divide by "
            "sqrt(Sigma_11 Sigma_22) first (and use log det R beyond two coordinates)."),
]


def check_gaussian_tc(gaussian_tc) -> None:
    """Exercise 2: ``gaussian_tc(cov)`` = total correlation of N(mu, cov) in nats."""
    check_function(gaussian_tc, _gaussian_tc, COVARIANCES, name="gaussian_tc", exercise=2,
                   mistakes=TC_MISTAKES, rtol=1e-9, atol=1e-12)
