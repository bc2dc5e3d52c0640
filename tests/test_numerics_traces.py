"""The teaching solvers of gauss_flows.numerics: bisection_trace, newton_trace, solve_monotone_trace."""

import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows.numerics import (bisection_trace, newton_trace, solve_monotone,
                                  solve_monotone_trace)

jax.config.update("jax_enable_x64", True)


def cubic(x, a=0.3):
    return jnp.exp(a) * x + x**3


TARGETS = jnp.array([-50.0, -1.3, 0.2, 2.5, 70.0])


def test_bisection_gains_one_binary_digit_per_evaluation():
    roots = solve_monotone(cubic, TARGETS)
    trace = bisection_trace(cubic, TARGETS, -10.0, 10.0, tolerance=1e-12, max_iterations=60)
    assert trace.iterates.shape == (61, 5)
    assert np.all(trace.converged)
    np.testing.assert_allclose(trace.root, roots, atol=1e-11)
    err = np.abs(np.asarray(trace.iterates) - np.asarray(roots))
    k = np.arange(61)[:, None]
    assert np.all((err <= 20.0 / 2.0 ** (k + 1) + 1e-14) | (k > np.asarray(trace.n_evaluations)))
    assert np.all(np.asarray(trace.n_evaluations) >= 40)  # 20 / 2^k < 1e-12 needs k >= 45-ish
    # a bracket that does not hold the target is not "converged"
    assert not bool(bisection_trace(cubic, jnp.array(5000.0), -10.0, 10.0).converged)


def test_newton_converges_quadratically_near_the_root_and_runs_away_far_from_it():
    trace = newton_trace(cubic, TARGETS, jnp.ones(5),
                         tolerance=1e-14, max_iterations=60)
    roots = solve_monotone(cubic, TARGETS)
    np.testing.assert_allclose(trace.root, roots, rtol=1e-13)
    assert np.all(trace.converged)
    # quadratic: the error at least squares (up to a constant) once it is small
    err = np.abs(np.asarray(newton_trace(jnp.sinh, jnp.array(1.0), jnp.array(0.5),
                                         max_iterations=8).iterates) - np.arcsinh(1.0))
    small = (err > 1e-15) & (err < 1e-2)
    ratios = err[1:][small[:-1] & (err[1:] > 1e-15)] / err[:-1][small[:-1] & (err[1:] > 1e-15)] ** 2
    assert ratios.size >= 1 and np.all(ratios < 1.0)
    # arctan from x0 = 3: each step overshoots further (|x_k| grows), classic divergence
    away = newton_trace(jnp.arctan, jnp.array(0.0), jnp.array(3.0), max_iterations=6)
    assert not bool(away.converged)
    sizes = np.abs(np.asarray(away.iterates))
    assert np.all(np.diff(sizes[np.isfinite(sizes)]) > 0)


def test_solve_monotone_trace_follows_solve_monotone():
    trace = solve_monotone_trace(cubic, TARGETS)
    np.testing.assert_allclose(trace.root, solve_monotone(cubic, TARGETS), rtol=1e-14)
    assert np.all(trace.converged) and np.all(np.asarray(trace.n_evaluations) < 100)
    # with the derivative given and jitted, with the tolerance traced
    fn = lambda x: (jnp.sinh(x), jnp.cosh(x))
    run = jax.jit(lambda t, tol: solve_monotone_trace(fn, t, has_derivative=True, tolerance=tol))
    loose, tight = run(jnp.array([3.0, -1e4]), 1e-3), run(jnp.array([3.0, -1e4]), 1e-14)
    assert np.all(loose.n_evaluations <= tight.n_evaluations)
    np.testing.assert_allclose(tight.root, np.arcsinh([3.0, -1e4]), rtol=1e-14)


def test_unrolled_gradients_bisection_zero_newton_implicit():
    """Differentiating the iterations: bisection gives 0, converged Newton the implicit value."""
    a, t = 0.4, 3.0

    def implicit(a):
        return solve_monotone(lambda x: cubic(x, a), jnp.asarray(t))

    def through_bisection(a):
        return bisection_trace(lambda x: cubic(x, a), jnp.asarray(t), -5.0, 5.0).root

    def through_newton(a):
        return newton_trace(lambda x: cubic(x, a), jnp.asarray(t), jnp.asarray(1.0),
                            max_iterations=30).root

    x = float(implicit(a))
    expected = -np.exp(a) * x / (np.exp(a) + 3 * x**2)
    np.testing.assert_allclose(jax.grad(implicit)(a), expected, rtol=1e-12)
    assert float(jax.grad(through_bisection)(a)) == 0.0
    np.testing.assert_allclose(jax.grad(through_newton)(a), expected, rtol=1e-10)
