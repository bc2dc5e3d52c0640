"""The explorer of Part 0 · 06: builds from precomputed RBIG states, both controls change the
frame, the read-outs are the library's diagnostics, invalid choices give messages."""

import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import diagnostics as dx
from gauss_flows.presentation.widgets import Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def states():
    return registry.diagnostic_states()


@pytest.fixture(scope="module")
def explorer(states):
    return registry.build("diagnostics.gaussianity_explorer")


def test_readouts_are_the_library_diagnostics(states, explorer):
    z = states["skewed pair"][1]["z"]
    frame = explorer.render_state(sample="skewed pair", n_layers=1)
    skew = np.asarray(gf.diagnostics.skewness(z))
    stat, _ = gf.diagnostics.jarque_bera(z)
    assert f"z1: skew {skew[0]:+.2f}" in frame.readout
    assert f"JB {float(stat[1]):.1f}" in frame.readout
    assert f"total correlation {float(gf.diagnostics.total_correlation(z)):.3f}" in frame.readout
    gaussian = explorer.render_state(sample="correlated Gaussian", n_layers=0)
    assert "every marginal passes" in gaussian.readout and "but the pair is dependent" in gaussian.readout
    assert "rejects normality" in explorer.render_state(sample="skewed pair", n_layers=0).readout


def test_invalid_choices(explorer, states):
    with pytest.raises(ValueError):
        explorer.set(n_layers=7)
    with pytest.raises(ValueError):
        explorer.set(sample="spiral")
    # a layer count between grid values snaps to the grid; a state missing from `states` is a message
    broken = dict(states)
    broken["skewed pair"] = {k: v for k, v in states["skewed pair"].items() if k != 2}
    frame = dx.gaussianity_explorer(broken, dpi=40).render_state(sample="skewed pair", n_layers=2)
    assert frame.error is not None and "no precomputed state" in frame.error


def test_static_html_and_prediction(explorer):
    assert f'data-n-states="{explorer.n_states}"' in explorer.to_html()
    prompt = dx.marginal_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer == "both look Gaussian"
