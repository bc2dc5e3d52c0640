"""Checkers of Part 6 · 04 (flow matching): independent right answers pass; generic wrong answers
and each listed mistake are rejected with their hint; the exact marginal field is what it claims."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import flow_matching as ex
from wrong_answers import generic_wrong

jax.config.update("jax_enable_x64", True)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def loss_by_loop(field, x, z, t):  # another route: one point at a time
    total = 0.0
    for xi, zi, ti in zip(x, z, t):
        total += jnp.sum((field(ti, xi + ti * (zi - xi)) - (zi - xi)) ** 2)
    return total / x.shape[0]


def marginal_by_bayes(t, y, points):  # another route: Gaussian likelihoods of the implied noise
    points = np.asarray(points, dtype=float)
    noise = (np.asarray(y) - (1 - t) * points) / t
    likelihood = np.exp(-0.5 * np.sum(noise ** 2, axis=1))
    return (likelihood / likelihood.sum()) @ (noise - points)


def test_right_answers_pass(capsys):
    ex.check_cfm_loss(loss_by_loop)
    ex.check_marginal_field(marginal_by_bayes)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_cfm_loss(generic_wrong(loss_by_loop, returned=1)[k])
    with pytest.raises(ExerciseError):
        ex.check_marginal_field(generic_wrong(marginal_by_bayes, returned=1)[k])


def test_loss_mistakes_are_named():
    line = lambda x, z, t: (1 - t)[:, None] * x + t[:, None] * z
    slips = {"wrong way": lambda f, x, z, t: jnp.mean(jnp.sum((jax.vmap(f)(t, line(x, z, t)) - (x - z)) ** 2, 1)),
             "ends are swapped": lambda f, x, z, t: jnp.mean(jnp.sum((jax.vmap(f)(t, line(z, x, t)) - (z - x)) ** 2, 1)),
             "coordinates too": lambda f, x, z, t: jnp.mean((jax.vmap(f)(t, line(x, z, t)) - (z - x)) ** 2),
             "evaluated at the data": lambda f, x, z, t: jnp.mean(jnp.sum((jax.vmap(f)(t, x) - (z - x)) ** 2, 1)),
             "SQUARED": lambda f, x, z, t: jnp.mean(jnp.sum(jnp.abs(jax.vmap(f)(t, line(x, z, t)) - (z - x)), 1)),
             "wrong time": lambda f, x, z, t: jnp.mean(jnp.sum((jax.vmap(f)(1 - t, line(x, z, t)) - (z - x)) ** 2, 1))}
    for words, slip in slips.items():
        with pytest.raises(ExerciseError, match=words):
            ex.check_cfm_loss(slip)


def test_loss_shape_messages():
    with pytest.raises(ExerciseError, match="single number"):
        ex.check_cfm_loss(lambda f, x, z, t: jnp.sum((z - x) ** 2, axis=1))
    with pytest.raises(ExerciseError, match="should be a function"):
        ex.check_cfm_loss("loss")


@pytest.mark.parametrize("mistake", ex.MARGINAL_MISTAKES, ids=lambda m: m.hint[:25])
def test_marginal_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_marginal_field(mistake.answer)
    assert mistake.hint in str(info.value)


def test_the_marginal_field_is_the_conditional_mean_of_the_velocity():
    """Monte Carlo: draw (x_k, z), keep the pairs whose z_t lands near y, average z - x."""
    rng = np.random.default_rng(0)
    points, t, y = np.array([[-1.0, 0.0], [1.0, 0.5], [0.0, -1.0]]), 0.6, np.array([0.1, 0.2])
    k = rng.integers(0, 3, 2_000_000)
    z = rng.normal(size=(k.size, 2))
    zt = (1 - t) * points[k] + t * z
    near = np.sum((zt - y) ** 2, axis=1) < 0.03 ** 2
    velocity = (z - points[k])[near]
    se = velocity.std(axis=0) / np.sqrt(near.sum())
    assert near.sum() > 500
    np.testing.assert_array_less(np.abs(velocity.mean(axis=0) - ex.marginal_field_reference(t, y, points)), 4 * se + 0.02)
