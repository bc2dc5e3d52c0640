"""Part 5 · 01 explorer: the family of maps, their derivatives, the fitted density, messages."""

import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.explorers import bijector_menu as bm
import explorer_registry as registry


@pytest.fixture(scope="module")
def flows():
    # unfitted small flows: the explorer only needs something with a log_prob
    return registry.bijector_menu_flows()


@pytest.fixture(scope="module")
def explorer(flows):
    return registry.build("bijector_menu.bijector_menu_explorer")


def test_budget_and_default_state(explorer):
    assert explorer.n_states <= 60
    frame = explorer.render_state()
    assert frame.error is None
    assert "affine: 2 parameters per active coordinate" in frame.readout
    assert "KL(two moons || flow) = 0.412" in frame.readout


def test_missing_flow_and_out_of_range_values_give_messages(explorer):
    frame = explorer.render_state(transformer="deep sigmoid", spread=1.0)
    assert frame.error is not None and "No fitted flow" in frame.error
    with pytest.raises(ValueError, match="spread"):
        explorer.set(spread=7.0)
    with pytest.raises(ValueError, match="transformer"):
        explorer.set(transformer="planar")
    with pytest.raises(ValueError, match="outside the menu"):
        bm.bijector_menu_explorer({"planar": None})


def test_count_modes_on_known_densities():
    x = np.linspace(-6, 6, 601)
    gaussian = -0.5 * x**2
    bimodal = np.logaddexp(-0.5 * (x - 2) ** 2 / 0.25, -0.5 * (x + 2) ** 2 / 0.25)
    assert bm.count_modes(gaussian) == 1
    assert bm.count_modes(bimodal) == 2
    assert bm.count_modes(gaussian + 1e-4 * np.sin(40 * x)) == 1  # ripples are not modes


@pytest.mark.parametrize("spread", bm.SPREADS)
def test_affine_draws_are_never_bimodal_but_a_mixture_can_be(spread):
    assert np.all(bm.family("affine", spread, False)["modes"] == 1)
    assert np.any(bm.family("mixture-CDF", 2.5, False)["modes"] >= 2)


@pytest.mark.parametrize("name", list(bm.TRANSFORMERS))
def test_family_is_finite_in_the_tails_and_matches_the_bijectors(name):
    numbers = bm.family(name, 2.5, True)
    assert numbers["x"][0] == -30.0 and numbers["x"][-1] == 30.0
    assert np.all(np.isfinite(numbers["y"])) and np.all(np.isfinite(numbers["log_slope"]))
    first = bm.draws(name, 2.5)[0]
    y, log_slope = first.transform_and_log_det(jnp.asarray(30.0))
    np.testing.assert_allclose([numbers["y"][0, -1], numbers["log_slope"][0, -1]], [y, log_slope], rtol=1e-12)
    # every draw is increasing; where its slope is below ~1e-13 over a step of 0.1, float64
    # cannot resolve the rise (a mixture with a gap between components), so it is flat there
    rises, log_slope = np.diff(numbers["y"], axis=1), numbers["log_slope"]
    resolvable = np.minimum(log_slope[:, :-1], log_slope[:, 1:]) > -30.0
    assert np.all(rises >= 0) and np.all(rises[resolvable] > 0)


def test_draws_scale_one_noise_and_check_their_input():
    small, large = bm.draws("affine", 0.3)[0], bm.draws("affine", 2.5)[0]
    np.testing.assert_allclose(large.log_scale, small.log_scale * 2.5 / 0.3, rtol=1e-12)
    with pytest.raises(ValueError, match="transformer must be one of"):
        bm.draws("planar", 1.0)
    with pytest.raises(ValueError, match="spread"):
        bm.draws("affine", -1.0)
