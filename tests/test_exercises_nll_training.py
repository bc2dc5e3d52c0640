"""Part 4 · 00 checkers: accept correct NLLs and base terms, name the mistake in wrong ones."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import nll_training as nt

jax.config.update("jax_enable_x64", True)


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def nll_reference(flow, x):
    z, log_det = jax.vmap(flow.bijection.transform_and_log_det)(x)
    return -jnp.mean(flow.base.log_prob(z) + log_det)


def nll_loop(flow, x):
    """Independent: one sample at a time in numpy, the Gaussian written out."""
    total = 0.0
    for row in np.asarray(x):
        z, log_det = flow.bijection.transform_and_log_det(jnp.asarray(row))
        z = np.asarray(z)
        total += -0.5 * z @ z - np.log(2 * np.pi) + float(log_det)
    return -total / len(x)


def test_nll_accepts_correct_answers(capsys):
    nt.check_nll(nll_reference)
    nt.check_nll(nll_loop)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda flow, x: -jnp.mean(flow.base.log_prob(flow.to_latent(x))), "only the base term"),
    (lambda flow, x: -jnp.mean(flow.base.log_prob(flow.to_latent(x)))
     + jnp.mean(jax.vmap(flow.bijection.transform_and_log_det)(x)[1]), "wrong sign"),
    (lambda flow, x: -jnp.sum(flow.log_prob(x)), "SUM over the batch"),
    (lambda flow, x: -jnp.mean(flow.base.log_prob(x)
                               + jax.vmap(flow.bijection.transform_and_log_det)(x)[1]), "LATENT point"),
    (lambda flow, x: jnp.mean(flow.log_prob(x)), "SIGN"),
])
def test_nll_rejects_wrong_answers(answer, hint):
    rejects(nt.check_nll, answer, hint)


def base_jax(z):
    return -jnp.mean(jax.scipy.stats.norm.logpdf(z).sum(-1))


def base_formula(z):
    z = np.asarray(z)
    return 0.5 * np.mean(np.sum(z**2, 1)) + 0.5 * z.shape[1] * np.log(2 * np.pi)


def test_base_term_accepts_correct_answers(capsys):
    nt.check_base_term(base_jax)
    nt.check_base_term(base_formula)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda z: -np.sum(jax.scipy.stats.norm.logpdf(z).sum(-1)), "SUM over the samples"),
    (lambda z: np.mean(0.5 * np.sum(np.square(z), -1) + 0.5 * np.log(2 * np.pi)), "one per"),
    (lambda z: np.mean(np.sum(np.square(z), -1)) + 0.5 * np.shape(z)[1] * np.log(2 * np.pi), "1/2"),
    (lambda z: 0.5 * np.mean(np.sum(np.square(z), -1)), "off by the same constant|not right"),
])
def test_base_term_rejects_wrong_answers(answer, hint):
    rejects(nt.check_base_term, answer, hint)
