"""Part 12 in the library: the digits, squeeze, multi-scale, dequantization and bits/dim.

The bijectors themselves (Squeeze, Logit, MultiScale) go through the shared contract test;
here: the data's fixed split, the layout of a squeeze, what factoring out means, every term of
the bits/dim accounting against a hand computation, the Gaussian baselines against scipy, and
a tiny multi-scale flow that learns.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.datasets import load_digits

import gauss_flows as gf
from gauss_flows import dequantization as dq
from gauss_flows import image_baselines as ib

LOG2_17 = math.log2(17)


# ---- data -------------------------------------------------------------------------------------

def test_digits_are_integer_images_with_a_fixed_disjoint_split():
    d = gf.images.digits()
    assert d.train_images.shape == (1437, 8, 8, 1) and d.test_images.shape == (360, 8, 8, 1)
    for images in (d.train_images, d.test_images):
        assert np.issubdtype(images.dtype, np.integer)
        assert images.min() == 0 and images.max() == gf.images.N_LEVELS - 1
    # together they are exactly scikit-learn's 1797 images (as a multiset)
    everything = np.concatenate([d.train_images, d.test_images]).reshape(1797, 64)
    original = load_digits().images.astype(int).reshape(1797, 64)
    assert sorted(map(bytes, everything.astype(np.int8))) == sorted(map(bytes, original.astype(np.int8)))
    # the split is fixed: its test labels per class are part of the book's record
    np.testing.assert_array_equal(np.bincount(d.test_labels), [29, 38, 33, 40, 33, 39, 32, 42, 41, 33])
    assert gf.images.digits() is d and not d.train_images.flags.writeable


# ---- squeeze, reshaping bijectors in chains and flows -----------------------------------------

def test_space_to_depth_stacks_each_two_by_two_block_as_channels():
    x = np.arange(4 * 6 * 2).reshape(4, 6, 2)
    y = gf.space_to_depth(x)
    assert y.shape == (2, 3, 8)
    # block (i, j) = rows 2i..2i+1, cols 2j..2j+1; channel (2a + b) c + k = x[2i + a, 2j + b, k]
    for i, j, a, b, k in np.ndindex(2, 3, 2, 2, 2):
        assert y[i, j, (2 * a + b) * 2 + k] == x[2 * i + a, 2 * j + b, k]
    batch = np.arange(3 * 4 * 6 * 2).reshape(3, 4, 6, 2)
    np.testing.assert_array_equal(gf.depth_to_space(gf.space_to_depth(batch)), batch)


def test_squeeze_refuses_odd_or_flat_shapes():
    for shape in [(3, 4, 1), (4, 4), (4, 5, 2)]:
        with pytest.raises(ValueError, match=r"\(h, w, c\).*even"):
            gf.Squeeze(shape)


def test_a_chain_checks_shapes_across_a_squeeze():
    coupling = gf.AffineCoupling(jr.key(0), shape=(4, 4, 1), mask=gf.masks.checkerboard((4, 4, 1)))
    with pytest.raises(ValueError, match=r"output shape \(2, 2, 4\).*shape \(4, 4, 1\)"):
        gf.Chain([gf.Squeeze((4, 4, 1)), coupling])
    chain = gf.Chain([coupling, gf.Squeeze((4, 4, 1))])
    assert chain.shape == (4, 4, 1) and chain.output_shape == (2, 2, 4)
    assert gf.Invert(chain).shape == (2, 2, 4) and gf.Invert(chain).output_shape == (4, 4, 1)


def test_a_flow_through_a_squeeze_keeps_the_data_shape_and_its_density():
    flow = gf.Transformed(gf.StandardNormal((2, 2, 4)), gf.Squeeze((4, 4, 1)))
    x = jr.normal(jr.key(0), (5, 4, 4, 1))
    # a permutation: the density of x is the standard normal's, log-det 0
    np.testing.assert_allclose(flow.log_prob(x), gf.StandardNormal((4, 4, 1)).log_prob(x), rtol=1e-12)
    assert flow.shape == (4, 4, 1) and flow.sample(jr.key(1), 3).shape == (3, 4, 4, 1)
    assert flow.to_latent(x).shape == (5, 2, 2, 4)
    with pytest.raises(ValueError, match=r"maps onto shape \(2, 2, 4\)"):
        gf.Transformed(gf.StandardNormal((4, 4, 1)), gf.Squeeze((4, 4, 1)))


# ---- multi-scale ------------------------------------------------------------------------------

def test_multiscale_factors_out_half_the_coordinates_at_each_scale():
    flow = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=3, nn_width=8)
    levels = flow.bijection.latent_levels()
    assert levels.shape == (8, 8, 1)
    np.testing.assert_array_equal(np.bincount(levels.ravel()), [32, 16, 16])
    one_level = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=1)
    assert isinstance(one_level.bijection, gf.Chain)


def test_the_factored_out_latents_do_not_see_the_coarser_scales():
    flow = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=2, nn_width=8)
    bijection = gf.perturb(flow.bijection, jr.key(1), scale=0.3)
    changed_inner = gf.perturb(bijection.inner, jr.key(2), scale=0.3)
    other = type(bijection)(bijection.before, bijection.after, changed_inner)
    x = jr.normal(jr.key(3), (8, 8, 1))
    z, z_other = bijection.transform(x), other.transform(x)
    out = bijection.latent_levels() == 0
    np.testing.assert_allclose(z[out], z_other[out], rtol=0, atol=0)     # left before inner
    assert float(jnp.max(jnp.abs(z[~out] - z_other[~out]))) > 1e-3      # inner moved the rest


def test_multiscale_flow_refuses_shapes_it_cannot_halve():
    with pytest.raises(ValueError, match=r"divisible by 4.*\(6, 6, 1\)"):
        gf.multiscale_flow(jr.key(0), shape=(6, 6, 1), transformer=gf.Affine(), n_levels=3)
    with pytest.raises(ValueError, match="n_couplings >= 2"):
        gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_couplings=1)


# ---- the bits/dim accounting ------------------------------------------------------------------

def test_the_uniform_density_gives_log2_17_bits_per_dim_exactly():
    d = gf.images.digits()
    uniform = lambda v: jnp.zeros(v.shape[0])                       # p_V = 1 on the unit cube
    bound = dq.log_likelihood_bound(uniform, jr.key(0), d.test_images[:50], alpha=None)
    np.testing.assert_allclose(bound, -64 * math.log(17), rtol=1e-12)
    assert abs(dq.bits_per_dim(bound, 64) - LOG2_17) < 1e-12


def test_every_term_of_the_bound_against_a_hand_computation():
    images = gf.images.digits().test_images[:20]
    alpha, key = 0.05, jr.key(4)
    model = gf.StandardNormal((8, 8, 1))
    got = np.asarray(dq.log_likelihood_bound(model.log_prob, key, images, alpha=alpha))

    u = np.asarray(jr.uniform(key, images.shape, dtype=jnp.float64))  # the same draw
    v = (images + u) / 17.0
    s = alpha + (1 - 2 * alpha) * v
    y = np.log(s / (1 - s))
    log_p_y = (-0.5 * y ** 2 - 0.5 * np.log(2 * np.pi)).reshape(20, -1).sum(1)
    log_det = (np.log(1 - 2 * alpha) - np.log(s) - np.log(1 - s)).reshape(20, -1).sum(1)
    want = log_p_y + log_det - 64 * np.log(17.0)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert abs(dq.bits_per_dim(got, 64) - (-want.mean() / (64 * np.log(2)))) < 1e-12


def test_variational_dequantization_subtracts_log_q():
    images = gf.images.digits().test_images[:10]
    q = dq.VariationalDequantizer(jr.key(0), n_layers=2, nn_width=8)
    u, log_q = q.sample_and_log_prob(jr.key(1), images)
    assert u.shape == images.shape and bool(jnp.all((u > 0) & (u < 1)))
    np.testing.assert_allclose(log_q, q.flow.log_prob(u, condition=q.context(images)), rtol=1e-10)
    bound = dq.log_likelihood_bound(lambda v: jnp.zeros(v.shape[0]), jr.key(1), images,
                                    alpha=None, dequantizer=q)
    np.testing.assert_allclose(bound, -64 * math.log(17) - log_q, rtol=1e-12)


def test_bad_images_are_refused():
    with pytest.raises(ValueError, match="integer levels 0..16.*17"):
        dq.uniform_dequantize(jr.key(0), np.full((2, 8, 8, 1), 17))
    with pytest.raises(ValueError, match="integer images"):
        dq.log_likelihood_bound(lambda v: v.sum((1, 2, 3)), jr.key(0), np.zeros((2, 8, 8, 1)) + 0.5)
    with pytest.raises(ValueError, match="alpha"):
        gf.Logit(shape=(2,), alpha=0.5)


# ---- baselines --------------------------------------------------------------------------------

def test_gaussian_baselines_match_scipy():
    data = np.asarray(jr.normal(jr.key(0), (300, 5))) @ np.diag([3.0, 2.0, 1.0, 0.5, 0.2]) + 1.0
    points = data[:7] + 0.3
    mean, cov = data.mean(0), np.cov(data.T, bias=True)
    np.testing.assert_allclose(ib.fit_gaussian(data).log_prob(points),
                               multivariate_normal(mean, cov).logpdf(points), rtol=1e-10)
    eigenvalues, vectors = np.linalg.eigh(cov)
    eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
    kept = np.concatenate([eigenvalues[:2], np.full(3, eigenvalues[2:].mean())])
    ppca = vectors @ np.diag(kept) @ vectors.T
    np.testing.assert_allclose(ib.fit_gaussian(data, 2).log_prob(points),
                               multivariate_normal(mean, ppca).logpdf(points), rtol=1e-10)
    with pytest.raises(ValueError, match="n_components"):
        ib.fit_gaussian(data, 5)


def test_the_gaussian_baseline_bits_per_dim_by_hand():
    d = gf.images.digits()
    key = jr.key(3)
    got = ib.baseline_bits_per_dim(key, "gaussian", d.train_images, d.test_images, n_draws=2)

    train_key, _, test_key = jr.split(key, 3)
    def logit_space(k, images):
        v = (images + np.asarray(jr.uniform(k, images.shape, dtype=jnp.float64))) / 17.0
        s = 0.05 + 0.9 * v
        y = np.log(s / (1 - s)).reshape(len(images), -1)
        return y, (np.log(0.9) - np.log(s) - np.log(1 - s)).reshape(len(images), -1).sum(1)
    y_train, _ = logit_space(train_key, d.train_images)
    gaussian = multivariate_normal(y_train.mean(0), np.cov(y_train.T, bias=True))
    bounds = [gaussian.logpdf(y) + log_det - 64 * np.log(17.0)
              for y, log_det in (logit_space(k, d.test_images) for k in jr.split(test_key, 2))]
    want = -np.mean(bounds) / (64 * np.log(2))
    assert abs(got - want) < 1e-9, (got, want)
    assert want < LOG2_17                 # a Gaussian already beats the uniform baseline


# ---- a tiny multi-scale flow learns -----------------------------------------------------------

def test_a_tiny_multiscale_flow_learns_the_digits():
    d = gf.images.digits()
    train, test = d.train_images[:512], d.test_images
    flow = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=2, nn_width=32)
    flow = gf.cast(flow, jnp.float32)
    before = dq.held_out_bits_per_dim(flow.log_prob, jr.key(1), test, n_draws=1)
    flow, _, history = dq.fit_dequantized(jr.key(2), flow, train, n_epochs=6, batch_size=64,
                                          learning_rate=3e-3)
    after = dq.held_out_bits_per_dim(flow.log_prob, jr.key(1), test, n_draws=1)
    assert history["train_bits_per_dim"][-1] < history["train_bits_per_dim"][0]
    assert after < before - 0.5 and after < LOG2_17 - 0.5, (before, after)


def test_variational_dequantization_trains_jointly_with_the_flow():
    train = gf.images.digits().train_images[:256]
    flow = gf.cast(gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(),
                                      n_levels=2, nn_width=16), jnp.float32)
    q = gf.cast(dq.VariationalDequantizer(jr.key(1), n_layers=2, nn_width=16), jnp.float32)
    _, trained_q, history = dq.fit_dequantized(jr.key(2), flow, train, dequantizer=q, n_epochs=4,
                                               batch_size=64, learning_rate=3e-3)
    assert history["train_bits_per_dim"][-1] < history["train_bits_per_dim"][0] - 0.3, history
    moved = jax.tree_util.tree_leaves(jax.tree_util.tree_map(
        lambda a, b: float(jnp.max(jnp.abs(a - b))), eqx.filter(trained_q, eqx.is_inexact_array),
        eqx.filter(q, eqx.is_inexact_array)))
    assert max(moved) > 1e-3                     # q(u | x) was trained, not only the flow


def test_fit_dequantized_reports_every_epoch_and_a_second_fit_is_the_same_computation():
    train = gf.images.digits().train_images[:128]
    flow = gf.cast(gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(),
                                      n_levels=2, nn_width=8), jnp.float32)
    seen = []
    trained, _, history = dq.fit_dequantized(jr.key(1), flow, train, n_epochs=3, batch_size=64,
                                             on_epoch=lambda f, q, bits: seen.append((f, q, bits)))
    assert [bits for _, _, bits in seen] == history["train_bits_per_dim"] and len(seen) == 3
    assert all(q is None for _, q, _ in seen)
    for a, b in zip(jax.tree_util.tree_leaves(seen[-1][0]), jax.tree_util.tree_leaves(trained)):
        np.testing.assert_array_equal(a, b)              # the last epoch's flow is the one returned
    again, _, _ = dq.fit_dequantized(jr.key(1), flow, train, n_epochs=3, batch_size=64)
    for a, b in zip(jax.tree_util.tree_leaves(again), jax.tree_util.tree_leaves(trained)):
        np.testing.assert_array_equal(a, b)              # same key, same training


def test_sample_images_undoes_the_logit_and_the_scaling():
    flow = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=2, nn_width=8)
    flow = gf.perturb(flow, jr.key(1), scale=0.3)
    images = dq.sample_images(jr.key(2), flow, 5, temperature=0.7)
    assert images.shape == (5, 8, 8, 1) and bool(jnp.all((images >= 0) & (images <= 17)))
    # by hand: z = T eps, y = f^{-1}(z), v = (sigmoid(y) - alpha) / (1 - 2 alpha), x = 17 v
    z = 0.7 * jr.normal(jr.key(2), (5, 8, 8, 1))
    y = jax.vmap(flow.bijection.inverse)(z)
    want = np.clip((jax.nn.sigmoid(y) - 0.05) / 0.9, 0, 1) * 17
    np.testing.assert_allclose(images, want, rtol=1e-10, atol=1e-10)
    # where nothing was clipped (y can leave the logit's range), logit(images / 17) is y again
    inside = (want > 0) & (want < 17)
    assert inside.mean() > 0.5
    np.testing.assert_allclose(dq.logit_and_log_det(images / 17)[0][inside], y[inside], rtol=1e-8, atol=1e-8)
    at_zero = dq.sample_images(jr.key(3), flow, 3, temperature=0.0)   # T = 0: the image of z = 0
    np.testing.assert_allclose(at_zero, jnp.broadcast_to(at_zero[0], at_zero.shape), rtol=0, atol=0)
    with pytest.raises(ValueError, match="positive integer n"):
        dq.sample_images(jr.key(0), flow, 0)
    with pytest.raises(ValueError, match="temperature >= 0"):
        dq.sample_images(jr.key(0), flow, 2, temperature=-1.0)
    with pytest.raises(ValueError, match=r"latents of shape \(n, 8, 8, 1\).*\(3, 64\)"):
        dq.images_from_latent(flow, jnp.zeros((3, 64)))
