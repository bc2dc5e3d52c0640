"""Checkers for Part 1 · 00, empirical CDF and the DKW band.

Exercise 1: the coverage of the Dvoretzky-Kiefer-Wolfowitz band by simulation. For each row of
``samples`` (``R`` independent samples of size ``n``) compute the Kolmogorov distance

.. math::  D_n = \\sup_x |\\hat F_n(x) - F(x)| = \\max_i \\max\\big(\\tfrac in - F(x_{(i)}),\\
           F(x_{(i)}) - \\tfrac{i-1}n\\big)

(both sides of every jump of the staircase), and return the fraction of rows with
:math:`D_n \\le \\varepsilon_n = \\sqrt{\\log(2/\\alpha)/2n}`: ``dkw_coverage(samples, cdf, alpha)``.

Exercise 2: rank Gaussianization with the midpoint convention,
:math:`z_i = \\Phi^{-1}\\big((r_i - \\tfrac12)/n\\big)` with :math:`r_i` the rank of :math:`x_i`
(1 for the smallest; tied values share their average rank), returned in the order of the input:
``gaussianize_ranks(x)``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm, rankdata

from gauss_flows.course.exercises.core import Mistake, check_function


def _distances(samples, cdf, left: bool = True, right: bool = True):
    ordered = np.sort(np.asarray(samples, dtype=float), axis=-1)
    n = ordered.shape[-1]
    at = np.asarray(cdf(ordered), dtype=float)
    gaps = []
    if right:
        gaps.append(np.max(np.arange(1, n + 1) / n - at, axis=-1))
    if left:
        gaps.append(np.max(at - np.arange(n) / n, axis=-1))
    return np.max(np.stack(gaps), axis=0)


def _top_only_abs(samples, cdf):
    ordered = np.sort(np.asarray(samples, dtype=float), axis=-1)
    n = ordered.shape[-1]
    return np.max(np.abs(np.arange(1, n + 1) / n - np.asarray(cdf(ordered), dtype=float)), axis=-1)


def _epsilon(n, alpha):
    return np.sqrt(np.log(2.0 / alpha) / (2.0 * n))


def _dkw_coverage(samples, cdf, alpha):
    samples = np.asarray(samples, dtype=float)
    return float(np.mean(_distances(samples, cdf) <= _epsilon(samples.shape[-1], alpha)))


def _uniform_cdf(x):
    return np.clip(np.asarray(x, dtype=float), 0.0, 1.0)


def _normal_cdf(x):
    return norm.cdf(x)


def _coverage_inputs():
    """(samples, cdf, alpha): small n, where the side of the jump matters, and a loose alpha."""
    rng = np.random.default_rng(20240601)
    return [(rng.uniform(size=(4000, 5)), _uniform_cdf, 0.5),
            (rng.uniform(size=(4000, 12)), _uniform_cdf, 0.3),
            (rng.normal(size=(3000, 30)), _normal_cdf, 0.2),
            (rng.normal(size=(2000, 50)), _normal_cdf, 0.05)]


COVERAGE_INPUTS = _coverage_inputs()
COVERAGE_MISTAKES = [
    Mistake(lambda s, cdf, a: 1.0 - _dkw_coverage(s, cdf, a),
            "You returned the fraction of samples whose CDF leaves the band (the miss rate). Coverage "
            "is the fraction with sup|F_n - F| <= eps: one minus what you have."),
    Mistake(lambda s, cdf, a: float(np.mean(_distances(s, cdf, left=False) <= _epsilon(np.shape(s)[-1], a))),
            "You compared F with the staircase only at the top of each jump (i/n - F(x_(i))). Just left "
            "of x_(i) the staircase is still at (i-1)/n, so the gap F(x_(i)) - (i-1)/n counts too: take "
            "the max of both."),
    Mistake(lambda s, cdf, a: float(np.mean(_top_only_abs(s, cdf) <= _epsilon(np.shape(s)[-1], a))),
            "You compared F with the ECDF only AT the data points, |i/n - F(x_(i))|. Just left of "
            "x_(i) the staircase is still at (i-1)/n, and F(x_(i)) - (i-1)/n can be the larger gap: "
            "the supremum is the max of i/n - F(x_(i)) and F(x_(i)) - (i-1)/n (top of each jump and "
            "just below it)."),
    Mistake(lambda s, cdf, a: float(np.mean(_distances(s, cdf, right=False) <= _epsilon(np.shape(s)[-1], a))),
            "You compared F with the staircase only just left of each jump ((i-1)/n). At x_(i) itself "
            "the staircase has jumped to i/n, so i/n - F(x_(i)) counts too: take the max of both."),
    Mistake(lambda s, cdf, a: float(np.mean(_distances(s, cdf) <= np.sqrt(np.log(1.0 / a) / (2.0 * np.shape(s)[-1])))),
            "Your band is too narrow: the two-sided DKW bound is 2 exp(-2 n eps^2) = alpha, so "
            "eps = sqrt(log(2/alpha) / (2n)), with a 2 inside the log (gf.marginal_fit.dkw_epsilon)."),
    Mistake(lambda s, cdf, a: float(np.mean(
        np.max(np.abs(np.arange(1, np.shape(s)[-1] + 1) / np.shape(s)[-1] - cdf(np.asarray(s))), axis=-1)
        <= _epsilon(np.shape(s)[-1], a))),
            "The staircase i/n belongs to the SORTED sample: sort each row (np.sort(samples, axis=1)) "
            "before comparing its i-th value with i/n."),
]


def _on_simulation(fn):
    """``fn`` called on simulation number k of :data:`COVERAGE_INPUTS` (keeps the messages short)."""
    return lambda k: fn(*COVERAGE_INPUTS[int(k)])


def check_dkw_coverage(dkw_coverage) -> None:
    """Exercise 1: ``dkw_coverage(samples, cdf, alpha)``, the fraction of rows inside the band.

    It is run on four simulations (numbered 0-3 in the messages): uniform samples of size 5 and
    12 (alpha = 0.5, 0.3) and normal samples of size 30 and 50 (alpha = 0.2, 0.05).
    """
    if not callable(dkw_coverage):
        check_function(dkw_coverage, _dkw_coverage, [], name="dkw_coverage", exercise=1)
    check_function(_on_simulation(dkw_coverage), _on_simulation(_dkw_coverage),
                   list(range(len(COVERAGE_INPUTS))), name="dkw_coverage", exercise=1,
                   mistakes=[Mistake(_on_simulation(m.answer), m.hint) for m in COVERAGE_MISTAKES],
                   rtol=0, atol=1e-12)


def _gaussianize_ranks(x):
    x = np.asarray(x, dtype=float)
    return norm.ppf((rankdata(x) - 0.5) / x.size)


RANK_INPUTS = [np.array([0.3, -1.2, 2.5, 0.0, 0.7]),
               np.array([5.0, 1.0, 3.0, 3.0, 2.0, 10.0, -4.0]),  # a tie
               np.random.default_rng(7).exponential(size=40),
               np.array([-2.0, 2.0])]
RANK_MISTAKES = [
    Mistake(lambda x: norm.ppf(rankdata(x) / np.size(x)),
            "rank / n sends the largest point to Phi^-1(1) = +inf. Use the midpoint (rank - 1/2) / n, "
            "which stays inside (0, 1)."),
    Mistake(lambda x: norm.ppf(rankdata(x) / (np.size(x) + 1.0)),
            "That is the rank / (n + 1) convention, also finite but not the one asked for: use "
            "(rank - 1/2) / n."),
    Mistake(lambda x: norm.ppf((np.arange(1, np.size(x) + 1) - 0.5) / np.size(x)),
            "Your z is in SORTED order (the i-th smallest gets the i-th quantile), but z_i must belong "
            "to x_i: put the values back in the input's order (z[order] = quantiles, or use ranks)."),
    Mistake(lambda x: norm.ppf((rankdata(x, method="ordinal") - 0.5) / np.size(x)),
            "Tied values got different z (you ranked ties one after the other, e.g. argsort of argsort). "
            "Equal x must map to equal z: give tied values their average rank "
            "(scipy.stats.rankdata does it by default)."),
]


def check_gaussianize_ranks(gaussianize_ranks) -> None:
    """Exercise 2: ``gaussianize_ranks(x)`` = Phi^-1((rank - 1/2)/n), ties averaged, input order."""
    check_function(gaussianize_ranks, _gaussianize_ranks, RANK_INPUTS, name="gaussianize_ranks",
                   exercise=2, mistakes=RANK_MISTAKES, rtol=1e-9, atol=1e-9)
