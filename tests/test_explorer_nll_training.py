"""The explorer of Part 4 · 00: builds from a stored trajectory, the step slider changes the frame
and the NLL split it reports, an out-of-range step is refused with a message."""

import jax
import pytest

from gauss_flows.course.explorers import nll_training as nt
from gauss_flows.trajectory import nll_terms
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def built():
    flows, _, data = registry.nll_training_inputs()
    return registry.build("nll_training.nll_training_explorer"), flows, data


def test_builds(built):
    explorer, flows, _ = built
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == 3 <= 30
    frame = explorer.render_state()
    assert frame.error is None and "step 20" in frame.readout


def test_step_changes_frame_and_readout(built):
    explorer, flows, data = built
    first, last = explorer.render_state(step=0), explorer.render_state(step=20)
    assert first.image != last.image and first.readout != last.readout
    base, log_det = nll_terms(flows[0], data)
    assert f"base term {base:.3f}" in first.readout
    assert f"log-det term {log_det:+.3f}" in first.readout
    assert f"NLL = {base + log_det:.3f}" in first.readout


def test_out_of_range_step_is_refused(built):
    explorer, _, _ = built
    with pytest.raises(ValueError, match="training step"):
        explorer.set(step=500)


def test_too_many_or_mismatched_snapshots(built):
    _, flows, data = built
    with pytest.raises(ValueError, match="2 to 30 snapshots"):
        nt.nll_training_explorer(flows, [0, 10], data)
    with pytest.raises(ValueError, match="2 to 30 snapshots"):
        nt.nll_training_explorer(flows[:1] * 31, list(range(31)), data)


def test_prediction_prompt():
    prompt = nt.which_term_rises()
    assert isinstance(prompt, Prediction) and prompt.answer == "it rises"
