"""Log-space normal helpers and the monotone solver, against SciPy and finite differences."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp

from gauss_flows.numerics import log_ndtr, ndtri_exp, normal_log_pdf, solve_monotone

LOG_P = np.array([-1e4, -3000.0, -745.0, -700.0, -100.0, -20.5, -19.5, -5.0, -1.0,
                  -0.7, -0.69, -0.3, -1e-3, -1e-8])


def test_log_ndtr_and_log_pdf_match_scipy_in_both_tails():
    x = np.linspace(-40.0, 10.0, 101)
    np.testing.assert_allclose(log_ndtr(jnp.asarray(x)), sp.log_ndtr(x), rtol=1e-13)
    np.testing.assert_allclose(normal_log_pdf(jnp.asarray(x)), -0.5 * x**2 - 0.5 * np.log(2 * np.pi), rtol=1e-14)


@pytest.mark.parametrize("dtype, rtol", [(jnp.float64, 1e-12), (jnp.float32, 2e-6)])
def test_ndtri_exp_matches_scipy_down_to_minus_ten_thousand(dtype, rtol):
    log_p = jnp.asarray(LOG_P, dtype)
    z = ndtri_exp(log_p)
    assert z.dtype == dtype and bool(jnp.all(jnp.isfinite(z)))
    reference = sp.ndtri_exp(np.asarray(log_p, np.float64))  # same rounded inputs
    np.testing.assert_allclose(np.asarray(z, np.float64), reference, rtol=rtol, atol=rtol)


def test_ndtri_exp_inverts_log_ndtr():
    z = jnp.linspace(-140.0, 8.0, 297)
    np.testing.assert_allclose(ndtri_exp(log_ndtr(z)), z, rtol=1e-12, atol=1e-12)


def test_ndtri_exp_gradient_is_cdf_over_pdf_and_matches_finite_differences():
    log_p = jnp.asarray(LOG_P)
    grad = jax.vmap(jax.grad(ndtri_exp))(log_p)
    z = sp.ndtri_exp(LOG_P)
    np.testing.assert_allclose(grad, np.exp(LOG_P + 0.5 * z**2 + 0.5 * np.log(2 * np.pi)), rtol=1e-9)
    h = 1e-5 * np.abs(LOG_P)
    finite_diff = (sp.ndtri_exp(LOG_P + h) - sp.ndtri_exp(LOG_P - h)) / (2 * h)
    np.testing.assert_allclose(grad, finite_diff, rtol=1e-6)


def _cubic(x, a):
    return jnp.exp(a) * x + x**3  # increasing for every a


def test_solve_monotone_converges_to_machine_precision_with_bracket_expansion():
    targets = jnp.array([-1e6, -50.0, -1.0, 0.0, 1e-3, 2.5, 1e4, 1e9])
    x = solve_monotone(lambda x: _cubic(x, 0.3), targets)
    np.testing.assert_allclose(_cubic(x, 0.3), targets, rtol=1e-13, atol=1e-13)
    # far from the initial guess (target itself) in the other direction too
    x = solve_monotone(lambda x: 1e-3 * x, jnp.array([1.0, -2.0]), initial=jnp.zeros(2))
    np.testing.assert_allclose(x, [1e3, -2e3], rtol=1e-12)


def test_solve_monotone_with_given_derivative_under_jit_and_vmap():
    fn = lambda x: (jnp.sinh(x), jnp.cosh(x))
    targets = jnp.linspace(-1e5, 1e5, 7)
    solve = jax.jit(jax.vmap(lambda t: solve_monotone(fn, t, has_derivative=True)))
    np.testing.assert_allclose(solve(targets), np.arcsinh(np.asarray(targets)), rtol=1e-13)


def test_solve_monotone_gradients_are_implicit_and_match_finite_differences():
    def solution(a, t):
        return solve_monotone(lambda x: _cubic(x, a), t)

    a, t = 0.4, 3.0
    x = solution(a, t)
    slope = np.exp(a) + 3 * float(x) ** 2
    # implicit function theorem: dx/dt = 1/f'(x), dx/da = -(df/da)/f'(x)
    da, dt = jax.grad(solution, argnums=(0, 1))(a, t)
    np.testing.assert_allclose(dt, 1.0 / slope, rtol=1e-12)
    np.testing.assert_allclose(da, -np.exp(a) * float(x) / slope, rtol=1e-12)
    h = 1e-6
    np.testing.assert_allclose(da, (solution(a + h, t) - solution(a - h, t)) / (2 * h), rtol=1e-7)
    # forward mode agrees
    np.testing.assert_allclose(jax.jacfwd(solution)(a, t), da, rtol=1e-12)


@pytest.mark.parametrize("case", ["bounded range", "decreasing", "nan target"])
def test_solve_monotone_refuses_to_return_a_wrong_answer(case):
    fn, target = {
        "bounded range": (jnp.tanh, jnp.array(2.0)),  # no x with tanh(x) = 2
        "decreasing": (lambda x: -x, jnp.array(1.0)),
        "nan target": (lambda x: x, jnp.array(jnp.nan)),
    }[case]
    with pytest.raises(Exception, match="solve_monotone did not converge"):
        jax.block_until_ready(solve_monotone(fn, target, max_iterations=80))
    with pytest.raises(Exception, match="solve_monotone did not converge"):
        jax.block_until_ready(eqx.filter_jit(lambda t: solve_monotone(fn, t, max_iterations=80))(target))
