"""StandardNormal and Transformed: batch axes, shapes, and the change of variables."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from jax.scipy.stats import norm

import gauss_flows as gf


def test_standard_normal_log_prob_matches_scipy_with_batch_axes():
    base = gf.StandardNormal((3,))
    x = jr.normal(jr.key(0), (4, 5, 3))
    log_p = base.log_prob(x)
    assert log_p.shape == (4, 5)
    np.testing.assert_allclose(log_p, norm.logpdf(x).sum(-1), atol=1e-12)
    assert base.log_prob(x[0, 0]).shape == ()


@pytest.mark.parametrize("sample_shape, expected", [((), (2,)), (7, (7, 2)), ((3, 4), (3, 4, 2))])
def test_sample_shapes(sample_shape, expected):
    flow = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8, nn_depth=1)
    for dist in (gf.StandardNormal((2,)), flow):
        assert dist.sample(jr.key(1), sample_shape).shape == expected
        x, log_p = dist.sample_and_log_prob(jr.key(1), sample_shape)
        assert x.shape == expected and log_p.shape == expected[:-1]


def test_standard_normal_samples_have_unit_moments():
    z = gf.StandardNormal((2,)).sample(jr.key(0), 20000)
    np.testing.assert_allclose(z.mean(0), 0.0, atol=0.03)
    np.testing.assert_allclose(z.std(0), 1.0, atol=0.03)


def test_wrong_trailing_shape_is_refused_naming_both():
    dist = gf.StandardNormal((3,))
    with pytest.raises(ValueError) as info:
        dist.log_prob(jnp.zeros((5, 2)))
    assert "(3,)" in str(info.value) and "(5, 2)" in str(info.value)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        gf.Transformed(gf.StandardNormal((2,)), gf.Affine(shape=(3,)))


def test_transformed_log_prob_is_the_change_of_variables():
    bijection = gf.perturb(gf.Affine(shape=(2,)), jr.key(0), 0.5)
    flow = gf.Transformed(gf.StandardNormal((2,)), bijection)
    x = jr.normal(jr.key(1), (10, 2))
    # z = exp(s) x + b is N(0, I)  <=>  x ~ N(-b exp(-s), exp(-2s))
    mean, std = -bijection.shift * jnp.exp(-bijection.log_scale), jnp.exp(-bijection.log_scale)
    np.testing.assert_allclose(flow.log_prob(x), norm.logpdf(x, mean, std).sum(-1), atol=1e-12)


def test_sample_and_log_prob_agrees_with_log_prob_and_samples_are_the_inverse():
    flow = gf.perturb(gf.coupling_flow(jr.key(0), shape=(3,), transformer=gf.Affine(), n_layers=3,
                                       nn_width=8, nn_depth=1), jr.key(1), 0.3)
    x, log_p = flow.sample_and_log_prob(jr.key(2), (50,))
    np.testing.assert_allclose(log_p, flow.log_prob(x), atol=1e-11)
    z = gf.StandardNormal((3,)).sample(jr.key(2), (50,))
    np.testing.assert_allclose(flow.sample(jr.key(2), (50,)), x, atol=1e-12)
    np.testing.assert_allclose(flow.to_latent(x), z, atol=1e-11)


def test_log_prob_works_under_jit_and_grad():
    flow = gf.diagonal_flow(jr.key(0), shape=(2,), transformer=gf.Affine())
    x = jr.normal(jr.key(1), (8, 2)) * 3.0 + 1.0
    loss = lambda f: -jnp.mean(f.log_prob(x))
    grads = jax.grad(loss)(flow)
    assert float(jnp.abs(grads.bijection.bijectors[0].params.log_scale).max()) > 0
    np.testing.assert_allclose(jax.jit(loss)(flow), loss(flow), atol=1e-12)


class _CountingNormal(gf.StandardNormal):
    """A standard normal that counts how often its log-density is traced (= compiled)."""

    def _log_prob(self, x):
        _TRACES.append(x.shape)
        return super()._log_prob(x)


_TRACES: list = []


def test_jit_log_prob_matches_log_prob_for_any_batch_and_compiles_once():
    model = _CountingNormal((2,))
    _TRACES.clear()
    for shape in [(1, 2), (1500, 2), (3, 5, 2), (gf.distributions.LOG_PROB_CHUNK, 2)]:
        x = jr.normal(jr.key(shape[0]), shape)
        got = gf.jit_log_prob(model, x)
        assert got.shape == shape[:-1]
        np.testing.assert_allclose(got, gf.StandardNormal((2,)).log_prob(x), rtol=1e-6, atol=1e-6)
    assert len(_TRACES) == 1, f"compiled {len(_TRACES)} times for 4 batch sizes"
    assert gf.jit_log_prob(model, jnp.zeros((0, 2))).shape == (0,)
    with pytest.raises(ValueError, match=r"\(\*batch, 2\)"):
        gf.jit_log_prob(model, jnp.zeros((4, 3)))
