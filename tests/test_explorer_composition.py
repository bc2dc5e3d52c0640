"""The explorer of Part 0 · 01 (a chain of four layers): builds, every toggle changes the frame,
the per-layer log-dets add up to the autodiff log-det, all-off gives a message."""

import jax
import numpy as np
import pytest

from gauss_flows.course.explorers import composition as comp
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)

ALL_ON = dict(mixture=True, rotation=True, coupling=True, affine=True)


@pytest.fixture(scope="module")
def explorer():
    return registry.build("composition.composition_explorer")


def test_builds_with_at_most_30_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) == 16
    frame = explorer.render_state(**ALL_ON)
    assert frame.error is None
    assert "jacfwd + slogdet of the whole composition" in frame.readout


@pytest.mark.parametrize("control", ["mixture", "rotation", "coupling", "affine"])
def test_every_toggle_changes_the_frame(explorer, control):
    default = explorer.render_state(**ALL_ON)
    moved = explorer.render_state(**{**ALL_ON, control: False})
    assert moved.error is None
    assert moved.image != default.image
    assert moved.readout != default.readout


def test_all_off_shows_a_message(explorer):
    frame = explorer.render_state(mixture=False, rotation=False, coupling=False, affine=False)
    assert frame.error is not None and "switch one on" in frame.error
    with pytest.raises(ValueError, match="mixture"):
        explorer.set(mixture="maybe")


def test_parts_add_up_to_autodiff_and_to_gf_chain():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2)) * 1.5
    for on in [(True, True, True, True), (False, True, True, False), (True, False, True, True)]:
        z, parts = comp.run_chain(on, x)
        np.testing.assert_allclose(np.asarray(parts).sum(-1), comp.autodiff_chain_log_det(on, x),
                                   atol=1e-12)
        chain = comp.chain_of(on)
        z_ref, log_det = jax.vmap(chain.transform_and_log_det)(x)
        np.testing.assert_allclose(np.asarray(z), np.asarray(z_ref), atol=1e-12)
        np.testing.assert_allclose(np.asarray(parts).sum(-1), np.asarray(log_det), atol=1e-12)
    # the rotation's column is exactly zero, and a switched-off layer's column too
    _, parts = comp.run_chain((True, True, False, True), x)
    assert np.all(np.asarray(parts)[:, 1:3] == 0.0)
    with pytest.raises(ValueError, match="4 layers"):
        comp.run_chain((True, True), x)


def test_padding_handles_more_points_than_one_batch():
    x = np.linspace(-2, 2, 2 * comp.BATCH + 10).reshape(-1, 2)
    z, parts = comp.run_chain((True, True, True, True), x)
    assert z.shape == x.shape and parts.shape == (x.shape[0], 4)
    z1, _ = comp.run_chain((True, True, True, True), x[-3:])
    np.testing.assert_allclose(np.asarray(z)[-3:], np.asarray(z1), atol=1e-14)


def test_prediction_prompt():
    prompt = comp.rotation_prediction()
    assert isinstance(prompt, Prediction)
    assert prompt.answer == "it changes"
    assert "-0.638" in prompt.explanation
