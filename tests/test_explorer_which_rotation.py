"""The explorer of Part 3 · 02 (which rotation): builds, both sliders change the frame, missing
runs and unknown dimensions give messages, and layers_needed counts from 1."""

import pytest

from gauss_flows.course.explorers import which_rotation as ex
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

TC = registry.WHICH_ROTATION_TC
RUNS = registry.WHICH_ROTATION_RUNS


@pytest.fixture(scope="module")
def explorer():
    return registry.build("which_rotation.rotation_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 6
    frame = explorer.render_state(d=4, fraction=0.5)
    assert frame.error is None and "pca: 1 layers" in frame.readout and "random: more than 4 layers" in frame.readout


def test_messages(explorer):
    with pytest.raises(ValueError, match="dimension"):
        explorer.set(d=9)
    with pytest.raises(ValueError, match="missing"):
        ex.rotation_explorer({(2, "pca"): RUNS[2, "pca"]}, {2: 0.4})
    assert "No runs" in str(pytest.raises(ValueError, ex._render, 3, 0.5, runs=RUNS, tc=TC).value)


def test_layers_needed():
    assert ex.layers_needed(1.0, [0.6, 0.1], 0.5) == 1
    assert ex.layers_needed(1.0, [0.3, 0.3], 0.5) == 2
    assert ex.layers_needed(1.0, [0.1, 0.1], 0.5) is None


def test_prediction():
    assert isinstance(ex.pca_or_random(), Prediction) and ex.pca_or_random().answer == "PCA, by far"
