"""The explorer of Part 2 · 02: builds, controls change the frame, PCA from 1 sample is a message."""

import numpy as np
import pytest

from gauss_flows.course.explorers import pca_warm_start as pw
from gauss_flows.presentation.widgets import Explorer, Prediction


@pytest.fixture(scope="module")
def explorer():
    return pw.pca_warm_start_explorer(dpi=30)


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states <= 30
    assert explorer.render_state().error is None


@pytest.mark.parametrize("control, value", [("rotation", "none"), ("pca_samples", 10)])
def test_every_control_changes_the_frame(explorer, control, value):
    default = explorer.render_state(rotation="PCA (frozen)", pca_samples=2000)
    moved = explorer.render_state(**{"rotation": "PCA (frozen)", "pca_samples": 2000, control: value})
    assert moved.image != default.image and moved.readout != default.readout


def test_one_sample_is_a_message(explorer):
    frame = explorer.render_state(rotation="PCA (frozen)", pca_samples=1)
    assert frame.error is not None and "at least 2" in frame.error


def test_numbers():
    nll = {r: pw._state(r, pw.N_TRAIN)["nll"] for r in pw.ROTATIONS}
    assert nll["none"] > nll["PCA (frozen)"] + 0.3      # a rotation is needed
    assert abs(nll["Householder (trained)"] - nll["PCA (frozen)"]) < 0.1  # warm start ~ trained
    assert pw._state("PCA (frozen)", pw.N_TRAIN)["rotation_params"] == 0
    assert pw._state("Householder (trained)", pw.N_TRAIN)["rotation_params"] == 4


def test_prediction():
    assert isinstance(pw.frozen_or_trained(), Prediction)
