"""Chain, Invert, Permute, rotations, linear maps and ActNorm: what the contract test does not check."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf


def _check_bijector(bijector, x, tol=1e-11):
    """Round trip and log-det against autodiff (for bijectors without a contract case)."""
    y, log_det = bijector.transform_and_log_det(x)
    x_back, inverse_log_det = bijector.inverse_and_log_det(y)
    np.testing.assert_allclose(x_back, x, atol=tol)
    flat = lambda v: bijector.transform(v.reshape(x.shape)).ravel()
    np.testing.assert_allclose(log_det, jnp.linalg.slogdet(jax.jacfwd(flat)(x.ravel()))[1], atol=tol)
    np.testing.assert_allclose(inverse_log_det, -log_det, atol=tol)
    return y, log_det


def test_chain_applies_in_list_order_and_adds_log_dets():
    first, second = gf.Affine(shape=(2,)), gf.Permute(jnp.array([1, 0]))
    first = gf.perturb(first, jr.key(0), 0.5)
    x = jnp.array([1.0, -2.0])
    y, log_det = gf.Chain([first, second]).transform_and_log_det(x)
    np.testing.assert_allclose(y, second.transform(first.transform(x)))
    np.testing.assert_allclose(log_det, first.transform_and_log_det(x)[1])
    assert not np.allclose(y, first.transform(second.transform(x)))


def test_chain_refuses_mismatched_shapes_naming_both():
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        gf.Chain([gf.Affine(shape=(3,)), gf.Affine(shape=(2,))])
    with pytest.raises(ValueError, match="at least one"):
        gf.Chain([])


def test_invert_swaps_directions():
    base = gf.perturb(gf.Affine(shape=(3,)), jr.key(0), 0.5)
    x = jr.normal(jr.key(1), (3,))
    inverted = gf.Invert(base)
    np.testing.assert_array_equal(inverted.transform(x), base.inverse(x))
    np.testing.assert_array_equal(inverted.transform_and_log_det(x)[1], base.inverse_and_log_det(x)[1])
    assert inverted.shape == (3,)


def test_permute_moves_coordinates_and_refuses_non_permutations():
    permute = gf.Permute(jnp.array([2, 0, 1]))
    np.testing.assert_array_equal(permute.transform(jnp.array([10.0, 11.0, 12.0])), [12.0, 10.0, 11.0])
    np.testing.assert_array_equal(gf.Permute.reverse(3).transform(jnp.arange(3.0)), [2.0, 1.0, 0.0])
    for bad, word in [([0, 0, 1], "exactly once"), ([0, 1, 3], "exactly once"),
                      ([[0, 1]], "1-D"), ([0.0, 1.0], "integers")]:
        with pytest.raises(ValueError, match=word):
            gf.Permute(jnp.array(bad))


@pytest.mark.parametrize("make", [
    lambda: gf.Householder(jr.key(0), shape=(5,), n_reflections=3),
    lambda: gf.RandomRotation(jr.key(0), shape=(5,)),
    lambda: gf.PCARotation.fit(jr.normal(jr.key(1), (300, 5)) @ jr.normal(jr.key(2), (5, 5))),
])
def test_rotations_are_orthogonal(make):
    rotation = make()
    jac = jax.jacfwd(rotation.transform)(jr.normal(jr.key(3), (5,)))
    np.testing.assert_allclose(jac @ jac.T, jnp.eye(5), atol=1e-12)


def test_random_rotation_is_proper_and_not_trainable():
    rotation = gf.RandomRotation(jr.key(0), shape=(4,))
    assert np.isclose(float(jnp.linalg.det(rotation.rotation.get())), 1.0)
    assert gf.count_parameters(rotation) == 0


def test_pca_rotation_decorrelates_and_sorts_the_variances():
    data = jr.normal(jr.key(1), (2000, 3)) * jnp.array([0.5, 3.0, 1.0]) @ gf.RandomRotation(jr.key(2), shape=(3,)).rotation.get().T + 4.0
    pca = gf.PCARotation.fit(data)
    z = jax.vmap(pca.transform)(data)
    cov = jnp.cov(z.T)
    np.testing.assert_allclose(cov - jnp.diag(jnp.diag(cov)), 0.0, atol=1e-10)
    assert jnp.all(jnp.diff(jnp.diag(cov)) < 0)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-10)
    assert gf.count_parameters(pca) == 0
    with pytest.raises(ValueError, match=r"\(n_samples"):
        gf.PCARotation.fit(jnp.ones(5))


def test_householder_reflections_are_trainable():
    assert gf.count_parameters(gf.Householder(jr.key(0), shape=(4,), n_reflections=3)) == 12


_FITTED_PCA = gf.PCARotation.fit(np.random.default_rng(3).normal(size=(50, 3)))


@pytest.mark.parametrize("build", [
    lambda key: gf.coupling_flow(key, shape=(3,), n_layers=2, nn_width=7, transformer=gf.Affine()),
    lambda key: gf.gaussianization_flow(key, shape=(2,), n_layers=2, n_components=5),
    lambda key: gf.Chain([_FITTED_PCA, gf.Householder(key, shape=(3,), n_reflections=2)]),
], ids=["coupling", "gaussianization", "frozen-pca-then-householder"])
def test_count_parameters_of_an_abstract_module_equals_the_concrete_count(build):
    concrete = build(jr.key(0))
    abstract = eqx.filter_eval_shape(build, jr.key(0))
    assert any(isinstance(leaf, jax.ShapeDtypeStruct) for leaf in jax.tree_util.tree_leaves(abstract))
    assert gf.count_parameters(abstract) == gf.count_parameters(concrete) > 0


def test_linear_round_trip_and_log_det():
    matrix = jr.normal(jr.key(0), (4, 4))
    linear = gf.Linear(matrix, shift=jnp.arange(4.0))
    y, log_det = _check_bijector(linear, jr.normal(jr.key(1), (4,)))
    np.testing.assert_allclose(log_det, jnp.log(jnp.abs(jnp.linalg.det(matrix))), atol=1e-12)


@pytest.mark.parametrize("matrix, word", [
    (jnp.ones((2, 3)), "square"),
    (jnp.array([[1.0, 2.0], [2.0, 4.0]]), "singular"),
    (jnp.array([[1.0, jnp.nan], [0.0, 1.0]]), "NaN"),
])
def test_linear_refuses_bad_matrices(matrix, word):
    with pytest.raises(ValueError, match=word):
        gf.Linear(matrix)


def test_lu_linear_starts_orthogonal_and_stays_exact_when_perturbed():
    lu = gf.LULinear(jr.key(0), shape=(5,))
    np.testing.assert_allclose(lu.matrix() @ lu.matrix().T, jnp.eye(5), atol=1e-12)
    assert gf.count_parameters(lu) == 25
    lu = gf.perturb(lu, jr.key(1), 0.3)
    x = jr.normal(jr.key(2), (5,))
    y, log_det = _check_bijector(lu, x)
    np.testing.assert_allclose(y, lu.matrix() @ x, atol=1e-12)
    np.testing.assert_allclose(log_det, jnp.sum(lu.log_diag), atol=1e-12)


def test_actnorm_from_data_standardises():
    data = 3.0 + 2.0 * jr.normal(jr.key(0), (500, 2, 3))
    actnorm = gf.ActNorm.from_data(data)
    z = jax.vmap(actnorm.transform)(data)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, atol=1e-12)
    _check_bijector(actnorm, data[0])
    with pytest.raises(ValueError, match="NaN"):
        gf.ActNorm.from_data(data.at[0, 0, 0].set(jnp.nan))


def test_actnorm_default_is_identity():
    x = jr.normal(jr.key(0), (3,))
    y, log_det = gf.ActNorm((3,)).transform_and_log_det(x)
    np.testing.assert_array_equal(y, x)
    assert float(log_det) == 0.0


def test_elementwise_keeps_parameter_names_per_coordinate():
    layer = gf.Elementwise(gf.MixtureGaussianCDF(n_components=4), (2,))
    assert layer.params.means.shape == (2, 4)
    layer = gf.perturb(layer, jr.key(0), 0.3)
    x = jr.normal(jr.key(1), (2,))
    expected = []
    for i in range(2):  # coordinate i alone: the template with row i of the parameters
        t = eqx.combine(jax.tree_util.tree_map(lambda leaf: leaf[i], layer.params), layer.rest)
        expected.append(t.transform(x[i]))
    np.testing.assert_allclose(layer.transform(x), jnp.stack(expected), atol=1e-14)
    _check_bijector(layer, x, tol=1e-10)
