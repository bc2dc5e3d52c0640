"""The explorer of Part 14 · 03 (estimators under the microscope): one panel per quantity, a
readout with each estimator's mean, standard error and bias against its own exact value, and
messages for missing states or exact values."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import estimators_under_the_microscope as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("estimators_under_the_microscope.microscope_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 4
    assert set(explorer.controls) == {"d", "n"}


def test_one_panel_per_quantity_and_each_estimator_against_its_own_exact_value():
    fig, readout = ex._render(8, 250, results=registry.MICROSCOPE_RESULTS, exact=registry.MICROSCOPE_EXACT)
    assert len(fig.axes) == 3
    for quantity, estimates in registry.MICROSCOPE_RESULTS[8, 250].items():
        truth = registry.MICROSCOPE_EXACT[8][quantity]
        for name, values in estimates.items():
            mean, error = np.mean(values), np.std(values, ddof=1) / np.sqrt(len(values))
            assert (f"{quantity}, {name}: {mean:.3f} ± {error:.3f} (exact {truth:.3f}, bias {mean - truth:+.3f})"
                    in readout)


def test_messages():
    with pytest.raises(ValueError, match="missing"):
        ex.microscope_explorer({key: registry.MICROSCOPE_RESULTS[key] for key in [(2, 250), (8, 1000)]},
                               registry.MICROSCOPE_EXACT)
    with pytest.raises(ValueError, match="exact value"):
        ex.microscope_explorer(registry.MICROSCOPE_RESULTS, {2: {"entropy": 1.0}, 8: registry.MICROSCOPE_EXACT[8]})
    with pytest.raises(ValueError, match="No estimates"):
        ex._render(5, 250, results=registry.MICROSCOPE_RESULTS, exact=registry.MICROSCOPE_EXACT)


def test_prediction():
    assert ex.too_high_or_too_low().answer == "RBIG"
