"""The explorer of Part 2 · 02: builds, controls change the frame, PCA from 1 sample is a message."""

import pytest

from gauss_flows.course.explorers import pca_warm_start as pw
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("pca_warm_start.pca_warm_start_explorer")


def test_one_sample_is_a_message(explorer):
    frame = explorer.render_state(rotation="PCA (frozen)", pca_samples=1)
    assert frame.error is not None and "at least 2" in frame.error


def test_numbers():
    nll = {r: pw._state(r, pw.N_TRAIN)["nll"] for r in pw.ROTATIONS}
    assert nll["none"] > nll["PCA (frozen)"] + 0.3      # a rotation is needed
    assert abs(nll["Householder (trained)"] - nll["PCA (frozen)"]) < 0.1  # warm start ~ trained
    assert pw._state("PCA (frozen)", pw.N_TRAIN)["rotation_params"] == 0
    assert pw._state("Householder (trained)", pw.N_TRAIN)["rotation_params"] == 4


