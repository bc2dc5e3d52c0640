"""gauss_flows.precision: the naive route is capped by its epsilon, the log-space one is exact."""

import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.precision import gaussianize_log_space, gaussianize_naive, round_trip_error

X = np.linspace(-30.0, 30.0, 241)


@pytest.mark.parametrize("dtype, tol", [(jnp.float32, 5e-6), (jnp.float64, 1e-13)])
def test_log_space_is_the_identity_in_both_tails(dtype, tol):
    z = gaussianize_log_space(X, dtype)
    assert z.dtype == dtype
    assert float(round_trip_error(z, X).max()) < tol


def test_naive_is_capped_by_epsilon_and_breaks_below_epsneg():
    z = np.asarray(gaussianize_naive(X, 1e-6))
    assert z.max() == pytest.approx(4.7534243, abs=1e-6) and z.min() == pytest.approx(-4.7534243, abs=1e-6)
    np.testing.assert_allclose(np.asarray(gaussianize_naive(1.0, 1e-6)), 1.0, rtol=1e-12)
    assert np.isinf(gaussianize_naive(10.0, 1e-8, jnp.float32))       # 1 - 1e-8 == 1 in float32
    assert np.isfinite(gaussianize_naive(10.0, 2.0**-24, jnp.float32))
    assert np.isinf(gaussianize_naive(10.0, 1e-20, jnp.float64))
    assert np.isfinite(gaussianize_naive(10.0, 2.0**-53, jnp.float64))


def test_round_trip_error_marks_infinities():
    err = np.asarray(round_trip_error(jnp.array([1.0, jnp.inf, jnp.nan]), jnp.array([0.5, 1.0, 1.0])))
    assert err[0] == 0.5 and np.isinf(err[1]) and np.isinf(err[2])
