"""Checkers for Part 14 · 00, entropy from a flow.

Exercise 1: ``gaussian_entropy(cov)`` -> :math:`H = \\tfrac12\\log\\det(2\\pi e\\,\\Sigma)` of
:math:`\\mathcal N(\\mu, \\Sigma)` (any :math:`\\mu`).
Exercise 2: ``lognormal_entropy(mean, cov)`` -> :math:`H(e^{x})` for
:math:`x \\sim \\mathcal N(\\mu, \\Sigma)`, elementwise exponential:
:math:`H(T(x)) = H(x) + \\mathbb E\\log|\\det J_T(x)| = H(x) + \\sum_i \\mathbb E[x_i] = H(x) + \\sum_i \\mu_i`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.information import gaussian_entropy_exact
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_gaussian_entropy", "check_lognormal_entropy"]

COVARIANCES = [np.eye(2), np.array([[1.0, 0.8], [0.8, 1.0]]), np.array([[4.0, -1.0], [-1.0, 0.5]]),
               np.array([[2.0]]), np.array([[1.0, 0.3, 0.1], [0.3, 2.0, -0.4], [0.1, -0.4, 0.7]])]


def _logdet(cov):
    return float(np.linalg.slogdet(np.asarray(cov, dtype=float))[1])


ENTROPY_MISTAKES = [
    Mistake(lambda c: 0.5 * (np.shape(c)[0] * np.log(2 * np.pi) + _logdet(c)),
            "The e is missing: H = 1/2 log det(2 pi e Sigma), so each dimension adds 1/2 log(2 pi e), "
            "not 1/2 log(2 pi). The extra 1/2 per dimension is E[z^2]/2 of the quadratic term."),
    Mistake(lambda c: 0.5 * (np.log(2 * np.pi * np.e) + _logdet(c)),
            "det(2 pi e Sigma) = (2 pi e)^d det(Sigma): the constant counts once per dimension."),
    Mistake(lambda c: float(np.sum(0.5 * np.log(2 * np.pi * np.e * np.diag(np.asarray(c, dtype=float))))),
            "You used only the variances (the diagonal): that is the sum of the marginal entropies, "
            "which ignores the correlation. Use the log-determinant of the whole covariance."),
    Mistake(lambda c: 0.5 * np.shape(c)[0] * np.log(2 * np.pi * np.e) + _logdet(c),
            "The 1/2 must multiply log det(Sigma) too: Sigma is a covariance (squared scales)."),
]


def check_gaussian_entropy(gaussian_entropy) -> None:
    """Exercise 1: ``gaussian_entropy(cov)`` -> 1/2 log det(2 pi e cov), in nats."""
    check_function(gaussian_entropy, gaussian_entropy_exact, COVARIANCES, name="gaussian_entropy",
                   exercise=1, mistakes=ENTROPY_MISTAKES)


def _lognormal(mean, cov):
    return gaussian_entropy_exact(cov) + float(np.sum(mean))


LOGNORMAL_INPUTS = [(np.zeros(2), COVARIANCES[1]), (np.array([0.5, -1.0]), COVARIANCES[1]),
                    (np.array([1.0, 2.0]), COVARIANCES[2]), (np.array([-0.3]), COVARIANCES[3]),
                    (np.array([0.2, 0.0, -0.7]), COVARIANCES[4])]

LOGNORMAL_MISTAKES = [
    Mistake(lambda m, c: gaussian_entropy_exact(c),
            "You returned H(x): the exponential stretches space, so the entropy changes by "
            "E log|det J| = E[sum_i x_i] = sum_i mu_i."),
    Mistake(lambda m, c: gaussian_entropy_exact(c) - float(np.sum(m)),
            "The Jacobian term has the wrong sign: H(T(x)) = H(x) + E log|det J_T(x)| (a map that "
            "stretches, |det J| > 1, spreads the density and raises the entropy)."),
    Mistake(lambda m, c: gaussian_entropy_exact(c) + float(np.sum(np.asarray(m) + 0.5 * np.diag(c))),
            "You took the log of the MEAN slope, log E[e^x] = mu + sigma^2/2. The formula needs the "
            "mean of the LOG slope, E[log e^x] = E[x] = mu (Jensen: the two differ)."),
    Mistake(lambda m, c: gaussian_entropy_exact(c) + float(np.sum(np.exp(m))),
            "The log-slope of exp is log(e^x) = x, so its mean is mu, not e^mu."),
]


def check_lognormal_entropy(lognormal_entropy) -> None:
    """Exercise 2: ``lognormal_entropy(mean, cov)`` -> H(exp(x)) for x ~ N(mean, cov)."""
    check_function(lognormal_entropy, _lognormal, LOGNORMAL_INPUTS, name="lognormal_entropy",
                   exercise=2, mistakes=LOGNORMAL_MISTAKES)
