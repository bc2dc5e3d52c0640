"""The shared kit: the data, helpers and compiled wrappers that several notebooks use."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
import pytest

import gauss_flows as gf
from gauss_flows import batched, datasets, diagnostics, marginal_fit, masks
from gauss_flows.bijectors.rotations import rotation_matrix
from gauss_flows.training import nll_loss, training_step


# ------------------------------------------------------------------ data shared by notebooks
def test_skewed_bimodal_density_cdf_and_sampler_agree():
    grid = np.linspace(-6.0, 9.0, 6001)
    pdf, cdf = datasets.skewed_bimodal_pdf(grid), datasets.skewed_bimodal_cdf(grid)
    assert abs(np.trapezoid(pdf, grid) - 1.0) < 1e-6
    np.testing.assert_allclose(np.gradient(cdf, grid), pdf, atol=1e-5)  # F' = p
    sample = datasets.sample_skewed_bimodal(0, 20_000)
    m = datasets.SKEWED_BIMODAL
    assert abs(sample.mean() - np.sum(m["weights"] * m["means"])) < 0.03
    np.testing.assert_array_equal(sample, datasets.sample_skewed_bimodal(0, 20_000))  # seeded
    assert not np.array_equal(sample[:100], datasets.sample_skewed_bimodal(1, 100))


def test_rotation_matrix_turns_anticlockwise_and_is_orthogonal():
    r = rotation_matrix(90.0)
    np.testing.assert_allclose(r @ np.array([1.0, 0.0]), [0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(rotation_matrix(37.0) @ rotation_matrix(37.0).T, np.eye(2), atol=1e-15)


def test_tilted_square_has_unit_covariance_and_is_tilted():
    x = datasets.tilted_square(20_000, 30.0, seed=0)
    np.testing.assert_allclose(np.cov(x.T), np.eye(2), atol=0.03)
    back = x @ rotation_matrix(-30.0).T   # undo the tilt: back on the axis-aligned square
    assert np.all(np.abs(back) <= np.sqrt(3.0) + 1e-12)
    assert np.max(np.abs(x)) > np.sqrt(3.0) + 0.3   # tilted, the corners stick out


def test_correlated_gaussian_has_the_asked_correlation():
    x = datasets.correlated_gaussian(20_000, rho=0.8, seed=1)
    assert abs(np.corrcoef(x.T)[0, 1] - 0.8) < 0.01


# ------------------------------------------------------------------ helpers in the library
def test_marginal_pass_gaussianizes_each_coordinate_but_keeps_the_dependence():
    x = datasets.tilted_square(3000, 30.0)
    g = marginal_fit.marginal_pass(x)
    assert g.shape == x.shape
    assert np.all(np.abs(diagnostics.skewness(g)) < 0.1)
    assert abs(np.asarray(diagnostics.excess_kurtosis(g))).max() < 0.3   # the square had -1.2
    tc = lambda s: float(diagnostics.total_correlation(s))  # noqa: E731
    assert abs(tc(g) - tc(x)) < 0.05     # an elementwise map leaves TC where it was


def test_clipped_gaussianize_and_extended_cdf():
    from scipy.special import ndtri

    np.testing.assert_allclose(marginal_fit.clipped_gaussianize([0.0, 0.5, 1.0], 0.01),
                               [ndtri(0.01), 0.0, -ndtri(0.01)])
    assert np.isinf(marginal_fit.clipped_gaussianize([0.0, 1.0], 0.0)).all()
    train = np.array([0.0, 1.0, 2.0, 3.0])
    u = marginal_fit.extended_cdf(train, [-1.0, -0.3, 0.0, 1.5, 3.0, 3.3, 9.0], margin=0.1)
    np.testing.assert_allclose(u, [0.0, 0.0, 0.2, 0.5, 0.8, 1.0, 1.0], atol=1e-15)
    assert np.all(np.diff(marginal_fit.extended_cdf(train, np.linspace(-1, 4, 50), 0.1)) >= 0)


def test_layers_needed():
    curve = [0.5, 0.2, 0.1, 0.05]
    assert diagnostics.layers_needed(1.0, curve, 0.5) == 1
    assert diagnostics.layers_needed(1.0, curve, 0.35) == 2   # 1 - 0.5 - 0.2 = 0.3 <= 0.35
    assert diagnostics.layers_needed(1.0, curve, 0.0) is None


def test_mask_sequence_rules():
    first = np.array([True, True, False, False, False])
    assert [m.tolist() for m in masks.sequence(first, "complement", 3)] == \
        [first.tolist(), (~first).tolist(), first.tolist()]
    assert masks.sequence(first, "roll", 2)[1].tolist() == [False, True, True, False, False]
    assert masks.layers_until_covered(masks.sequence(first, "same", 4)) is None
    with pytest.raises(ValueError, match="rule"):
        masks.sequence(first, "shuffle", 2)


def test_spline_from_knots_passes_through_its_knots_with_its_slopes():
    xs, ys, ds = np.array([-3.0, -1.0, 0.5, 3.0]), np.array([-3.0, -2.0, 1.0, 3.0]), np.array([0.4, 2.5])
    spline = gf.RationalQuadraticSpline.from_knots(xs, ys, ds)
    values, log_slopes = jax.vmap(spline.transform_and_log_det)(jnp.asarray(xs[1:-1]))
    np.testing.assert_allclose(values, ys[1:-1], atol=1e-9)
    np.testing.assert_allclose(np.exp(log_slopes), ds, rtol=1e-6)
    with pytest.raises(ValueError, match="increase"):
        gf.RationalQuadraticSpline.from_knots(xs, np.array([-3.0, 1.0, 1.0, 3.0]), ds)
    with pytest.raises(ValueError, match="positive"):
        gf.RationalQuadraticSpline.from_knots(xs, ys, np.array([0.4, -1.0]))


# ------------------------------------------------------------------ shape= everywhere
@pytest.mark.parametrize("make", [lambda s: gf.Householder(jr.key(0), shape=s),
                                  lambda s: gf.RandomRotation(jr.key(0), shape=s),
                                  lambda s: gf.LULinear(jr.key(0), shape=s)])
def test_vector_layers_take_shape_and_refuse_non_vectors(make):
    assert make((3,)).shape == (3,) and make(3).shape == (3,)
    for bad in [(2, 2), 0, (), 2.5, True]:
        with pytest.raises(ValueError, match=r"shape=\(d,\)"):
            make(bad)


# ------------------------------------------------------------------ compiled batched helpers
def test_batched_helpers_are_vmap_of_the_methods():
    flow = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2)
    flow = gf.perturb(flow, jr.key(1), 0.3)
    bijector, x = flow.bijection, jr.normal(jr.key(2), (7, 2))
    z, log_det = batched.transform_and_log_det(bijector, x)
    np.testing.assert_allclose(z, jax.vmap(bijector.transform)(x), rtol=1e-12)
    np.testing.assert_allclose(log_det, jax.vmap(bijector.transform_and_log_det)(x)[1], rtol=1e-12)
    np.testing.assert_allclose(batched.transform(bijector, x), z, rtol=1e-12)
    np.testing.assert_allclose(batched.inverse(bijector, z), x, atol=1e-12)
    back, inverse_log_det = batched.inverse_and_log_det(bijector, z)
    np.testing.assert_allclose(inverse_log_det, -log_det, atol=1e-12)
    np.testing.assert_allclose(batched.log_prob(flow, x), flow.log_prob(x), rtol=1e-12)
    np.testing.assert_allclose(batched.mean_nll(flow, x), -jnp.mean(flow.log_prob(x)), rtol=1e-12)


# ------------------------------------------------------------------ the one training step
def test_training_step_is_one_adam_step_on_the_nll():
    flow = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2)
    params, static = gf.split_trainable(flow)
    batch = jr.normal(jr.key(1), (64, 2)) * jnp.array([2.0, 0.5]) + 1.0
    optimizer = optax.adam(1e-2)
    state = optimizer.init(params)
    new_params, new_state, loss, grads = training_step(params, static, optimizer, state, batch)
    np.testing.assert_allclose(loss, nll_loss(params, static, batch))
    want_grads = jax.grad(nll_loss)(params, static, batch)
    for g, w in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(want_grads)):
        np.testing.assert_allclose(g, w)
    updates, _ = optimizer.update(want_grads, state, params)
    for p, w in zip(jax.tree_util.tree_leaves(new_params),
                    jax.tree_util.tree_leaves(optax.apply_updates(params, updates))):
        np.testing.assert_allclose(p, w)
    assert nll_loss(new_params, static, batch) < loss
    # any loss of (params, static, batch) can be stepped
    _, _, value, _ = training_step(params, static, optimizer, state, batch,
                                   loss=lambda p, s, b: 2.0 * nll_loss(p, s, b))
    np.testing.assert_allclose(value, 2.0 * loss)


# ------------------------------------------------------------------ calling a student's answer
def test_call_student_names_the_exercise_and_lets_a_stub_through():
    from gauss_flows.course.exercises.core import ExerciseError, call_student

    assert call_student(lambda a, b: a + b, 2, 3, exercise=1, call="add(2, 3)") == 5
    with pytest.raises(ExerciseError, match=r"^Exercise 4: `f\(0\)` raised ZeroDivisionError: .* \(at 0\)"):
        call_student(lambda x: 1 / x, 0, exercise=4, call="f(0)", context=" (at 0)")

    def stub(x):
        raise NotImplementedError("write me")

    with pytest.raises(NotImplementedError, match="write me"):
        call_student(stub, 1, exercise=2, call="stub(1)")


def test_call_for_number_returns_one_float_or_says_what_is_wrong():
    from gauss_flows.course.exercises.core import ExerciseError, call_for_number

    assert call_for_number(lambda f: f(2.0), lambda x: np.float32(x * x), exercise=1, call="g(f)") == 4.0
    for answer, words in [(lambda f: None, "returned None"), (lambda f: "four", "not a number"),
                          (lambda f: np.ones(3), r"shape \(3,\); expected the loss"),
                          (lambda f: 1 / 0, "raised ZeroDivisionError")]:
        with pytest.raises(ExerciseError, match=words):
            call_for_number(answer, lambda x: x, exercise=3, call="g(f)", what="the loss")


def test_show_args_names_a_function_argument():
    from gauss_flows.course.exercises.core import show_args

    def swirl(t, z):
        return z

    assert show_args((swirl, 0.5, np.array([1.0, 2.0]))) == "(swirl, 0.5, [1., 2.])"
