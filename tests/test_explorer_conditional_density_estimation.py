"""The explorer of Part 7 · 01 (conditional density estimation): the builders give a spline flow and
a Gaussian regression, the curves hold the exact and learned p(y | x) at each input, and bad inputs
get messages."""

import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import conditional_density_estimation as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return registry.build("conditional_density_estimation.conditional_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and set(explorer.controls) == {"x", "gaussian_shown"}
    assert explorer.n_states == 2 * len(registry.conditional_curves()["x"])


def test_the_gaussian_family_is_gaussian_in_y_and_the_spline_need_not_be():
    y = jnp.linspace(-4, 4, 9)[:, None]
    gaussian = gf.perturb(ex.build(jr.key(0), "Gaussian", nn_width=4, nn_depth=1), jr.key(1), 0.3)
    log_q = np.asarray(gaussian.log_prob(y, jnp.array([1.0])))
    assert np.allclose(np.diff(log_q, 2), np.diff(log_q, 2)[0], atol=1e-9)   # quadratic in y: a Gaussian
    spline = gf.perturb(ex.build(jr.key(0), "spline flow", nn_width=4, nn_depth=1), jr.key(1), 0.3)
    log_s = np.asarray(spline.log_prob(y, jnp.array([1.0])))
    assert np.ptp(np.diff(log_s, 2)) > 1e-3
    with pytest.raises(ValueError, match="family"):
        ex.build(jr.key(0), "mixture density network")


def test_curves_hold_normalised_densities_per_input():
    curves = registry.conditional_curves()
    m, n = len(curves["x"]), len(curves["y"])
    assert curves["exact"].shape == (m, n)
    step = curves["y"][1] - curves["y"][0]
    assert np.all(np.abs(curves["exact"].sum(1) * step - 1) < 0.02)
    for name in ex.FAMILIES:
        assert curves["density"][name].shape == (m, n) and curves["kl"][name].shape == (m,)
        assert np.all(curves["kl_se"][name] > 0)


def test_the_toggle_hides_the_gaussian(explorer):
    with_gaussian = explorer.render_state(x=0.0, gaussian_shown=True)
    without = explorer.render_state(x=0.0, gaussian_shown=False)
    assert "Gaussian" in with_gaussian.readout and "Gaussian" not in without.readout


def test_messages():
    with pytest.raises(ValueError, match="at least one model"):
        ex.conditional_curves({}, gf.conditional_data.HeteroscedasticBimodal(), jr.key(0))
    with pytest.raises(ValueError, match="missing"):
        ex.conditional_explorer({"x": [0.0]})


def test_prediction():
    prediction = ex.where_is_the_gaussian_worst()
    assert prediction.answer in prediction.options and prediction.answer.startswith("at the ends")
