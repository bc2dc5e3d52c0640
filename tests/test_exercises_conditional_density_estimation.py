"""Checkers of Part 7 · 01 (conditional density estimation): independent right answers pass; generic
wrong answers and each listed Mistake are rejected with their hint."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from gauss_flows.conditional_data import HeteroscedasticBimodal
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import conditional_density_estimation as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def gap_by_loops(log_q, log_p):
    # another route: plain Python sums
    n = len(log_q)
    nll_q = -sum(float(v) for v in log_q) / n
    nll_p = -sum(float(v) for v in log_p) / n
    differences = [float(p) - float(q) for p, q in zip(log_p, log_q)]
    gap = sum(differences) / n
    variance = sum((v - gap) ** 2 for v in differences) / (n - 1)
    return nll_q, nll_p, gap, (variance / n) ** 0.5


def moments_by_mixture(x, slope, noise, noise_growth):
    # another route: E[y] and E[y^2] of the two-component mixture, then var = E[y^2] - E[y]^2
    x = np.asarray(x, dtype=float)
    w = 0.5 * (1 + np.tanh(x / 2))                      # the logistic function, written differently
    s = noise + noise_growth * np.abs(x)
    first = w * slope * x + (1 - w) * (-slope * x)
    second = w * (s ** 2 + (slope * x) ** 2) + (1 - w) * (s ** 2 + (slope * x) ** 2)
    return first, np.sqrt(second - first ** 2)


def test_right_answers_pass(capsys):
    ex.check_nll_gap(gap_by_loops)
    ex.check_moment_matched_gaussian(moments_by_mixture)
    assert capsys.readouterr().out.count("Correct") == 2


def test_the_reference_moments_are_those_of_the_samples():
    target = HeteroscedasticBimodal()
    for x in (-2.0, 0.4, 1.7):
        draws = np.asarray(target.sample_given(jr.key(0), jnp.array([x]), 200_000))[:, 0]
        mean, std = ex._moments(x, target.slope, target.noise, target.noise_growth)
        assert abs(draws.mean() - mean) < 5 * std / np.sqrt(draws.size)
        assert abs(draws.std() - std) < 0.01 * std


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_nll_gap(generic_wrong(gap_by_loops)[k])
    with pytest.raises(ExerciseError):
        ex.check_moment_matched_gaussian(generic_wrong(moments_by_mixture)[k])


@pytest.mark.parametrize("mistake", ex.GAP_MISTAKES, ids=lambda m: m.hint[:25])
def test_gap_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_nll_gap(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.MOMENT_MISTAKES, ids=lambda m: m.hint[:25])
def test_moment_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_moment_matched_gaussian(mistake.answer)
    assert mistake.hint in str(info.value)
