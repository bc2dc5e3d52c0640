"""Checkers of Part 3 · 01 (stopping RBIG): good rules pass, plausible bad ones get their hint."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import convergence as ex
from gauss_flows.rbig import layers_kept


def test_stop_rule_accepts_the_library_rule_and_other_sensible_rules(capsys):
    ex.check_stop_rule(lambda c: layers_kept(c, 0.01, 5))
    ex.check_stop_rule(lambda c: layers_kept(c, 0.005, 3))

    def plateau(c, window=6, tol=0.05):  # stop when a window removes little in total; keep before it
        c = np.asarray(c)
        for end in range(window, c.size + 1):
            if c[end - window:end].sum() < tol:
                return max(1, end - window)
        return c.size

    ex.check_stop_rule(plateau)
    assert capsys.readouterr().out.count("Correct") == 3


def test_stop_rule_rejects_stopping_on_one_noisy_layer():
    def first_small(c):
        c = np.asarray(c)
        small = np.flatnonzero(c < 0.01)
        return max(1, int(small[0])) if small.size else c.size

    with pytest.raises(ExerciseError, match="one noisy estimate is not evidence"):
        ex.check_stop_rule(first_small)


def test_stop_rule_rejects_keeping_everything_and_bad_types():
    with pytest.raises(ExerciseError, match="noise"):
        ex.check_stop_rule(lambda c: len(c))
    with pytest.raises(ExerciseError, match="capture only"):
        ex.check_stop_rule(lambda c: 3)
    with pytest.raises(ExerciseError, match="whole number"):
        ex.check_stop_rule(lambda c: 7.5)
    with pytest.raises(ExerciseError, match="between 1 and 40"):
        ex.check_stop_rule(lambda c: 0)
    with pytest.raises(ExerciseError, match="returned None"):
        ex.check_stop_rule(lambda c: None)


def test_remaining_tc(capsys):
    ex.check_remaining_tc(lambda c: np.sum(c) - np.cumsum(c))
    ex.check_remaining_tc(lambda c: np.cumsum(np.asarray(c)[::-1])[::-1] - np.asarray(c))  # suffix sums
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("mistake", ex.REMAINING_MISTAKES, ids=lambda m: m.hint[:20])
def test_remaining_tc_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_remaining_tc(mistake.answer)
    assert mistake.hint in str(info.value)


def test_remaining_tc_other_wrong_answers():
    with pytest.raises(ExerciseError, match="returned None|None"):
        ex.check_remaining_tc(lambda c: None)
    with pytest.raises(ExerciseError):
        ex.check_remaining_tc(lambda c: np.cumsum(c) - np.sum(c))  # sign flipped


def test_stop_rule_that_returns_an_array_gets_a_hint():
    with pytest.raises(ExerciseError, match="return ONE number"):
        ex.check_stop_rule(lambda curve: curve)
