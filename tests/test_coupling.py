"""Coupling layers: the claims of the coupling-pattern page, and the template protocol."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import masks


@pytest.fixture(scope="module")
def affine_coupling():
    return gf.AffineCoupling(jr.key(0), shape=(4,), nn_width=32, nn_depth=2)


def test_first_half_passes_unchanged_second_half_moves(affine_coupling):
    x = jr.normal(jr.key(1), (4,))
    z, _ = affine_coupling.transform_and_log_det(x)
    np.testing.assert_array_equal(z[:2], x[:2])
    assert float(jnp.abs(z[2:] - x[2:]).min()) > 1e-6  # the active half really is transformed


def test_jacobian_is_lower_triangular_and_log_det_is_its_diagonal(affine_coupling):
    x = jr.normal(jr.key(1), (4,))
    _, log_det = affine_coupling.transform_and_log_det(x)
    jac = jax.jacfwd(affine_coupling.transform)(x)
    assert float(jnp.abs(jnp.triu(jac, 1)).max()) == 0.0
    np.testing.assert_array_equal(jac[:2, :2], jnp.eye(2))
    assert float(jnp.abs(jac[2:, :2]).max()) > 0  # the conditioner does couple the halves
    np.testing.assert_allclose(log_det, jnp.sum(jnp.log(jnp.abs(jnp.diag(jac)))), atol=1e-13)
    np.testing.assert_allclose(log_det, jnp.linalg.slogdet(jac)[1], atol=1e-13)


def test_affine_round_trip_is_exact_in_float64(affine_coupling):
    x = jr.normal(jr.key(2), (2000, 4))
    z, log_det = jax.vmap(affine_coupling.transform_and_log_det)(x)
    x_back, inverse_log_det = jax.vmap(affine_coupling.inverse_and_log_det)(z)
    assert float(jnp.abs(x_back - x).max()) <= 1e-12
    assert float(jnp.abs(log_det + inverse_log_det).max()) <= 1e-12


def test_mixture_cdf_coupling_round_trip_in_float64():
    coupling = gf.perturb(gf.MixtureGaussianCDFCoupling(jr.key(0), shape=(4,), n_components=8),
                          jr.key(5), 0.3)
    x = jr.normal(jr.key(3), (200, 4))
    z = jax.vmap(coupling.transform)(x)
    assert float(jnp.abs(z - x).max()) > 1e-3  # perturbed: not the identity
    assert float(jnp.abs(jax.vmap(coupling.inverse)(z) - x).max()) <= 1e-10


def test_inverse_evaluates_the_conditioner_only_forward(affine_coupling):
    """The inverse needs the conditioner at the passive values, never its inverse: it gives
    the same parameters as the forward pass because the passive half is copied."""
    x = jr.normal(jr.key(4), (4,))
    z = affine_coupling.transform(x)
    np.testing.assert_array_equal(affine_coupling.parameters(x[:2]), affine_coupling.parameters(z[:2]))


def test_exact_zero_init_starts_at_the_template():
    coupling = gf.AffineCoupling(jr.key(0), shape=(6,), init_scale=0.0)
    x = jr.normal(jr.key(1), (6,))
    z, log_det = coupling.transform_and_log_det(x)
    np.testing.assert_array_equal(z, x)
    assert float(log_det) == 0.0


def test_default_init_is_close_to_identity_for_every_shorthand():
    x = jr.normal(jr.key(1), (100, 4))
    for make in (gf.AffineCoupling, gf.MixtureGaussianCDFCoupling, gf.DeepSigmoidCoupling,
                 gf.RQSplineCoupling):
        coupling = make(jr.key(0), shape=(4,))
        z, log_det = jax.vmap(coupling.transform_and_log_det)(x)
        assert float(jnp.abs(z - x).max()) < 0.5, make.__name__
        assert float(jnp.abs(log_det).max()) < 0.5, make.__name__


def test_conditioner_bias_is_the_template_parameters_tiled():
    template = gf.MixtureGaussianCDF(n_components=3)
    coupling = gf.Coupling(jr.key(0), shape=(5,), transformer=template, init_scale=0.0)
    theta = coupling.parameters(jnp.zeros(2))
    assert theta.shape == (3, 9)
    expected = jnp.concatenate([template.logits, template.log_scales, template.means])
    np.testing.assert_allclose(jnp.sort(theta[0]), jnp.sort(expected))
    np.testing.assert_array_equal(theta[0], theta[2])


def test_parameter_counts_follow_from_the_sizes():
    # conditioner: 2 -> 32 -> 32 -> 2 * p, with p the template's parameter count
    for coupling, p in [(gf.AffineCoupling(jr.key(0), shape=(4,)), 2),
                        (gf.MixtureGaussianCDFCoupling(jr.key(0), shape=(4,), n_components=8), 24),
                        (gf.RQSplineCoupling(jr.key(0), shape=(4,), knots=8),
                         gf.count_parameters(gf.RationalQuadraticSpline(knots=8)))]:
        expected = (2 * 32 + 32) + (32 * 32 + 32) + (32 * 2 * p + 2 * p)
        assert gf.count_parameters(coupling) == expected


def test_checkerboard_coupling_on_an_image_copies_the_passive_pixels():
    mask = masks.checkerboard((4, 4))
    coupling = gf.perturb(gf.Coupling(jr.key(0), shape=(4, 4), transformer=gf.Affine(), mask=mask),
                          jr.key(1), 0.3)
    x = jr.normal(jr.key(2), (4, 4))
    y, log_det = coupling.transform_and_log_det(x)
    np.testing.assert_array_equal(y[~np.asarray(mask)], x[~np.asarray(mask)])
    assert float(jnp.abs(y - x)[np.asarray(mask)].min()) > 0
    np.testing.assert_array_equal(coupling.mask, mask)
    jac = jax.jacfwd(lambda v: coupling.transform(v.reshape(4, 4)).ravel())(x.ravel())
    np.testing.assert_allclose(log_det, jnp.linalg.slogdet(jac)[1], atol=1e-12)
    assert float(jnp.abs(coupling.inverse(y) - x).max()) <= 1e-12


def test_a_complement_mask_changes_which_half_moves():
    coupling = gf.AffineCoupling(jr.key(0), shape=(4,), mask=~masks.half(4))
    x = jr.normal(jr.key(1), (4,))
    np.testing.assert_array_equal(coupling.transform(x)[2:], x[2:])


def test_transformer_must_be_a_scalar_template():
    with pytest.raises(ValueError, match=r"shape \(\)"):
        gf.Coupling(jr.key(0), shape=(4,), transformer=gf.Affine(shape=(2,)))
    with pytest.raises(ValueError, match="Bijector"):
        gf.Coupling(jr.key(0), shape=(4,), transformer=jnp.tanh)


def test_coupling_trains_under_grad():
    coupling = gf.AffineCoupling(jr.key(0), shape=(2,), nn_width=8, nn_depth=1)
    x = jr.normal(jr.key(1), (16, 2))
    params, static = gf.split_trainable(coupling)

    def loss(p):
        c = eqx.combine(p, static)
        z, ld = jax.vmap(c.transform_and_log_det)(x)
        return jnp.mean(0.5 * z[:, 1] ** 2 - ld)

    grads = jax.grad(loss)(params)
    norms = [float(jnp.abs(g).max()) for g in jax.tree_util.tree_leaves(grads)]
    assert all(np.isfinite(norms)) and max(norms) > 0
