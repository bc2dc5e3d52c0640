"""Part 5 · 02 explorer: the zero-padded ensemble trains exactly the narrow networks; every control redraws."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import conditioner_design as cd


@pytest.fixture(scope="module")
def small():
    """A cheaper grid (fewer widths, depths and steps) so the tests train in seconds."""
    patch = pytest.MonkeyPatch()
    for name, value in dict(WIDTHS=(4, 8), DEPTHS=(1, 2), STEPS=30, N_TRAIN=300, N_VAL=100,
                            GRID_N=30).items():
        patch.setattr(cd, name, value)
    cd._problem.cache_clear()
    cd.train_group.cache_clear()
    yield cd
    patch.undo()
    cd._problem.cache_clear()
    cd.train_group.cache_clear()


def test_full_grid_fits_the_budget():
    explorer = cd.conditioner_explorer()  # builds without training anything
    assert explorer.n_states == len(cd.WIDTHS) * len(cd.DEPTHS) * len(cd.BOUNDS) <= 60
    assert cd.train_group.cache_info().currsize == 0 or cd.train_group.cache_info().currsize <= 6


def test_padded_training_equals_training_the_narrow_network(small):
    # train the narrow width-4 flow on its own (no padding) with the same program ...
    flow = cd.initial_flow(4, 2, None)
    params, static = gf.split_trainable(flow)
    stacked = jax.tree_util.tree_map(lambda leaf: leaf[None], params)
    problem = cd._problem()
    alone = cd._train_and_evaluate(stacked, static, problem["train"], problem["val"], problem["grid"],
                                   problem["batches"])
    # ... and compare with the width-4 member of the zero-padded ensemble
    padded = cd.result(4, 2, "none")
    np.testing.assert_allclose(padded["losses"], np.asarray(alone["losses"][0]), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(padded["val_nll"], float(alone["val_nll"][0]), rtol=1e-9)
    # the extracted narrow flow is a working gf flow with the trained parameters
    trained = cd.trained_flow(4, 2, "none")
    log_q = np.asarray(trained.log_prob(problem["grid"]))
    np.testing.assert_allclose(log_q.reshape(cd.GRID_N, cd.GRID_N), padded["log_q_grid"], rtol=1e-9, atol=1e-9)
    assert padded["losses"][-1] < padded["losses"][0]  # it did train


def test_bound_caps_the_log_scale_and_counts_are_the_library_s(small):
    bounded, free = cd.result(8, 1, "B = 2"), cd.result(8, 1, "none")
    assert 0 < bounded["max_log_scale"] < 2.0
    assert free["max_log_scale"] > 0
    flow = cd.initial_flow(8, 1, 2.0)
    assert bounded["n_parameters"] == gf.count_parameters(flow)
    # two couplings, each: 1 passive -> 8 hidden -> 1 active x 2 affine parameters
    assert bounded["n_parameters"] == 2 * ((1 + 1) * 8 + (8 + 1) * 2)


def test_max_abs_log_scale_matches_a_direct_computation():
    flow = gf.perturb(cd.initial_flow(4, 1, None), jax.random.key(5), 1.0)
    x = jnp.array([[0.3, -1.0], [2.0, 0.5], [-1.5, 1.2]])
    layer = flow.bijection.bijectors[0]
    theta = jnp.stack([layer.parameters(point[np.asarray(layer.passive)]) for point in x])
    first = float(jnp.max(jnp.abs(theta[..., 1])))  # Affine's leaves: shift, log_scale
    assert float(cd.max_abs_log_scale(flow, x)) >= first > 0


def test_every_control_changes_the_frame_and_bad_values_give_messages(small):
    explorer = cd.conditioner_explorer()
    assert explorer.n_states == 2 * 2 * 2
    base = explorer.render_state(width=4, depth=1, bound="none")
    assert base.error is None and "held-out NLL" in base.readout and "parameters" in base.readout
    for change in ({"width": 8}, {"depth": 2}, {"bound": "B = 2"}):
        other = explorer.render_state(**{"width": 4, "depth": 1, "bound": "none", **change})
        assert other.error is None
        assert other.image != base.image and other.readout != base.readout, change
    with pytest.raises(ValueError, match="width"):
        explorer.set(width=500)
    with pytest.raises(ValueError, match="bound"):
        explorer.set(bound="B = 7")
    with pytest.raises(ValueError, match="only widths"):
        cd.result(16, 1, "none")
    with pytest.raises(ValueError, match="bound must be one of"):
        cd.result(4, 1, "B = 7")
