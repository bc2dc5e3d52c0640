"""Diagnostics against closed forms: Gaussian, uniform and Laplace samples."""

from __future__ import annotations

import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from gauss_flows import diagnostics as dg

N = 20_000
HALF_LOG_2PI_E = 0.5 * math.log(2 * math.pi * math.e)

# name -> (sampler, entropy, skewness, excess kurtosis) of: N(0, 2^2), U(0, 1), Laplace(0, 1)
CASES = {
    "gaussian": (lambda k: 2.0 * jr.normal(k, (N,)), HALF_LOG_2PI_E + math.log(2.0), 0.0, 0.0),
    "uniform": (lambda k: jr.uniform(k, (N,)), 0.0, 0.0, -1.2),
    "laplace": (lambda k: jr.laplace(k, (N,)), 1.0 + math.log(2.0), 0.0, 3.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_moments(name):
    sample, _, skew, kurt = CASES[name]
    x = sample(jr.key(0))
    assert abs(float(dg.skewness(x)) - skew) < 0.1
    assert abs(float(dg.excess_kurtosis(x)) - kurt) < 0.1 * (1 + abs(kurt))


@pytest.mark.parametrize("method, tol", [("spacing", 0.02), ("histogram", 0.02)])
@pytest.mark.parametrize("name", list(CASES))
def test_marginal_entropy_and_negentropy(name, method, tol):
    sample, entropy, _, _ = CASES[name]
    x = sample(jr.key(1))
    assert abs(float(dg.marginal_entropy(x, method)) - entropy) < tol
    variance = {"gaussian": 4.0, "uniform": 1 / 12, "laplace": 2.0}[name]
    exact_negentropy = HALF_LOG_2PI_E + 0.5 * math.log(variance) - entropy
    assert abs(float(dg.negentropy(x, method)) - exact_negentropy) < tol


def test_hyvarinen_negentropy_orders_the_distributions():
    """The approximation is biased but vanishes for a Gaussian and ranks non-Gaussianity."""
    values = {name: float(dg.negentropy(CASES[name][0](jr.key(2)), "hyvarinen")) for name in CASES}
    assert values["gaussian"] < 1e-3
    assert values["uniform"] > 0.03 and values["laplace"] > 0.01


def test_columns_are_independent_problems():
    x = jnp.stack([CASES[n][0](jr.key(3)) for n in CASES], -1)
    per_column = dg.marginal_entropy(x)
    assert per_column.shape == (3,)
    for i, name in enumerate(CASES):
        np.testing.assert_allclose(per_column[i], dg.marginal_entropy(x[:, i]), rtol=1e-12)
    assert dg.skewness(x).shape == dg.excess_kurtosis(x).shape == dg.negentropy(x).shape == (3,)


@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_total_correlation_of_a_gaussian(rho):
    cov = np.array([[1.0, rho], [rho, 1.0]])
    x = jr.normal(jr.key(4), (4000, 2)) @ jnp.asarray(np.linalg.cholesky(cov).T) * jnp.array([1.0, 3.0])
    exact = -0.5 * math.log(1 - rho**2)
    assert abs(float(dg.gaussian_total_correlation(x)) - exact) < 0.03
    assert abs(float(dg.total_correlation(x)) - exact) < 0.05
    joint = math.log(2 * math.pi * math.e) + 0.5 * math.log((1 - rho**2) * 9.0)
    assert abs(float(dg.joint_entropy(x)) - joint) < 0.05
    # a known joint entropy is used as given
    np.testing.assert_allclose(dg.total_correlation(x, joint=joint), jnp.sum(dg.marginal_entropy(x)) - joint)


def test_total_correlation_sees_nonlinear_dependence():
    """y = x^2 + noise is uncorrelated with x, yet far from independent."""
    x = jr.normal(jr.key(5), (4000,))
    y = x**2 + 0.1 * jr.normal(jr.key(6), (4000,))
    data = jnp.stack([x, y], -1)
    assert abs(float(dg.gaussian_total_correlation(data))) < 0.01
    assert float(dg.total_correlation(data)) > 1.0


def test_kl_to_standard_normal():
    z = jr.normal(jr.key(7), (20_000, 2))
    assert abs(float(dg.kl_to_standard_normal(z))) < 0.05
    # N(m, s^2 I) in 2-D: KL = sum over coordinates of (s^2 + m^2 - 1)/2 - log s
    s, m = 2.0, 1.0
    exact = 2 * ((s**2 + m**2 - 1) / 2 - math.log(s))
    assert abs(float(dg.kl_to_standard_normal(m + s * z)) - exact) < 0.15  # sd of the estimate ~0.04


def test_jarque_bera_accepts_gaussian_rejects_laplace():
    stat, p = dg.jarque_bera(CASES["gaussian"][0](jr.key(8)))
    assert float(p) > 0.01 and abs(float(stat) + 2 * math.log(float(p))) < 1e-9
    _, p = dg.jarque_bera(CASES["laplace"][0](jr.key(8))[:500])
    assert float(p) < 1e-6


def test_qq_data():
    x = CASES["gaussian"][0](jr.key(9))
    theoretical, sample = dg.qq_data(x)
    assert theoretical.shape == sample.shape == (N,)
    assert bool(jnp.all(jnp.diff(sample) >= 0)) and bool(jnp.all(jnp.diff(theoretical) > 0))
    assert float(jnp.max(jnp.abs(theoretical - sample)[100:-100])) < 0.1
    uniform_qq = dg.qq_data(CASES["uniform"][0](jr.key(9)))
    assert float(jnp.max(jnp.abs(uniform_qq[0] - uniform_qq[1]))) > 1.0
    t2, s2 = dg.qq_data(jnp.stack([x, x], -1))
    assert t2.shape == (N, 2)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match=r"\(n,\) or \(n, d\).*\(2, 3, 4\)"):
        dg.skewness(jnp.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="method"):
        dg.marginal_entropy(jnp.zeros(10), "magic")
