"""The scalar transformers: tails, numerical inverses, identity defaults and template use."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jax.flatten_util import ravel_pytree
import numpy as np
import pytest
import scipy.special as sp

import gauss_flows as gf

TAILS = jnp.concatenate([jnp.linspace(-30.0, -5.0, 26), jnp.linspace(5.0, 30.0, 26)])


def _perturbed(bijector, seed=1, scale=0.3):
    return gf.perturb(bijector, jr.key(seed), scale)


# ---- tails and numerical inverses ----------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: gf.MixtureGaussianCDF(6), lambda: gf.DeepSigmoid(6)],
                         ids=["MixtureGaussianCDF", "DeepSigmoid"])
def test_tails_are_finite_and_round_trip_to_1e10(make):
    bijector = _perturbed(make())
    y, log_det = jax.vmap(bijector.transform_and_log_det)(TAILS)
    assert bool(jnp.all(jnp.isfinite(y))) and bool(jnp.all(jnp.isfinite(log_det)))
    assert bool(jnp.all(jnp.diff(y) > 0)), "not increasing in the tails"
    x_back = jax.vmap(bijector.inverse)(y)
    np.testing.assert_allclose(x_back, TAILS, rtol=1e-10, atol=1e-10)
    slopes = jax.vmap(jax.grad(bijector.transform))(TAILS)
    np.testing.assert_allclose(log_det, jnp.log(slopes), rtol=1e-9, atol=1e-9)


def test_single_gaussian_mixture_is_exactly_affine_even_at_30_sigma():
    """With one component z = (x - mu)/s: log space keeps it exact far beyond Phi's range."""
    bijector = gf.MixtureGaussianCDF.from_mixture(jnp.array([1.0]), jnp.array([0.5]), jnp.array([0.4]))
    z, log_det = jax.vmap(bijector.transform_and_log_det)(TAILS)
    np.testing.assert_allclose(z, (TAILS - 0.5) / 0.4, rtol=1e-12)
    np.testing.assert_allclose(log_det, -np.log(0.4), rtol=1e-9)


def test_mixture_matches_scipy_formula_where_it_is_representable():
    weights, means, scales = np.array([0.2, 0.5, 0.3]), np.array([-2.0, 0.0, 3.0]), np.array([0.5, 1.0, 2.0])
    bijector = gf.MixtureGaussianCDF.from_mixture(weights, means, scales)
    x = np.linspace(-6.0, 9.0, 31)
    cdf = (weights * sp.ndtr((x[:, None] - means) / scales)).sum(-1)
    density = (weights / scales * np.exp(-0.5 * ((x[:, None] - means) / scales) ** 2)).sum(-1) / np.sqrt(2 * np.pi)
    z, log_det = jax.vmap(bijector.transform_and_log_det)(jnp.asarray(x))
    np.testing.assert_allclose(z, sp.ndtri(cdf), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(log_det, np.log(density) + 0.5 * sp.ndtri(cdf) ** 2 + 0.5 * np.log(2 * np.pi), rtol=1e-7)


def test_deep_sigmoid_with_one_unit_is_affine_in_the_tails():
    bijector = _perturbed(gf.DeepSigmoid(1), scale=0.5)
    slope = jax.nn.softplus(bijector.raw_slopes[0])
    y = jax.vmap(bijector.transform)(TAILS)
    np.testing.assert_allclose(y, slope * TAILS + bijector.offsets[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [lambda: gf.MixtureGaussianCDF(4, shape=(2,)), lambda: gf.DeepSigmoid(4, shape=(2,))],
                         ids=["MixtureGaussianCDF", "DeepSigmoid"])
def test_inverse_gradients_are_implicit_and_match_finite_differences(make):
    bijector = _perturbed(make())
    y = jnp.array([-1.3, 2.1])
    x = bijector.inverse(y)
    # d x / d y = 1 / T'(x), elementwise: the inverse's Jacobian is diagonal
    jac = jax.jacfwd(bijector.inverse)(y)
    forward_slopes = jnp.diag(jax.jacfwd(bijector.transform)(x))
    np.testing.assert_allclose(jnp.diag(jac), 1.0 / forward_slopes, rtol=1e-10)
    np.testing.assert_allclose(jac - jnp.diag(jnp.diag(jac)), 0.0, atol=1e-14)
    # d x / d params against central finite differences of the whole solve
    params, static = gf.split_trainable(bijector)
    loss = jax.jit(lambda p: jnp.sum(jnp.sin(eqx.combine(p, static).inverse(y))))
    grads = jax.grad(loss)(params)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    grad_leaves = jax.tree_util.tree_leaves(grads)
    h = 1e-6
    for i, leaf in enumerate(leaves):
        for j in range(leaf.size):
            bump = jnp.zeros(leaf.size).at[j].set(h).reshape(leaf.shape)
            plus = jax.tree_util.tree_unflatten(treedef, [l + bump if k == i else l for k, l in enumerate(leaves)])
            minus = jax.tree_util.tree_unflatten(treedef, [l - bump if k == i else l for k, l in enumerate(leaves)])
            fd = (loss(plus) - loss(minus)) / (2 * h)
            np.testing.assert_allclose(grad_leaves[i].ravel()[j], fd, rtol=1e-5, atol=1e-8)


def test_numerical_inverse_out_of_range_raises_instead_of_returning_nan():
    bijector = gf.DeepSigmoid(4)
    with pytest.raises(Exception, match="solve_monotone did not converge"):
        jax.block_until_ready(bijector.inverse(jnp.array(jnp.nan)))


# ---- the spline ---------------------------------------------------------------------------
def test_spline_is_identity_outside_interval_with_finite_gradients():
    bijector = _perturbed(gf.RationalQuadraticSpline(knots=5, interval=3.0, shape=(4,)), scale=1.0)
    x = jnp.array([-30.0, -3.0, 3.0, 7.5])  # on and beyond the boundary
    y, log_det = bijector.transform_and_log_det(x)
    np.testing.assert_array_equal(y, x)
    assert float(log_det) == 0.0
    np.testing.assert_array_equal(bijector.inverse(x), x)
    params, static = gf.split_trainable(bijector)
    grads = jax.grad(lambda p, v: jnp.sum(eqx.combine(p, static).transform_and_log_det(v)[0] ** 2)
                     + eqx.combine(p, static).inverse_and_log_det(v)[1], argnums=(0, 1))(params, x)
    for leaf in jax.tree_util.tree_leaves(grads):
        assert bool(jnp.all(jnp.isfinite(leaf)))
    np.testing.assert_array_equal(grads[1], 2 * x)  # identity: d(y^2)/dx = 2x, no leak from inside
    # and inside, the parameters do receive gradient
    inside_grads = jax.grad(lambda p: jnp.sum(eqx.combine(p, static).transform(jnp.array([-1.0, 0.3, 1.2, 2.0])) ** 2))(params)
    assert all(float(jnp.max(jnp.abs(g))) > 0 for g in jax.tree_util.tree_leaves(inside_grads))


def test_spline_is_continuous_with_unit_slope_at_the_boundary():
    bijector = _perturbed(gf.RationalQuadraticSpline(knots=6, interval=2.0), scale=1.0)
    for edge in (-2.0, 2.0):
        eps = 1e-7
        below, above = bijector.transform(jnp.array(edge - eps)), bijector.transform(jnp.array(edge + eps))
        np.testing.assert_allclose(above - below, 2 * eps, rtol=1e-5)
        for side in (edge - 1e-9, edge + 1e-9):
            np.testing.assert_allclose(jax.grad(bijector.transform)(jnp.array(side)), 1.0, rtol=1e-6)


# ---- defaults -----------------------------------------------------------------------------
X = jnp.linspace(-5.0, 5.0, 41)


@pytest.mark.parametrize("make", [gf.Affine, lambda: gf.RationalQuadraticSpline(8, 4.0),
                                  lambda: gf.MixtureGaussianCDF(1)], ids=["Affine", "RQS", "Mixture K=1"])
def test_default_is_the_identity(make):
    y, log_det = jax.vmap(make().transform_and_log_det)(X)
    np.testing.assert_allclose(y, X, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(log_det, 0.0, atol=1e-14)


@pytest.mark.parametrize("make, tolerance", [(lambda: gf.MixtureGaussianCDF(8), 0.3),
                                             (lambda: gf.DeepSigmoid(8), 0.1)],
                         ids=["MixtureGaussianCDF", "DeepSigmoid"])
def test_default_is_close_to_identity_with_distinct_components(make, tolerance):
    bijector = make()
    inner = jnp.linspace(-2.0, 2.0, 21)
    y = jax.vmap(bijector.transform)(inner)
    assert float(jnp.max(jnp.abs(y - inner))) < tolerance
    spread = bijector.means if isinstance(bijector, gf.MixtureGaussianCDF) else bijector.offsets
    assert len(np.unique(np.asarray(spread))) == spread.shape[-1], "components start identical"


def test_affine_soft_bound_limits_the_scale():
    bijector = eqx.tree_at(lambda b: b.log_scale, gf.Affine(shape=(2,), log_scale_bound=2.0), jnp.array([50.0, -50.0]))
    y, log_det = bijector.transform_and_log_det(jnp.ones(2))
    np.testing.assert_allclose(y, np.exp([2.0, -2.0]), rtol=1e-12)
    np.testing.assert_allclose(log_det, 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="log_scale_bound"):
        gf.Affine(log_scale_bound=0.0)


def test_badly_shaped_parameters_are_refused():
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        gf.MixtureGaussianCDF.from_mixture(jnp.ones((2, 3)), jnp.ones((2, 3)), jnp.ones(3))
    for make, name in [(lambda: gf.MixtureGaussianCDF(0), "n_components"), (lambda: gf.DeepSigmoid(0), "n_hidden"),
                       (lambda: gf.RationalQuadraticSpline(0), "knots"),
                       (lambda: gf.RationalQuadraticSpline(4, interval=-1.0), "interval")]:
        with pytest.raises(ValueError, match=name):
            make()


# ---- template use, as a coupling does it ----------------------------------------------------
@pytest.mark.parametrize("template", [gf.Affine(), gf.MixtureGaussianCDF(3), gf.DeepSigmoid(3),
                                      gf.RationalQuadraticSpline(4, 3.0)],
                         ids=["Affine", "MixtureGaussianCDF", "DeepSigmoid", "RQS"])
def test_template_vmapped_over_parameters_equals_elementwise_instance(template):
    """A shape-() template with per-coordinate raveled parameters, vmapped, is the shape-(d,) map."""
    d = 3
    params, static = gf.split_trainable(template)
    flat, unravel = ravel_pytree(params)
    rows = flat + 0.4 * jr.normal(jr.key(5), (d, flat.size))  # what a conditioner would output
    x = jnp.array([-2.5, 0.3, 3.3])

    def one(row, xi):
        return eqx.combine(unravel(row), static).transform_and_log_det(xi)

    y, log_dets = jax.vmap(one)(rows, x)
    stacked = jax.vmap(unravel)(rows)
    elementwise = type(template)(**_hyperparameters(template), shape=(d,))
    elementwise = eqx.tree_at(jax.tree_util.tree_leaves, elementwise, jax.tree_util.tree_leaves(stacked))
    y_elementwise, log_det = elementwise.transform_and_log_det(x)
    np.testing.assert_allclose(y, y_elementwise, rtol=1e-12)
    np.testing.assert_allclose(jnp.sum(log_dets), log_det, rtol=1e-12)
    np.testing.assert_allclose(jax.vmap(lambda r, yi: eqx.combine(unravel(r), static).inverse(yi))(rows, y), x, rtol=1e-10)


def _hyperparameters(template):
    names = {"MixtureGaussianCDF": ("n_components",), "DeepSigmoid": ("n_hidden",),
             "RationalQuadraticSpline": ("knots", "interval"), "Affine": ()}[type(template).__name__]
    return {n: getattr(template, n) for n in names}
