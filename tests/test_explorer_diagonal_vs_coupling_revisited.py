"""Part 5 · 04 experiment: padded flows are the small flows; the grid trains; controls redraw."""

import jax
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import diagonal_vs_coupling_revisited as dvc
from explorer_registry import DVC_GRID

jax.config.update("jax_enable_x64", True)


def test_architectures_match_the_budgets():
    for family in dvc.FAMILIES:
        for depth in dvc.DEPTHS:
            for budget in dvc.BUDGETS[1:]:   # the smallest coupling budget rounds up to one unit
                n = dvc.n_parameters(family, depth, dvc.architecture(family, budget, depth))
                assert abs(n - budget) <= 0.25 * budget, (family, depth, budget, n)
    with pytest.raises(ValueError, match="family"):
        dvc.architecture("triangular", 100, 1)


@pytest.mark.parametrize("family", dvc.FAMILIES)
def test_a_padded_flow_is_the_small_flow(family):
    x = gf.datasets.TwoMoons().sample(jr.key(3), 64)
    assert dvc.padding_error(family, 2, 2, 5, x) < 1e-10
    small = gf.perturb(dvc.make_flow(family, 1, 2, jr.key(0)), jr.key(1), 0.3)
    padded = dvc.pad(small, family, 1, 5)
    assert gf.count_parameters(padded) > gf.count_parameters(small)
    # a wrong padding (a live extra component / unit) would change the density
    broken = gf.perturb(padded, jr.key(2), 0.3)
    assert float(np.max(np.abs(gf.jit_log_prob(broken, x) - gf.jit_log_prob(small, x)))) > 1e-3


TINY = dict(seeds=2, budgets=(40, 80), n_train=100,
            training=dict(learning_rate=3e-2, max_epochs=4, batch_size=40, val_fraction=0.2, patience=None))


@pytest.fixture(scope="module")
def tiny_record():
    return dvc.run_grid("coupling", 1, **TINY)


def test_programs_run_two_at_a_time_give_the_records_of_one_at_a_time(tiny_record):
    both = dvc.run_all(depths=(1,), families=dvc.FAMILIES, threads=2, **TINY)
    assert set(both) == {("diagonal", 1), ("coupling", 1)}
    np.testing.assert_array_equal(both["coupling", 1]["kl"], tiny_record["kl"])
    np.testing.assert_array_equal(both["coupling", 1]["epochs"], tiny_record["epochs"])
    assert both["diagonal", 1]["family"] == "diagonal" and np.all(np.isfinite(both["diagonal", 1]["kl"]))


def test_the_grid_trains_every_member_and_leaves_the_padding_alone(tiny_record):
    assert tiny_record["kl"].shape == (2, 2) and np.all(np.isfinite(tiny_record["kl"]))
    assert tiny_record["n_parameters"][0] < tiny_record["n_parameters"][1]
    assert tiny_record["log_q_grid"].shape == (2, dvc.GRID_N ** 2)
    assert dvc.padding_moved(tiny_record) == 0.0
    first = dvc.member(tiny_record["flows"], 0)
    assert float(np.max(np.abs(first.bijection.bijectors[0].conditioner.mlp.layers[0].weight))) > 0


def test_every_control_changes_the_frame():
    explorer = dvc.budget_explorer(DVC_GRID)
    assert explorer.n_states == 4
    a, b = explorer.render_state(budget=40, depth=1), explorer.render_state(budget=80, depth=1)
    c = explorer.render_state(budget=40, depth=2)
    assert a.error is None and b.error is None and c.error is None
    assert a.image != b.image and a.readout != b.readout and a.image != c.image and a.readout != c.readout
    assert dvc.which_wins().answer in dvc.which_wins().options
