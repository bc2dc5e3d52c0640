"""Maximum-likelihood training: validation, divergence, early stopping, and a real fit."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

import gauss_flows as gf
from gauss_flows.training import TrainingDivergedError, _split


def _small_flow(key=jr.key(0)):
    return gf.coupling_flow(key, shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8, nn_depth=1)


def _moons(n=600, key=jr.key(1)):
    return gf.datasets.TwoMoons(noise=0.1).sample(key, n)


def _mean_nll(flow, x):
    return float(-jnp.mean(flow.log_prob(x)))


def test_wrong_data_shape_is_refused_with_both_shapes():
    with pytest.raises(ValueError, match=r"\(n_samples, 2\).*\(2,\).*\(100, 3\)"):
        gf.fit(jr.key(0), _small_flow(), jnp.zeros((100, 3)), show_progress=False)
    with pytest.raises(ValueError, match="NaN"):
        gf.fit(jr.key(0), _small_flow(), jnp.full((10, 2), jnp.nan), show_progress=False)
    with pytest.raises(ValueError, match="val_fraction"):
        gf.fit(jr.key(0), _small_flow(), _moons(), val_fraction=1.5, show_progress=False)


def test_loss_decreases_and_history_is_complete():
    data = _moons()
    flow = _small_flow()
    trained, history = gf.fit(jr.key(2), flow, data, learning_rate=1e-2, max_epochs=15,
                              batch_size=64, patience=None, show_progress=False)
    assert history["n_epochs"] == 15 == len(history["train_loss"]) == len(history["val_loss"])
    assert not history["stopped_early"]
    assert history["best_val_loss"] == min(history["val_loss"])
    assert history["val_loss"][history["best_epoch"]] == history["best_val_loss"]
    assert history["train_loss"][-1] < history["train_loss"][0] - 0.3
    assert _mean_nll(trained, data) < _mean_nll(flow, data) - 0.3
    assert type(trained) is type(flow)


def test_early_stopping_returns_the_best_validation_parameters():
    """Overfit 40 points with a big net: validation gets worse, the best epoch is returned."""
    data = _moons(n=40)
    flow = gf.coupling_flow(jr.key(3), shape=(2,), transformer=gf.Affine(), n_layers=4, nn_width=64, nn_depth=2)
    key = jr.key(4)
    trained, history = gf.fit(key, flow, data, learning_rate=3e-2, max_epochs=300, batch_size=8,
                              val_fraction=0.25, patience=15, show_progress=False)
    assert history["stopped_early"]
    best = history["best_epoch"]
    assert best == int(np.argmin(history["val_loss"]))
    assert history["n_epochs"] == best + 1 + 15
    assert history["val_loss"][-1] > history["best_val_loss"]
    # the returned flow is the best epoch's: its loss on the same held-out split matches
    _, val = _split(jr.split(key)[0], data, 0.25)
    np.testing.assert_allclose(_mean_nll(trained, val), history["best_val_loss"], rtol=1e-9)


def test_divergence_raises_a_clear_error():
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+.*smaller learning rate"):
        gf.fit(jr.key(5), _small_flow(), _moons() * 50.0, learning_rate=1e6, max_epochs=20,
               show_progress=False)


def test_frozen_leaves_stay_put_and_only_trainable_leaves_move():
    data = _moons()
    pca = gf.PCARotation.fit(data)
    coupling = gf.AffineCoupling(jr.key(6), shape=(2,), nn_width=8, nn_depth=1)
    flow = gf.Transformed(gf.StandardNormal((2,)), gf.Chain([pca, coupling]))
    trained, _ = gf.fit(jr.key(7), flow, data, learning_rate=1e-2, max_epochs=3, show_progress=False)
    np.testing.assert_array_equal(trained.bijection[0].rotation.value, pca.rotation.value)
    np.testing.assert_array_equal(trained.bijection[0].mean.value, pca.mean.value)
    before, _ = gf.split_trainable(flow)
    after, _ = gf.split_trainable(trained)
    moved = jax.tree_util.tree_map(lambda a, b: bool(jnp.any(a != b)), before, after)
    assert all(jax.tree_util.tree_leaves(moved))


def test_custom_optimizer_and_float32():
    data = _moons()
    flow = gf.cast(_small_flow(), jnp.float32)
    trained, history = gf.fit(jr.key(8), flow, data, optimizer=optax.chain(optax.clip_by_global_norm(1.0), optax.sgd(1e-2)),
                              max_epochs=3, batch_size=1000, val_fraction=0.0, show_progress=False)
    leaves = jax.tree_util.tree_leaves(gf.split_trainable(trained)[0])
    assert all(leaf.dtype == jnp.float32 for leaf in leaves)
    # no validation split: the training loss is what is monitored; one batch = all 600 points
    assert history["val_loss"] == history["train_loss"]
    assert history["n_epochs"] == 3


@pytest.mark.slow
def test_coupling_flow_learns_eight_gaussians():
    """A spline coupling flow fitted to 4000 samples gets close to the exact density.

    Measured (float64, these keys, 40 epochs): KL(p || q) = 0.039 +- 0.002 nats (20k test
    samples); an affine coupling flow of 6 layers reaches only 0.36. Threshold with margin.
    """
    target = gf.datasets.EightGaussians()
    data = target.sample(jr.key(0), 4000)
    flow = gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.RationalQuadraticSpline(knots=8, interval=4.0),
                            n_layers=4, nn_width=32, nn_depth=2)
    kl_before, _ = gf.datasets.kl_divergence(jr.key(9), target, flow, n=5000)
    trained, history = gf.fit(jr.key(2), flow, data, learning_rate=5e-3, max_epochs=40, batch_size=256,
                              patience=10, show_progress=False)
    kl, se = gf.datasets.kl_divergence(jr.key(9), target, trained, n=5000)
    assert kl_before > 1.0
    assert kl < 0.08, (kl, se, history["n_epochs"])
