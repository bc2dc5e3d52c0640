"""Toy densities: exact log-densities integrate to 1, agree with the samples, and KL works."""

from __future__ import annotations

import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import datasets as ds
from gauss_flows.datasets import _curve_quadrature, _log_noisy_curve

# (density, half-width of a square that holds all but a negligible part of the mass)
DENSITIES = {
    "TwoMoons": (ds.TwoMoons(noise=0.1), 2.2),
    "Spiral": (ds.Spiral(noise=0.15), 4.0),
    "Rings": (ds.Rings(radii=(0.5, 1.5), noise=0.15), 2.6),
    "Checkerboard": (ds.Checkerboard(), 3.0),  # grid edges fall on the squares' edges
    "EightGaussians": (ds.EightGaussians(), 3.6),
    "RingOfGaussians": (ds.RingOfGaussians(n_modes=5, radius=1.0, std=0.3), 2.6),
    # shrunk to fit a square grid; their defaults are checked against scipy below
    "Banana": (ds.Banana(spread=1.0, curvature=0.4, noise=0.3), 6.0),
    "StudentT": (ds.StudentT(df=5.0, scale=0.5, correlation=0.5), 12.0),
}


def _grid(half_width, n=240):
    edges = np.linspace(-half_width, half_width, n + 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    xx, yy = np.meshgrid(centres, centres, indexing="ij")
    return edges, jnp.asarray(np.stack([xx.ravel(), yy.ravel()], -1))


@pytest.mark.parametrize("name", list(DENSITIES))
def test_log_prob_integrates_to_one(name):
    density, half_width = DENSITIES[name]
    edges, points = _grid(half_width)
    cell = (edges[1] - edges[0]) ** 2
    total = float(jnp.sum(jnp.exp(density.log_prob(points))) * cell)
    assert abs(total - 1.0) < 2e-3, total


@pytest.mark.parametrize("name", list(DENSITIES))
def test_samples_follow_the_density(name):
    """Histogram of 40k samples against the density integrated over the same cells."""
    density, half_width = DENSITIES[name]
    n = 40_000
    x = np.asarray(density.sample(jr.key(0), n))
    coarse = np.linspace(-half_width, half_width, 13)
    counts, _, _ = np.histogram2d(x[:, 0], x[:, 1], bins=[coarse, coarse])
    # expected counts: the density on a fine grid, summed inside each coarse cell
    edges, points = _grid(half_width, n=12 * 20)
    p = np.asarray(jnp.exp(density.log_prob(points))).reshape(240, 240) * (edges[1] - edges[0]) ** 2
    expected = n * p.reshape(12, 20, 12, 20).sum(axis=(1, 3))
    keep = expected > 20
    chi2 = np.sum((counts[keep] - expected[keep]) ** 2 / expected[keep])
    dof = int(keep.sum())
    assert chi2 < dof + 5 * math.sqrt(2 * dof) + 10, (chi2, dof)  # ~5 sigma for chi^2_dof
    assert counts[~keep].sum() < 0.01 * n


@pytest.mark.parametrize("name", list(DENSITIES))
def test_shapes_seeds_and_batching(name):
    density, _ = DENSITIES[name]
    a, b = density.sample(jr.key(1), 7), density.sample(jr.key(1), 7)
    assert a.shape == (7, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, density.sample(jr.key(2), 7))
    batch = density.log_prob(a.reshape(7, 1, 2))
    assert batch.shape == (7, 1)
    np.testing.assert_allclose(batch[:, 0], [density.log_prob(p) for p in a], rtol=1e-10)
    assert density.log_prob(a[0]).shape == ()
    assert bool(jnp.all(jnp.isfinite(density.log_prob(a))))  # samples lie in the support


@pytest.mark.parametrize("name", list(DENSITIES))
def test_bad_input_is_refused(name):
    density, _ = DENSITIES[name]
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\).*\(4, 3\)"):
        density.log_prob(jnp.zeros((4, 3)))
    with pytest.raises(ValueError, match="positive integer"):
        density.sample(jr.key(0), 0)


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match="noise"):
        ds.TwoMoons(noise=0.0)
    with pytest.raises(ValueError, match="radii"):
        ds.Rings(radii=(1.0, -1.0))
    with pytest.raises(ValueError, match="8 modes"):
        ds.EightGaussians(n_modes=5)


@pytest.mark.parametrize("name, t_max, noise", [("moons", None, 0.05), ("spiral", 3 * math.pi, 0.1)])
def test_quadrature_is_converged(name, t_max, noise):
    """The default quadrature against one four times finer, where the density matters."""
    _, points = _grid(3.5, n=81)
    coarse = _curve_quadrature(name, t_max, noise)
    fine = _curve_quadrature(name, t_max, noise, 4.0)
    a = _log_noisy_curve(points, jnp.asarray(coarse[0]), jnp.asarray(coarse[1]), noise)
    b = _log_noisy_curve(points, jnp.asarray(fine[0]), jnp.asarray(fine[1]), noise)
    relevant = b > float(jnp.max(b)) - 25.0
    assert float(jnp.max(jnp.abs(a - b)[relevant])) < 1e-6


def test_rings_closed_form_matches_quadrature_over_the_angle():
    rings = ds.Rings(radii=(1.0,), noise=0.2)
    x = jnp.array([[0.3, 0.1], [1.1, -0.4], [2.5, 0.0]])
    angle = np.linspace(0, 2 * np.pi, 4001)[:-1]
    centres = np.stack([np.cos(angle), np.sin(angle)], -1)
    sq = ((np.asarray(x)[:, None, :] - centres) ** 2).sum(-1)
    numeric = np.mean(np.exp(-0.5 * sq / 0.04), axis=1) / (2 * np.pi * 0.04)
    np.testing.assert_allclose(np.exp(rings.log_prob(x)), numeric, rtol=1e-10)


def test_checkerboard_is_minus_infinity_off_the_support():
    board = ds.Checkerboard()
    lp = np.asarray(board.log_prob(jnp.array([[-1.5, -1.5], [-0.5, -1.5], [2.5, 0.0], [0.5, 0.5]])))
    np.testing.assert_allclose(lp[[0, 3]], -math.log(8.0))
    assert np.all(np.isneginf(lp[1:3]))


class _Gaussian:
    """An isotropic Gaussian model with a batched log_prob (a stand-in for a flow)."""

    def __init__(self, std):
        self.std = std

    def log_prob(self, x):
        return jnp.sum(-0.5 * (x / self.std) ** 2 - jnp.log(self.std) - 0.5 * math.log(2 * math.pi), -1)


def test_kl_divergence_against_closed_form():
    """KL(mixture || broad Gaussian) by quadrature vs the Monte Carlo estimate."""
    target = ds.RingOfGaussians(n_modes=3, radius=1.0, std=0.5)
    model = _Gaussian(1.3)
    kl, se = ds.kl_divergence(jr.key(0), target, model, n=20_000)
    edges, points = _grid(5.0)
    log_p = target.log_prob(points)
    exact = float(jnp.sum(jnp.exp(log_p) * (log_p - model.log_prob(points))) * (edges[1] - edges[0]) ** 2)
    assert 0 < se < 0.02
    assert abs(kl - exact) < 4 * se, (kl, exact, se)
    self_kl, self_se = ds.kl_divergence(jr.key(1), target, target, n=1000)
    assert abs(self_kl) < 1e-12 and self_se < 1e-12


def test_kl_divergence_checks_the_model_output():
    class Broken:
        def log_prob(self, x):
            return jnp.zeros(x.shape)

    with pytest.raises(ValueError, match="shape"):
        ds.kl_divergence(jr.key(0), ds.TwoMoons(), Broken(), n=10)
    assert gf.datasets is ds


# ---- the wide, heavy-tailed and 8-dimensional densities at their defaults ---------------------

def test_banana_and_student_t_match_scipy_at_their_defaults():
    from scipy import stats

    banana, student = ds.Banana(), ds.StudentT()
    x = np.asarray(banana.sample(jr.key(0), 50))
    exact = stats.norm(0, 2.0).logpdf(x[:, 0]) + stats.norm(0.5 * x[:, 0] ** 2, 0.5).logpdf(x[:, 1])
    np.testing.assert_allclose(banana.log_prob(x), exact, rtol=1e-12)
    assert np.max(x[:, 1]) > 8.0                      # the long arm: far beyond a spline's +-4
    x = np.asarray(student.sample(jr.key(1), 50))
    exact = stats.multivariate_t(loc=[0, 0], shape=[[1, 0.5], [0.5, 1]], df=3).logpdf(x)
    np.testing.assert_allclose(student.log_prob(x), exact, rtol=1e-12)
    far = jnp.array([[1e6, -1e6], [0.0, 1e12]])      # power-law tails: finite far out
    assert bool(jnp.all(jnp.isfinite(student.log_prob(far))))


def test_samples_of_the_defaults_follow_their_marginals():
    from scipy import stats

    x = np.asarray(ds.Banana().sample(jr.key(2), 20_000))
    assert stats.kstest(x[:, 0], stats.norm(0, 2.0).cdf).pvalue > 1e-3
    assert stats.kstest((x[:, 1] - 0.5 * x[:, 0] ** 2) / 0.5, "norm").pvalue > 1e-3
    x = np.asarray(ds.StudentT(df=3.0, scale=1.5, correlation=-0.3).sample(jr.key(3), 20_000))
    for column in x.T:                                 # each marginal is a t_3 of scale 1.5
        assert stats.kstest(column, stats.t(3.0, scale=1.5).cdf).pvalue > 1e-3
    assert stats.kstest(x[:, 0], stats.t(3.0, scale=1.0).cdf).pvalue < 1e-6  # the test can fail


def test_rotated_product_is_an_exact_8d_density():
    density = ds.RotatedProduct()
    assert density.shape == (8,)
    rotation = density.rotation
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(8), atol=1e-12)
    assert np.min(np.abs(rotation)) > 1e-3             # every coordinate mixes every part
    x = density.sample(jr.key(4), 1000)
    assert x.shape == (1000, 8)
    u = np.asarray(x) @ rotation                        # back to the parts, side by side
    parts = sum(p.log_prob(u[:, 2 * j:2 * j + 2]) for j, p in enumerate(density.parts))
    np.testing.assert_allclose(density.log_prob(x), parts, rtol=1e-12)
    # the parts' samples are the parts' own (two moons' first block against its own sampler)
    moons = np.asarray(ds.TwoMoons(noise=0.05).sample(jr.key(5), 1000))
    from scipy import stats
    assert stats.ks_2samp(u[:, 0], moons[:, 0]).pvalue > 1e-3
    assert math.isclose(ds.kl_divergence(jr.key(6), density, density, n=500)[0], 0.0, abs_tol=1e-12)
    with pytest.raises(ValueError, match=r"\(\.\.\., 8\).*\(3, 2\)"):
        density.log_prob(jnp.zeros((3, 2)))


def test_bad_settings_of_the_new_densities_are_refused():
    for make, match in ((lambda: ds.Banana(spread=0.0), "spread > 0"),
                        (lambda: ds.Banana(noise=-1.0), "noise > 0"),
                        (lambda: ds.StudentT(df=0.0), "df > 0"),
                        (lambda: ds.StudentT(correlation=1.0), "-1 < correlation < 1"),
                        (lambda: ds.RotatedProduct(parts=(ds.TwoMoons(), ds.RotatedProduct())),
                         "2-D ToyDensity parts")):
        with pytest.raises(ValueError, match=match):
            make()
