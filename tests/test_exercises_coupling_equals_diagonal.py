"""Part 5 · 06 checkers: the marginal layer of a pair, the log-det of a constant affine coupling."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import coupling_equals_diagonal as ced


def rejects(check, answer, hint=""):
    with pytest.raises(ExerciseError, match=hint or None):
        check(answer)


def marginal_by_loop(first_rows, second_rows, mask):
    rows, i, j = [], 0, 0
    for active in mask:
        if active:
            rows.append(first_rows[i]); i += 1
        else:
            rows.append(second_rows[j]); j += 1
    return np.array(rows)


def test_marginal_accepts_correct_answers(capsys):
    ced.check_marginal_parameters(ced._marginal)
    ced.check_marginal_parameters(marginal_by_loop)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda a, b, m: marginal_by_loop(b, a, m), "swapped"),
    (lambda a, b, m: np.concatenate([a, b]), "stacked the first"),
    (lambda a, b, m: np.concatenate([b, a]), "stacked the second"),
    (lambda a, b, m: -marginal_by_loop(a, b, m), "SIGN"),
    (lambda a, b, m: 2 * marginal_by_loop(a, b, m), "FACTOR"),
    (lambda a, b, m: marginal_by_loop(a, b, m) + 0.01, "constant"),
    (lambda a, b, m: np.zeros((len(m), np.shape(a)[1])), ""),
    (lambda a, b, m: np.random.default_rng(0).normal(size=(len(m), np.shape(a)[1])), ""),
    (lambda a, b, m: np.asarray(a), "shape"),
    (lambda a, b, m: None, "return"),
])
def test_marginal_rejects_wrong_answers(answer, hint):
    rejects(ced.check_marginal_parameters, answer, hint)


def test_log_det_accepts_correct_answers(capsys):
    ced.check_zero_kernel_affine_log_det(lambda x, m, s: float(np.sum(s)))
    ced.check_zero_kernel_affine_log_det(
        lambda x, m, s: float(np.log(np.prod(np.exp(np.where(m, np.pad(s, (0, len(m) - len(s)))[np.argsort(np.argsort(~np.asarray(m), kind="stable"))], 0.0))))))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda x, m, s: float(np.sum(np.exp(s))), "LOGS"),
    (lambda x, m, s: float(np.prod(np.exp(s))), "determinant itself"),
    (lambda x, m, s: float(np.mean(s)), "SUMS"),
    (lambda x, m, s: float(np.sum(s) + np.sum(np.asarray(x)[~np.asarray(m)])), "passive"),
    (lambda x, m, s: float(np.sum(np.asarray(s) * np.asarray(x)[np.asarray(m)])), "multiply"),
    (lambda x, m, s: -float(np.sum(s)), "SIGN"),
    (lambda x, m, s: 0.0, ""),
    (lambda x, m, s: float(np.sum(x)), ""),
    (lambda x, m, s: float(np.sum(s)) + 0.05, "constant"),
    (lambda x, m, s: 2 * float(np.sum(s)), "FACTOR"),
    (lambda x, m, s: np.asarray(s), "shape"),
])
def test_log_det_rejects_wrong_answers(answer, hint):
    rejects(ced.check_zero_kernel_affine_log_det, answer, hint)
