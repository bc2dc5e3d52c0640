"""The explorer of Part 7 · 02 (amortised posteriors): the precomputed grids are densities of the
flow and of the exact posterior, each frame reads out its position's KL, and inconsistent records
are refused."""

import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import amortised_posteriors as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_builds_and_reads_out_each_position():
    explorer = registry.build("amortised_posteriors.posterior_explorer")
    records = registry.amortised_records()["linear-Gaussian"]
    assert isinstance(explorer, Explorer) and explorer.n_states == 2 * len(records["positions"])
    for s, kl, se in zip(records["positions"], records["kl"], records["kl_se"]):
        readout = explorer.render_state(simulator="linear-Gaussian", s=s).readout
        assert f"s = {s:+g}" in readout and f"KL(p || q) = {kl:.3f} ± {se:.3f} nats" in readout


def test_the_grids_are_the_two_densities():
    r = registry.amortised_records()["linear-Gaussian"]
    cell = (6.0 / 11) ** 2
    assert r["exact"].shape == r["flow"].shape == (3, 12, 12)
    np.testing.assert_allclose(r["exact"].sum(axis=(1, 2)) * cell, 1.0, atol=0.1)   # a coarse grid
    import gauss_flows as gf
    exact = gf.conditional_data.LinearGaussian().posterior
    theta = jnp.array([[-3.0, -3.0]])
    np.testing.assert_allclose(r["exact"][1, 0, 0], np.exp(exact.log_prob(theta, jnp.asarray(r["observations"][1])))[0],
                               rtol=1e-10)


def test_inconsistent_records_are_refused():
    good = registry.amortised_records()["linear-Gaussian"]
    with pytest.raises(ValueError, match="miss"):
        ex.posterior_explorer({"a": {"positions": [0.0]}})
    with pytest.raises(ValueError, match="one per position"):
        ex.posterior_explorer({"a": {**good, "kl": [0.1]}})
    with pytest.raises(ValueError, match="same positions"):
        ex.posterior_explorer({"a": good, "b": {**good, "positions": [-2.0, 0.0, 2.0]}})
    with pytest.raises(ValueError, match="at least one"):
        ex.posterior_explorer({})


def test_prediction():
    prediction = ex.where_is_it_worst()
    assert prediction.answer in prediction.options and "3" in prediction.answer
