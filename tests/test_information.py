"""Information estimators against closed forms: exact values first, then each estimator."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest
from scipy.stats import multivariate_normal

import gauss_flows as gf
from gauss_flows import information as info

jax.config.update("jax_enable_x64", True)

COV3 = np.array([[1.0, 0.6, 0.2], [0.6, 2.0, -0.5], [0.2, -0.5, 1.5]])


class Elementwise:
    """A known elementwise bijector y_i = f(x_i) (only ``transform`` is needed)."""

    def __init__(self, f):
        self.transform = f


def _gaussian(key, cov, n):
    return np.asarray(jr.multivariate_normal(key, jnp.zeros(len(cov)), jnp.asarray(cov), (n,)))


def test_gaussian_closed_forms_agree_with_scipy_and_with_each_other():
    assert info.gaussian_entropy_exact(COV3) == pytest.approx(multivariate_normal(cov=COV3).entropy(), abs=1e-12)
    rho = 0.7
    cov2 = np.array([[1.0, rho], [rho, 1.0]]) * np.array([[2.0], [3.0]]) * np.array([2.0, 3.0])
    expected = -0.5 * math.log(1 - rho**2)
    assert info.gaussian_total_correlation_exact(cov2) == pytest.approx(expected, abs=1e-12)
    assert info.gaussian_mutual_information_exact(cov2, 1) == pytest.approx(expected, abs=1e-12)
    # I(A;B) = TC(x) - TC(A) - TC(B), for any split
    tc = info.gaussian_total_correlation_exact
    a, b = [0, 2], [1]
    split = tc(COV3) - tc(COV3[np.ix_(a, a)]) - (tc(COV3[np.ix_(b, b)]) if len(b) > 1 else 0.0)
    assert info.gaussian_mutual_information_exact(COV3, a) == pytest.approx(split, abs=1e-12)
    assert info.gaussian_mutual_information_exact(np.diag([1.0, 2.0, 3.0]), 2) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("bad, word", [(np.ones((2, 3)), "square"), (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
                                       (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive definite")])
def test_bad_covariances_are_refused(bad, word):
    with pytest.raises(ValueError, match=word):
        info.gaussian_entropy_exact(bad)


def test_mutual_information_refuses_a_block_that_is_not_a_proper_subset():
    for first in (0, 3, [0, 0], [5]):
        with pytest.raises(ValueError, match="proper"):
            info.gaussian_mutual_information_exact(COV3, first)


def test_pushforward_entropy_matches_the_lognormal_closed_form():
    sigma2 = np.array([0.5, 2.0])
    h = info.elementwise_pushforward_entropy(np.diag(sigma2), Elementwise(jnp.exp), mean=[0.3, -1.0])
    # a lognormal's entropy is mu + 1/2 log(2 pi e sigma^2)
    expected = np.sum(np.array([0.3, -1.0]) + 0.5 * np.log(2 * math.pi * math.e * sigma2))
    assert h == pytest.approx(expected, abs=1e-10)


def test_pushforward_entropy_matches_monte_carlo_for_a_correlated_gaussian():
    f = Elementwise(lambda x: x + x**3 / 3)  # T' = 1 + x^2
    exact = info.elementwise_pushforward_entropy(COV3, f)
    x = _gaussian(jr.key(0), COV3, 400_000)
    mc = info.gaussian_entropy_exact(COV3) + np.mean(np.sum(np.log1p(x**2), axis=1))
    assert exact == pytest.approx(mc, abs=5e-3)


def test_pushforward_entropy_refuses_a_map_that_mixes_coordinates():
    with pytest.raises(ValueError, match="elementwise"):
        info.elementwise_pushforward_entropy(COV3, Elementwise(lambda x: x + x[::-1] ** 3 + 0.1 * x[::-1]))


def test_ksg_is_close_to_the_exact_mutual_information_of_a_gaussian():
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    estimate = info.over_samples(lambda x: info.ksg_mutual_information(x[:, :1], x[:, 1:]),
                                 [_gaussian(k, cov, 2000) for k in jr.split(jr.key(1), 5)])
    exact = info.gaussian_mutual_information_exact(cov, 1)
    assert abs(estimate.mean - exact) < 0.03, (estimate, exact)
    assert estimate.std > 0


def test_ksg_agrees_with_scikit_learn_in_one_dimension():
    from sklearn.feature_selection import mutual_info_regression

    x = _gaussian(jr.key(2), np.array([[1.0, 0.6], [0.6, 1.0]]), 1500)
    ours = info.ksg_mutual_information(x[:, 0], x[:, 1], k=3)
    theirs = mutual_info_regression(x[:, :1], x[:, 1], n_neighbors=3, random_state=0)[0]
    assert ours == pytest.approx(theirs, abs=2e-3)


def test_ksg_sees_dependence_between_blocks_and_invariance_under_marginal_maps():
    x = _gaussian(jr.key(3), COV3, 3000)
    exact = info.gaussian_mutual_information_exact(COV3, [0])
    warped = np.hstack([np.exp(x[:, :1]), x[:, 1:] ** 3])
    for sample in (x, warped):
        assert info.ksg_mutual_information(sample[:, :1], sample[:, 1:]) == pytest.approx(exact, abs=0.05)
    with pytest.raises(ValueError, match="same samples"):
        info.ksg_mutual_information(x[:10], x[:11])


def test_knn_entropy_and_total_correlation_against_the_closed_form():
    draws = [_gaussian(k, COV3, 3000) for k in jr.split(jr.key(4), 4)]
    h = info.over_samples(info.knn_entropy, draws)
    assert abs(h.mean - info.gaussian_entropy_exact(COV3)) < 0.06, h
    tc = info.over_samples(info.knn_total_correlation, draws)
    assert abs(tc.mean - info.gaussian_total_correlation_exact(COV3)) < 0.08, tc


def test_rbig_total_correlation_and_mutual_information_against_the_closed_forms():
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    x = _gaussian(jr.key(5), cov, 3000)
    exact = info.gaussian_total_correlation_exact(cov)
    assert info.rbig_total_correlation(x) == pytest.approx(exact, abs=0.06)
    warped = np.hstack([np.exp(x[:, :1]), x[:, 1:] ** 3 + x[:, 1:]])  # TC does not change
    assert info.rbig_total_correlation(warped) == pytest.approx(exact, abs=0.08)
    assert info.rbig_mutual_information(warped[:, :1], warped[:, 1:]) == pytest.approx(exact, abs=0.08)
    assert info.rbig_entropy(x) == pytest.approx(info.gaussian_entropy_exact(cov), abs=0.08)


def test_rbig_total_correlation_of_independent_data_is_near_zero():
    # Heavy tails are fine. (Bounded support is not: on independent uniforms the first layer's
    # marginal fit misses the edges and the estimate comes out near -0.09; Part 14 shows it.)
    x = np.asarray(jr.laplace(jr.key(6), (3000, 3)))
    assert abs(info.rbig_total_correlation(x)) < 0.03


def test_the_true_density_as_a_flow_gives_the_exact_entropy_and_mutual_information():
    chol = np.linalg.cholesky(COV3)
    whiten = gf.Linear(jnp.asarray(np.linalg.inv(chol)))  # x -> z = L^{-1} x ~ N(0, I)
    exact_flow = gf.Transformed(gf.StandardNormal((3,)), whiten)
    x = _gaussian(jr.key(7), COV3, 20_000)
    value, error = info.flow_entropy(exact_flow, x)
    assert abs(value - info.gaussian_entropy_exact(COV3)) < 3 * error + 1e-3
    assert 0 < error < 0.02

    def marginal_flow(cov_block):
        c = np.linalg.cholesky(np.atleast_2d(cov_block))
        return gf.Transformed(gf.StandardNormal((len(c),)), gf.Linear(jnp.asarray(np.linalg.inv(c))))

    a, b = [0], [1, 2]
    mi, mi_error = info.flow_mutual_information(exact_flow, marginal_flow(COV3[np.ix_(a, a)]),
                                                marginal_flow(COV3[np.ix_(b, b)]), x[:, a], x[:, b])
    assert abs(mi - info.gaussian_mutual_information_exact(COV3, a)) < 3 * mi_error + 1e-3
    tc, _ = info.flow_total_correlation(exact_flow, x)
    assert tc == pytest.approx(info.gaussian_total_correlation_exact(COV3), abs=0.03)


def test_a_wrong_flow_over_estimates_the_entropy():
    x = _gaussian(jr.key(8), COV3, 5000)
    wrong = gf.Transformed(gf.StandardNormal((3,)), gf.Affine((3,)))  # N(0, I): ignores the correlations
    value, error = info.flow_entropy(wrong, x)
    assert value > info.gaussian_entropy_exact(COV3) + 10 * error


def test_over_samples_reports_mean_standard_error_and_spread():
    result = info.over_samples(lambda v: v, [1.0, 2.0, 3.0, 4.0])
    assert result.mean == 2.5 and result.std == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert result.standard_error == pytest.approx(result.std / 2)
    with pytest.raises(ValueError, match="at least 2"):
        info.over_samples(lambda v: v, [1.0])


def test_estimators_refuse_bad_samples():
    with pytest.raises(ValueError, match="NaN"):
        info.knn_entropy(np.array([[0.0], [1.0], [np.nan], [2.0], [3.0], [4.0]]))
    with pytest.raises(ValueError, match="shape"):
        info.rbig_total_correlation(np.zeros((3, 2)))
