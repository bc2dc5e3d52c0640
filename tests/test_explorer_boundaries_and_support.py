"""The explorer of Part 3 · 03 (boundaries and support): builds, both controls change the frame,
amount 0 gives a message (Φ⁻¹ of 0 or 1 is infinite), and the helpers do what they say."""

import numpy as np
import pytest
from scipy.special import ndtri

from gauss_flows.course.explorers import boundaries_and_support as ex
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

TRAIN, TEST = registry.SUPPORT_TRAIN, registry.SUPPORT_TEST


@pytest.fixture(scope="module")
def explorer():
    return registry.build("boundaries_and_support.support_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 12 <= 30
    frame = explorer.render_state(method="clip", amount=1e-2)
    assert frame.error is None and "clip edge ±2.33" in frame.readout


@pytest.mark.parametrize("method, words", [("clip", "Φ⁻¹(0) = −∞"), ("extend support", "δ = 0")])
def test_amount_zero_is_a_message(explorer, method, words):
    frame = explorer.render_state(method=method, amount=0.0)
    assert frame.error is not None and words in frame.error
    with pytest.raises(ValueError, match="method"):
        explorer.set(method="kde")


def test_helpers():
    np.testing.assert_allclose(ex.clipped_gaussianize([0.0, 0.5, 1.0], 0.01), [ndtri(0.01), 0.0, -ndtri(0.01)])
    assert np.isinf(ex.clipped_gaussianize([0.0], 0.0)[0])
    F = ex.extended_cdf(TRAIN, [TRAIN.min() - 0.5, TRAIN.min() - 1e-3, np.median(TRAIN), TRAIN.max() + 1e-3], 0.05)
    assert F[0] == 0.0 and 0 < F[1] < 1 / 101 and abs(F[2] - 0.5) < 0.01 and 1 - 1 / 101 < F[3] < 1
    tiny = ex.support_explorer(TRAIN, TEST).render_state(method="extend support", amount=1e-6)
    assert "beyond the extended support" in tiny.readout


def test_prediction():
    assert isinstance(ex.what_happens_at_the_edge(), Prediction)
    assert "2.33" in ex.what_happens_at_the_edge().answer
