"""The shipped Part 12 models (``gauss_flows/course/checkpoints/digits_multiscale``, written by
``benchmarks/images.py --checkpoints``): they load into the skeleton their manifest describes,
and re-measured they give the held-out bits/dim the manifest records."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course import checkpoints

FOLDER = Path(checkpoints.__file__).parent / "digits_multiscale"


@pytest.fixture(scope="module")
def models():
    return checkpoints.digits_multiscale()


def test_the_checkpoint_is_small_and_float32(models):
    size = sum(p.stat().st_size for p in FOLDER.iterdir())
    assert size < 5e6, f"the Part 12 checkpoint takes {size / 1e6:.1f} MB; it ships in the wheel"
    for model in (models.flow, models.variational_flow, models.dequantizer, *models.snapshots.values()):
        dtypes = {leaf.dtype for leaf in jax.tree_util.tree_leaves(model) if isinstance(leaf, jax.Array)
                  and jnp.issubdtype(leaf.dtype, jnp.floating)}
        assert dtypes == {jnp.dtype(jnp.float32)}, dtypes
    assert sorted(models.snapshots) == sorted(models.settings["snapshots"])
    assert "--checkpoints" in models.manifest["command"] and models.manifest["dtype"] == "float32"


def test_the_loaded_flows_give_the_manifests_held_out_bits_per_dim(models):
    n_draws = models.manifest["evaluation"]["n_draws"]
    uniform = checkpoints.digits_held_out_bits_per_dim(models.flow, 0, n_draws)
    assert abs(uniform - models.row("multiscale")["per_seed"][0]["bits_per_dim"]) < 1e-3, uniform
    variational = checkpoints.digits_held_out_bits_per_dim(models.variational_flow, 0, n_draws, models.dequantizer)
    assert abs(variational - models.row("multiscale_variational")["per_seed"][0]["bits_per_dim"]) < 1e-3, variational


def test_the_snapshots_are_the_training_of_the_saved_flow(models):
    n_draws = models.manifest["evaluation"]["n_draws"]
    recorded = {snap["epoch"]: snap["test_bits_per_dim"] for snap in models.manifest["training_seed0"]["snapshots"]}
    first, last = min(models.snapshots), max(models.snapshots)
    assert last == models.settings["epochs"]
    for epoch in (first, last):
        got = checkpoints.digits_held_out_bits_per_dim(models.snapshots[epoch], 0, n_draws)
        assert abs(got - recorded[epoch]) < 1e-3, (epoch, got, recorded[epoch])
    for a, b in zip(jax.tree_util.tree_leaves(models.snapshots[last]), jax.tree_util.tree_leaves(models.flow)):
        np.testing.assert_array_equal(a, b)          # the last snapshot is the saved flow
    # training did the work: the saved flow is far better than its initialisation
    assert recorded[last] < recorded[first] - 1.0


def test_an_unknown_model_is_named():
    with pytest.raises(KeyError, match="no model 'glow'.*multiscale"):
        checkpoints.digits_multiscale().row("glow")
