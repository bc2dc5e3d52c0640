"""Part 5 · 07 explorer: the vmapped seeds are the library's flows, the bound really bounds, the
fixed-point errors shrink at the contraction rate; every control redraws."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import depth_and_residual_flows as dr


@pytest.fixture(scope="module")
def small():
    patch = pytest.MonkeyPatch()
    for name, value in dict(DEPTHS=(2, 3), N_SEEDS=2, STEPS=15, N_TRAIN=200, N_VAL=100,
                            LIPSCHITZ=(0.5, 0.9), N_TRACE=120).items():
        patch.setattr(dr, name, value)
    for cached in (dr._problem, dr.training, dr.fixed_point_trace):
        cached.cache_clear()
    yield dr
    patch.undo()
    for cached in (dr._problem, dr.training, dr.fixed_point_trace):
        cached.cache_clear()


def test_full_grid_fits_the_budget():
    assert dr.explorer().n_states == len(dr.DEPTHS) * len(dr.BOUNDS) * len(dr.EXPLORER_LIPSCHITZ) <= 40
    assert set(dr.EXPLORER_LIPSCHITZ) <= set(dr.LIPSCHITZ)


def test_training_records_the_library_flow_s_numbers(small):
    run = dr.training(2, "none")
    assert run["losses"].shape == (2, 15) and run["val_nll"].shape == (2,)
    # step 0's loss and gradient norm are those of the untrained gf.coupling_flow of each seed
    problem = dr._problem()
    for seed in range(2):
        flow = dr.initial_flow(2, None, seed)
        params, static = gf.split_trainable(flow)
        loss = lambda p: -jnp.mean(eqx_combine(p, static).log_prob(problem["train"][problem["batches"][0]]))
        value, grads = jax.value_and_grad(loss)(params)
        np.testing.assert_allclose(run["losses"][seed, 0], value, rtol=1e-10)
        np.testing.assert_allclose(run["grad_norms"][seed, 0], float(dr._norm(grads)), rtol=1e-10)


def eqx_combine(p, s):
    import equinox as eqx
    return eqx.combine(p, s)


def test_raw_log_scales_match_the_layers_and_the_bound_binds_only_where_it_should(small):
    flow = gf.perturb(dr.initial_flow(2, 0.5, 0), jax.random.key(3), 2.0)
    x = jnp.array([[0.3, -1.0], [2.0, 0.5]])
    scales = dr.raw_log_scales(flow, x)
    assert scales.shape == (2, 2, 1)
    layer = flow.bijection.bijectors[0]
    theta = layer.parameters(x[0][np.asarray(layer.passive)])
    np.testing.assert_allclose(scales[0, 0, 0], theta[0, 1], rtol=1e-12)  # Affine leaves: shift, log_scale
    bounded = dr.training(2, "B = 0.5")
    assert np.all((bounded["beyond_bound"] >= 0) & (bounded["beyond_bound"] <= 1))


def test_fixed_point_errors_shrink_like_a_contraction(small):
    fp = dr.fixed_point_trace(0.5)
    assert fp["converged"].all()
    assert fp["local_lipschitz"].max() <= 0.5 + 1e-9
    median = np.median(fp["errors"], axis=0)
    assert median[30] <= median[0] * 0.5 ** 29
    assert fp["iterations"].max() <= np.log(1e-11 * 0.5 / (0.5 * 10)) / np.log(0.5) + 5


def test_every_control_changes_the_frame_and_bad_values_give_messages(small):
    explorer = dr.explorer()
    base = explorer.render_state(depth=2, bound="none", lipschitz=0.5)
    assert base.error is None and "iterations" in base.readout
    for change in ({"depth": 3}, {"bound": "B = 0.5"}, {"lipschitz": 0.9}):
        other = explorer.render_state(**{"depth": 2, "bound": "none", "lipschitz": 0.5, **change})
        assert other.error is None and other.image != base.image and other.readout != base.readout, change
    with pytest.raises(ValueError, match="depth"):
        explorer.set(depth=7)
    with pytest.raises(ValueError, match="bound"):
        dr.training(2, "B = 9")
