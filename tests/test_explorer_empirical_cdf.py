"""The explorer of Part 1 · 00: builds, every control changes the frame, too many bins is refused."""

import numpy as np
import pytest

from gauss_flows import marginal_fit as mf
from gauss_flows.course.explorers import empirical_cdf as ec
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("empirical_cdf.empirical_cdf_explorer")


def test_builds_with_at_most_30_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) <= 30
    frame = explorer.render_state()
    assert frame.error is None
    assert f"ε = sqrt(log(2/α)/2n) = {mf.dkw_epsilon(100):.4f}" in frame.readout


def test_more_bins_than_points_is_refused(explorer):
    frame = explorer.render_state(n=20, bins=80)
    assert frame.error is not None and "80 bins for 20 points" in frame.error
    with pytest.raises(ValueError, match="n"):
        explorer.set(n=10_000)


def test_readout_distance_is_the_kolmogorov_distance(explorer):
    sample = ec.sample_truth(0, 2500)
    frame = explorer.render_state(n=2500, bins=80)
    d = ec.sup_distance(sample)
    assert f"sup|F̂ₙ − F| = {d:.4f}" in frame.readout
    # brute force on a fine grid can only see less than the supremum, and not much less
    grid = np.linspace(-4, 7, 200_001)
    brute = np.max(np.abs(np.asarray(mf.empirical_cdf(sample, grid)) - ec.true_cdf(grid)))
    assert brute <= d + 1e-12 and brute > d - 1e-3


def test_truth_is_a_density():
    grid = np.linspace(-8, 10, 20001)
    assert np.trapezoid(ec.true_pdf(grid), grid) == pytest.approx(1.0, abs=1e-8)
    assert ec.true_cdf(10.0) == pytest.approx(1.0)


def test_static_html_and_prediction(explorer):
    html = explorer.to_html()
    assert f'data-n-states="{explorer.n_states}"' in html
    prompt = ec.band_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer == "about 5 times narrower"
