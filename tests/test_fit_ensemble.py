"""gf.fit_ensemble: every member runs exactly gf.fit's loop, all members in one vmapped program."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf

jax.config.update("jax_enable_x64", True)


def make(key):
    return gf.coupling_flow(key, shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=4, nn_depth=1)


def test_each_member_is_the_fit_of_that_member():
    keys = jr.split(jr.key(0), 3)
    flows = eqx.filter_vmap(make)(keys)
    data = jax.vmap(lambda k: gf.datasets.TwoMoons().sample(k, 120))(keys)
    run = dict(learning_rate=1e-2, max_epochs=6, batch_size=32, val_fraction=0.2, patience=None)
    trained, history = gf.fit_ensemble(jr.key(1), flows, data, **run)
    assert history["train_loss"].shape == history["val_loss"].shape == (6, 3)
    for s, member_key in enumerate(jr.split(jr.key(1), 3)):
        alone, alone_history = gf.fit(member_key, make(keys[s]), data[s], show_progress=False, **run)
        np.testing.assert_allclose(history["val_loss"][:, s], alone_history["val_loss"], rtol=1e-9)
        assert history["best_epoch"][s] == alone_history["best_epoch"]
        member = jax.tree_util.tree_map(lambda leaf: leaf[s] if eqx.is_array(leaf) else leaf, trained)
        x = data[s][:10]
        np.testing.assert_allclose(member.log_prob(x), alone.log_prob(x), rtol=1e-9)
    assert np.all(history["val_loss"][-1] < history["val_loss"][0])  # it trained


def test_early_stopping_waits_for_every_member_and_keeps_each_best():
    keys = jr.split(jr.key(2), 2)
    flows = eqx.filter_vmap(make)(keys)
    data = gf.datasets.TwoMoons().sample(jr.key(3), 100)  # shared by both members
    trained, history = gf.fit_ensemble(jr.key(4), flows, data, learning_rate=5e-2, max_epochs=200,
                                       batch_size=20, patience=3)
    n = history["n_epochs"]
    assert n < 200
    since_best = n - 1 - history["best_epoch"]
    # it stops at the first epoch where EVERY member has gone 3 epochs without a new best
    assert np.all(since_best >= 3) and np.min(since_best) == 3
    np.testing.assert_allclose(history["best_val_loss"], history["val_loss"].min(axis=0))


def test_bad_inputs_are_refused_with_the_shapes():
    flows = eqx.filter_vmap(make)(jr.split(jr.key(0), 2))
    with pytest.raises(ValueError, match="stacked"):
        gf.fit_ensemble(jr.key(0), make(jr.key(0)), jnp.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"\(2, n_samples, 2\)"):
        gf.fit_ensemble(jr.key(0), flows, jnp.zeros((3, 10, 2)))
    with pytest.raises(ValueError, match="batch_size"):
        gf.fit_ensemble(jr.key(0), flows, jnp.zeros((10, 2)), batch_size=0)
