"""Checkers of Part 6 · 03 (training a continuous flow): independent right answers pass; generic
wrong answers and each listed Mistake are rejected with their hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import training_a_continuous_flow as ex
from wrong_answers import generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def kl_by_loop(log_p, log_q):  # another route: the sums written out
    d = [float(a) - float(b) for a, b in zip(log_p, log_q)]
    m = len(d)
    mean = sum(d) / m
    var = sum((v - mean) ** 2 for v in d) / (m - 1)
    return mean, (var / m) ** 0.5


def log_density_by_hand(flow, x):  # another route: the two pieces of the base density written out
    z, log_det = flow.bijection.transform_and_log_det(x)
    return -0.5 * jnp.sum(z ** 2) - jnp.log(2 * jnp.pi) + log_det


def test_right_answers_pass(capsys):
    ex.check_kl_estimate(kl_by_loop)
    ex.check_log_density(log_density_by_hand)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_kl_estimate(generic_wrong(kl_by_loop)[k])
    with pytest.raises(ExerciseError):
        ex.check_log_density(generic_wrong(log_density_by_hand)[k])


def test_the_log_det_sign_is_named():
    with pytest.raises(ExerciseError, match="wrong sign"):
        ex.check_log_density(lambda f, x: f.base.log_prob(f.bijection.transform(x)) - f.bijection.transform_and_log_det(x)[1])


@pytest.mark.parametrize("mistake", ex.KL_MISTAKES, ids=lambda m: m.hint[:25])
def test_kl_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_kl_estimate(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.LOG_DENSITY_MISTAKES, ids=lambda m: m.hint[:25])
def test_log_density_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_log_density(mistake.answer)
    assert mistake.hint in str(info.value)


def test_the_checker_flow_is_not_the_identity():
    # a flow at its identity initialisation would let "forgot the ODE" pass: the checker's is moved
    flow, x = ex._log_density_inputs()[1]
    z, log_det = flow.bijection.transform_and_log_det(x)
    assert float(jnp.max(jnp.abs(z - x))) > 0.05 and abs(float(log_det)) > 0.05


def test_the_reference_is_the_flows_own_log_prob():
    for flow, x in ex._log_density_inputs():
        np.testing.assert_allclose(ex._log_density(flow, x), flow.log_prob(x), rtol=1e-12, atol=1e-12)
