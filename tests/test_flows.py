"""Flow builders: structure, coverage of every coordinate, and normalisation of the density."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import masks


def _mass_on_grid(flow, half_width=7.0, n=801):
    """Riemann sum of exp(log_prob) over [-w, w]^2."""
    grid = jnp.linspace(-half_width, half_width, n)
    xx, yy = jnp.meshgrid(grid, grid)
    points = jnp.stack([xx, yy], axis=-1)
    cell = (grid[1] - grid[0]) ** 2
    return float(jnp.sum(jnp.exp(flow.log_prob(points))) * cell)


@pytest.mark.parametrize("make", [
    lambda k: gf.coupling_flow(k, shape=(2,), transformer=gf.RationalQuadraticSpline(knots=4, interval=3.0),
                               n_layers=3, nn_width=8, nn_depth=1),
    lambda k: gf.coupling_flow(k, shape=(2,), transformer=gf.Affine(), n_layers=4, nn_width=8, nn_depth=1),
    lambda k: gf.gaussianization_flow(k, shape=(2,), n_layers=2, n_components=3),
], ids=["spline coupling", "affine coupling", "gaussianization"])
def test_a_perturbed_flow_density_integrates_to_one(make):
    flow = gf.perturb(make(jr.key(0)), jr.key(1), 0.3)
    mass = _mass_on_grid(flow)
    assert abs(mass - 1.0) < 5e-3, mass


def test_coupling_flow_alternates_mask_and_complement():
    flow = gf.coupling_flow(jr.key(0), shape=(5,), transformer=gf.Affine(), n_layers=4,
                            nn_width=8, nn_depth=1, mask=masks.alternating(5))
    layer_masks = [layer.mask for layer in flow.bijection.bijectors]
    assert isinstance(flow, gf.Transformed) and len(layer_masks) == 4
    np.testing.assert_array_equal(layer_masks[0], masks.alternating(5))
    np.testing.assert_array_equal(layer_masks[1], ~np.asarray(masks.alternating(5)))
    np.testing.assert_array_equal(layer_masks[2], layer_masks[0])
    assert masks.layers_until_covered(layer_masks) == 2
    assert masks.dependence(layer_masks)[2].all()


def test_every_coordinate_moves_after_two_layers():
    flow = gf.perturb(gf.coupling_flow(jr.key(0), shape=(4,), transformer=gf.Affine(), n_layers=2,
                                       nn_width=8, nn_depth=1), jr.key(1), 0.3)
    x = jr.normal(jr.key(2), (4,))
    assert float(jnp.abs(flow.bijection.transform(x) - x).min()) > 1e-6


def test_coupling_flow_on_an_image_with_a_checkerboard():
    flow = gf.coupling_flow(jr.key(0), shape=(4, 4), transformer=gf.Affine(), n_layers=2,
                            nn_width=8, nn_depth=1, mask=masks.checkerboard((4, 4)))
    assert flow.sample(jr.key(1), 3).shape == (3, 4, 4)
    assert flow.log_prob(jnp.zeros((2, 4, 4))).shape == (2,)


def test_diagonal_flow_keeps_coordinates_independent():
    flow = gf.perturb(gf.diagonal_flow(jr.key(0), shape=(3,), transformer=gf.MixtureGaussianCDF(n_components=3),
                                       n_layers=2), jr.key(1), 0.3)
    jac = jax.jacfwd(flow.bijection.transform)(jr.normal(jr.key(2), (3,)))
    np.testing.assert_array_equal(jac - jnp.diag(jnp.diag(jac)), 0.0)
    assert len(flow.bijection) == 2


def test_gaussianization_flow_alternates_marginals_and_rotations():
    flow = gf.gaussianization_flow(jr.key(0), shape=(3,), n_layers=2, n_components=4)
    kinds = [type(b).__name__ for b in flow.bijection.bijectors]
    assert kinds == ["MixtureGaussianCDF", "Householder"] * 2
    fixed = gf.gaussianization_flow(jr.key(0), shape=(3,), n_layers=1, rotation="random")
    assert type(fixed.bijection[1]).__name__ == "RandomRotation"


@pytest.mark.parametrize("call, word", [
    (lambda: gf.coupling_flow(jr.key(0), shape=(4,), transformer=gf.Affine(), n_layers=0), "n_layers"),
    (lambda: gf.coupling_flow(jr.key(0), shape=(4,), transformer=gf.Affine(shape=(4,))), r"shape \(\)"),
    (lambda: gf.coupling_flow(jr.key(0), shape=(4,), transformer=gf.Affine(), mask=jnp.zeros(4, bool)), "no active"),
    (lambda: gf.gaussianization_flow(jr.key(0), shape=(2,), n_layers=1, rotation="pca"), "householder"),
    (lambda: gf.gaussianization_flow(jr.key(0), shape=(2, 2), n_layers=1), r"\(d,\)"),
])
def test_builders_refuse_bad_arguments(call, word):
    with pytest.raises(ValueError, match=word):
        call()
