"""The explorer of Part 2 · 03: builds, controls change the frame, a 1-sample init is a message."""

import numpy as np
import pytest

from gauss_flows.course.explorers import one_by_one_and_actnorm as oa
from gauss_flows.presentation.widgets import Explorer, Prediction


@pytest.fixture(scope="module")
def explorer():
    return oa.actnorm_explorer(dpi=30)


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states <= 30
    assert explorer.render_state().error is None


@pytest.mark.parametrize("control, value", [("data", "small, far from 0"), ("init", False), ("batch", 16)])
def test_every_control_changes_the_frame(explorer, control, value):
    start = dict(data="pixels in [0, 255]", init=True, batch=512)
    default = explorer.render_state(**start)
    moved = explorer.render_state(**{**start, control: value})
    assert moved.image != default.image and moved.readout != default.readout


def test_init_standardises_and_lowers_the_starting_nll():
    on = oa.after_first_layer("pixels in [0, 255]", True, 512)
    off = oa.after_first_layer("pixels in [0, 255]", False, 512)
    assert np.all(np.abs(on["mean"]) < 0.1) and np.all(np.abs(on["std"] - 1) < 0.1)
    assert off["std"].min() > 10 and off["nll"] > 100 * on["nll"]


def test_one_sample_batch_is_a_message(explorer):
    frame = explorer.render_state(data="standardised", init=True, batch=1)
    assert frame.error is not None and "no spread" in frame.error
    assert explorer.render_state(data="standardised", init=False, batch=1).error is None


def test_prediction():
    assert isinstance(oa.init_prediction(), Prediction)
