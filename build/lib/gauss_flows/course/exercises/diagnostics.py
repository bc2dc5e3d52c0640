"""Checkers for Part 0 · 06, normality diagnostics.

Exercise 1: ``jarque_bera_statistic(x)`` for a 1-D sample: with the standardised
:math:`u = (x - \\bar x)/s` (``s`` the population standard deviation, ``ddof=0``), skewness
:math:`S = \\overline{u^3}` and excess kurtosis :math:`K = \\overline{u^4} - 3`,

.. math::  \\mathrm{JB} = \\frac n6 \\Big(S^2 + \\frac{K^2}{4}\\Big),

compared with :func:`gauss_flows.diagnostics.jarque_bera`.

Exercise 2: ``qq_theoretical(n)``: the normal quantiles :math:`\\Phi^{-1}((i - 1/2)/n)`,
:math:`i = 1..n`, against which a QQ plot puts the sorted sample
(:func:`gauss_flows.diagnostics.qq_data`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from gauss_flows.diagnostics import jarque_bera
from gauss_flows.course.exercises.core import Mistake, check_function


def _samples() -> list[np.ndarray]:
    rng = np.random.default_rng(60)
    n = 500
    return [rng.standard_normal(n), rng.exponential(size=n), rng.uniform(size=n),
            rng.standard_t(3, size=n), np.concatenate([rng.normal(-2, 0.5, n // 2), rng.normal(2, 0.5, n // 2)])]


INPUTS = _samples()


def _moments(x, ddof=0):
    x = np.asarray(x, dtype=float)
    u = (x - x.mean()) / x.std(ddof=ddof)
    return np.mean(u**3), np.mean(u**4)


def _reference(x):
    return np.asarray(jarque_bera(np.asarray(x, dtype=float))[0])


def _jb(s, k, n):
    return n / 6 * (s**2 + k**2 / 4)


JB_MISTAKES = [
    Mistake(lambda x: _jb(_moments(x)[0], _moments(x)[1], len(x)),
            "You used the kurtosis E[u^4] itself; Jarque-Bera uses the EXCESS kurtosis E[u^4] - 3, "
            "which is 0 for a Gaussian (a Gaussian's E[u^4] is 3)."),
    Mistake(lambda x: _jb(_moments(x)[0], 2 * (_moments(x)[1] - 3), len(x)),
            "The kurtosis term is K^2 / 4, not K^2: the skewness and the excess kurtosis of a Gaussian "
            "sample have variances 6/n and 24/n, and JB adds the two squared standard scores."),
    Mistake(lambda x: _jb(_moments(x, ddof=1)[0], _moments(x, ddof=1)[1] - 3, len(x)),
            "Almost: you standardised with the sample standard deviation (ddof=1). The library (and the "
            "usual JB) uses the population one, np.std(x) with ddof=0."),
    Mistake(lambda x: _jb(_moments(x)[0], _moments(x)[1] - 3, 1),
            "The statistic is missing its factor n/6: the moments are averages, and JB scales them by the "
            "sample size, so that it follows a chi-squared law with 2 degrees of freedom."),
]


def check_jarque_bera_statistic(jarque_bera_statistic) -> None:
    """Exercise 1: ``jarque_bera_statistic(x)`` for 1-D samples, vs ``gf.diagnostics.jarque_bera``."""
    check_function(jarque_bera_statistic, _reference, INPUTS, name="jarque_bera_statistic",
                   exercise=1, mistakes=JB_MISTAKES, rtol=1e-8, atol=1e-8)


# ----------------------------------------------------------------------------- exercise 2
SIZES = [4, 5, 10, 101]


def _qq_reference(n):
    # the same quantiles as gf.diagnostics.qq_data (tests check it), without a JAX call per size
    return ndtri((np.arange(1, n + 1) - 0.5) / n)


QQ_MISTAKES = [
    Mistake(lambda n: ndtri(np.arange(1, n + 1) / n),
            "Phi^-1(i / n) puts the last point at Phi^-1(1) = +inf. The i-th of n sorted points sits in the "
            "MIDDLE of its 1/n slice of probability: use (i - 1/2) / n."),
    Mistake(lambda n: ndtri(np.arange(0, n) / n),
            "Phi^-1(i / n) for i = 0..n-1 puts the first point at Phi^-1(0) = -inf. Use (i - 1/2) / n "
            "for i = 1..n."),
    Mistake(lambda n: ndtri(np.arange(1, n + 1) / (n + 1)),
            "i / (n + 1) (Weibull's plotting positions) is finite too, but this book, like "
            "gf.diagnostics.qq_data, uses Hazen's (i - 1/2) / n: the middle of each 1/n slice."),
]


def check_qq_theoretical(qq_theoretical) -> None:
    """Exercise 2: ``qq_theoretical(n)`` = Phi^-1((i - 1/2)/n), i = 1..n."""
    check_function(qq_theoretical, _qq_reference, SIZES, name="qq_theoretical", exercise=2,
                   mistakes=QQ_MISTAKES, rtol=1e-10, atol=1e-12)

