"""Part 4 · 01 checkers: equal-budget comparison over seeds, steps to reach a target."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import rbig_warm_start as rw


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def comparison_reference(a, b):
    gaps = np.asarray(a)[:, -1] - np.asarray(b)[:, -1]
    return gaps.mean(), gaps.std(ddof=1) / np.sqrt(len(gaps))


def comparison_loop(a, b):
    """Independent: explicit sums, the variance written out."""
    gaps = [float(ra[-1] - rb[-1]) for ra, rb in zip(a, b)]
    n = len(gaps)
    mean = sum(gaps) / n
    variance = sum((g - mean) ** 2 for g in gaps) / (n - 1)
    return [mean, (variance / n) ** 0.5]


def test_comparison_accepts_correct_answers(capsys):
    rw.check_equal_budget_comparison(comparison_reference)
    rw.check_equal_budget_comparison(comparison_loop)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda a, b: comparison_reference(a[:, :1], b[:, :1]), "FIRST snapshot"),
    (lambda a, b: ((a[:, -1] - b[:, -1]).mean(), (a[:, -1] - b[:, -1]).std(ddof=1)), "STANDARD ERROR"),
    (lambda a, b: ((a[:, -1] - b[:, -1]).mean(), (a[:, -1] - b[:, -1]).std() / np.sqrt(len(a))), "ddof=1"),
    (lambda a, b: ((b[:, -1] - a[:, -1]).mean(), (a[:, -1] - b[:, -1]).std(ddof=1) / np.sqrt(len(a))),
     "not right yet|SIGN"),
    (lambda a, b: ((a - b).mean(), (a - b)[:, -1].std(ddof=1) / np.sqrt(len(a))), "not right yet"),
])
def test_comparison_rejects_wrong_answers(answer, hint):
    rejects(rw.check_equal_budget_comparison, answer, hint)


def reach_loop(nll, steps, target):
    for value, step in zip(nll, steps):
        if value <= target:
            return step
    return np.inf


def reach_numpy(nll, steps, target):
    hit = np.asarray(nll) <= target
    return np.asarray(steps)[np.argmax(hit)] if hit.any() else np.inf


def test_reach_accepts_correct_answers(capsys):
    rw.check_steps_to_reach(reach_loop)
    rw.check_steps_to_reach(reach_numpy)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda nll, steps, target: float(np.argmax(np.asarray(nll) <= target))
     if np.any(np.asarray(nll) <= target) else np.inf, "INDEX"),
    (lambda nll, steps, target: reach_loop(nll, steps, target - 1e-12), "<="),
    (lambda nll, steps, target: float(steps[np.flatnonzero(np.asarray(nll) <= target)[-1]])
     if np.any(np.asarray(nll) <= target) else np.inf, "LAST step"),
    (lambda nll, steps, target: reach_loop(nll, steps, target) if np.any(np.asarray(nll) <= target)
     else float(steps[-1]), "np.inf"),
])
def test_reach_rejects_wrong_answers(answer, hint):
    rejects(rw.check_steps_to_reach, answer, hint)
