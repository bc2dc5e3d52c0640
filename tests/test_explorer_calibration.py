"""The explorer of Part 7 · 03 (calibration): a region's threshold gives the model the mass it
claims, the exact mass inside is read out with the coverage, and inconsistent records are refused."""

import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import calibration as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_builds_and_reads_out_mass_and_coverage():
    explorer = registry.build("calibration.calibration_explorer")
    records = registry.calibration_records()
    assert isinstance(explorer, Explorer) and explorer.n_states == 2 * 2 * 2
    region = records["models"]["untrained"]["regions"]["typical"]
    for k, level in enumerate(records["levels"]):
        readout = explorer.render_state(model="untrained", observation="typical", level=level).readout
        assert f"α = {level:.2f}" in readout and f"puts {region['inside'][k]:.3f} of its mass" in readout


def test_a_region_of_the_exact_posterior_holds_its_level():
    # the exact posterior as "the model": its alpha-region must hold exact mass alpha
    simulator = gf.conditional_data.LinearGaussian()

    class Exact:
        def sample_and_log_prob(self, key, shape, condition):
            draws = simulator.posterior.sample_given(key, condition[None], shape[0])[:, 0]
            return draws, simulator.posterior.log_prob(draws, condition)

        def log_prob(self, theta, condition):
            return simulator.posterior.log_prob(theta, condition)

    region = ex.region_at(jr.key(0), Exact(), simulator.posterior, jnp.array([0.3, -0.2]), [0.5, 0.9],
                          (-3, 3, -3, 3), n_draws=20000, n_grid=8)
    np.testing.assert_allclose(region["inside"], [0.5, 0.9], atol=0.015)
    assert region["log_q"].shape == (8, 8) and region["threshold"][0] > region["threshold"][1]


def test_inconsistent_records_are_refused():
    good = registry.calibration_records()
    with pytest.raises(ValueError, match="miss"):
        ex.calibration_explorer({"levels": [0.5]})
    bad_model = {"curve": [0.1], "regions": good["models"]["untrained"]["regions"]}
    with pytest.raises(ValueError, match="coverage values"):
        ex.calibration_explorer({**good, "models": {"m": bad_model}})
    with pytest.raises(ValueError, match="must match"):
        ex.calibration_explorer({**good, "exact": {"other": good["exact"]["typical"]}})


def test_prediction():
    assert ex.too_narrow_or_too_wide().answer == "less than 80% of the time"
