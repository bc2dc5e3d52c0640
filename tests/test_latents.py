"""gf.latents: straight paths between latents and partial resampling, against hand computations
on a linear bijection (where the latent path is known in closed form) and on a multi-scale flow."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf


def test_linear_path_hits_both_ends_and_the_midpoint():
    a, b = jnp.arange(6.0).reshape(2, 3), -jnp.ones((2, 3))
    path = gf.latents.linear_path(a, b, [0.0, 0.5, 1.0])
    assert path.shape == (3, 2, 3)
    np.testing.assert_array_equal(path[0], a)
    np.testing.assert_array_equal(path[2], b)
    np.testing.assert_allclose(path[1], (a + b) / 2)
    with pytest.raises(ValueError, match="1-D"):
        gf.latents.linear_path(a, b, [[0.5]])
    with pytest.raises(ValueError, match="one shape"):
        gf.latents.linear_path(a, b[0], [0.5])


def test_the_latent_path_of_an_affine_map_is_the_straight_line():
    # f(y) = A y + c is affine: f^{-1}((1-t) f(y0) + t f(y1)) = (1-t) y0 + t y1 exactly
    A = jnp.array([[2.0, 0.5], [-1.0, 1.5]])
    bijection = gf.Linear(A, shift=jnp.array([0.3, -2.0]))
    y0, y1, ts = jnp.array([1.0, -1.0]), jnp.array([0.5, 3.0]), jnp.linspace(0, 1, 5)
    np.testing.assert_allclose(gf.latents.latent_path(bijection, y0, y1, ts), gf.latents.linear_path(y0, y1, ts),
                               atol=1e-12)


def test_the_latent_path_of_a_nonlinear_flow_bends_but_keeps_its_ends():
    flow = gf.multiscale_flow(jr.key(0), shape=(4, 4, 1), transformer=gf.Affine(), n_levels=2, nn_width=4,
                              nn_depth=0, init_scale=1.0)
    y0, y1 = jr.normal(jr.key(1), (4, 4, 1)), jr.normal(jr.key(2), (4, 4, 1))
    ts = jnp.linspace(0, 1, 5)
    path = eqx.filter_jit(gf.latents.latent_path)(flow.bijection, y0, y1, ts)
    np.testing.assert_allclose(path[0], y0, atol=1e-10)
    np.testing.assert_allclose(path[-1], y1, atol=1e-10)
    # inside, it is the inverse image of the straight latent line, not the straight data line
    z = jax.vmap(flow.bijection.transform)(path)
    np.testing.assert_allclose(z, gf.latents.linear_path(z[0], z[-1], ts), atol=1e-10)
    assert float(jnp.max(jnp.abs(path - gf.latents.linear_path(y0, y1, ts)))) > 1e-2
    with pytest.raises(ValueError, match=r"shape \(4, 4, 1\)"):
        gf.latents.latent_path(flow.bijection, y0[None], y1, ts)


def test_resampling_keeps_the_latents_outside_where_and_draws_the_rest():
    flow = gf.multiscale_flow(jr.key(0), shape=(4, 4, 1), transformer=gf.Affine(), n_levels=2, nn_width=4,
                              nn_depth=0, init_scale=0.5)
    y = jr.normal(jr.key(1), (4, 4, 1))
    where = flow.bijection.latent_levels() == 1                   # the coarse scale
    resample = eqx.filter_jit(gf.latents.resample_latents)
    draws = resample(jr.key(2), flow.bijection, y, where, temperature=0.5, n=400)
    assert draws.shape == (400, 4, 4, 1) and bool(jnp.all(jnp.isfinite(draws)))
    z, z_new = flow.bijection.transform(y), jax.vmap(flow.bijection.transform)(draws)
    np.testing.assert_allclose(z_new[:, ~where], jnp.broadcast_to(z[~where], z_new[:, ~where].shape), atol=1e-10)
    fresh = np.asarray(z_new[:, where]).ravel()
    assert abs(fresh.mean()) < 0.05 and abs(fresh.std() - 0.5) < 0.03        # N(0, 0.5^2): 3200 draws
    # temperature 0 puts the resampled latents at the origin
    zero = jax.vmap(flow.bijection.transform)(resample(jr.key(3), flow.bijection, y, where, temperature=0.0))
    np.testing.assert_allclose(zero[0][where], 0.0, atol=1e-10)


def test_resampling_refuses_bad_arguments():
    bijection = gf.Linear(jnp.eye(2))
    y = jnp.zeros(2)
    with pytest.raises(ValueError, match="boolean array of the event shape"):
        gf.latents.resample_latents(jr.key(0), bijection, y, np.array([1, 0]))
    with pytest.raises(ValueError, match="temperature"):
        gf.latents.resample_latents(jr.key(0), bijection, y, np.array([True, False]), temperature=-1.0)
    with pytest.raises(ValueError, match="positive integer"):
        gf.latents.resample_latents(jr.key(0), bijection, y, np.array([True, False]), n=0)


def test_the_three_terms_add_up_to_the_density_of_the_image():
    flow = gf.multiscale_flow(jr.key(0), shape=(4, 4, 1), transformer=gf.Affine(), n_levels=2, nn_width=4,
                              nn_depth=0, init_scale=0.5)
    v = jr.uniform(jr.key(1), (5, 4, 4, 1), minval=0.01, maxval=0.99)
    terms = eqx.filter_jit(gf.latents.log_density_terms)(flow.bijection, v)
    assert terms.shape == (5, 3)
    # the density of v: the flow's density of y = logit(v), times |dy/dv| (Transformed of the whole chain)
    whole = gf.Transformed(gf.StandardNormal((4, 4, 1)),
                           gf.Chain([gf.Logit((4, 4, 1), alpha=gf.dequantization.ALPHA), flow.bijection]))
    np.testing.assert_allclose(terms.sum(1), whole.log_prob(v), rtol=1e-12)
    y = jax.vmap(gf.Logit((4, 4, 1), alpha=gf.dequantization.ALPHA).transform)(v)
    np.testing.assert_allclose(terms[:, 0] + terms[:, 1], flow.log_prob(y), rtol=1e-12)
    # the logit's term by hand: sum of log(1 - 2a) - log s - log(1 - s), s = a + (1 - 2a) v
    a = gf.dequantization.ALPHA
    s = a + (1 - 2 * a) * np.asarray(v).reshape(5, -1)
    np.testing.assert_allclose(terms[:, 2], np.sum(np.log1p(-2 * a) - np.log(s) - np.log1p(-s), 1), rtol=1e-12)
    with pytest.raises(ValueError, match=r"batch of images \(n, 4, 4, 1\)"):
        gf.latents.log_density_terms(flow.bijection, v[0])
