"""The explorer of Part 3 · 01 (stopping RBIG): builds, both sliders change the frame, out-of-range
values are refused, and the replayed rule is the one rbig_fit applies."""

import jax.random as jr
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import convergence as ex
from gauss_flows.rbig import layers_kept
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

CURVE = registry.CONVERGENCE_CURVE
INFO = registry.CONVERGENCE_INFO


@pytest.fixture(scope="module")
def explorer():
    return registry.build("convergence.stopping_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == 18 <= 30
    frame = explorer.render_state(tol=0.01, patience=5)
    assert frame.error is None and f"keeps {layers_kept(CURVE, 0.01, 5)} layers" in frame.readout


def test_never_firing_and_out_of_range(explorer):
    assert "never fires" in explorer.render_state(tol=0.0, patience=5).readout
    with pytest.raises(ValueError, match="tolerance"):
        explorer.set(tol=1.0)
    with pytest.raises(ValueError, match="more than 5 layers"):
        ex.stopping_explorer({"tc_reduction": [0.1, 0.0], "log_likelihood": [0.0, 0.1]})


def test_layers_kept_replays_rbig_fit():
    x = gf.datasets.TwoMoons(noise=0.1).sample(jr.key(0), 300)
    _, full = gf.rbig_fit(x, n_layers=15, rotation="random", key=jr.key(1), n_iterations=20)
    _, stopped = gf.rbig_fit(x, n_layers=15, rotation="random", key=jr.key(1), n_iterations=20,
                             tol=0.03, patience=3)
    assert stopped["n_layers"] == layers_kept(full["tc_reduction"], 0.03, 3)
    assert layers_kept([0.5, 0.4], 0.01, 1) == 2  # never fires: keep all
    assert layers_kept([0.5, 0.0, 0.0], 0.01, 1) == 1
    with pytest.raises(ValueError):
        layers_kept([], 0.01)


def test_prediction_prompt():
    assert isinstance(ex.more_or_fewer_layers(), Prediction)
    assert ex.more_or_fewer_layers().answer == "fewer"
