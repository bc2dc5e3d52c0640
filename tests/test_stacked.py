"""``gf.Stacked`` and ``coupling_flow(..., stacked=True)``: the same flow as the plain ``Chain``,
stored in fewer arrays. (Round trips, log-dets against autodiff, jit/vmap and dtypes are the
contract test's lines "Stacked ...".)"""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf

def _pair(flow_kwargs, n_layers):
    # the transformer does not matter to the stacking (the contract test runs a spline stack)
    kwargs = dict(shape=(3,), transformer=gf.Affine(), n_layers=n_layers, nn_width=8, nn_depth=1,
                  init_scale=1.0, **flow_kwargs)
    return (gf.coupling_flow(jr.key(0), **kwargs),
            gf.coupling_flow(jr.key(0), **kwargs, stacked=True))


def _n_arrays(tree) -> int:
    return len(jax.tree_util.tree_leaves(eqx.filter(tree, eqx.is_array)))


@pytest.mark.parametrize("n_layers", [2, 5, 16])  # one block; pairs + a leftover; scanned (8 blocks)
def test_stacked_flow_is_the_same_flow_in_fewer_arrays(n_layers):
    plain, stacked = _pair({}, n_layers)
    assert isinstance(stacked.bijection, gf.Stacked)
    x = gf.cast(jr.normal(jr.key(1), (64, 3)), jnp.float64)
    plain, stacked = gf.cast(plain, jnp.float64), gf.cast(stacked, jnp.float64)
    np.testing.assert_allclose(stacked.log_prob(x), plain.log_prob(x), rtol=0, atol=1e-12)
    # the view layer by layer is the plain chain's, parameter for parameter
    assert len(stacked.bijection) == n_layers
    assert bool(eqx.tree_equal(stacked.bijection.unstack(), plain.bijection))
    for k in (0, n_layers // 2, -1):
        assert bool(eqx.tree_equal(stacked.bijection.bijectors[k], plain.bijection.bijectors[k]))
        assert bool(eqx.tree_equal(stacked.bijection[k], plain.bijection[k]))
    # the plain flow holds a set of arrays per layer; the stacked one a pair's (+ a leftover layer)
    per_layer = _n_arrays(plain.bijection.bijectors[0])
    assert _n_arrays(plain) == per_layer * n_layers
    assert _n_arrays(stacked) == per_layer * (2 + n_layers % 2)


def test_stacked_conditional_flow_matches_the_plain_one():
    plain, stacked = _pair(dict(condition_shape=(2,)), 4)
    x, c = jr.normal(jr.key(1), (32, 3)), jr.normal(jr.key(2), (32, 2))
    np.testing.assert_allclose(stacked.log_prob(x, c), plain.log_prob(x, c), rtol=0, atol=1e-5)
    assert stacked.bijection.condition_shape == (2,)


def test_training_a_stacked_flow_follows_the_plain_one_and_stays_stacked():
    data = gf.datasets.TwoMoons(noise=0.05).sample(jr.key(3), 300)
    plain, stacked = (gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=4,
                                       nn_width=8, nn_depth=1, stacked=s) for s in (False, True))
    runs = [gf.fit(jr.key(4), f, data, max_epochs=2, patience=None, show_progress=False)
            for f in (plain, stacked)]
    (plain_fit, plain_history), (stacked_fit, stacked_history) = runs
    assert isinstance(stacked_fit.bijection, gf.Stacked)
    # the same optimisation (Adam is elementwise): equal up to float32 round-off
    np.testing.assert_allclose(stacked_history["train_loss"], plain_history["train_loss"], rtol=1e-4)
    assert stacked_history["train_loss"][-1] < stacked_history["train_loss"][0]
    np.testing.assert_allclose(stacked_fit.log_prob(data[:50]), plain_fit.log_prob(data[:50]),
                               rtol=1e-3, atol=1e-3)


def test_stacked_refuses_blocks_that_differ_in_more_than_values():
    a = gf.AffineCoupling(jr.key(0), shape=(3,), nn_width=8, nn_depth=1)
    wider = gf.AffineCoupling(jr.key(1), shape=(3,), nn_width=16, nn_depth=1)
    other_mask = gf.AffineCoupling(jr.key(1), shape=(3,), mask=np.array([True, False, False]),
                                   nn_width=8, nn_depth=1)
    for bad in (wider, other_mask):
        with pytest.raises(ValueError, match="block 1 .* differs from block 0"):
            gf.Stacked([a, bad])
    with pytest.raises(ValueError, match="at least one block"):
        gf.Stacked([])
    with pytest.raises(ValueError, match="share one event shape"):
        gf.Stacked([a], rest=[gf.Affine(shape=(4,))])
    with pytest.raises(IndexError, match="2 blocks"):
        gf.Stacked([a, a]).block(2)


def test_stacked_single_bijector_blocks_and_a_wrong_shape():
    layers = [gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1, init_scale=1.0)
              for k in jr.split(jr.key(5), 3)]
    stacked, chain = gf.Stacked(layers), gf.Chain(layers)
    x = jnp.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(stacked.transform_and_log_det(x)[0], chain.transform_and_log_det(x)[0],
                               rtol=1e-6)
    np.testing.assert_allclose(stacked.inverse(stacked.transform(x)), x, atol=1e-5)
    with pytest.raises(ValueError, match=r"expects one sample of shape \(3,\)"):
        stacked.transform(jnp.zeros((4,)))
