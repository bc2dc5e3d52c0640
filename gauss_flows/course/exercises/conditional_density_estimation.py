"""Checkers for Part 7 · 01, conditional density estimation.

Exercise 1: ``nll_gap(log_q, log_p)`` -> ``(nll_model, nll_truth, gap, standard_error)`` from the
model's and the truth's log-densities at the same held-out pairs :math:`(x_i, y_i)`:
:math:`-\\frac1n\\sum_i \\log q(y_i \\mid x_i)`, :math:`-\\frac1n\\sum_i \\log p(y_i \\mid x_i)`, their
difference :math:`\\frac1n\\sum_i [\\log p - \\log q]` (an estimate of :math:`\\mathbb E_x\\,\\mathrm{KL}`), and
its standard error from the PAIRED differences, :math:`\\mathrm{sd}(\\log p_i - \\log q_i)/\\sqrt n`.

Exercise 2: ``moment_matched_gaussian(x, slope, noise, noise_growth)`` -> ``(mean, std)`` of
``HeteroscedasticBimodal``'s :math:`p(y \\mid x)`, the best Gaussian in KL:
:math:`m(x) = (2w - 1) a x`, :math:`v(x) = s(x)^2 + 4 w (1 - w) a^2 x^2`, with
:math:`w = 1/(1 + e^{-x})` and :math:`s(x) = s_0 + s_1 |x|`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_nll_gap", "check_moment_matched_gaussian"]


# ------------------------------------------------------------------ exercise 1
def _pair(log_q, log_p):
    return np.asarray(log_q, dtype=float), np.asarray(log_p, dtype=float)


def _nll_gap(log_q, log_p, *, ddof=1, paired=True, reversed_gap=False, per_point=False):
    log_q, log_p = _pair(log_q, log_p)
    n = log_q.size
    difference = log_p - log_q
    gap = -difference.mean() if reversed_gap else difference.mean()
    if paired:
        spread = difference.std(ddof=ddof)
    else:
        spread = np.sqrt(log_q.var(ddof=ddof) + log_p.var(ddof=ddof))
    se = spread if per_point else spread / np.sqrt(n)
    return -log_q.mean(), -log_p.mean(), gap, se


def _reference_gap(log_q, log_p):
    return _nll_gap(log_q, log_p)


def _gap_case(seed, n, shift, spread):
    rng = np.random.default_rng(seed)
    log_p = -1.0 + rng.normal(size=n)                       # the truth's log-densities vary a lot ...
    log_q = log_p - shift - spread * rng.exponential(size=n)  # ... the model's follow them, a little lower
    return log_q, log_p


GAP_INPUTS = [_gap_case(0, 50, 0.1, 0.2), _gap_case(1, 400, 0.0, 0.05), _gap_case(2, 7, 0.3, 0.5),
              _gap_case(3, 1000, 0.02, 0.01), (np.array([-1.0, -2.0, -0.5]), np.array([-0.9, -1.5, -0.6]))]

GAP_MISTAKES = [
    Mistake(lambda q, p: _nll_gap(q, p, paired=False),
            "The standard error of the gap must come from the PAIRED differences log p_i - log q_i: both "
            "densities are evaluated at the same pairs, their errors move together, and most of each "
            "one's spread (some pairs are just unlikely) cancels in the difference."),
    Mistake(lambda q, p: _nll_gap(q, p, reversed_gap=True),
            "The gap is reversed: NLL(model) - NLL(truth) = mean(log p - log q), which is >= 0 on "
            "average (it estimates E_x KL(p || q))."),
    Mistake(lambda q, p: _nll_gap(q, p, ddof=0),
            "Use the sample standard deviation (ddof=1) of the differences before dividing by sqrt(n)."),
    Mistake(lambda q, p: _nll_gap(q, p, per_point=True),
            "That is the spread of one difference; the standard error of their MEAN divides it by sqrt(n)."),
    Mistake(lambda q, p: (-_pair(q, p)[1].mean(), -_pair(q, p)[0].mean()) + _nll_gap(q, p)[2:],
            "The two NLLs are swapped: the first is the model's, -mean(log q), the second the truth's."),
]


def check_nll_gap(nll_gap) -> None:
    """Exercise 1: ``nll_gap(log_q, log_p)`` -> (nll_model, nll_truth, gap, standard_error)."""
    check_function(nll_gap, _reference_gap, GAP_INPUTS, name="nll_gap", exercise=1, mistakes=GAP_MISTAKES,
                   rtol=1e-8, atol=1e-10)


# ------------------------------------------------------------------ exercise 2
def _parts(x, slope, noise, noise_growth):
    x = np.asarray(x, dtype=float)
    w = 1.0 / (1.0 + np.exp(-x))
    s = noise + noise_growth * np.abs(x)
    return x, w, s, float(slope)


def _moments(x, slope, noise, noise_growth):
    x, w, s, a = _parts(x, slope, noise, noise_growth)
    return np.stack([(2 * w - 1) * a * x, np.sqrt(s ** 2 + 4 * w * (1 - w) * a ** 2 * x ** 2)])


MOMENT_INPUTS = [(1.3, 1.0, 0.15, 0.15), (np.array([-2.0, -0.5, 0.0, 0.7, 2.4]), 1.0, 0.15, 0.15),
                 (0.0, 1.0, 0.15, 0.15), (np.array([-1.0, 1.5]), 2.0, 0.3, 0.0), (-0.8, 0.5, 0.2, 0.4)]

MOMENT_MISTAKES = [
    Mistake(lambda x, a, s0, s1: np.stack([_moments(x, a, s0, s1)[0], _parts(x, a, s0, s1)[2]]),
            "The standard deviation is not just the branches' own s(x): the two branches sit at +a x and "
            "-a x, and the spread BETWEEN them adds 4 w (1 - w) a^2 x^2 to the variance (law of total "
            "variance)."),
    Mistake(lambda x, a, s0, s1: np.stack([_moments(x, a, s0, s1)[0], _moments(x, a, s0, s1)[1] ** 2]),
            "You returned the variance; the exercise asks for the standard deviation (its square root)."),
    Mistake(lambda x, a, s0, s1: np.stack([np.zeros_like(np.asarray(x, float)),
                                           np.sqrt(_parts(x, a, s0, s1)[2] ** 2 + a ** 2 * np.asarray(x, float) ** 2)]),
            "The branches do not have equal weights: the branch at +a x has weight w(x) = 1/(1 + e^{-x}), "
            "so the mean is w a x - (1 - w) a x = (2w - 1) a x, not 0."),
    Mistake(lambda x, a, s0, s1: np.stack([a * np.asarray(x, float), _moments(x, a, s0, s1)[1]]),
            "a x is the centre of one branch, not the mean of the mixture: weigh the two centres, "
            "w a x + (1 - w)(-a x)."),
    Mistake(lambda x, a, s0, s1: np.stack([_moments(x, a, s0, s1)[0],
                                           np.sqrt(_parts(x, a, s0, s1)[2] ** 2 + a ** 2 * np.asarray(x, float) ** 2)]),
            "E[y^2 | x] = s^2 + a^2 x^2, but the variance subtracts the squared mean: "
            "s^2 + a^2 x^2 - (2w - 1)^2 a^2 x^2 = s^2 + 4 w (1 - w) a^2 x^2."),
]


def check_moment_matched_gaussian(moment_matched_gaussian) -> None:
    """Exercise 2: ``moment_matched_gaussian(x, slope, noise, noise_growth)`` -> (mean, std)."""
    check_function(moment_matched_gaussian, _moments, MOMENT_INPUTS, name="moment_matched_gaussian", exercise=2,
                   mistakes=MOMENT_MISTAKES, rtol=1e-8, atol=1e-10)
