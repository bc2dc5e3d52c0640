"""Checkers of Part 14 · 01 (total correlation): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import total_correlation as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def tc_by_correlation(cov):  # another route: normalise to the correlation matrix first
    cov = np.asarray(cov, dtype=float)
    s = np.sqrt(np.diag(cov))
    return -0.5 * np.log(np.linalg.det(cov / np.outer(s, s)))


def equi_by_matrix(rho, d):  # another route: build R and take its determinant
    return tc_by_correlation((1 - rho) * np.eye(int(d)) + rho * np.ones((int(d), int(d))))


def test_right_answers_pass(capsys):
    ex.check_gaussian_total_correlation(tc_by_correlation)
    ex.check_equicorrelated_tc(equi_by_matrix)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_gaussian_total_correlation(generic_wrong(tc_by_correlation, returned=0, factor=2.0)[k])
    with pytest.raises(ExerciseError):
        ex.check_equicorrelated_tc(generic_wrong(equi_by_matrix, returned=0, factor=2.0)[k])


def test_sign_is_named():
    with pytest.raises(ExerciseError, match="(?i)sign"):
        ex.check_equicorrelated_tc(lambda r, d: -equi_by_matrix(r, d))


@pytest.mark.parametrize("mistake", ex.TC_MISTAKES, ids=lambda m: m.hint[:25])
def test_tc_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_gaussian_total_correlation(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.EQUI_MISTAKES, ids=lambda m: m.hint[:25])
def test_equicorrelated_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_equicorrelated_tc(mistake.answer)
    assert mistake.hint in str(info.value)
