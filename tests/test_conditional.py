"""Conditional flows beyond the bijector contract: distributions with a condition (batching rules,
sampling, the conditional base), training on (x, condition) pairs, and the data with exact
conditionals they are measured against."""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.conditional_data import (GaussianPosterior, HeteroscedasticBimodal, LinearGaussian,
                                          conditional_kl)


@pytest.fixture(scope="module")
def flow():
    """A small conditional flow moved away from its identity start."""
    made = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8,
                            nn_depth=1, condition_shape=(1,))
    return gf.perturb(made, jr.key(1), scale=0.3)


# ---- batching: how points and contexts pair up -----------------------------------------------

def test_log_prob_pairs_points_and_contexts(flow):
    x = jr.normal(jr.key(2), (5, 2))
    c = jnp.linspace(-1.0, 1.0, 5)[:, None]
    one_by_one = jnp.stack([flow.log_prob(x[i], c[i]) for i in range(5)])
    np.testing.assert_allclose(flow.log_prob(x, c), one_by_one, rtol=1e-6)               # one each
    np.testing.assert_allclose(flow.log_prob(x, c[2]), jnp.stack([flow.log_prob(x[i], c[2]) for i in range(5)]), rtol=1e-6)
    np.testing.assert_allclose(flow.log_prob(x[1], c), jnp.stack([flow.log_prob(x[1], c[i]) for i in range(5)]), rtol=1e-6)
    grid = flow.log_prob(x[:, None], c[None])                                            # every pair
    assert grid.shape == (5, 5)
    np.testing.assert_allclose(jnp.diag(grid), one_by_one, rtol=1e-6)
    assert flow.log_prob(x[0], c[0]).shape == ()


def test_the_context_changes_the_density(flow):
    x = jr.normal(jr.key(2), (50, 2))
    gap = flow.log_prob(x, jnp.array([-1.0])) - flow.log_prob(x, jnp.array([1.0]))
    assert float(jnp.max(jnp.abs(gap))) > 1e-2


@pytest.mark.parametrize("condition, pattern", [
    (None, r"conditional.*\(1,\).*none"),
    (jnp.zeros((3, 1)), r"batch shape \(5,\).*batch shape \(3,\)"),
    (jnp.zeros((5, 2)), r"ending in \(1,\).*\(5, 2\)"),
    (jnp.zeros((5,)), r"ending in \(1,\).*\(5,\)"),
])
def test_bad_conditions_are_refused_with_both_shapes(flow, condition, pattern):
    with pytest.raises(ValueError, match=pattern):
        flow.log_prob(jnp.zeros((5, 2)), condition)


def test_an_unconditional_flow_refuses_a_condition():
    plain = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8, nn_depth=1)
    assert plain.condition_shape is None
    for call in (lambda: plain.log_prob(jnp.zeros((4, 2)), jnp.zeros((4, 1))),
                 lambda: plain.sample(jr.key(0), 3, condition=jnp.zeros(1)),
                 lambda: gf.jit_log_prob(plain, jnp.zeros((4, 2)), jnp.zeros((4, 1)))):
        with pytest.raises(ValueError, match="unconditional"):
            call()


def test_sample_shapes_and_their_log_prob(flow):
    c = jnp.linspace(-1.0, 1.0, 4)[:, None]
    assert flow.sample(jr.key(3), 6, condition=c[0]).shape == (6, 2)      # many draws, one context
    assert flow.sample(jr.key(3), condition=c).shape == (4, 2)            # one draw per context
    x, log_p = flow.sample_and_log_prob(jr.key(3), (6,), condition=c)     # six per context
    assert x.shape == (6, 4, 2) and log_p.shape == (6, 4)
    np.testing.assert_allclose(log_p, flow.log_prob(x, c), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(flow.sample(jr.key(3), (6,), condition=c), x, rtol=1e-6)
    latent = flow.to_latent(x, c)
    np.testing.assert_allclose(flow.bijection.transform(x[0, 1], c[1]), latent[0, 1], rtol=1e-6)


def test_jit_log_prob_chunks_points_and_contexts_together(flow):
    n = gf.distributions.LOG_PROB_CHUNK + 300          # a padded second chunk
    x = jr.normal(jr.key(4), (n, 2))
    c = jr.normal(jr.key(5), (n, 1))
    np.testing.assert_allclose(gf.jit_log_prob(flow, x, c), flow.log_prob(x, c), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gf.jit_log_prob(flow, x[:7], c[0]), flow.log_prob(x[:7], c[0]), rtol=1e-5)
    with pytest.raises(ValueError, match="batch shape"):
        gf.jit_log_prob(flow, x, c[:10])


# ---- the conditional base ---------------------------------------------------------------------

def test_conditional_normal_is_the_gaussian_of_its_mean_and_scale():
    base = gf.ConditionalNormal(jr.key(0), shape=(3,), condition_shape=(2,), nn_width=8, nn_depth=1)
    z = jr.normal(jr.key(1), (4, 3))
    c = jr.normal(jr.key(2), (4, 2))
    standard = gf.StandardNormal((3,)).log_prob(z)
    np.testing.assert_allclose(base.log_prob(z, c), standard, rtol=1e-6)  # starts as N(0, I)
    moved = gf.perturb(base, jr.key(3), scale=0.3)
    for i in range(4):
        mean, log_scale = moved.mean_and_log_scale(c[i])
        exact = jax.scipy.stats.norm.logpdf(z[i], mean, jnp.exp(log_scale)).sum()
        np.testing.assert_allclose(moved.log_prob(z[i], c[i]), exact, rtol=1e-6)
    draws = moved.sample(jr.key(4), 20_000, condition=c[0])
    mean, log_scale = moved.mean_and_log_scale(c[0])
    np.testing.assert_allclose(draws.mean(0), mean, atol=4 * float(jnp.exp(log_scale).max()) / math.sqrt(20_000))
    np.testing.assert_allclose(draws.std(0), jnp.exp(log_scale), rtol=0.03)


def test_three_mechanisms_build_and_the_context_shapes_must_agree():
    for mechanism in ("input", "hypernetwork", "base"):
        made = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8,
                                nn_depth=1, condition_shape=(1,), conditioning=mechanism)
        assert made.condition_shape == (1,)
        assert made.log_prob(jnp.zeros((3, 2)), jnp.zeros((3, 1))).shape == (3,)
    with pytest.raises(ValueError, match=r"\(2,\).*\(1,\)"):
        gf.Transformed(gf.ConditionalNormal(jr.key(0), shape=(2,), condition_shape=(2,)),
                       gf.AffineCoupling(jr.key(1), shape=(2,), condition_shape=(1,)))
    with pytest.raises(ValueError, match="conditioning"):
        gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), condition_shape=(1,),
                         conditioning="concatenate")
    with pytest.raises(ValueError, match="condition_shape"):
        gf.AffineCoupling(jr.key(0), shape=(2,), condition_shape=(0,))


# ---- training on (x, condition) pairs -----------------------------------------------------------

def test_fit_learns_an_amortised_posterior():
    """A linear-Gaussian simulator: after a short fit the flow's q(theta | x) is close to the exact
    posterior at held-out observations (an untrained flow is far from it)."""
    simulator = LinearGaussian()
    theta, x = simulator.sample(jr.key(0), 4000)
    made = gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(), n_layers=4, nn_width=32,
                            nn_depth=1, condition_shape=(2,))
    observations = simulator.simulate(jr.key(3), simulator.sample(jr.key(2), 5)[0])
    before, _ = conditional_kl(jr.key(4), simulator.posterior, made, observations, n=2000)
    fitted, history = gf.fit(jr.key(5), made, theta, condition=x, learning_rate=3e-3, max_epochs=40,
                             batch_size=128, patience=10, show_progress=False)
    after, se = conditional_kl(jr.key(4), simulator.posterior, fitted, observations, n=2000)
    assert np.all(before > 0.5), before
    assert np.all(after < 0.08) and after.mean() < 0.04, (after, se)
    assert history["val_loss"][history["best_epoch"]] == history["best_val_loss"]


def test_fit_checks_the_condition():
    made = gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8,
                            nn_depth=1, condition_shape=(1,))
    plain = gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8, nn_depth=1)
    data = jnp.zeros((20, 2))
    with pytest.raises(ValueError, match=r"conditional.*\(20, 1\)"):
        gf.fit(jr.key(0), made, data, max_epochs=1, show_progress=False)
    with pytest.raises(ValueError, match=r"\(20, 1\).*\(19, 1\)"):
        gf.fit(jr.key(0), made, data, condition=jnp.zeros((19, 1)), max_epochs=1, show_progress=False)
    with pytest.raises(ValueError, match="unconditional"):
        gf.fit(jr.key(0), plain, data, condition=jnp.zeros((20, 1)), max_epochs=1, show_progress=False)
    with pytest.raises(ValueError, match="NaN"):
        gf.fit(jr.key(0), made, data, condition=jnp.full((20, 1), jnp.nan), max_epochs=1, show_progress=False)


# ---- data with exact conditionals ---------------------------------------------------------------

@pytest.mark.parametrize("x", [-2.4, -0.5, 0.0, 1.3])
def test_heteroscedastic_bimodal_integrates_to_one_and_matches_its_samples(x):
    target = HeteroscedasticBimodal()
    grid = jnp.linspace(-15.0, 15.0, 30_001)[:, None]
    density = np.asarray(jnp.exp(target.log_prob(grid, jnp.array([x]))))
    step = float(grid[1, 0] - grid[0, 0])
    assert abs(density.sum() * step - 1.0) < 1e-6
    draws = np.sort(np.asarray(target.sample_given(jr.key(7), jnp.array([x]), 20_000))[:, 0])
    cdf = np.interp(draws, np.asarray(grid[:, 0]), np.cumsum(density) * step)
    ks = np.max(np.abs(cdf - np.arange(1, draws.size + 1) / draws.size))
    assert ks < 1.63 / math.sqrt(draws.size), ks   # the 1% critical value of Kolmogorov-Smirnov


def test_heteroscedastic_bimodal_is_bimodal_and_heteroscedastic():
    target = HeteroscedasticBimodal()
    y = jnp.linspace(-4.0, 4.0, 801)[:, None]
    far = np.asarray(target.log_prob(y, jnp.array([2.0])))
    peaks = np.flatnonzero((far[1:-1] > far[:-2]) & (far[1:-1] > far[2:]))
    assert peaks.size == 2                                    # two branches far from x = 0
    assert float(target.scale(2.0)) > 2 * float(target.scale(0.0))
    y_samples, x_samples = target.sample(jr.key(0), 1000)
    assert y_samples.shape == x_samples.shape == (1000, 1)
    assert float(jnp.abs(x_samples).max()) <= target.half_width


def test_linear_gaussian_posterior_is_bayes_rule_on_a_grid():
    simulator = LinearGaussian()
    g = jnp.linspace(-6.0, 6.0, 481)
    theta = jnp.stack(jnp.meshgrid(g, g, indexing="ij"), -1)
    area = float(g[1] - g[0]) ** 2
    for observation in (jnp.array([1.2, -0.4]), jnp.array([-2.0, 1.5])):
        joint = simulator.prior_log_prob(theta) + simulator.likelihood_log_prob(observation, theta)
        normalised = joint - jax.scipy.special.logsumexp(joint) - math.log(area)
        exact = simulator.posterior.log_prob(theta, observation)
        assert float(jnp.max(jnp.abs(normalised - exact))) < 1e-8
    draws = simulator.posterior.sample_given(jr.key(1), jnp.array([1.2, -0.4]), 50_000)
    np.testing.assert_allclose(np.cov(np.asarray(draws).T), simulator.posterior.covariance, atol=0.01)
    np.testing.assert_allclose(draws.mean(0), simulator.posterior.mean(jnp.array([1.2, -0.4])), atol=0.01)


def test_conditional_kl_is_zero_for_the_truth_and_exact_for_a_shifted_gaussian():
    simulator = LinearGaussian()
    observations = jnp.array([[0.5, 0.2], [-1.0, 1.0], [2.0, -0.3]])
    kl, se = conditional_kl(jr.key(0), simulator.posterior, simulator.posterior, observations, n=500)
    np.testing.assert_allclose(kl, 0.0, atol=1e-12)
    # a posterior whose mean is off by delta: KL = delta^T S^{-1} delta / 2 exactly
    shifted = GaussianPosterior(np.array([0.3, 0.0]), simulator.prior_cov, simulator.matrix,
                                simulator.shift, simulator.noise_cov)
    delta = np.asarray(shifted.mean(observations) - simulator.posterior.mean(observations))
    exact = 0.5 * np.einsum("mi,ij,mj->m", delta, np.linalg.inv(simulator.posterior.covariance), delta)
    kl, se = conditional_kl(jr.key(0), simulator.posterior, shifted, observations, n=20_000)
    assert np.all(np.abs(kl - exact) < 4 * se + 1e-3), (kl, exact, se)


def test_linear_gaussian_refuses_inconsistent_settings():
    with pytest.raises(ValueError, match=r"noise_cov must have shape \(2, 2\)"):
        LinearGaussian(noise_cov=np.eye(3))
    with pytest.raises(ValueError, match="positive definite"):
        LinearGaussian(prior_cov=-np.eye(2))
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\).*\(4, 3\)"):
        LinearGaussian().posterior.log_prob(jnp.zeros((4, 3)), jnp.zeros((4, 2)))


def test_a_conditional_maf_stays_autoregressive_in_x():
    """The context enters MADE unmasked, but dz/dx is still triangular in the layer's order."""
    layer = gf.perturb(gf.MaskedAutoregressive(jr.key(0), shape=(4,), order=jnp.array([2, 0, 3, 1]),
                                               nn_width=8, nn_depth=1, condition_shape=(2,)),
                       jr.key(1), scale=0.3)
    c = jnp.array([0.4, -1.0])
    jac = np.asarray(jax.jacfwd(lambda x: layer.transform(x, c))(jnp.array([0.3, -0.2, 1.1, 0.5])))
    order = [2, 0, 3, 1]
    in_order = jac[np.ix_(order, order)]
    assert np.allclose(np.triu(in_order, 1), 0.0) and np.all(np.abs(np.diag(in_order)) > 0)
    moved = layer.transform(jnp.ones(4), -c)
    assert float(jnp.max(jnp.abs(moved - layer.transform(jnp.ones(4), c)))) > 1e-3


@pytest.mark.parametrize("x", [0.0, 1.5, -3.0])
def test_bilinear_posterior_integrates_to_one_on_a_2d_grid_and_matches_its_samples(x):
    """The 1-D normaliser against an independent 2-D quadrature; samples against grid moments."""
    from gauss_flows.conditional_data import Bilinear

    simulator = Bilinear(noise=0.3)
    g = jnp.linspace(-7.0, 7.0, 701)
    theta = jnp.stack(jnp.meshgrid(g, g, indexing="ij"), -1)
    area = float(g[1] - g[0]) ** 2
    density = np.asarray(jnp.exp(simulator.posterior.log_prob(theta, jnp.array([x]))))
    assert abs(density.sum() * area - 1.0) < 1e-8
    draws = np.asarray(simulator.posterior.sample_given(jr.key(1), jnp.array([x]), 50_000))
    for statistic in (lambda t: t[..., 0] * t[..., 1], lambda t: t[..., 0] ** 2, lambda t: t[..., 1]):
        on_grid = float((density * statistic(np.asarray(theta))).sum() * area)
        sampled = statistic(draws)
        assert abs(sampled.mean() - on_grid) < 4 * sampled.std() / math.sqrt(draws.shape[0]) + 1e-3


def test_bilinear_posterior_has_two_branches():
    from gauss_flows.conditional_data import Bilinear

    posterior = Bilinear(noise=0.3).posterior
    same_sign = posterior.log_prob(jnp.array([1.5, 2.0]), jnp.array([3.0]))
    opposite = posterior.log_prob(jnp.array([-1.5, 2.0]), jnp.array([3.0]))
    mirrored = posterior.log_prob(jnp.array([-1.5, -2.0]), jnp.array([3.0]))
    np.testing.assert_allclose(same_sign, mirrored, rtol=1e-12)     # theta -> -theta symmetry
    assert float(same_sign - opposite) > 20.0
    theta, x = Bilinear().sample(jr.key(0), 10)
    assert theta.shape == (10, 2) and x.shape == (10, 1)


def test_batched_helpers_take_a_shared_or_a_paired_condition(flow):
    bijector = flow.bijection
    x = jr.normal(jr.key(2), (6, 2))
    c = jnp.linspace(-1.0, 1.0, 6)[:, None]
    paired = gf.batched.transform_and_log_det(bijector, x, c)
    shared = gf.batched.transform(bijector, x, c[0])
    for i in range(6):
        np.testing.assert_allclose(paired[0][i], bijector.transform(x[i], c[i]), rtol=1e-6)
        np.testing.assert_allclose(shared[i], bijector.transform(x[i], c[0]), rtol=1e-6)
    np.testing.assert_allclose(gf.batched.inverse(bijector, paired[0], c), x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gf.batched.mean_nll(flow, x, c), -jnp.mean(flow.log_prob(x, c)), rtol=1e-6)


def test_fit_ensemble_trains_conditional_members_as_fit_does():
    """Member s of fit_ensemble runs fit's loop on its own (x, condition) pairs: same losses."""
    simulator = LinearGaussian()
    theta, x = simulator.sample(jr.key(0), 300)
    make = lambda k: gf.coupling_flow(k, shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8,  # noqa: E731
                                      nn_depth=1, condition_shape=(2,))
    keys = jr.split(jr.key(1), 2)
    flows = eqx.filter_vmap(make)(keys)
    settings = dict(learning_rate=3e-3, max_epochs=3, batch_size=64, patience=None)
    _, history = gf.fit_ensemble(jr.key(2), flows, theta, condition=x, **settings)
    member_key = jr.split(jr.key(2), 2)[1]
    _, alone = gf.fit(member_key, make(keys[1]), theta, condition=x, show_progress=False, **settings)
    np.testing.assert_allclose(history["val_loss"][:, 1], alone["val_loss"], rtol=1e-8)
    with pytest.raises(ValueError, match="conditional"):
        gf.fit_ensemble(jr.key(2), flows, theta, **settings)
    with pytest.raises(ValueError, match=r"\(2, 300, 2\).*\(3, 300, 2\)"):
        gf.fit_ensemble(jr.key(2), flows, theta, condition=jnp.zeros((3, 300, 2)), **settings)


def test_linear_gaussian_predictive_covariance_is_that_of_its_simulations():
    simulator = gf.conditional_data.LinearGaussian()
    x = np.asarray(simulator.sample(jr.key(0), 200_000)[1])
    np.testing.assert_allclose(np.cov(x.T), simulator.predictive_cov, atol=0.02)
    expected = simulator.matrix @ simulator.prior_cov @ simulator.matrix.T + simulator.noise_cov
    np.testing.assert_array_equal(simulator.predictive_cov, expected)
