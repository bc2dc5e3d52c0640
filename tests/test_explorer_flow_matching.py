"""The explorer of Part 6 · 04 (flow matching): particles follow the learned ODE (the solver's step
count is ContinuousFlow.n_steps), the readout reports the recorded states, bad input gets a message."""

import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import flow_matching as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return registry.build("flow_matching.flow_matching_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(ex.TIMES) * len(ex.PARTICLES)


def test_particles_follow_the_ode_both_ways():
    field, data = registry.flow_matching_inputs()
    flow = gf.ContinuousFlow(field)
    start = data[:3]
    paths, steps = ex.ode_particles(field, start, forward=True)
    assert paths.shape == (len(ex.TIMES), 3, 2)
    np.testing.assert_allclose(paths[0], start, atol=1e-12)
    np.testing.assert_allclose(paths[-1], np.asarray(jnp.stack([flow.transform(x) for x in start])), atol=1e-6)
    back, back_steps = ex.ode_particles(field, paths[-1], forward=False)
    np.testing.assert_allclose(back[0], start, atol=1e-5)
    np.testing.assert_allclose(back[-1], paths[-1], atol=1e-12)
    # saving at the slider's times interpolates: the step counts are the solver's own
    assert [int(s) for s in steps] == [int(flow.n_steps(x)) for x in start]
    assert [int(s) for s in back_steps] == [int(flow.n_steps(y, 1.0, 0.0)) for y in paths[-1]]


def test_readout_reports_time_and_particles(explorer):
    frame = explorer.render_state(t=ex.TIMES[-1], particles=list(ex.PARTICLES)[1])
    assert frame.error is None
    assert f"t = {ex.TIMES[-1]:.1f}" in frame.readout and "noise pulled back" in frame.readout


def test_messages():
    field, data = registry.flow_matching_inputs()
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        ex.flow_matching_explorer(field, jnp.ones((10, 3)), jr.key(0))
    with pytest.raises(ValueError, match="at least"):
        ex.flow_matching_explorer(field, data[:5], jr.key(0), n_pairs=10, n_particles=20)


def test_prediction():
    assert "never cross" in ex.what_happens_where_paths_cross().answer
