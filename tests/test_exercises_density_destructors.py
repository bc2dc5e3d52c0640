"""Checkers of Part 0 · 04: the references pass, independent solutions pass, plausible wrong
answers are rejected with the expected hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import norm, rankdata

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import density_destructors as ex


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ----------------------------------------------------------------------------- exercise 1
def empirical_step(x, R):
    u = jnp.stack([gf.marginal_fit.gaussianize_empirical(x[:, i]) for i in range(x.shape[1])], 1)
    return u @ R.T


def test_step_accepts_mixture_empirical_and_scipy_solutions(capsys):
    def mixture_step(x, R):
        marginal = gf.marginal_fit.fit_marginal_mixture(x, 8)
        return jax.vmap(marginal.transform)(x) @ R.T

    def scipy_step(x, R):  # independent: ranks by scipy, numpy rotation of each row
        x = np.asarray(x)
        u = norm.ppf(np.column_stack([rankdata(c) for c in x.T]) / (len(x) + 1))
        return np.array([np.asarray(R) @ row for row in u])

    for step in (empirical_step, mixture_step, scipy_step):
        ex.check_gaussianization_step(step)
        assert capsys.readouterr().out.startswith("Correct:")


def test_step_rejects_wrong_answers_with_hints():
    check = ex.check_gaussianization_step
    rejects(check, lambda x, R: empirical_step(x, jnp.eye(2)), "rotation is missing")
    rejects(check, lambda x, R: empirical_step(x, R.T), "R\\^T instead of R")
    rejects(check, lambda x, R: empirical_step(x @ R.T, jnp.eye(2)), "order is swapped")
    rejects(check, lambda x, R: ((x - x.mean(0)) / x.std(0)) @ R.T, "standardising")
    rejects(check, lambda x, R: -empirical_step(x, jnp.eye(2)) @ R.T, "DEcreases")
    rejects(check, lambda x, R: norm.cdf(empirical_step(x, jnp.eye(2))) @ R.T, "uniform on")
    rejects(check, lambda x, R: empirical_step(x, R)[:, :1], "shape")
    rejects(check, lambda x, R: norm.ppf(norm.cdf(empirical_step(x, jnp.eye(2)) * 40)) @ R.T, "NaN or inf")
    rejects(check, lambda x, R: None, "forget the `return`")


def test_step_stub_passes_through():
    def stub(x, R):
        raise NotImplementedError("Exercise 1")

    with pytest.raises(NotImplementedError):
        ex.check_gaussianization_step(stub)


# ----------------------------------------------------------------------------- exercise 2
def loop_log_density(layers, x):
    z, total = x, jnp.zeros(x.shape[0])
    for layer in layers:
        z, log_det = jax.vmap(layer.transform_and_log_det)(z)
        total = total + log_det
    return gf.StandardNormal((2,)).log_prob(z) + total


def test_log_density_accepts_reference_and_library(capsys):
    ex.check_destructor_log_density(loop_log_density)
    ex.check_destructor_log_density(
        lambda layers, x: gf.Transformed(gf.StandardNormal((2,)), gf.Chain(layers)).log_prob(x))
    assert capsys.readouterr().out.count("Correct:") == 2


@pytest.mark.parametrize("mistake", ex._mistakes(ex.exercise_layers()), ids=lambda m: m.hint[:20])
def test_log_density_known_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_destructor_log_density(lambda layers, x: mistake.answer(x))
    assert mistake.hint in str(info.value)


def test_log_density_other_wrong_answers():
    check = ex.check_destructor_log_density
    rejects(check, lambda layers, x: loop_log_density(layers, x) + 0.5 * np.log(2 * np.pi),
            r"1/2 log\(2 pi\)")
    rejects(check, lambda layers, x: jnp.exp(loop_log_density(layers, x)), "returned the density")
    rejects(check, lambda layers, x: loop_log_density(layers, x)[0], "shape")
