"""The explorer of Part 14 · 00 (entropy from a flow): builds from recorded estimates, its readout
gives the mean, standard error and bias of the recorded values, and missing states give messages."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import entropy_from_a_flow as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("entropy_from_a_flow.entropy_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 4
    assert set(explorer.controls) == {"distribution", "n"}


def test_readout_is_the_summary_of_the_recorded_values(explorer):
    frame = explorer.render_state(distribution="cubed Gaussian", n=2000)
    values = registry.ENTROPY_RESULTS["cubed Gaussian", 2000]["flow"]
    mean, error = np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))
    truth = registry.ENTROPY_EXACT["cubed Gaussian"]
    assert f"flow: {mean:.3f} ± {error:.3f} (bias {mean - truth:+.3f})" in frame.readout
    assert f"exact H = {truth:.3f}" in frame.readout


def test_estimates_panel_stats_and_message():
    from gauss_flows.presentation.viz import estimates_panel

    _, stats = estimates_panel({"a": [1.0, 3.0], "b": [0.0, 0.0, 0.0]}, 2.0)
    assert stats["a"] == pytest.approx((2.0, 1.0)) and stats["b"] == (0.0, 0.0)
    with pytest.raises(ValueError, match="at least 2"):
        estimates_panel({"a": [1.0]}, 2.0)


def test_messages():
    with pytest.raises(ValueError, match="missing"):
        ex.entropy_explorer({("Gaussian", 500): {"flow": [1, 2], "k-NN": [1, 2]}},
                            {"Gaussian": 1.0, "cubed Gaussian": 2.0})
    with pytest.raises(ValueError, match="No estimates"):
        ex._render("Gaussian", 700, results=registry.ENTROPY_RESULTS, exact=registry.ENTROPY_EXACT)


def test_prediction():
    assert ex.above_or_below().answer.startswith("above")
