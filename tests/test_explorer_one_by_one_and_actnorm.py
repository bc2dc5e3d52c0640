"""The explorer of Part 2 · 03: builds, controls change the frame, a 1-sample init is a message."""

import numpy as np
import pytest

from gauss_flows.course.explorers import one_by_one_and_actnorm as oa
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("one_by_one_and_actnorm.actnorm_explorer")


def test_init_standardises_and_lowers_the_starting_nll():
    on = oa.after_first_layer("pixels in [0, 255]", True, 512)
    off = oa.after_first_layer("pixels in [0, 255]", False, 512)
    assert np.all(np.abs(on["mean"]) < 0.1) and np.all(np.abs(on["std"] - 1) < 0.1)
    assert off["std"].min() > 10 and off["nll"] > 100 * on["nll"]


def test_one_sample_batch_is_a_message(explorer):
    frame = explorer.render_state(data="standardised", init=True, batch=1)
    assert frame.error is not None and "no spread" in frame.error
    assert explorer.render_state(data="standardised", init=False, batch=1).error is None


