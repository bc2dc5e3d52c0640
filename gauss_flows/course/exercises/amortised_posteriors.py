"""Checkers for Part 7 · 02, amortised posteriors.

Exercise 1: ``kl_per_observation(log_p, log_q)`` with ``log_p, log_q`` of shape ``(n, m)``: the
exact and the model's log-posterior at ``n`` draws :math:`\\theta_{si} \\sim p(\\theta \\mid x_i)`
for each of ``m`` observations. Returns ``(kl, se)``, each ``(m,)``:

.. math::  \\widehat{\\mathrm{KL}}_i = \\frac1n \\sum_{s} \\big[\\log p(\\theta_{si} \\mid x_i)
           - \\log q(\\theta_{si} \\mid x_i)\\big], \\qquad \\mathrm{se}_i = \\frac{s_i}{\\sqrt n},

:math:`s_i` the sample standard deviation (``ddof=1``) of the ``n`` differences at observation
:math:`i`.

Exercise 2: ``posterior_moments(A, b, noise_cov, prior_mean, prior_cov, x)`` -> ``(mean, cov)``
of the linear-Gaussian posterior,

.. math::  S = \\big(\\Sigma_0^{-1} + A^\\top\\Sigma_\\varepsilon^{-1}A\\big)^{-1}, \\qquad
           m = S\\big(\\Sigma_0^{-1}\\mu_0 + A^\\top\\Sigma_\\varepsilon^{-1}(x - b)\\big).
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_kl_per_observation", "check_posterior_moments"]


def _kl(log_p, log_q):
    d = np.asarray(log_p, dtype=float) - np.asarray(log_q, dtype=float)
    return np.stack([d.mean(0), d.std(0, ddof=1) / np.sqrt(d.shape[0])])


def _kl_inputs():
    rng = np.random.default_rng(7)
    inputs = []
    for n, m in [(30, 4), (400, 7), (2000, 3)]:
        log_p = rng.normal(-2.0, 1.0, (n, m))
        gap = rng.uniform(0.01, 0.5, m) + rng.uniform(0.1, 1.0, m) * rng.standard_normal((n, m)) ** 2
        inputs.append((log_p, log_p - gap))
    return inputs


def _spread(p, q, ddof=1):
    return np.std(np.asarray(p) - np.asarray(q), axis=0, ddof=ddof)


KL_MISTAKES = [
    Mistake(lambda p, q: _kl(q, p),
            "The difference runs the wrong way: KL(p || q) averages log p - log q, the exact "
            "posterior's log-density minus the flow's, over draws from the exact posterior."),
    Mistake(lambda p, q: np.stack([_kl(p, q)[0], _spread(p, q)]),
            "The second number is the spread of one draw's term, not the standard error of the mean: "
            "divide by sqrt(n), n the number of draws per observation."),
    Mistake(lambda p, q: np.stack([_kl(p, q)[0], _spread(p, q) / np.shape(p)[0]]),
            "The standard error of a mean is s / sqrt(n), not s / n."),
    Mistake(lambda p, q: np.stack([_kl(p, q)[0], _spread(p, q, ddof=0) / np.sqrt(np.shape(p)[0])]),
            "Use the sample standard deviation (ddof=1): the mean came from the same numbers."),
    Mistake(lambda p, q: np.stack([np.mean(np.exp(p) - np.exp(q), 0), _kl(p, q)[1]]),
            "KL compares log-densities, not densities: average log p - log q."),
]


def check_kl_per_observation(kl_per_observation) -> None:
    """Exercise 1: ``kl_per_observation(log_p, log_q)`` -> ``(kl, se)``, each ``(m,)``."""
    check_function(kl_per_observation, _kl, _kl_inputs(), name="kl_per_observation", exercise=1,
                   mistakes=KL_MISTAKES)


def _moments(A, b, noise_cov, prior_mean, prior_cov, x):
    A, b, x = np.asarray(A, float), np.asarray(b, float), np.asarray(x, float)
    prior_precision, noise_precision = np.linalg.inv(prior_cov), np.linalg.inv(noise_cov)
    cov = np.linalg.inv(prior_precision + A.T @ noise_precision @ A)
    mean = cov @ (prior_precision @ np.asarray(prior_mean, float) + A.T @ noise_precision @ (x - b))
    return mean, cov


def _pack(mean, cov):
    return np.concatenate([np.asarray(mean, float).reshape(1, -1), np.asarray(cov, float)])


def _reference(*args):
    return _pack(*_moments(*args))


def _moment_inputs():
    """Settings where every term matters: a non-zero shift and prior mean, correlated noise, and
    a non-square A (3 observations of 2 parameters)."""
    rng = np.random.default_rng(8)
    inputs = [(np.array([[1.0, 0.8], [0.0, 0.6]]), np.zeros(2), np.diag([0.25, 0.1]), np.zeros(2),
               np.eye(2), np.array([1.2, -0.4]))]
    for k, d in [(2, 2), (3, 2), (2, 3)]:
        A = rng.normal(size=(k, d))
        L = rng.normal(size=(k, k)) * 0.3 + np.eye(k) * 0.5
        P = rng.normal(size=(d, d)) * 0.4 + np.eye(d)
        inputs.append((A, rng.normal(size=k), L @ L.T, rng.normal(size=d), P @ P.T, rng.normal(size=k) * 2))
    return inputs


def _least_squares(A, b, noise_cov, prior_mean, prior_cov, x):
    # the likelihood alone: the prior forgotten (pseudo-inverse for a non-square A)
    noise_precision = np.linalg.inv(noise_cov)
    cov = np.linalg.pinv(A.T @ noise_precision @ A)
    return _pack(cov @ A.T @ noise_precision @ (np.asarray(x) - b), cov)


MOMENT_MISTAKES = [
    Mistake(_least_squares,
            "This is the likelihood's answer alone (least squares): the posterior's precision adds "
            "the prior's, S = (Σ₀⁻¹ + Aᵀ Σε⁻¹ A)⁻¹, and its mean is pulled towards μ₀."),
    Mistake(lambda A, b, N, m0, P0, x: _reference(A, np.zeros_like(b), N, m0, P0, x),
            "The shift b is missing: the observation is x = Aθ + b + ε, so the data term uses x - b."),
    Mistake(lambda A, b, N, m0, P0, x: _reference(A, b, N, np.zeros_like(m0), P0, x),
            "The prior mean is missing from the mean: m = S (Σ₀⁻¹ μ₀ + Aᵀ Σε⁻¹ (x - b))."),
    Mistake(lambda A, b, N, m0, P0, x: _pack(_moments(A, b, N, m0, P0, x)[0],
                                             np.linalg.inv(_moments(A, b, N, m0, P0, x)[1])),
            "The second output is the posterior's precision; return its inverse, the covariance S."),
    Mistake(lambda A, b, N, m0, P0, x: _pack(
                np.linalg.inv(np.linalg.inv(P0) + A.T @ N @ A) @ (np.linalg.inv(P0) @ m0 + A.T @ N @ (x - b)),
                np.linalg.inv(np.linalg.inv(P0) + A.T @ N @ A)),
            "The noise enters through its precision Σε⁻¹, not its covariance Σε."),
]


def _student_pack(posterior_moments):
    def packed(*args):
        out = posterior_moments(*args)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("posterior_moments must return a pair (mean, cov)")
        return _pack(*out)
    return packed


def check_posterior_moments(posterior_moments) -> None:
    """Exercise 2: ``posterior_moments(A, b, noise_cov, prior_mean, prior_cov, x)`` -> ``(mean, cov)``."""
    check_function(_student_pack(posterior_moments), _reference, _moment_inputs(), name="posterior_moments",
                   exercise=2, mistakes=MOMENT_MISTAKES, rtol=1e-6, atol=1e-9)
