"""Checkers of Part 6 · 00 (linear ODE flows): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import linear_ode as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def series_expm(M, terms=60):  # another route to e^M: its Taylor series, summed term by term
    M = np.asarray(M, dtype=float)
    total, term = np.eye(len(M)), np.eye(len(M))
    for k in range(1, terms):
        term = term @ M / k
        total = total + term
    return total


def log_det_by_eigenvalues(A, t):  # det e^{tA} = prod_i e^{t lambda_i}
    return float(np.sum(t * np.linalg.eigvals(np.asarray(A, dtype=float))).real)


def covariance_by_series(A, t):
    M = series_expm(t * np.asarray(A))
    return M @ M.T


def test_right_answers_pass(capsys):
    ex.check_log_det_expm(lambda A, t: jnp.linalg.slogdet(jsl.expm(t * jnp.asarray(A)))[1])
    ex.check_log_det_expm(log_det_by_eigenvalues)
    ex.check_pushed_covariance(covariance_by_series)
    ex.check_pushed_covariance(lambda A, t: jsl.expm(t * jnp.asarray(A)) @ jsl.expm(t * jnp.asarray(A).T))
    assert capsys.readouterr().out.count("Correct") == 4


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_log_det_expm(generic_wrong(log_det_by_eigenvalues, returned=0)[k])
    with pytest.raises(ExerciseError):
        ex.check_pushed_covariance(generic_wrong(covariance_by_series, returned=0)[k])


def test_the_inverse_flow_is_rejected():  # e^{-tA}: the flow run backwards
    with pytest.raises(ExerciseError, match="(?i)sign"):
        ex.check_log_det_expm(lambda A, t: log_det_by_eigenvalues(A, -t))
    with pytest.raises(ExerciseError):
        ex.check_pushed_covariance(lambda A, t: covariance_by_series(A, -t))


@pytest.mark.parametrize("mistake", ex.LOG_DET_MISTAKES, ids=lambda m: m.hint[:25])
def test_log_det_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_log_det_expm(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.COVARIANCE_MISTAKES, ids=lambda m: m.hint[:25])
def test_covariance_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_pushed_covariance(mistake.answer)
    assert mistake.hint in str(info.value)
