"""Checkers of Part 3 · 00 (the RBIG loop): references pass, plausible wrong answers get their hint."""

import jax
import jax.numpy as jnp
import jax.random as jr
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import rbig_loop as ex
from gauss_flows.marginal_fit import fit_marginal_mixture


def library_recipe(data, n_layers, key):
    z = data
    for layer_key in jr.split(key, n_layers):
        u = jax.vmap(fit_marginal_mixture(z, 8, tail_weight=0.02).transform)(z)
        z = jax.vmap(gf.RandomRotation(layer_key, dim=z.shape[1]).transform)(u)
    return z


def pca_loop(data, n_layers, key):  # an independent correct answer: other rotations and mixtures
    z = data
    for _ in range(n_layers):
        u = jax.vmap(fit_marginal_mixture(z, 8).transform)(z)
        z = jax.vmap(gf.PCARotation.fit(u).transform)(u)
    return z


def test_rbig_by_hand_accepts_the_library_recipe_and_a_pca_loop(capsys):
    ex.check_rbig_by_hand(library_recipe)
    assert "matches gf.rbig_fit" in capsys.readouterr().out
    ex.check_rbig_by_hand(pca_loop)
    assert "Gaussianizes as well" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ex.LOOP_MISTAKES, ids=["no rotation", "not chained"])
def test_rbig_by_hand_known_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_rbig_by_hand(mistake.answer)
    assert mistake.hint in str(info.value)


def test_rbig_by_hand_other_wrong_answers():
    with pytest.raises(ExerciseError, match="returned None"):
        ex.check_rbig_by_hand(lambda data, n, key: None)
    with pytest.raises(ExerciseError, match="shape"):
        ex.check_rbig_by_hand(lambda data, n, key: data[:, :1])
    with pytest.raises(ExerciseError, match="not standardised"):  # forgot to transform at all
        ex.check_rbig_by_hand(lambda data, n, key: data)
    with pytest.raises(ExerciseError, match="much less total correlation"):  # only one layer
        ex.check_rbig_by_hand(lambda data, n, key: library_recipe(data, 1, key))
    with pytest.raises(NotImplementedError):
        ex.check_rbig_by_hand(lambda data, n, key: (_ for _ in ()).throw(NotImplementedError()))


def reference_log_likelihood(layers, x):
    z, log_det = x, jnp.zeros(x.shape[0])
    for layer in layers:
        z, ld = jax.vmap(layer.transform_and_log_det)(z)
        log_det = log_det + ld
    return gf.StandardNormal((x.shape[1],)).log_prob(z) + log_det


def via_library(layers, x):  # independent: the library's Transformed
    return gf.Transformed(gf.StandardNormal((x.shape[1],)), gf.Chain(list(layers))).log_prob(x)


def test_rbig_log_likelihood_accepts_two_correct_answers(capsys):
    ex.check_rbig_log_likelihood(reference_log_likelihood)
    ex.check_rbig_log_likelihood(via_library)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("mistake", ex.LIKELIHOOD_MISTAKES, ids=lambda m: m.hint[:20])
def test_rbig_log_likelihood_known_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_rbig_log_likelihood(mistake.answer)
    assert mistake.hint in str(info.value)


def test_rbig_log_likelihood_other_wrong_answers():
    # dropped the 1/2 log 2 pi per dimension: off by log 2 pi
    def no_constant(layers, x):
        return reference_log_likelihood(layers, x) + jnp.log(2 * jnp.pi)

    with pytest.raises(ExerciseError, match="same constant"):
        ex.check_rbig_log_likelihood(no_constant)
    # only the last layer's log-det
    def last_only(layers, x):
        z = x
        for layer in layers:
            z, ld = jax.vmap(layer.transform_and_log_det)(z)
        return gf.StandardNormal((2,)).log_prob(z) + ld

    with pytest.raises(ExerciseError):
        ex.check_rbig_log_likelihood(last_only)


def test_rbig_by_hand_rejects_answers_that_do_not_follow_the_data():
    noise = lambda data, n, key: jr.normal(key, data.shape)  # noqa: E731  standard normal, the right shape
    with pytest.raises(ExerciseError, match="does not follow its input"):
        ex.check_rbig_by_hand(noise)
    with pytest.raises(ExerciseError, match="one layer short"):
        ex.check_rbig_by_hand(lambda data, n, key: library_recipe(data, n - 1, key))
    with pytest.raises(ExerciseError, match="not standardised"):  # a scaled output
        ex.check_rbig_by_hand(lambda data, n, key: 1.1 * library_recipe(data, n, key))
    with pytest.raises(ExerciseError, match="not standardised"):  # a shifted output
        ex.check_rbig_by_hand(lambda data, n, key: library_recipe(data, n, key) + 0.03)
