"""The explorer of Part 4 · 01: builds from two stored runs, the step slider changes the frame
and the NLLs it reports, bad input is refused with a message."""

import jax
import pytest

from gauss_flows.course.explorers import rbig_warm_start as rw
from gauss_flows.trajectory import nll_terms
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def built():
    runs, _, data = registry.warm_start_inputs()
    return registry.build("rbig_warm_start.warm_start_explorer"), runs, data


def test_builds(built):
    explorer, _, _ = built
    assert isinstance(explorer, Explorer) and explorer.n_states == 3 <= 30
    frame = explorer.render_state()
    assert frame.error is None and frame.readout.startswith("step 0:")


def test_step_changes_frame_and_readout(built):
    explorer, runs, data = built
    first, last = explorer.render_state(step=0), explorer.render_state(step=10)
    assert first.image != last.image and first.readout != last.readout
    for name in ("random", "RBIG"):
        assert f"{sum(nll_terms(runs[name][-1], data)):.3f}" in last.readout


def test_bad_input_is_refused(built):
    explorer, runs, data = built
    with pytest.raises(ValueError, match="training step"):
        explorer.set(step=99)
    with pytest.raises(ValueError, match="needs the runs"):
        rw.warm_start_explorer({"random": runs["random"]}, [0, 5, 10], data)
    with pytest.raises(ValueError, match="one per step"):
        rw.warm_start_explorer(runs, [0, 5], data)


def test_prediction_prompt():
    prompt = rw.does_the_gap_close()
    assert isinstance(prompt, Prediction) and "RBIG still ahead" in prompt.answer
