"""Checkers of Part 7 · 03 (calibration): independent right answers pass; generic wrong answers
and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest
import scipy.stats

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import calibration as ex
from wrong_answers import KINDS, generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def level_by_loop(log_q_draws, log_q_truth):  # another route: count per pair
    n, m = np.shape(log_q_draws)
    return np.array([sum(log_q_draws[s][i] > log_q_truth[i] for s in range(n)) / n for i in range(m)])


def ks_by_scipy(u):  # another route: scipy's two-sided statistic
    return scipy.stats.kstest(u, "uniform").statistic


def test_right_answers_pass(capsys):
    ex.check_hdr_level(level_by_loop)
    ex.check_ks_statistic(ks_by_scipy)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_hdr_level(generic_wrong(level_by_loop)[k])
    with pytest.raises(ExerciseError):
        ex.check_ks_statistic(generic_wrong(ks_by_scipy)[k])


@pytest.mark.parametrize("mistake", ex.LEVEL_MISTAKES, ids=lambda m: m.hint[:25])
def test_level_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_hdr_level(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.KS_MISTAKES, ids=lambda m: m.hint[:25])
def test_ks_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_ks_statistic(mistake.answer)
    assert mistake.hint in str(info.value)


def test_mistakes_differ_from_the_right_answer():
    for mistakes, reference, inputs in [(ex.LEVEL_MISTAKES, ex.hdr_levels, ex._level_inputs()),
                                        (ex.KS_MISTAKES, ex._ks, [(u,) for u in ex._ks_inputs()])]:
        for mistake in mistakes:
            assert any(not np.allclose(mistake.answer(*i), reference(*i)) for i in inputs), mistake.hint
