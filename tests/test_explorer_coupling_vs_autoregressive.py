"""Part 5 · 08 explorer: the pass counter counts what the layers do; every control redraws."""

import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import coupling_vs_autoregressive as cva


@pytest.mark.parametrize("d", [2, 5])
def test_counted_passes_are_one_and_d(d):
    layers = cva.make_layers(d)
    x = jr.normal(jr.key(0), (d,))
    counts = {name: [cva.count_passes(layer, direction, x) for direction in cva.DIRECTIONS]
              for name, layer in layers.items()}
    assert counts == {"MAF": [1, d], "IAF": [d, 1], "coupling": [1, 1]}


def test_the_counter_does_not_change_the_numbers():
    layer = cva.make_layers(4)["MAF"]
    x = jr.normal(jr.key(1), (4,))
    import equinox as eqx
    counter = [0]
    wrapped = eqx.tree_at(lambda b: b.conditioner, layer, cva.CountingConditioner(layer.conditioner, counter))
    np.testing.assert_array_equal(np.asarray(wrapped.inverse(x)), np.asarray(layer.inverse(x)))


def test_timing_returns_positive_seconds():
    layer = cva.make_layers(3)["coupling"]
    assert cva.time_direction(layer, "density", jr.normal(jr.key(2), (8, 3)), repeats=2) > 0
    with pytest.raises(ValueError, match="direction"):
        cva.time_direction(layer, "sideways", jr.normal(jr.key(2), (8, 3)))


def test_every_control_changes_the_frame():
    explorer = cva.explorer()
    assert explorer.n_states == len(cva.D_VALUES) * len(cva.DIRECTIONS) <= 20
    base = explorer.render_state(d=4, direction="density")
    assert base.error is None and "MAF 1 pass" in base.readout
    for change in ({"d": 8}, {"direction": "sampling"}):
        other = explorer.render_state(**{"d": 4, "direction": "density", **change})
        assert other.error is None and other.image != base.image and other.readout != base.readout
    assert "MAF 4 passes" in explorer.render_state(d=4, direction="sampling").readout
