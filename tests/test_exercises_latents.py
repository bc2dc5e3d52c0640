"""Checkers of Part 12 · 04 (what the latents mean): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import latents as ex
from wrong_answers import KINDS, generic_wrong


def interpolation_by_loop(bijection, y0, y1, ts):  # another route: one t at a time
    z0, z1 = bijection.transform(y0), bijection.transform(y1)
    return jnp.stack([bijection.inverse(z0 + t * (z1 - z0)) for t in np.asarray(ts)])


def terms_by_transformed(bijection, vs):  # another route: log-probs of the whole model, differenced
    shape = tuple(bijection.shape)
    logit = gf.Logit(shape, alpha=gf.dequantization.ALPHA)
    y, logit_log_det = jax.vmap(logit.transform_and_log_det)(vs)
    whole = gf.Transformed(gf.StandardNormal(shape), bijection).log_prob(y)
    z = jax.vmap(bijection.transform)(y)
    base = jax.scipy.stats.norm.logpdf(z).reshape(len(vs), -1).sum(1)
    return jnp.stack([base, whole - base, logit_log_det], axis=1)


def test_right_answers_pass(capsys):
    ex.check_latent_interpolation(interpolation_by_loop)
    ex.check_log_density_terms(terms_by_transformed)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_latent_interpolation(generic_wrong(interpolation_by_loop, returned=1)[k])
    with pytest.raises(ExerciseError):
        ex.check_log_density_terms(generic_wrong(terms_by_transformed)[k])


@pytest.mark.parametrize("mistake", ex.INTERPOLATION_MISTAKES, ids=lambda m: m.hint[:25])
def test_interpolation_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_latent_interpolation(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.TERMS_MISTAKES, ids=lambda m: m.hint[:25])
def test_terms_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_log_density_terms(mistake.answer)
    assert mistake.hint in str(info.value)


def test_the_checking_bijection_is_far_from_affine():
    # were f affine, the latent path would be the straight line and exercise 1's main mistake would pass
    bijection, y0, y1, ts = ex._interpolation_inputs()[0]
    straight = gf.latents.linear_path(y0, y1, ts)
    assert float(jnp.max(jnp.abs(gf.latents.latent_path(bijection, y0, y1, ts) - straight))) > 0.1
    assert math.isfinite(float(jnp.sum(ex.log_density_terms(*ex._terms_inputs()[0]))))


def test_mistakes_differ_from_the_right_answer():
    for mistakes, reference, inputs in [(ex.INTERPOLATION_MISTAKES, gf.latents.latent_path, ex._interpolation_inputs()),
                                        (ex.TERMS_MISTAKES, ex.log_density_terms, ex._terms_inputs())]:
        for mistake in mistakes:
            assert any(not np.allclose(mistake.answer(*i), reference(*i)) for i in inputs), mistake.hint
