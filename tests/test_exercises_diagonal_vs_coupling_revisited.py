"""Part 5 · 04 checkers: mean and standard error over seeds; the KL floor of a diagonal flow."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import diagonal_vs_coupling_revisited as dvc


def rejects(check, answer, hint=""):
    with pytest.raises(ExerciseError, match=hint or None):
        check(answer)


def test_mean_se_accepts_correct_answers(capsys):
    dvc.check_mean_and_se(lambda v: np.array([np.mean(v), np.std(v, ddof=1) / np.sqrt(len(v))]))
    dvc.check_mean_and_se(lambda v: [sum(v) / len(v), (sum((a - sum(v) / len(v)) ** 2 for a in v) / (len(v) - 1) / len(v)) ** 0.5])
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda v: np.array([np.mean(v), np.std(v, ddof=1)]), "ERROR"),
    (lambda v: np.array([np.mean(v), np.std(v) / np.sqrt(len(v))]), "ddof=1"),
    (lambda v: np.array([np.mean(v), np.std(v, ddof=1) / len(v)]), "sqrt"),
    (lambda v: np.array([np.mean(v), np.var(v, ddof=1) / len(v)]), "VARIANCE"),
    (lambda v: -np.array([np.mean(v), np.std(v, ddof=1) / np.sqrt(len(v))]), "SIGN"),
    (lambda v: np.zeros(2), None),
    (lambda v: np.random.default_rng(0).normal(size=2), None),
    (lambda v: np.asarray(v), "shape"),
    (lambda v: np.array([np.mean(v), np.std(v, ddof=1) / np.sqrt(len(v))]) + 0.01, "constant"),
])
def test_mean_se_rejects_wrong_answers(answer, hint):
    rejects(dvc.check_mean_and_se, answer, hint)


def floor_by_entropies(cov):
    cov = np.asarray(cov, float)
    d = cov.shape[0]
    marginal = sum(0.5 * np.log(2 * np.pi * np.e * cov[i, i]) for i in range(d))
    joint = 0.5 * (d * np.log(2 * np.pi * np.e) + np.log(np.linalg.det(cov)))
    return marginal - joint


def test_floor_accepts_correct_answers(capsys):
    dvc.check_diagonal_kl_floor(floor_by_entropies)
    dvc.check_diagonal_kl_floor(lambda c: -0.5 * np.linalg.slogdet(
        np.asarray(c) / np.sqrt(np.outer(np.diag(c), np.diag(c))))[1])  # -1/2 log det of the correlation
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda c: 2 * floor_by_entropies(c), "1/2"),
    (lambda c: -0.5 * np.linalg.slogdet(np.asarray(c))[1], "SUM of the log-variances"),
    (lambda c: 0.5 * (np.sum(np.log(np.abs(np.asarray(c)).sum(axis=1))) - np.linalg.slogdet(np.asarray(c))[1]), "DIAGONAL"),
    (lambda c: -floor_by_entropies(c), "SIGN"),
    (lambda c: 0.0, None),
    (lambda c: floor_by_entropies(c) + 0.1, "constant"),
    (lambda c: np.diag(c), "shape"),
])
def test_floor_rejects_wrong_answers(answer, hint):
    rejects(dvc.check_diagonal_kl_floor, answer, hint)
