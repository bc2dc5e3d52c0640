"""Checkers for Part 1 · 01, smooth CDFs as marginal Gaussianizers.

Exercise 1: for the mixture Gaussianizer :math:`z = \\Phi^{-1}(F(x))`,
:math:`F(x) = \\sum_k \\pi_k\\Phi((x - \\mu_k)/\\sigma_k)`, differentiate
:math:`\\Phi(z) = F(x)`: :math:`\\varphi(z)\\,dz/dx = f(x)`, so

.. math::  \\log\\Big|\\frac{dz}{dx}\\Big| = \\log f(x) - \\log\\varphi(z).

Write ``log_abs_slope(x, weights, means, scales)``; the reference agrees with the library's
``MixtureGaussianCDF.from_mixture(...).transform_and_log_det`` and with ``jax.grad`` of the map
(both checked in the tests).

Exercise 2: the Bayesian information criterion of a :math:`K`-component mixture fitted to
:math:`n` points, :math:`\\mathrm{BIC} = -2\\sum_i\\log \\hat f(x_i) + (3K - 1)\\log n`: write
``mixture_bic(x, weights, means, scales)``; the reference is ``gf.marginal_fit.mixture_bic``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm

from gauss_flows.marginal_fit import mixture_bic as _library_bic
from gauss_flows.course.exercises.core import Mistake, check_function

_MIXTURES = [
    (np.array([1.0]), np.array([0.5]), np.array([2.0])),
    (np.array([0.7, 0.3]), np.array([-1.0, 2.0]), np.array([0.5, 1.0])),
    (np.array([0.5, 0.3, 0.2]), np.array([-1.0, 0.8, 2.5]), np.array([0.5, 0.6, 0.8])),
]
SLOPE_INPUTS = [(x, *m) for m in _MIXTURES for x in (0.0, -2.3, 1.1, 4.0)]


def _log_abs_slope(x, weights, means, scales):
    # the formula, in scipy (the tests check it against the library layer and jax.grad)
    log_f = logsumexp(np.log(weights) + norm.logpdf(x, means, scales))
    z = norm.ppf(np.sum(weights * norm.cdf(x, means, scales)))
    return float(log_f - norm.logpdf(z))


def _log_f(x, w, m, s):
    return np.log(np.sum(w * norm.pdf(x, m, s)))


def _z(x, w, m, s):
    return norm.ppf(np.sum(w * norm.cdf(x, m, s)))


SLOPE_MISTAKES = [
    Mistake(lambda x, w, m, s: _log_f(x, w, m, s),
            "You have log f(x) only: that is the slope of u = F(x), the map to (0, 1). The map goes on "
            "through Phi^-1, whose slope is 1 / phi(z): subtract log phi(z) at z = Phi^-1(F(x))."),
    Mistake(lambda x, w, m, s: _log_f(x, w, m, s) + norm.logpdf(_z(x, w, m, s)),
            "log phi(z) has the wrong sign. From Phi(z) = F(x): phi(z) dz/dx = f(x), so "
            "log dz/dx = log f(x) - log phi(z)."),
    Mistake(lambda x, w, m, s: _log_f(x, w, m, s) - norm.logpdf(x),
            "You evaluated phi at x; it belongs at the OUTPUT z = Phi^-1(F(x)) (differentiate "
            "Phi(z(x)) = F(x) with the chain rule)."),
    Mistake(lambda x, w, m, s: np.log(np.sum(w * norm.pdf((x - m) / s))) - norm.logpdf(_z(x, w, m, s)),
            "Each component's density is phi((x - mu_k)/s_k) / s_k: the 1/s_k is missing."),
]


def check_log_abs_slope(log_abs_slope) -> None:
    """Exercise 1: ``log_abs_slope(x, weights, means, scales)`` = log f(x) - log phi(z)."""
    check_function(log_abs_slope, _log_abs_slope, SLOPE_INPUTS, name="log_abs_slope", exercise=1,
                   mistakes=SLOPE_MISTAKES, rtol=1e-7, atol=1e-9)


def _bic_data():
    rng = np.random.default_rng(11)
    return [rng.normal(0.3, 1.7, size=50), rng.standard_t(4, size=300), rng.exponential(size=1000)]


BIC_INPUTS = [(x, *m) for x, m in zip(_bic_data(), _MIXTURES)] + [(_bic_data()[2], *_MIXTURES[2])]


def _log_lik(x, w, m, s):
    return float(np.sum(np.log(np.sum(w * norm.pdf(np.asarray(x)[:, None], m, s), axis=1))))


def _bic(x, w, m, s):
    return float(_library_bic(np.asarray(x), w, m, s))


BIC_MISTAKES = [
    Mistake(lambda x, w, m, s: -2 * _log_lik(x, w, m, s) + 3 * len(m) * np.log(len(x)),
            "You counted 3K parameters. The K weights sum to 1, so only K - 1 of them are free: "
            "p = 3K - 1."),
    Mistake(lambda x, w, m, s: -2 * _log_lik(x, w, m, s) + 2 * (3 * len(m) - 1),
            "That is the AIC (penalty 2p). The BIC's penalty is p log n: it grows with the sample size."),
    Mistake(lambda x, w, m, s: 2 * _log_lik(x, w, m, s) + (3 * len(m) - 1) * np.log(len(x)),
            "The log-likelihood term has the wrong sign: BIC = -2 log L + p log n (lower is better, so "
            "a better fit must LOWER it)."),
    Mistake(lambda x, w, m, s: -2 * _log_lik(x, w, m, s),
            "The penalty is missing: add p log n with p = 3K - 1. Without it, more components always win."),
    Mistake(lambda x, w, m, s: -_log_lik(x, w, m, s) + 0.5 * (3 * len(m) - 1) * np.log(len(x)),
            "That is BIC / 2 (-log L + p/2 log n): it picks the same K, but the convention asked for is "
            "-2 log L + p log n."),
    Mistake(lambda x, w, m, s: -2 * _log_lik(x, w, m, s) / len(x) + (3 * len(m) - 1) * np.log(len(x)),
            "You used the MEAN log-likelihood. The BIC uses the total, sum_i log f(x_i)."),
]


def check_mixture_bic(mixture_bic) -> None:
    """Exercise 2: ``mixture_bic(x, weights, means, scales)`` = -2 log L + (3K - 1) log n."""
    def student(k):
        return mixture_bic(*BIC_INPUTS[int(k)])

    def wrap(fn):
        return lambda k: fn(*BIC_INPUTS[int(k)])

    if not callable(mixture_bic):
        check_function(mixture_bic, _bic, [], name="mixture_bic", exercise=2)
    check_function(student, wrap(_bic), list(range(len(BIC_INPUTS))), name="mixture_bic", exercise=2,
                   mistakes=[Mistake(wrap(m.answer), m.hint) for m in BIC_MISTAKES], rtol=1e-8, atol=1e-8)
