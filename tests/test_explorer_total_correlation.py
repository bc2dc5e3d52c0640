"""The explorer of Part 14 · 01 (total correlation): builds from recorded estimates, its readout
gives the mean, standard error and bias of the recorded values, and missing states give messages."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import total_correlation as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("total_correlation.tc_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 4
    assert set(explorer.controls) == {"d", "rho"}


def test_readout_is_the_summary_of_the_recorded_values(explorer):
    frame = explorer.render_state(d=5, rho=0.8)
    values = registry.TC_RESULTS[5, 0.8]["k-NN"]
    mean, error = np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))
    truth = registry.TC_EXACT[5, 0.8]
    assert f"k-NN: {mean:.3f} ± {error:.3f} (bias {mean - truth:+.3f})" in frame.readout


def test_messages():
    with pytest.raises(ValueError, match="missing"):
        ex.tc_explorer({(2, 0.3): {"RBIG": [1, 2]}}, {(2, 0.3): 0.1, (5, 0.3): 0.3})
    with pytest.raises(ValueError, match="No estimates"):
        ex._render(3, 0.3, results=registry.TC_RESULTS, exact=registry.TC_EXACT)


def test_prediction():
    assert ex.which_keeps_up().answer == "RBIG"
