"""MADE masks and the masked autoregressive layer: the structure the masks promise is the
structure the real Jacobian has."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import made


ORDERS = [np.arange(4), np.array([2, 0, 3, 1]), np.array([4, 3, 2, 1, 0]), np.array([1, 0])]


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "".join(map(str, o)))
@pytest.mark.parametrize("hidden", [[], [3], [8, 8]], ids=["no-hidden", "narrow", "two-layers"])
def test_made_masks_are_autoregressive_and_use_every_allowed_input(order, hidden):
    masks = made.made_masks(order, hidden, n_params=2)
    assert made.is_autoregressive(masks, order, n_params=2)
    reach = made.connectivity(masks)
    # with hidden layers at least d - 1 wide (or none), every allowed dependence is present
    if not hidden or min(hidden) >= len(order) - 1:
        np.testing.assert_array_equal(reach, made.allowed(order, n_params=2))


def test_a_broken_mask_is_caught():
    order = np.arange(4)
    masks = made.made_masks(order, [6])
    masks[-1] = masks[-1] | np.eye(4, 6, dtype=bool)  # output i now sees a unit of degree >= i
    assert not made.is_autoregressive(masks, order)
    dense = [np.ones((6, 4), bool), np.ones((4, 6), bool)]
    assert not made.is_autoregressive(dense, order)


@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "".join(map(str, o)))
def test_the_networks_jacobian_is_strictly_triangular_in_the_order(order):
    d = len(order)
    net = made.MADE(jr.key(0), order=order, n_params=2, output_bias=jnp.zeros(2 * d), width=7,
                    depth=2, init_scale=1.0)
    jac = jax.jacfwd(lambda x: net(x).reshape(-1))(jr.normal(jr.key(1), (d,)))
    nonzero = np.abs(np.asarray(jac)) > 0
    assert not np.any(nonzero & ~made.allowed(order, 2))  # nothing forbidden
    assert nonzero.sum() > 0
    # sorted by the order, theta's dependence pattern is strictly lower triangular
    per_coordinate = nonzero.reshape(d, 2, d).any(axis=1)
    sorted_pattern = per_coordinate[np.ix_(order, order)]
    assert not np.any(np.triu(sorted_pattern))


@pytest.mark.parametrize("order", ORDERS[:3], ids=lambda o: "".join(map(str, o)))
def test_maf_jacobian_is_triangular_with_the_transformer_on_the_diagonal(order):
    d = len(order)
    layer = gf.perturb(gf.MaskedAutoregressive(jr.key(0), shape=(d,), order=order, nn_width=8), jr.key(1), 0.5)
    x = jr.normal(jr.key(2), (d,))
    jac = np.asarray(jax.jacfwd(layer.transform)(x))[np.ix_(order, order)]
    assert np.all(np.triu(jac, 1) == 0)
    assert np.count_nonzero(np.tril(jac, -1)) > 0
    theta = layer.parameters(x)
    log_scales = jnp.stack([layer.template.build(t).effective_log_scale() for t in theta])
    np.testing.assert_allclose(np.diag(jac), np.exp(np.asarray(log_scales))[order], rtol=1e-12)


def test_maf_inverse_is_sequential_and_exact_after_d_passes():
    layer = gf.perturb(gf.MaskedAutoregressive(jr.key(0), shape=(5,), nn_width=8), jr.key(1), 0.5)
    assert layer.inverse_passes == 5
    x = jr.normal(jr.key(2), (5,))
    z = layer.transform(x)
    # t passes of the sequential loop fix the first t coordinates (in the order), not more
    guess = jnp.zeros(5)
    for t in range(1, 6):
        guess = jax.vmap(lambda th, v: layer.template.build(th).inverse(v))(layer.parameters(guess), z)
        np.testing.assert_allclose(guess[:t], x[:t], atol=1e-12)
        if t < 4:
            assert np.abs(np.asarray(guess[t + 1:] - x[t + 1:])).max() > 1e-6


def test_coupling_degrees_make_a_coupling_pattern():
    mask = np.array([False, False, True, True, True])
    degrees = made.coupling_degrees(mask)
    masks = made.masks_from_degrees([degrees, made.hidden_degrees(4, 2)], degrees)
    reach = made.connectivity(masks)
    np.testing.assert_array_equal(reach, mask[:, None] & ~mask[None, :])


def test_bad_orders_and_shapes_are_refused():
    with pytest.raises(ValueError, match="permutation"):
        made.check_order([0, 0, 1])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        made.check_order([0, 1], d=3)
    with pytest.raises(ValueError, match="d >= 2"):
        gf.MaskedAutoregressive(jr.key(0), shape=(1,))
    with pytest.raises(ValueError, match=r"shape \(d,\)"):
        gf.MaskedAutoregressive(jr.key(0), shape=(2, 2))
    with pytest.raises(ValueError, match="do not chain"):
        made.connectivity([np.ones((3, 2), bool), np.ones((2, 4), bool)])
