"""The explorer of Part 0 · 03 (TC and negentropy of x = L s): builds, every control changes
the frame, rho = 1 gives a message, the numbers behave as the theory says."""

import math

import numpy as np
import pytest

from gauss_flows.course.explorers import why_standard_normal as wsn
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("why_standard_normal.standard_normal_explorer")


def test_builds_with_at_most_30_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) == 18
    frame = explorer.render_state(shape="Gaussian", rho=0.6)
    assert frame.error is None and "TC (kNN)" in frame.readout


def test_rho_one_shows_a_message(explorer):
    frame = explorer.render_state(shape="uniform", rho=1.0)
    assert frame.error is not None and "no density" in frame.error
    with pytest.raises(ValueError):
        explorer.set(rho=1.5)


def test_sample_has_the_requested_correlation_and_the_theory_holds():
    for shape in wsn.SHAPES:
        x = wsn.mix(shape, 0.6)
        assert abs(np.corrcoef(x, rowvar=False)[0, 1] - 0.6) < 1e-10
    gaussian = wsn.measures("Gaussian", 0.6)
    assert abs(gaussian["tc_gaussian"] - (-0.5 * math.log(1 - 0.36))) < 1e-10
    assert abs(gaussian["tc"] - gaussian["tc_closed_form"]) < 0.08
    moons = wsn.measures("two moons", 0.0)
    assert abs(moons["tc_gaussian"]) < 1e-10 and moons["tc"] > 0.5  # uncorrelated, dependent
    uniform = wsn.measures("uniform", 0.0)
    assert uniform["negentropy"].min() > 0.1  # a uniform marginal is far from Gaussian


def test_prediction_prompt():
    prompt = wsn.moons_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer == "no, clearly positive"
