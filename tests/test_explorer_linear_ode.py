"""The explorer of Part 6 · 00 (linear ODE flows): every state draws, its readout puts t tr A beside
the numerical slogdet and they agree, and the density it draws is the exact pushed Gaussian."""

import re

import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest
from scipy.linalg import expm
from scipy.stats import multivariate_normal

matplotlib.use("Agg")

from gauss_flows.course.explorers import linear_ode as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return registry.build("linear_ode.linear_ode_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and explorer.n_states == len(ex.GENERATORS) * len(ex.TIMES)
    assert set(explorer.controls) == {"generator", "t"}


@pytest.mark.parametrize("generator", list(ex.GENERATORS))
def test_readout_log_det_is_t_trace_and_matches_slogdet(explorer, generator):
    for t in (-1.0, 2.0):
        frame = explorer.render_state(generator=generator, t=t)
        assert frame.error is None
        found = re.search(r"t tr A = ([-+0-9.]+)\s+slogdet\(expm\(tA\)\) = ([-+0-9.]+)", frame.readout)
        by_trace, numerical = float(found.group(1)), float(found.group(2))
        A = ex.GENERATORS[generator]
        assert by_trace == pytest.approx(t * np.trace(A), abs=1e-6)
        assert numerical == pytest.approx(np.linalg.slogdet(expm(t * A))[1], abs=1e-6)


def test_singular_generators_are_named_and_their_flow_is_invertible(explorer):
    for generator in ("shear", "rank one"):
        assert np.linalg.det(ex.GENERATORS[generator]) == pytest.approx(0.0, abs=1e-12)
        frame = explorer.render_state(generator=generator, t=1.0)
        assert "(singular)" in frame.readout and "invertible" in frame.readout


def test_pushed_density_is_the_gaussian_with_covariance_M_MT():
    A, t = ex.GENERATORS["rank one"], 1.5
    M = expm(t * A)
    points = np.array([[0.0, 0.0], [1.0, -0.5], [2.5, 1.0]])
    log_p = np.asarray(ex.pushed_density(A, t).log_prob(jnp.asarray(points)))
    np.testing.assert_allclose(log_p, multivariate_normal(np.zeros(2), M @ M.T).logpdf(points), rtol=1e-10)


def test_prediction():
    prediction = ex.shear_prediction()
    assert prediction.answer in prediction.options and "log det = 0" in prediction.answer
