"""Checkers of Part 6 · 02 (Hutchinson's trace estimator): independent right answers pass; generic
wrong answers and each listed mistake are rejected with their hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import hutchinson as ex
from wrong_answers import generic_wrong

jax.config.update("jax_enable_x64", True)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def estimate_by_full_jacobian(f, z, eps):  # another route: the whole Jacobian, then the quadratic form
    return float(eps @ jax.jacfwd(f)(z) @ eps)


def estimate_by_vjp(f, z, eps):  # reverse mode: eps^T J, then the dot product with eps
    return jax.vjp(f, z)[1](eps)[0] @ eps


def variances_by_eigenvalues(J):  # Gaussian: 2 sum lambda_i^2; Rademacher: 4 sum_{i<j} (J_s)_ij^2
    sym = 0.5 * (np.asarray(J) + np.asarray(J).T)
    off = np.triu(sym, k=1)
    return np.array([2 * np.sum(np.linalg.eigvalsh(sym) ** 2), 4 * np.sum(off ** 2)])


def test_right_answers_pass(capsys):
    ex.check_one_probe_estimate(estimate_by_full_jacobian)
    ex.check_one_probe_estimate(estimate_by_vjp)
    ex.check_hutchinson_variances(variances_by_eigenvalues)
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_one_probe_estimate(generic_wrong(estimate_by_full_jacobian)[k])
    with pytest.raises(ExerciseError):
        ex.check_hutchinson_variances(generic_wrong(variances_by_eigenvalues)[k])


def test_estimate_mistakes_are_named():
    slips = {"does not depend on f": lambda f, z, eps: eps @ eps,
             "summed the entries": lambda f, z, eps: jnp.sum(jax.jvp(f, (z,), (eps,))[1]),
             "VALUE": lambda f, z, eps: eps @ f(z),
             "exact trace": lambda f, z, eps: jnp.trace(jax.jacfwd(f)(z)),
             "vector of ones": lambda f, z, eps: eps @ jax.jvp(f, (z,), (jnp.ones_like(z),))[1]}
    for words, slip in slips.items():
        with pytest.raises(ExerciseError, match=words):
            ex.check_one_probe_estimate(slip)


def test_estimate_shape_and_type_messages():
    with pytest.raises(ExerciseError, match="single number"):
        ex.check_one_probe_estimate(lambda f, z, eps: jax.jvp(f, (z,), (eps,))[1])
    with pytest.raises(ExerciseError, match="None"):
        ex.check_one_probe_estimate(lambda f, z, eps: None)
    with pytest.raises(ExerciseError, match="should be a function"):
        ex.check_one_probe_estimate(3.0)
    with pytest.raises(ExerciseError, match="raised"):
        ex.check_one_probe_estimate(lambda f, z, eps: f(z, eps))


@pytest.mark.parametrize("mistake", ex.VARIANCE_MISTAKES, ids=lambda m: m.hint[:25])
def test_variance_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_hutchinson_variances(mistake.answer)
    assert mistake.hint in str(info.value)


def test_swapped_order_is_rejected():
    with pytest.raises(ExerciseError):
        ex.check_hutchinson_variances(lambda J: variances_by_eigenvalues(J)[::-1])
