"""The explorer of Part 2 · 00: builds, each control changes the frame, the numbers it shows."""

import numpy as np
import pytest

from gauss_flows.course.explorers import rotation_zoo as rz
from gauss_flows.presentation.widgets import Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("rotation_zoo.rotation_angle_explorer")


def test_marginal_pass_leaves_tc_and_the_right_angle_removes_it():
    rows = rz._table("tilted square")
    tc, after = np.array(rows["tc"]), np.array(rows["tc_after"])
    assert np.all(np.abs(tc - after) < 0.05)  # invariance under elementwise maps
    best = rz.ANGLES[int(np.argmin(after))]
    assert best == 60.0 and after.min() < 0.05 and after.max() > 0.2
    assert max(np.abs(rows["gauss_tc"])) < 0.01  # the square is uncorrelated at every angle
    gauss = rz._table("correlated Gaussian")
    assert rz.ANGLES[int(np.argmin(gauss["tc_after"]))] in (45.0,)


def test_out_of_range_and_unknown_choices_give_messages(explorer):
    with pytest.raises(ValueError, match="angle|rotation"):
        explorer.set(angle=400.0)
    frame = rz.rotation_angle_explorer(dpi=30)._draw({"data": "moons", "angle": 0.0})
    assert frame.error is not None and "Unknown data set" in frame.error
    with pytest.raises(ValueError, match="Unknown data set"):
        rz.sample("moons")


def test_prediction():
    prompt = rz.which_angle()
    assert isinstance(prompt, Prediction) and prompt.answer == "θ = 60°"
