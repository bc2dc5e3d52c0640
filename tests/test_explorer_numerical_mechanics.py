"""The explorer of Part 0 · 05: 18 states, both controls change the frame, the read-out states
the accurate ranges and the 1 - eps = 1 breakdown, out-of-range values give a message."""

import numpy as np
import pytest

from gauss_flows.course.explorers import numerical_mechanics as nm
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("numerical_mechanics.precision_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == 18 <= 30
    frame = explorer.render_state()
    assert frame.error is None and "float64, ε = 1e-6" in frame.readout


def test_readout_numbers(explorer):
    frame = explorer.render_state(dtype="float64", log10_eps=-6)
    assert "[-4.75, 4.75]" in frame.readout          # Phi^-1(1e-6) = -4.753
    assert "[-30.0, 30.0] (log space)" in frame.readout
    broken = explorer.render_state(dtype="float32", log10_eps=-8)
    assert "1 − ε rounds to 1 in float32" in broken.readout
    assert "rounds to 1" not in explorer.render_state(dtype="float32", log10_eps=-7).readout
    assert "rounds to 1 in float64" in explorer.render_state(dtype="float64", log10_eps=-20).readout


def test_accurate_range():
    err = np.where(np.abs(nm.X) < 5, 0.0, 1.0)
    lo, hi = nm.accurate_range(err)
    assert -5 < lo < -4.9 and 4.9 < hi < 5
    assert np.isnan(nm.accurate_range(np.ones_like(nm.X))[0])


def test_invalid_choices_give_messages(explorer):
    with pytest.raises(ValueError, match="log10_eps|log₁₀ ε"):
        explorer.set(log10_eps=-40)
    with pytest.raises(ValueError):
        explorer.set(dtype="float16")


def test_static_html_and_prediction(explorer):
    assert f'data-n-states="{explorer.n_states}"' in explorer.to_html()
    prompt = nm.epsilon_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer.startswith("it breaks")
