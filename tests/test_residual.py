"""The invertible residual layer: the Lipschitz bound holds, the fixed point converges as a
contraction should, and the series log-dets approach the exact one."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.bijectors import residual


def _layer(c, **kwargs):
    return gf.perturb(gf.InvertibleResidual(jr.key(0), shape=(2,), lipschitz=c, nn_width=16, **kwargs),
                      jr.key(1), 1.0)


def test_power_iteration_finds_the_largest_singular_value():
    w = jr.normal(jr.key(0), (6, 4))
    sigma = np.linalg.svd(np.asarray(w), compute_uv=False)[0]
    estimate = residual.spectral_norm(w, jr.normal(jr.key(1), (6,)), 100)
    np.testing.assert_allclose(estimate, sigma, rtol=1e-10)
    assert float(residual.spectral_norm(w, jr.normal(jr.key(1), (6,)), 1)) <= sigma + 1e-12


@pytest.mark.parametrize("c", [0.3, 0.9, 0.99])
def test_the_residual_branch_is_a_contraction_with_constant_at_most_c(c):
    layer = _layer(c)
    weights = layer.normalised_weights()
    product = np.prod([np.linalg.svd(np.asarray(w), compute_uv=False)[0] for w in weights])
    assert product <= c * (1 + 1e-9)
    xs = 3.0 * jr.normal(jr.key(2), (200, 2))
    norms = [np.linalg.norm(np.asarray(layer.residual_jacobian(x)), 2) for x in xs]
    assert max(norms) <= c * (1 + 1e-9)


def test_power_iteration_normalisation_approaches_the_bound_from_above():
    layer = gf.perturb(gf.InvertibleResidual(jr.key(0), shape=(2,), lipschitz=0.9, nn_width=16,
                                             n_power_iterations=30), jr.key(1), 1.0)
    product = np.prod([np.linalg.svd(np.asarray(w), compute_uv=False)[0] for w in layer.normalised_weights()])
    assert 0.9 <= product <= 0.9 * (1 + 1e-6)  # sigma is estimated from below: c is met up to 1e-6


@pytest.mark.parametrize("c", [0.5, 0.9, 0.99])
def test_fixed_point_error_is_within_tolerance_and_iterations_within_the_bound(c):
    layer = _layer(c)
    x = jr.normal(jr.key(3), (2,))
    y = layer.transform(x)
    x_back, n, converged = layer.inverse_with_iterations(y)
    assert bool(converged)
    assert np.linalg.norm(np.asarray(x_back - x)) <= 1e-11 * (1 + np.linalg.norm(np.asarray(y)))
    # a contraction needs at most about log(tol (1 - c) / (c |x_1 - x_0|)) / log(c) iterations
    step0 = float(jnp.linalg.norm(layer.residual(y)))
    bound = np.log(1e-11 * (1 - c) / (c * step0)) / np.log(c) + 2
    assert 1 <= int(n) <= bound


def test_fixed_point_diverges_without_the_bound():
    g = lambda x: 1.5 * x + 0.1  # noqa: E731  Lip = 1.5: x <- y - g(x) oscillates and explodes
    x, n, converged = residual.fixed_point_inverse(g, jnp.array([1.0, -1.0]), lipschitz=0.99, tol=1e-10,
                                                    max_iterations=200)
    assert not bool(converged) and int(n) == 200
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        residual.fixed_point_inverse(g, jnp.zeros(2), lipschitz=1.0, tol=1e-10, max_iterations=10)


def test_series_log_det_converges_to_the_exact_one():
    layer = _layer(0.9)
    x = jr.normal(jr.key(4), (2,))
    exact = float(layer.log_det_at(x, "exact"))
    errors = [abs(float(layer.log_det_at(x, "series", n)) - exact) for n in (1, 4, 16, 64)]
    assert errors[-1] < 1e-6 and all(a > b for a, b in zip(errors, errors[1:]))
    jac = np.asarray(layer.residual_jacobian(x))
    # truncation error bound d c^(n+1) / ((n+1)(1-c)) with c = ||J||
    c = np.linalg.norm(jac, 2)
    assert errors[1] <= 2 * c ** 5 / (5 * (1 - c))


def test_hutchinson_is_unbiased_for_each_series_term():
    jac = 0.4 * jr.normal(jr.key(5), (3, 3))
    jvp = lambda v: jac @ v  # noqa: E731
    probes = jr.rademacher(jr.key(6), (20000, 3), jnp.float64)
    estimate = residual.log_det_hutchinson(jvp, probes, 6)
    np.testing.assert_allclose(estimate, residual.log_det_series(jac, 6), atol=0.03)


def test_construction_errors():
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        gf.InvertibleResidual(jr.key(0), shape=(2,), lipschitz=1.0)
    with pytest.raises(ValueError, match="log_det"):
        gf.InvertibleResidual(jr.key(0), shape=(2,), log_det="trace")
    with pytest.raises(ValueError, match=r"shape \(d,\)"):
        gf.InvertibleResidual(jr.key(0), shape=(2, 2))


def test_non_convergence_raises_instead_of_returning_a_wrong_point():
    layer = gf.InvertibleResidual(jr.key(0), shape=(2,), lipschitz=0.99, max_iterations=2)
    layer = gf.perturb(layer, jr.key(1), 1.0)
    with pytest.raises(Exception, match="did not reach"):
        jax.block_until_ready(layer.inverse(jnp.array([3.0, -2.0])))
