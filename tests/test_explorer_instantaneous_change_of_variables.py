"""The explorer of Part 6 · 01 (the instantaneous change of variables): the field's closed-form
divergence is the trace of its Jacobian, the forward (along particles) and backward (on a grid)
densities agree, every snapshot's density has mass 1, and bad inputs get messages."""

import jax
import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import instantaneous_change_of_variables as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return registry.build("instantaneous_change_of_variables.flow_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and set(explorer.controls) == {"t", "divergence_shown"}
    assert explorer.n_states == 2 * len(registry.icov_snapshots()["times"])


def test_closed_form_divergence_is_the_trace_of_the_jacobian():
    points = jr.normal(jr.key(0), (20, 2)) * 2
    for t in (0.0, 0.7):
        exact = jax.vmap(lambda p: jnp.trace(jax.jacfwd(lambda v: ex.field(t, v))(p)))(points)
        np.testing.assert_allclose(jax.vmap(lambda p: ex.divergence(t, p))(points), exact, rtol=1e-12, atol=1e-12)


def test_forward_and_backward_densities_agree_and_have_mass_one():
    snapshots = registry.icov_snapshots()
    np.testing.assert_allclose(snapshots["mass"], 1.0, atol=2e-3)  # the window cuts a little of the tails
    k = len(snapshots["times"]) - 1
    backward = ex.density_until(snapshots["times"][k]).log_prob(jnp.asarray(snapshots["particles"][k][:5]))
    np.testing.assert_allclose(backward, snapshots["log_p"][k][:5], atol=1e-6)
    assert np.all(snapshots["log_det"][0] == 0.0)


def test_flow_until_is_the_flow_of_the_field_up_to_t():
    x = jnp.array([0.3, -0.8])
    end = ex.flow_until(0.5).transform(x)
    direct = jax.numpy.asarray(ex.along_the_way(x[None], [0.0, 0.5], n_grid=4)["particles"][-1, 0])
    np.testing.assert_allclose(end, direct, atol=1e-7)


def test_messages():
    with pytest.raises(ValueError, match="shape"):
        ex.along_the_way(jnp.zeros((3, 3)))
    with pytest.raises(ValueError, match="start at 0"):
        ex.along_the_way(jnp.zeros((3, 2)), [0.5, 1.0])
    with pytest.raises(ValueError, match="missing"):
        ex.flow_explorer({"times": [0.0]})


def test_prediction():
    prediction = ex.where_does_density_fall()
    assert prediction.answer in prediction.options and prediction.answer.startswith("it falls")
