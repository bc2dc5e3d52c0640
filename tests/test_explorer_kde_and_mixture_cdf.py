"""The explorers of Part 1 · 01: build, every control changes the frame, h = 0 is refused."""

import numpy as np
import pytest

from gauss_flows import marginal_fit as mf
from gauss_flows.course.explorers import kde_and_mixture_cdf as km
from gauss_flows.course.explorers.empirical_cdf import sample_truth
from gauss_flows.presentation.widgets import Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def kde():
    return registry.build("kde_and_mixture_cdf.kde_explorer")


@pytest.fixture(scope="module")
def mixture():
    return registry.build("kde_and_mixture_cdf.mixture_explorer")


def test_bandwidth_changes_the_frame(kde):
    one, two = kde.render_state(factor=1.0), kde.render_state(factor=4.0)
    assert one.image != two.image and one.readout != two.readout
    h = float(mf.silverman_bandwidth(sample_truth(0, km.N_TRAIN)))
    assert f"= {h:.4f}" in one.readout and f"= {4 * h:.4f}" in two.readout


def test_zero_bandwidth_is_refused(kde):
    frame = kde.render_state(factor=0.0)
    assert frame.error is not None and "staircase" in frame.error
    with pytest.raises(ValueError, match="factor"):
        kde.set(factor=10.0)


def test_components_change_the_frame_and_bic(mixture):
    one, three = mixture.render_state(K=1), mixture.render_state(K=3)
    assert one.image != three.image and one.readout != three.readout
    assert "2 parameters" in one.readout and "8 parameters" in three.readout
    with pytest.raises(ValueError, match="K"):
        mixture.set(K=20)


def test_bic_readout_matches_the_library(mixture):
    data = sample_truth(0, km.N_TRAIN)
    fits = km.fit_mixtures(data, [3])
    bic = float(mf.mixture_bic(data, *fits[3]))
    assert f"BIC = {bic:.1f}" in mixture.render_state(K=3).readout


def test_missing_fits_are_named():
    with pytest.raises(ValueError, match="missing"):
        km.mixture_explorer(fits={1: (np.ones(1), np.zeros(1), np.ones(1))})


def test_prediction():
    prompt = km.bandwidth_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer == "around the tall narrow mode"
