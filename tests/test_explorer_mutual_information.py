"""The explorer of Part 14 · 02 (mutual information): builds from recorded estimates, its readout
gives the mean, standard error and bias of the recorded values, and missing states give messages."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import mutual_information as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("mutual_information.mi_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 4
    assert set(explorer.controls) == {"rho", "n"}


def test_readout_is_the_summary_of_the_recorded_values(explorer):
    frame = explorer.render_state(rho=0.9, n=1000)
    truth = registry.MI_EXACT[0.9]
    for name in ("KSG", "RBIG", "flow"):
        values = registry.MI_RESULTS[0.9, 1000][name]
        mean, error = np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))
        assert f"{name}: {mean:.3f} ± {error:.3f} (bias {mean - truth:+.3f})" in frame.readout


def test_messages():
    with pytest.raises(ValueError, match="missing"):
        ex.mi_explorer({(0.3, 250): {"KSG": [1, 2]}}, {0.3: 0.05, 0.9: 0.8})
    with pytest.raises(ValueError, match="No estimates"):
        ex._render(0.5, 250, results=registry.MI_RESULTS, exact=registry.MI_EXACT)


def test_prediction():
    assert ex.same_or_not().answer == "it stays the same"
