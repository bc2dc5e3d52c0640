"""The explorer of Part 4 · 02: builds, the budget slider changes the frame and the numbers it
reports, bad input is refused with a message."""

import jax
import jax.numpy as jnp
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import diagonal_vs_coupling as dc
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def built():
    results, test_data = registry.budget_inputs()
    return registry.build("diagonal_vs_coupling.budget_explorer"), results, test_data


def test_builds(built):
    explorer = built[0]
    assert isinstance(explorer, Explorer) and explorer.n_states == 2 <= 30
    frame = explorer.render_state()
    assert frame.error is None and frame.readout.startswith("budget ≈ 28")


def test_budget_changes_frame_and_readout(built):
    explorer, results, test_data = built
    first, second = explorer.render_state(budget=28), explorer.render_state(budget=56)
    assert first.image != second.image and first.readout != second.readout
    flow = results[1]["coupling"]
    assert f"coupling {gf.count_parameters(flow)} parameters" in second.readout
    assert f"log q = {float(jnp.mean(flow.log_prob(test_data))):.3f}" in second.readout


def test_bad_input_is_refused(built):
    explorer, results, test_data = built
    with pytest.raises(ValueError, match="parameter budget"):
        explorer.set(budget=1000)
    with pytest.raises(ValueError, match="'coupling' flow"):
        dc.budget_explorer([{"budget": 1, "diagonal": results[0]["diagonal"]}], test_data)


def test_prediction_prompt():
    assert dc.which_family().answer.startswith("diagonal")
    assert isinstance(dc.which_family(), Prediction)
