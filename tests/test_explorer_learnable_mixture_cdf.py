"""The explorer of Part 1 · 03 (replaying a mixture-CDF layer's training): the recorded
trajectory is the training, the explorer builds, every control changes the frame, an
out-of-range step gives a message."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from gauss_flows.course.explorers import learnable_mixture_cdf as lm
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)
STEPS = registry.REPLAY_STEPS


@pytest.fixture(scope="module")
def trained():
    return registry.replay_inputs()


@pytest.fixture(scope="module")
def explorer(trained):
    return registry.build("learnable_mixture_cdf.training_replay_explorer")


def test_trajectory_records_the_loss_of_each_snapshot(trained):
    data, snapshots, losses = trained
    assert losses.shape == (9,)
    for index in (0, 4, 8):
        np.testing.assert_allclose(lm.nll(lm.snapshot(snapshots, index), data), losses[index],
                                   rtol=1e-12)
    assert losses[-1] < losses[0] - 0.2  # training helps a lot from the N(0, 1)-like start


def test_sample_and_true_density_agree():
    x = lm.skewed_sample(jr.key(1), 20_000)[:, 0]
    grid = jnp.linspace(-6, 12, 20_001)
    mass = jnp.trapezoid(jnp.exp(lm.skewed_log_prob(grid)), grid)
    assert abs(float(mass) - 1) < 1e-6
    assert abs(float(jnp.mean(x)) - (0.6 * -1.5 + 0.4 * np.exp(0.125))) < 0.05


def test_builds_and_every_control_changes_the_frame(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == 2 * len(STEPS) <= 30
    base = explorer.render_state(step=0, components=False)
    assert base.error is None and "step 0" in base.readout
    later = explorer.render_state(step=40, components=False)
    assert later.image != base.image and later.readout != base.readout
    parts = explorer.render_state(step=0, components=True)
    assert parts.image != base.image


def test_out_of_range_step_gives_a_message(explorer):
    with pytest.raises(ValueError, match="step"):
        explorer.set(step=10_000)


def test_prediction_prompt():
    prompt = lm.where_does_the_loss_end(1.368)
    assert isinstance(prompt, Prediction)
    assert prompt.answer.startswith("slightly above")
