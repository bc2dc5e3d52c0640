"""The explorer of Part 0 · 04: builds from a fitted flow, the step slider changes the frame
and the read-outs, out-of-range steps are refused with a message, the read-outs are right."""

import numpy as np
import pytest

from gauss_flows.destructors import structure_left
from gauss_flows.course.explorers import density_destructors as dd
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def fitted():
    return registry.destructor_inputs()


@pytest.fixture(scope="module")
def explorer(fitted):
    return registry.build("density_destructors.destructor_explorer")


def test_builds_with_one_state_per_half_step(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == 7 <= 30  # 3 layers, 2 half-steps each, plus the data
    frame = explorer.render_state(step=0)
    assert frame.error is None and "the data" in frame.readout


def test_max_layers_caps_the_states(fitted):
    assert dd.destructor_explorer(*fitted, max_layers=2, dpi=40).n_states == 5


@pytest.mark.parametrize("step", [1, 2, 6])
def test_every_step_changes_the_frame_and_readout(explorer, step):
    before = explorer.render_state(step=step - 1)
    after = explorer.render_state(step=step)
    assert after.error is None
    assert after.image != before.image and after.readout != before.readout
    assert "this step changed TC by" in after.readout


def test_readouts_match_the_diagnostics(fitted, explorer):
    flow, x = fitted
    layer = flow.bijection[0]
    u = np.asarray(__import__("jax").vmap(layer[0].transform)(x))
    r = structure_left(u)
    frame = explorer.render_state(step=1)
    assert "layer 1: after the marginal Gaussianization" in frame.readout
    assert f"total correlation {r['total_correlation']:.3f}" in frame.readout
    assert f"Σ marginal negentropy {r['negentropy']:.3f}" in frame.readout
    assert "layer 2: after the rotation" in explorer.render_state(step=4).readout


def test_out_of_range_step_and_bad_data_give_messages(explorer, fitted):
    with pytest.raises(ValueError, match="step"):
        explorer.set(step=99)
    with pytest.raises(ValueError, match="2-D samples"):
        dd.destructor_explorer(fitted[0], np.zeros((10, 3)))


def test_static_html_and_prediction(explorer):
    html = explorer.to_html()
    assert f'data-n-states="{explorer.n_states}"' in html
    prompt = dd.marginal_step_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer == "it stays the same"
