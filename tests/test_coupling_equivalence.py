"""gf.coupling_equivalence: a complementary pair of zero-kernel couplings IS a marginal layer."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import coupling_equivalence as ce

jax.config.update("jax_enable_x64", True)

MENU = {"affine": gf.Affine(), "mixture": gf.MixtureGaussianCDF(n_components=3),
        "sigmoid": gf.DeepSigmoid(n_hidden=3), "spline": gf.RationalQuadraticSpline(knots=4, interval=3.0)}
MASK = np.array([True, False, False, True, False])


def zero_kernel(template, key, mask):
    layer = gf.Coupling(key, shape=(5,), transformer=template, mask=mask, nn_width=6, nn_depth=2,
                        init_scale=0.0)
    bias = layer.conditioner.mlp.layers[-1].bias
    return eqx.tree_at(lambda c: c.conditioner.mlp.layers[-1].bias, layer,
                       bias + 0.5 * jr.normal(jr.fold_in(key, 7), bias.shape))


@pytest.mark.parametrize("name", MENU)
def test_pair_equals_the_marginal_layer_read_off_it(name):
    first, second = zero_kernel(MENU[name], jr.key(0), MASK), zero_kernel(MENU[name], jr.key(1), ~MASK)
    marginal = ce.pair_as_marginal(first, second)
    x = 2.0 * jr.normal(jr.key(2), (64, 5))
    z_pair, ld_pair = jax.vmap(gf.Chain([first, second]).transform_and_log_det)(x)
    z_marg, ld_marg = jax.vmap(marginal.transform_and_log_det)(x)
    np.testing.assert_allclose(z_pair, z_marg, atol=1e-12)
    np.testing.assert_allclose(ld_pair, ld_marg, atol=1e-12)
    # and the pair is not the identity: the biases moved, so the test can fail
    assert float(jnp.max(jnp.abs(z_pair - x))) > 1e-3
    # the other order of the two layers is the same map: they act on disjoint coordinates
    np.testing.assert_allclose(jax.vmap(gf.Chain([second, first]).transform)(x), z_pair, atol=1e-12)


@pytest.mark.parametrize("name", MENU)
def test_marginal_as_pair_round_trip(name):
    marginal = gf.perturb(gf.Elementwise(MENU[name], (5,)), jr.key(3), 0.4)
    pair = ce.marginal_as_pair(jr.key(4), marginal, mask=MASK, nn_width=7, nn_depth=1)
    assert all(ce.has_zero_kernel(c) for c in pair.bijectors)
    np.testing.assert_array_equal(pair.bijectors[0].mask, MASK)
    x = jr.normal(jr.key(5), (32, 5))
    np.testing.assert_allclose(jax.vmap(pair.transform)(x), jax.vmap(marginal.transform)(x), atol=1e-12)
    back = ce.pair_as_marginal(*pair.bijectors)
    for a, b in zip(jax.tree_util.tree_leaves(back.params), jax.tree_util.tree_leaves(marginal.params)):
        np.testing.assert_array_equal(a, b)


def test_matched_flows_have_equal_log_densities_both_ways():
    diagonal = gf.perturb(gf.diagonal_flow(jr.key(0), shape=(4,), transformer=MENU["spline"], n_layers=3),
                          jr.key(1), 0.5)
    coupling = ce.matched_coupling_flow(jr.key(2), diagonal, nn_width=5, nn_depth=1)
    assert len(coupling.bijection.bijectors) == 6
    x = 1.5 * jr.normal(jr.key(3), (100, 4))
    np.testing.assert_allclose(coupling.log_prob(x), diagonal.log_prob(x), atol=1e-12)
    np.testing.assert_allclose(ce.matched_diagonal_flow(coupling).log_prob(x), diagonal.log_prob(x), atol=1e-12)
    # a coupling_flow built with init_scale=0 is a matched flow of the template's diagonal flow
    fresh = gf.coupling_flow(jr.key(4), shape=(4,), transformer=MENU["mixture"], n_layers=4, init_scale=0.0)
    template_flow = gf.diagonal_flow(jr.key(0), shape=(4,), transformer=MENU["mixture"], n_layers=2)
    np.testing.assert_allclose(ce.matched_diagonal_flow(fresh).log_prob(x), template_flow.log_prob(x), atol=1e-12)


def test_refusals_name_the_problem():
    first, second = zero_kernel(MENU["affine"], jr.key(0), MASK), zero_kernel(MENU["affine"], jr.key(1), ~MASK)
    with pytest.raises(ValueError, match="complementary"):
        ce.pair_as_marginal(first, zero_kernel(MENU["affine"], jr.key(1), MASK))
    with pytest.raises(ValueError, match="kernel is not zero"):
        ce.pair_as_marginal(first, gf.perturb(second, jr.key(2), 0.1))
    with pytest.raises(ValueError, match="same transformer"):
        ce.pair_as_marginal(first, zero_kernel(MENU["spline"], jr.key(1), ~MASK))
    with pytest.raises(ValueError, match="gf.Coupling"):
        ce.pair_as_marginal(first, gf.Affine(shape=(5,)))
    with pytest.raises(ValueError, match="Elementwise"):
        ce.marginal_as_pair(jr.key(0), first)
    with pytest.raises(ValueError, match="diagonal flow"):
        ce.matched_coupling_flow(jr.key(0), gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2))
    with pytest.raises(ValueError, match="even number"):
        ce.matched_diagonal_flow(gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=3,
                                                  init_scale=0.0))


def test_kernel_norm_sees_a_nonzero_kernel():
    layer = gf.AffineCoupling(jr.key(0), shape=(2,))
    assert float(ce.kernel_norm(layer)) > 0 and not ce.has_zero_kernel(layer)
    assert ce.has_zero_kernel(gf.AffineCoupling(jr.key(0), shape=(2,), init_scale=0.0))


def test_coupling_flow_init_scale_zero_is_the_identity_and_default_is_not():
    x = 3.0 * jr.normal(jr.key(1), (200, 3))
    for template in (gf.Affine(), gf.RationalQuadraticSpline(knots=5, interval=4.0)):
        flow = gf.coupling_flow(jr.key(0), shape=(3,), transformer=template, n_layers=5, init_scale=0.0)
        z, log_det = jax.vmap(flow.bijection.transform_and_log_det)(x)
        assert float(jnp.max(jnp.abs(z - x))) < 1e-12 and float(jnp.max(jnp.abs(log_det))) < 1e-12
    default = gf.coupling_flow(jr.key(0), shape=(3,), transformer=gf.Affine(), n_layers=5)
    assert float(jnp.max(jnp.abs(jax.vmap(default.bijection.transform)(x) - x))) > 1e-3
    # the keyword reaches every layer, and the default is unchanged (0.1 of the random weights)
    scaled = gf.coupling_flow(jr.key(0), shape=(3,), transformer=gf.Affine(), n_layers=2, init_scale=1.0)
    for a, b in zip(default.bijection.bijectors, scaled.bijection.bijectors):
        np.testing.assert_allclose(a.conditioner.mlp.layers[-1].weight, 0.1 * b.conditioner.mlp.layers[-1].weight)
