"""RBIG and the marginal fits it is built from."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import diagnostics as dg
from gauss_flows import marginal_fit as mf


@pytest.fixture(scope="module")
def moons():
    return gf.datasets.TwoMoons(noise=0.1).sample(jr.key(0), 1000)


@pytest.fixture(scope="module")
def fitted(moons):
    return gf.rbig_fit(moons, n_layers=12, rotation="random", key=jr.key(1))


# ---- marginal fits ----------------------------------------------------------------------

def test_em_recovers_a_two_component_mixture():
    k1, k2 = jr.split(jr.key(2))
    x = jnp.concatenate([0.5 * jr.normal(k1, (6000,)) - 2.0, 1.0 * jr.normal(k2, (4000,)) + 3.0])
    weights, means, scales = mf.fit_gaussian_mixture(x, 2, n_iterations=200)
    order = jnp.argsort(means)
    np.testing.assert_allclose(weights[order], [0.6, 0.4], atol=0.02)
    np.testing.assert_allclose(means[order], [-2.0, 3.0], atol=0.05)
    np.testing.assert_allclose(scales[order], [0.5, 1.0], atol=0.05)


def test_em_is_vectorised_over_columns_and_keeps_the_tail_component(moons):
    weights, means, scales = mf.fit_gaussian_mixture(moons, 6, tail_weight=0.05)
    assert weights.shape == means.shape == scales.shape == (2, 6)
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(weights[:, -1], 0.05, rtol=1e-12)
    np.testing.assert_allclose(means[:, -1], moons.mean(0), rtol=1e-10)
    np.testing.assert_allclose(scales[:, -1], moons.std(0), rtol=1e-10)
    one_column = mf.fit_gaussian_mixture(moons[:, 1], 6, tail_weight=0.05)
    np.testing.assert_allclose(one_column[1], means[1], rtol=1e-8)


def test_marginal_mixture_gaussianizes_each_coordinate(moons):
    layer = mf.fit_marginal_mixture(moons, 8)
    assert isinstance(layer, gf.MixtureGaussianCDF) and layer.shape == (2,)
    z = jax.vmap(layer.transform)(moons)
    assert float(jnp.max(jnp.abs(z.mean(0)))) < 0.05 and float(jnp.max(jnp.abs(z.std(0) - 1))) < 0.05
    assert float(jnp.max(dg.negentropy(moons))) > 0.1
    assert float(jnp.max(dg.negentropy(z))) < 0.03


def test_empirical_and_kde_cdfs():
    x = jr.normal(jr.key(3), (2000,))
    points = jnp.array([-1.0, 0.0, 0.5])
    np.testing.assert_allclose(mf.empirical_cdf(x, points), [(x <= p).mean() for p in points])
    # both CDFs are within the DKW band (alpha = 1e-3) of the true Phi
    band = mf.dkw_epsilon(2000, 1e-3)
    assert band == pytest.approx(math.sqrt(math.log(2 / 1e-3) / 4000))
    grid = jnp.linspace(-3, 3, 61)
    truth = jax.scipy.stats.norm.cdf(grid)
    assert float(jnp.max(jnp.abs(mf.empirical_cdf(x, grid) - truth))) < band
    assert float(jnp.max(jnp.abs(mf.kde_cdf(x, grid) - truth))) < band
    # the KDE CDF is the integral of the KDE density
    fine = jnp.linspace(-8, 0.5, 8001)
    integral = jnp.trapezoid(jnp.exp(mf.kde_log_pdf(x, fine)), fine)
    assert float(integral) == pytest.approx(float(mf.kde_cdf(x, 0.5)), abs=1e-5)


def test_gaussianize_empirical_and_kde_are_finite_and_normal():
    x = jr.gumbel(jr.key(4), (2000,))  # skewed, no boundary (a KDE leaks mass over one)
    for z in (mf.gaussianize_empirical(x), mf.gaussianize_kde(x)):
        assert bool(jnp.all(jnp.isfinite(z)))
        assert abs(float(dg.skewness(z))) < 0.1 and abs(float(dg.excess_kurtosis(z))) < 0.2
    far = mf.gaussianize_kde(x, jnp.array([-50.0, 80.0]))
    assert bool(jnp.all(jnp.isfinite(far))) and float(far[0]) < -8 and float(far[1]) > 8


# ---- RBIG ------------------------------------------------------------------------------

def test_rbig_reduces_total_correlation(moons, fitted):
    flow, info = fitted
    z = flow.to_latent(moons)
    before, after = float(dg.total_correlation(moons)), float(dg.total_correlation(z))
    assert before > 0.6  # the moons are strongly dependent (measured 0.79)
    assert after < 0.3 * before, (before, after)
    assert abs(float(dg.gaussian_total_correlation(z))) < 0.01
    assert float(jnp.max(jnp.abs(z.mean(0)))) < 0.1


def test_rbig_info(fitted):
    flow, info = fitted
    assert info["n_layers"] == 12 == len(flow.bijection) and not info["stopped_early"]
    for name in ("tc_reduction", "remaining_total_correlation", "negentropy", "log_likelihood"):
        assert len(info[name]) == 12
    assert info["tc_reduction"][0] > 0.15  # the first layer removes the most
    assert info["total_correlation"] == pytest.approx(sum(info["tc_reduction"]))
    assert info["log_likelihood"][-1] > info["log_likelihood"][0] + 0.3
    assert info["negentropy"][-1] < info["negentropy"][0]


def test_rbig_log_likelihood_matches_the_flow(moons, fitted):
    flow, info = fitted
    np.testing.assert_allclose(float(jnp.mean(flow.log_prob(moons))), info["log_likelihood"][-1], rtol=1e-9)


def test_rbig_samples_back_and_round_trips(moons, fitted):
    flow, _ = fitted
    samples = flow.sample(jr.key(5), 300)
    assert samples.shape == (300, 2) and bool(jnp.all(jnp.isfinite(samples)))
    target = gf.datasets.TwoMoons(noise=0.1)
    # samples land on the moons: far more likely under the truth than a Gaussian's samples
    gaussian = moons.mean(0) + moons.std(0) * jr.normal(jr.key(6), (300, 2))
    assert float(jnp.mean(target.log_prob(samples))) > float(jnp.mean(target.log_prob(gaussian))) + 1.0
    z = flow.to_latent(moons[:50])
    np.testing.assert_allclose(jax.vmap(flow.bijection.inverse)(z), moons[:50], atol=1e-8)


def test_tolerance_stops_early_and_drops_idle_layers(moons):
    flow, info = gf.rbig_fit(moons, n_layers=40, rotation="pca", tol=0.02, patience=3)
    assert info["stopped_early"]
    assert 1 <= info["n_layers"] == len(flow.bijection) == len(info["tc_reduction"]) < 40


def test_rbig_shorthand_and_pca(moons):
    flow = gf.rbig(moons, n_layers=2)
    assert isinstance(flow, gf.Transformed) and len(flow.bijection) == 2
    assert isinstance(flow.bijection[0][1], gf.PCARotation)
    assert float(dg.total_correlation(flow.to_latent(moons))) < float(dg.total_correlation(moons))


def test_bad_arguments_are_refused(moons):
    with pytest.raises(ValueError, match="key"):
        gf.rbig(moons, rotation="random")
    with pytest.raises(ValueError, match="rotation"):
        gf.rbig(moons, rotation="ica")
    with pytest.raises(ValueError, match=r"\(n_samples >= 2, dim\).*\(1000,\)"):
        gf.rbig(moons[:, 0])
    with pytest.raises(ValueError, match="n_layers"):
        gf.rbig(moons, n_layers=0)
