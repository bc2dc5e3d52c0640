"""The explorer of Part 0 · 02 (cost of density vs sampling): builds, every control changes the
frame, the non-invertible choice gives a message, the measured numbers are consistent."""

import jax
import numpy as np
import pytest

from gauss_flows.course.explorers import forward_vs_inverse as fvi
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)

MIXTURE = "mixture-CDF (elementwise)"


@pytest.fixture(scope="module")
def explorer():
    return registry.build("forward_vs_inverse.cost_explorer")


def test_builds_with_at_most_30_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) == 10
    frame = explorer.render_state(layer=MIXTURE, inverse=True)
    assert frame.error is None and "solver passes" in frame.readout


def test_every_control_changes_the_frame(explorer):
    base = explorer.render_state(layer=MIXTURE, inverse=True)
    other_layer = explorer.render_state(layer="affine coupling", inverse=True)
    no_inverse = explorer.render_state(layer=MIXTURE, inverse=False)
    assert other_layer.image != base.image and other_layer.readout != base.readout
    assert no_inverse.image != base.image
    assert "closed form" in other_layer.readout


def test_not_invertible_choice_shows_a_message(explorer):
    frame = explorer.render_state(layer=fvi.NOT_INVERTIBLE, inverse=False)
    assert frame.error is not None and "no inverse" in frame.error
    with pytest.raises(ValueError):
        explorer.set(layer="spline")


def test_measured_costs_are_consistent():
    costs = fvi.measure_costs()
    assert set(costs) == set(fvi.example_layers())
    for name, cost in costs.items():
        assert cost["density_s"] > 0 and cost["sampling_s"] > 0
        assert cost["round_trip"] < 1e-10 and cost["log_p_gap"] < 1e-10
        # the drawn inverse curve is the mirror image of the map
        inside = np.abs(cost["z_of_x"]) < 3.9  # where T(x) lies on the grid of the inverse
        assert inside.sum() > 100
        np.testing.assert_allclose(np.interp(cost["z_of_x"], cost["z"], cost["x_of_z"])[inside],
                                   cost["x"][inside], atol=2e-2)  # linear interpolation error
    assert costs["affine coupling"]["sweeps"] == 0 and costs["affine (elementwise)"]["sweeps"] == 0
    assert costs[MIXTURE]["sweeps"] > 5 and costs["deep sigmoid (elementwise)"]["sweeps"] > 5
    # a numerical inverse makes sampling clearly slower than density evaluation
    assert costs[MIXTURE]["sampling_s"] > 3 * costs[MIXTURE]["density_s"]


def test_prediction_prompt():
    prompt = fvi.cost_prediction()
    assert isinstance(prompt, Prediction)
    assert prompt.answer in prompt.options and "solver needed" in prompt.explanation
