"""The explorer of Part 3 · 00 (the RBIG loop): builds, the slider changes the frame and the
numbers, out-of-range layers are refused with a message, and the trajectory is the flow's."""

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import rbig_loop as ex
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def fitted():
    return registry.rbig_loop_inputs()


@pytest.fixture(scope="module")
def explorer(fitted):
    return registry.build("rbig_loop.rbig_loop_explorer")


def test_builds_with_one_state_per_layer(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == 4 <= 30
    frame = explorer.render_state(k=0)
    assert frame.error is None and "no layer yet" in frame.readout


def test_the_slider_changes_frame_and_readout(explorer, fitted):
    frames = [explorer.render_state(k=k) for k in range(4)]
    assert len({f.image for f in frames}) == 4
    assert len({f.readout for f in frames}) == 4
    info = fitted[2]
    assert f"{info['tc_reduction'][1]:+.3f}" in frames[2].readout


def test_out_of_range_is_refused_with_a_message(explorer, fitted):
    with pytest.raises(ValueError, match="layers k"):
        explorer.set(k=7)
    x, flow, info = fitted
    long_flow = gf.Transformed(flow.base, gf.Chain(list(flow.bijection.bijectors) * 6))
    with pytest.raises(ValueError, match="too many"):
        ex.rbig_loop_explorer(long_flow, info, x)


def test_trajectory_is_the_flow_forwards_and_backwards(fitted):
    x, flow, _ = fitted
    traj = ex.rbig_trajectory(flow, x, jr.key(3), n_samples=50)
    np.testing.assert_allclose(traj["data"][-1], np.asarray(jnp.stack([flow.bijection.transform(p) for p in x])),
                               atol=1e-10)
    z = flow.base.sample(jr.key(3), 50)
    np.testing.assert_allclose(traj["samples"][0], z)
    first = flow.bijection.bijectors[0]
    np.testing.assert_allclose(traj["samples"][1], np.asarray(jnp.stack([first.inverse(p) for p in z])), atol=1e-10)


def test_prediction_prompt():
    prompt = ex.what_do_samples_look_like()
    assert isinstance(prompt, Prediction)
    assert "independent" in prompt.answer
