"""gauss_flows.ensembles: members of stacked flows and the mean +- standard error over them."""

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf


def make(key):
    return gf.coupling_flow(key, shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=4, nn_depth=1)


def test_member_is_the_flow_built_from_its_key():
    keys = jr.split(jr.key(0), 3)
    stacked = eqx.filter_vmap(lambda k: gf.perturb(make(k), k, 0.3))(keys)
    assert gf.ensembles.n_members(stacked) == 3
    x = jr.normal(jr.key(1), (5, 2))
    for i in (0, 2, -1):
        alone = gf.perturb(make(keys[i]), keys[i], 0.3)
        np.testing.assert_allclose(gf.ensembles.member(stacked, i).log_prob(x), alone.log_prob(x), rtol=1e-6)


def test_member_refuses_bad_indices_and_unstacked_flows():
    stacked = eqx.filter_vmap(make)(jr.split(jr.key(0), 2))
    for bad in (2, -3, 1.0, True):
        with pytest.raises(ValueError, match=r"\[0, 2\)"):
            gf.ensembles.member(stacked, bad)
    with pytest.raises(ValueError, match="leading member axis"):
        gf.ensembles.member(gf.StandardNormal(()), 0)


def test_mean_se_is_the_textbook_formula():
    values = np.array([1.0, 2.0, 4.0, 7.0])
    mean, se = gf.ensembles.mean_se(values)
    assert isinstance(mean, float) and mean == 3.5
    np.testing.assert_allclose(se, np.sqrt(np.sum((values - 3.5) ** 2) / 3) / 2, rtol=1e-12)
    table = np.stack([values, 2 * values], 1)          # (seeds, settings)
    means, ses = gf.ensembles.mean_se(table)
    np.testing.assert_allclose(means, [3.5, 7.0])
    np.testing.assert_allclose(ses, [se, 2 * se])
    np.testing.assert_allclose(gf.ensembles.mean_se(table.T, axis=1)[1], ses)
    with pytest.raises(ValueError, match="at least two"):
        gf.ensembles.mean_se(jnp.ones(1))
