"""gf.calibration: ranks, PIT values and HDR levels of an exact posterior are uniform, a too-narrow
or too-wide model is caught, the binomial band holds its confidence, and bad input is refused."""

import jax.random as jr
import numpy as np
import pytest
import scipy.stats

import gauss_flows as gf
from gauss_flows import calibration as cal
from gauss_flows.conditional_data import LinearGaussian


@pytest.fixture(scope="module")
def pairs():
    """Pairs from the joint of a linear-Gaussian simulator, and exact posterior draws for each."""
    simulator = LinearGaussian()
    theta, x = simulator.sample(jr.key(0), 600)
    draws = simulator.posterior.sample_given(jr.key(1), x, 300)             # (300, 600, 2)
    return simulator, np.asarray(theta), np.asarray(x), np.asarray(draws)


def test_ranks_by_hand():
    samples = np.array([[[0.0, 5.0]], [[1.0, 6.0]], [[2.0, 7.0]], [[3.0, 8.0]]])   # (4, 1, 2)
    truth = np.array([[1.5, 9.0]])
    np.testing.assert_array_equal(cal.sbc_ranks(samples, truth), [[2, 4]])
    np.testing.assert_allclose(cal.pit_values(samples, truth), [[0.5, 1.0]])


def test_the_exact_posterior_is_calibrated(pairs):
    simulator, theta, x, draws = pairs
    ranks = cal.sbc_ranks(draws, theta)
    assert ranks.shape == (600, 2) and ranks.min() >= 0 and ranks.max() <= 300
    for j in range(2):
        assert cal.uniformity_test(cal.pit_values(draws, theta)[:, j])[1] > 0.01
    levels = cal.hdr_levels(simulator.posterior.log_prob(draws, x[None]), simulator.posterior.log_prob(theta, x))
    assert levels.shape == (600,)
    nominal = np.array([0.1, 0.5, 0.9])
    lower, upper = cal.binomial_band(600, nominal, confidence=0.999)
    assert np.all((cal.coverage(levels, nominal) >= lower) & (cal.coverage(levels, nominal) <= upper))


@pytest.mark.parametrize("scale, direction", [(0.6, "under"), (1.6, "over")])
def test_a_too_narrow_or_too_wide_model_is_caught(pairs, scale, direction):
    simulator, theta, x, draws = pairs
    mean = np.asarray(simulator.posterior.mean(x))
    scaled = mean[None] + scale * (draws - mean[None])        # the posterior's spread times `scale`
    # log q of the scaled Gaussian, up to a constant (which the levels do not see)
    log_q = lambda t: np.asarray(simulator.posterior.log_prob(mean + (t - mean) / scale, x))  # noqa: E731
    levels = cal.hdr_levels(np.stack([log_q(d) for d in scaled]), log_q(theta))
    got = cal.coverage(levels, 0.8)
    lower, upper = cal.binomial_band(600, 0.8)
    assert (got < lower) if direction == "under" else (got > upper)
    assert cal.uniformity_test(levels)[1] < 1e-3


def test_coverage_counts_levels_at_or_below_nominal():
    levels = np.array([0.0, 0.2, 0.5, 0.5, 0.9])
    np.testing.assert_allclose(cal.coverage(levels, [0.0, 0.5, 1.0]), [0.2, 0.8, 1.0])
    assert cal.coverage(levels, 0.5).shape == ()


def test_the_binomial_band_holds_its_confidence():
    rng = np.random.default_rng(0)
    m, alpha = 200, 0.7
    lower, upper = cal.binomial_band(m, alpha, confidence=0.9)
    hits = rng.binomial(m, alpha, size=20000) / m
    inside = np.mean((hits >= lower) & (hits <= upper))
    assert 0.9 <= inside < 0.95           # a discrete distribution: at least the confidence
    approx = 1.96 * np.sqrt(0.5 * 0.5 / 10000)
    lower, upper = cal.binomial_band(10000, 0.5)
    np.testing.assert_allclose([lower, upper], [0.5 - approx, 0.5 + approx], atol=2e-4)


def test_uniformity_test_is_scipys_ks():
    u = np.random.default_rng(1).uniform(size=137) ** 1.3
    statistic, p = cal.uniformity_test(u)
    reference = scipy.stats.kstest(u, "uniform", method="exact")
    np.testing.assert_allclose([statistic, p], [reference.statistic, reference.pvalue], rtol=1e-10)
    assert isinstance(statistic, float) and isinstance(p, float)


def test_bad_input_is_refused_with_the_shapes():
    with pytest.raises(ValueError, match=r"\(5, 3, 2\) and \(4, 2\)"):
        cal.sbc_ranks(np.zeros((5, 3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        cal.pit_values(np.full((5, 2), np.nan), np.zeros(2))
    with pytest.raises(ValueError, match=r"\(n, \*batch\)"):
        cal.hdr_levels(np.zeros((5, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        cal.coverage(np.array([0.2, 1.5]), 0.5)
    with pytest.raises(ValueError, match="nominal"):
        cal.binomial_band(100, 1.2)
    with pytest.raises(ValueError, match="positive integer"):
        cal.binomial_band(0, 0.5)
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        cal.uniformity_test([-0.1, 0.5])


def test_offered_by_the_package():
    assert gf.calibration is cal
