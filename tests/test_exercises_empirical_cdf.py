"""Part 1 · 00 checkers: each accepts correct answers and rejects plausible wrong ones with the right hint."""

import numpy as np
import pytest
from scipy.stats import norm, rankdata

from gauss_flows import marginal_fit as mf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import empirical_cdf as ex

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ------------------------------------------------------------ Exercise 1: DKW coverage
def coverage_reference(samples, cdf, alpha):
    samples = np.sort(samples, axis=1)
    n = samples.shape[1]
    F = cdf(samples)
    d = np.maximum(np.arange(1, n + 1) / n - F, F - np.arange(n) / n).max(axis=1)
    return np.mean(d <= mf.dkw_epsilon(n, alpha))


def coverage_loop(samples, cdf, alpha):
    # independent: a Python loop, the ECDF from the library just at and just below each point
    inside = 0
    for row in samples:
        n = len(row)
        at = np.asarray(mf.empirical_cdf(row, row))
        below = at - 1.0 / n  # no ties in continuous data: the jump at x_i is 1/n
        d = max(np.max(np.abs(at - cdf(row))), np.max(np.abs(below - cdf(row))))
        inside += d <= np.sqrt(np.log(2 / alpha) / (2 * n))
    return inside / len(samples)


@pytest.mark.parametrize("answer", [coverage_reference, coverage_loop])
def test_coverage_accepts_correct_answers(answer, capsys):
    ex.check_dkw_coverage(answer)
    assert capsys.readouterr().out.startswith("Correct")


def test_coverage_reference_is_at_least_the_promised_level():
    for samples, cdf, alpha in ex.COVERAGE_INPUTS:
        assert ex._dkw_coverage(samples, cdf, alpha) >= 1 - alpha


@pytest.mark.parametrize("wrong, hint", [
    (lambda s, c, a: 1 - coverage_reference(s, c, a), "miss rate"),
    (lambda s, c, a: np.mean((np.arange(1, s.shape[1] + 1) / s.shape[1] - c(np.sort(s, 1))).max(1)
                             <= mf.dkw_epsilon(s.shape[1], a)), "top of each jump"),
    (lambda s, c, a: np.mean(np.abs(np.arange(1, s.shape[1] + 1) / s.shape[1] - c(np.sort(s, 1))).max(1)
                             <= mf.dkw_epsilon(s.shape[1], a)), "only AT the data points"),
    (lambda s, c, a: np.mean(np.abs(np.arange(1, s.shape[1] + 1) / s.shape[1] - c(s)).max(1)
                             <= mf.dkw_epsilon(s.shape[1], a)), "SORTED"),
    (lambda s, c, a: np.mean([np.max(np.abs(np.arange(1, s.shape[1] + 1) / s.shape[1] - c(np.sort(r))))
                              <= np.sqrt(np.log(1 / a) / (2 * s.shape[1])) for r in s]), "not right yet"),
    (lambda s, c, a: None, "None"),
    (lambda s, c, a: 0.95, "not right yet"),
])
def test_coverage_rejects_wrong_answers(wrong, hint):
    rejects(ex.check_dkw_coverage, wrong, hint)


def test_coverage_wrong_epsilon_alone_is_named():
    def narrow(s, c, a):
        n = s.shape[1]
        s = np.sort(s, 1)
        d = np.maximum(np.arange(1, n + 1) / n - c(s), c(s) - np.arange(n) / n).max(1)
        return np.mean(d <= np.sqrt(np.log(1 / a) / (2 * n)))
    rejects(ex.check_dkw_coverage, narrow, "too narrow")


def test_coverage_not_a_function():
    rejects(ex.check_dkw_coverage, 0.95, "should be a function")


def test_stub_passes_through():
    def stub(*args):
        raise NotImplementedError
    with pytest.raises(NotImplementedError):
        ex.check_dkw_coverage(stub)


# ------------------------------------------------------------ Exercise 2: rank Gaussianization
def ranks_scipy(x):
    return norm.ppf((rankdata(x) - 0.5) / len(x))


def ranks_by_hand(x):
    # independent: sort, then average the positions of equal values
    x = np.asarray(x)
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]) + 1
    average_rank = first + (counts - 1) / 2.0
    return norm.ppf((average_rank[inverse] - 0.5) / x.size)


@pytest.mark.parametrize("answer", [ranks_scipy, ranks_by_hand])
def test_ranks_accept_correct_answers(answer, capsys):
    ex.check_gaussianize_ranks(answer)
    assert capsys.readouterr().out.startswith("Correct")


def test_library_convention_differs_but_agrees_in_the_middle():
    x = ex.RANK_INPUTS[2]
    library = np.asarray(mf.gaussianize_empirical(x))
    assert np.all(np.isfinite(library))
    assert not np.allclose(library, ex._gaussianize_ranks(x))
    np.testing.assert_allclose(np.argsort(library), np.argsort(ex._gaussianize_ranks(x)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: norm.ppf(rankdata(x) / len(x)), r"\+inf"),
    (lambda x: norm.ppf(rankdata(x) / (len(x) + 1)), r"rank / \(n \+ 1\)"),
    (lambda x: norm.ppf((np.arange(1, len(x) + 1) - 0.5) / len(x)), "SORTED order"),
    (lambda x: norm.ppf((np.argsort(np.argsort(x)) + 0.5) / len(x)), "Tied values"),
    (lambda x: np.asarray(mf.gaussianize_empirical(x)), "not right yet"),
    (lambda x: (rankdata(x) - 0.5) / len(x), "not right yet"),
])
def test_ranks_reject_wrong_answers(wrong, hint):
    rejects(ex.check_gaussianize_ranks, wrong, hint)
