"""Checkers of Part 3 · 03 (boundaries and support): references pass, plausible mistakes get their hint."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from jax.scipy.special import ndtri as jax_ndtri
from scipy.special import ndtri

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import boundaries_and_support as ex


def reference(key, x, h):
    return x + h * jr.uniform(key, x.shape), x.shape[-1] * jnp.log(h)


def numpy_version(key, x, h):  # independent: numpy noise seeded from the key
    rng = np.random.default_rng(np.asarray(jr.key_data(key)).ravel())
    return x + h * rng.random(x.shape), x.shape[1] * np.log(h)


def test_dequantize_accepts_two_correct_answers(capsys):
    ex.check_dequantize(reference)
    ex.check_dequantize(numpy_version)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda k, x, h: (x + h * (jr.uniform(k, x.shape) - 0.5), x.shape[-1] * jnp.log(h)), "centred on 0"),
    (lambda k, x, h: (x + jr.uniform(k, x.shape), x.shape[-1] * jnp.log(h)), "multiply u by bin_width"),
    (lambda k, x, h: (x + h * jr.uniform(k, (x.shape[0], 1)), x.shape[-1] * jnp.log(h)), "same jitter"),
    (lambda k, x, h: (x + h * jr.uniform(k, x.shape), -x.shape[-1] * jnp.log(h)), "wrong sign"),
    (lambda k, x, h: (x + h * jr.uniform(k, x.shape), jnp.log(h)), "per coordinate"),
    (lambda k, x, h: (x + h * jr.uniform(jr.key(0), x.shape), x.shape[-1] * jnp.log(h)), "different keys"),
    (lambda k, x, h: (x, 0.0), "no noise"),
    (lambda k, x, h: x + h * jr.uniform(k, x.shape), "pair"),
    (lambda k, x, h: (x + h * jr.beta(k, 2.0, 2.0, x.shape), x.shape[-1] * jnp.log(h)), "uniform on \\[0, 1\\)"),
])
def test_dequantize_mistakes(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_dequantize(answer)


def test_clipped(capsys):
    ex.check_gaussianize_clipped(lambda u, eps: ndtri(np.clip(u, eps, 1 - eps)))
    ex.check_gaussianize_clipped(lambda u, eps: jnp.clip(jax_ndtri(jnp.asarray(u)), jax_ndtri(eps), -jax_ndtri(eps)))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("mistake", ex.CLIP_MISTAKES, ids=lambda m: m.hint[:20])
def test_clipped_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_gaussianize_clipped(mistake.answer)
    assert mistake.hint in str(info.value)


def test_clipped_unclipped_is_not_finite():
    with pytest.raises(ExerciseError, match="not finite"):
        ex.check_gaussianize_clipped(lambda u, eps: ndtri(np.asarray(u, dtype=float)))
