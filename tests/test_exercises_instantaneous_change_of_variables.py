"""Checkers of Part 6 · 01 (the instantaneous change of variables): independent right answers pass;
generic wrong answers and each listed Mistake are rejected with their hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import instantaneous_change_of_variables as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def along_path_by_gaussian(A, t, x):
    # another route: z(t) = e^{tA} x ~ N(0, e^{tA} e^{tA}^T); evaluate that Gaussian at z(t)
    M = np.asarray(jax.scipy.linalg.expm(t * jnp.asarray(A, dtype=float)))
    return multivariate_normal(np.zeros(len(x)), M @ M.T).logpdf(M @ np.asarray(x, dtype=float))


def divergence_by_differences(f, t, z, h=1e-5):  # central differences, one coordinate at a time
    z = np.asarray(z, dtype=float)
    total = 0.0
    for i in range(z.size):
        e = np.zeros_like(z)
        e[i] = h
        total += float(f(t, jnp.asarray(z + e))[i] - f(t, jnp.asarray(z - e))[i]) / (2 * h)
    return total


def test_right_answers_pass(capsys):
    ex.check_log_density_along_path(along_path_by_gaussian)
    ex.check_field_divergence(lambda f, t, z: jnp.trace(jax.jacrev(lambda v: f(t, v))(jnp.asarray(z, float))))
    ex.check_field_divergence(divergence_by_differences)  # central differences, accurate to ~1e-10 here
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_log_density_along_path(generic_wrong(along_path_by_gaussian, returned=1)[k])
    with pytest.raises(ExerciseError):
        ex.check_field_divergence(generic_wrong(divergence_by_differences, returned=1)[k])


def test_messages_name_the_field():
    with pytest.raises(ExerciseError, match="linear_2d"):
        ex.check_field_divergence(lambda f, t, z: 0.12345)


@pytest.mark.parametrize("mistake", ex.PATH_MISTAKES, ids=lambda m: m.hint[:25])
def test_path_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_log_density_along_path(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.DIVERGENCE_MISTAKES, ids=lambda m: m.hint[:25])
def test_divergence_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_field_divergence(mistake.answer)
    assert mistake.hint in str(info.value)
