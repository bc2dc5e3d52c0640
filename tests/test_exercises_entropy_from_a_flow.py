"""Checkers of Part 14 · 00 (entropy from a flow): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import entropy_from_a_flow as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def entropy_by_cholesky(cov):  # another route: log det from the Cholesky factor's diagonal
    cov = np.asarray(cov, dtype=float)
    return cov.shape[0] * 0.5 * np.log(2 * np.pi * np.e) + np.sum(np.log(np.diag(np.linalg.cholesky(cov))))


def test_right_answers_pass(capsys):
    ex.check_gaussian_entropy(entropy_by_cholesky)
    ex.check_lognormal_entropy(lambda m, c: entropy_by_cholesky(c) + float(np.sum(m)))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_gaussian_entropy(generic_wrong(entropy_by_cholesky, factor=2.0)[k])
    with pytest.raises(ExerciseError):
        ex.check_lognormal_entropy(generic_wrong(lambda m, c: entropy_by_cholesky(c) + np.sum(m))[k])


def test_sign_is_named():
    with pytest.raises(ExerciseError, match="(?i)sign"):
        ex.check_gaussian_entropy(lambda c: -entropy_by_cholesky(c))


@pytest.mark.parametrize("mistake", ex.ENTROPY_MISTAKES, ids=lambda m: m.hint[:25])
def test_entropy_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_gaussian_entropy(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.LOGNORMAL_MISTAKES, ids=lambda m: m.hint[:25])
def test_lognormal_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_lognormal_entropy(mistake.answer)
    assert mistake.hint in str(info.value)
