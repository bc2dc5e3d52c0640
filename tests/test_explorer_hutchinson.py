"""The explorer of Part 6 · 02 (Hutchinson's trace estimator): its readout is the summary of the
recorded draws, the formula's spread is what the draws show, and bad input gets a message."""

import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows import trace  # noqa: E402
from gauss_flows.course.explorers import hutchinson as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return registry.build("hutchinson.hutchinson_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == 3 * len(trace.PROBES) * len(ex.N_PROBES)
    assert set(explorer.controls) == {"jacobian", "kind", "n"}


def test_readout_reports_the_exact_trace_and_the_cost(explorer):
    family = ex.jacobian_family(4)
    frame = explorer.render_state(jacobian="dense random", kind="gaussian", n=16)
    assert f"tr J = {np.trace(family['dense random']):.3f}" in frame.readout
    assert "16 Jacobian-vector products against 4 for the exact trace" in frame.readout


def test_rademacher_probes_are_exact_on_a_diagonal_symmetric_part(explorer):
    frame = explorer.render_state(jacobian="diagonal + antisymmetric", kind="rademacher", n=1)
    assert "measured 0.000, formula √(V/n) = 0.000" in frame.readout


def test_one_probe_estimates_match_the_formula():
    J = ex.jacobian_family(5, seed=3)["dense random"]
    for kind in trace.PROBES:
        draws = ex.one_probe_estimates(J, jr.key(1), kind, 20000, 2)
        assert draws.shape == (20000, 2)
        variance = float(trace.hutchinson_variance(J, kind))
        np.testing.assert_allclose(draws.var(), variance, rtol=0.1)
        assert abs(draws.mean() - np.trace(J)) < 4 * np.sqrt(variance / draws.size)


def test_messages():
    with pytest.raises(ValueError, match="square"):
        ex.one_probe_estimates(np.ones((2, 3)), jr.key(0), "gaussian", 10, 1)
    with pytest.raises(ValueError, match="at least one"):
        ex.hutchinson_explorer({}, jr.key(0))
    explorer = ex.hutchinson_explorer(ex.jacobian_family(3), jr.key(0), n_draws=50, dpi=20)
    with pytest.raises(ValueError, match="probe count"):
        ex._render("diagonal", "gaussian", 3, records={}, jacobians=ex.jacobian_family(3))
    assert explorer.n_states == 3 * 2 * len(ex.N_PROBES)


def test_prediction():
    assert ex.predict_the_spread().answer.startswith("it collapses")
