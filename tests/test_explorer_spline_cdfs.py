"""The explorer of Part 1 · 02: builds, every control changes the frame, a flat bin is refused;
spline_from_knots puts the knots and derivatives where it is asked to."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import norm

import gauss_flows as gf
from gauss_flows.course.explorers import spline_cdfs as sc
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def explorer():
    return registry.build("spline_cdfs.spline_explorer")


def test_builds_with_at_most_30_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) <= 30
    frame = explorer.render_state()
    assert frame.error is None and "Φ(0) = 0.500" in frame.readout


def test_flat_bin_is_refused(explorer):
    frame = explorer.render_state(y2=-1.5, d2=1.0)
    assert frame.error is not None and "increase strictly" in frame.error
    with pytest.raises(ValueError, match="d2"):
        explorer.set(d2=0.0)


def test_readout_mass_below_zero(explorer):
    frame = explorer.render_state(y2=1.0, d2=0.2)
    assert f"Φ(1) = {norm.cdf(1.0):.3f}" in frame.readout


@pytest.mark.parametrize("y2, d2", [(0.0, 1.0), (1.0, 5.0), (-1.0, 0.2)])
def test_spline_from_knots_hits_the_knots(y2, d2):
    xs, ys, ds = sc.knots_for(y2, d2)
    spline = sc.spline_from_knots(xs, ys, ds)
    np.testing.assert_allclose(jax.vmap(spline.transform)(jnp.asarray(xs)), ys, atol=1e-9)
    slopes = [float(jax.grad(spline.transform)(x)) for x in xs[1:-1]]
    np.testing.assert_allclose(slopes, ds, rtol=1e-9)
    assert gf.count_parameters(spline) == 3 * 3 + 2


def test_identity_knots_give_the_identity():
    spline = sc.spline_from_knots(*sc.knots_for(0.0, 1.0))
    x = jnp.linspace(-4, 4, 41)
    np.testing.assert_allclose(jax.vmap(spline.transform)(x), x, atol=1e-9)


@pytest.mark.parametrize("args, message", [
    (([-3, 0, 1, 3], [-3, 1, 0.5, 3], [1.0, 1.0]), "increase strictly"),
    (([-3, 0, 3], [-2, 0, 3], [1.0]), "first and last"),
    (([-3, 0, 3], [-3, 0, 3], [-1.0]), "positive"),
    (([-3, 0, 3], [-3, 0, 3], [1.0, 1.0]), "K derivatives"),
])
def test_spline_from_knots_rejects_bad_knots(args, message):
    with pytest.raises(ValueError, match=message):
        sc.spline_from_knots(*args)


def test_prediction():
    prompt = sc.knot_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer == "more than half"
