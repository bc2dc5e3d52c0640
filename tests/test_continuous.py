"""Continuous-time flows: the matrix exponential, the ODE flow, its trace estimators and flow
matching, checked against closed forms (the bijector contract itself is test_bijector_contract)."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import trace


class LinearField(eqx.Module):
    """f(t, z) = A z: the ODE flow of it must be the matrix exponential."""
    generator: jax.Array
    shape: tuple = eqx.field(static=True)

    def __call__(self, t, z):
        return self.generator @ z


def _generator(d=3, seed=0):
    return 0.7 * jr.normal(jr.key(seed), (d, d))


def test_linear_ode_is_the_matrix_exponential_and_log_det_is_t_trace():
    a = _generator()
    flow = gf.LinearODE(a, time=0.6)
    x = jnp.array([0.5, -1.0, 2.0])
    y, log_det = flow.transform_and_log_det(x)
    series = sum(np.linalg.matrix_power(np.asarray(0.6 * a), k) / np.prod(np.arange(1, k + 1)) for k in range(40))
    np.testing.assert_allclose(y, series @ np.asarray(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(log_det, 0.6 * np.trace(a), rtol=1e-12)
    np.testing.assert_allclose(log_det, np.linalg.slogdet(series)[1], rtol=1e-10)
    # time 0 is the identity, and running for s then t is running for s + t
    np.testing.assert_allclose(gf.LinearODE(a, 0.0).transform(x), x, atol=0)
    twice = gf.LinearODE(a, 0.25).transform(gf.LinearODE(a, 0.35).transform(x))
    np.testing.assert_allclose(twice, y, rtol=1e-12, atol=1e-12)


def test_linear_ode_builds_under_jit_and_vmap():
    # a flow at many times in one compiled call: the values are tracers, only shapes are checked
    a = _generator()
    times = jnp.linspace(-1.0, 2.0, 7)
    matrices = jax.jit(jax.vmap(lambda t: gf.LinearODE(a, t).matrix()))(times)
    for t, matrix in zip(times, matrices):
        np.testing.assert_allclose(matrix, gf.LinearODE(a, t).matrix(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="one finite number"):
        jax.vmap(lambda t: gf.LinearODE(a, t))(jnp.ones((3, 2)))


@pytest.mark.parametrize("bad, match", [(jnp.ones((2, 3)), "square"), (jnp.full((2, 2), jnp.nan), "NaN")])
def test_linear_ode_refuses_a_bad_generator(bad, match):
    with pytest.raises(ValueError, match=match):
        gf.LinearODE(bad)


def test_ode_flow_of_a_linear_field_is_the_matrix_exponential():
    a = _generator()
    ode = gf.ContinuousFlow(LinearField(a, (3,)), rtol=1e-12, atol=1e-12)
    x = jnp.array([0.5, -1.0, 2.0])
    y, log_det = ode.transform_and_log_det(x)
    y_exact, log_det_exact = gf.LinearODE(a, 1.0).transform_and_log_det(x)
    np.testing.assert_allclose(y, y_exact, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(log_det, log_det_exact, rtol=1e-10, atol=1e-10)
    x_back, inverse_log_det = ode.inverse_and_log_det(y)
    np.testing.assert_allclose(x_back, x, atol=1e-10)
    np.testing.assert_allclose(inverse_log_det, -log_det_exact, atol=1e-10)


def test_a_fresh_vector_field_is_zero_so_the_flow_starts_as_the_identity():
    ode = gf.ContinuousFlow(gf.VectorField(jr.key(0), (2,)))
    x = jnp.array([1.5, -0.3])
    y, log_det = ode.transform_and_log_det(x)
    np.testing.assert_array_equal(y, x)
    assert float(log_det) == 0.0


def test_reverse_mode_gives_the_same_jacobian_as_forward_mode():
    field = gf.perturb(gf.VectorField(jr.key(0), (2,), width=8, depth=1), jr.key(1), 0.5)
    x = jnp.array([0.4, -0.8])
    jac_rev = jax.jacrev(gf.ContinuousFlow(field, rtol=1e-10, atol=1e-10).transform)(x)
    jac_fwd = jax.jacfwd(gf.ContinuousFlow(field, rtol=1e-10, atol=1e-10, differentiation="forward").transform)(x)
    np.testing.assert_allclose(jac_rev, jac_fwd, rtol=1e-8, atol=1e-10)


def test_tighter_tolerance_takes_more_steps_and_errs_less():
    field = gf.perturb(gf.VectorField(jr.key(0), (2,), width=8, depth=1), jr.key(1), 1.0)
    x = jnp.array([0.4, -0.8])
    reference = gf.ContinuousFlow(field, rtol=1e-12, atol=1e-12).transform(x)
    steps, errors = [], []
    for tol in (1e-3, 1e-6, 1e-9):
        ode = gf.ContinuousFlow(field, rtol=tol, atol=tol)
        steps.append(int(ode.n_steps(x)))
        errors.append(float(jnp.max(jnp.abs(ode.transform(x) - reference))))
    assert steps[0] < steps[1] < steps[2], steps
    assert errors[0] > errors[2] and errors[2] < 1e-7, errors


class CountingField(eqx.Module):
    """A linear field that counts how often JAX traces it: a compiled program reused traces nothing."""
    generator: jax.Array
    shape: tuple = eqx.field(static=True)
    traces: list = eqx.field(static=True)

    def __call__(self, t, z):
        self.traces.append(1)
        return self.generator @ z


def test_solve_batch_gives_the_matrix_exponential_both_ways_and_its_path_from_one_compilation():
    a, traces = _generator(), []
    ode = gf.ContinuousFlow(CountingField(a, (3,), traces), rtol=1e-12, atol=1e-12)
    x = jr.normal(jr.key(3), (5, 3))
    z, log_det, n_steps = ode.solve_batch(x)
    exact = gf.LinearODE(a, 1.0)
    np.testing.assert_allclose(z, jax.vmap(exact.transform)(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(log_det, jnp.full(5, jnp.trace(a)), atol=1e-10)
    np.testing.assert_array_equal(n_steps, jax.vmap(ode.n_steps)(x))
    traced = len(traces)
    assert traced > 0
    back, back_log_det, _ = ode.solve_batch(z, 1.0, 0.0)  # the other direction: the same program
    assert len(traces) == traced, "running backwards compiled a second program"
    np.testing.assert_allclose(back, x, atol=1e-10)
    np.testing.assert_allclose(back_log_det, -log_det, atol=1e-10)
    times = jnp.array([0.0, 0.25, 0.5, 1.0])
    path, path_log_det, _ = ode.solve_batch(x, times=times)
    assert path.shape == (5, 4, 3) and path_log_det.shape == (5, 4)
    for k, t in enumerate(times):
        np.testing.assert_allclose(path[:, k], jax.vmap(gf.LinearODE(a, float(t)).transform)(x), rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(path_log_det[:, k], float(t) * jnp.trace(a), atol=1e-8)


def test_solve_batch_refuses_a_single_point_or_a_wrong_shape():
    ode = gf.ContinuousFlow(LinearField(_generator(), (3,)))
    for bad in (jnp.zeros(3), jnp.zeros((4, 2))):
        with pytest.raises(ValueError, match=r"batch of shape \(n, 3\).*" + str(bad.shape).replace("(", r"\(").replace(")", r"\)")):
            ode.solve_batch(bad)


def test_exceeding_the_step_budget_is_an_error_not_a_wrong_answer():
    field = gf.perturb(gf.VectorField(jr.key(0), (2,), width=8, depth=1), jr.key(1), 3.0)
    ode = gf.ContinuousFlow(field, rtol=1e-12, atol=1e-12, max_steps=3)
    with pytest.raises(Exception, match="(?i)max_steps|maximum number of solver steps"):
        ode.transform(jnp.array([0.4, -0.8]))


def test_continuous_flow_refuses_bad_settings():
    field = gf.VectorField(jr.key(0), (2,))
    with pytest.raises(ValueError, match="rtol"):
        gf.ContinuousFlow(field, rtol=0.0)
    with pytest.raises(ValueError, match="differentiation"):
        gf.ContinuousFlow(field, differentiation="sideways")
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        field(0.0, jnp.ones(3))


# ---- trace estimators ---------------------------------------------------------------------------

def _quadratic_field(matrix):
    return lambda z: matrix @ z + 0.1 * z ** 2


def test_exact_trace_matches_the_jacobian():
    m = jr.normal(jr.key(0), (4, 4))
    z = jnp.arange(4.0)
    value, tr = trace.exact_trace(_quadratic_field(m), z)
    np.testing.assert_allclose(value, _quadratic_field(m)(z))
    np.testing.assert_allclose(tr, jnp.trace(jax.jacfwd(_quadratic_field(m))(z)), rtol=1e-12)


@pytest.mark.parametrize("kind", trace.PROBES)
def test_hutchinson_is_unbiased_with_the_stated_variance(kind):
    m = jr.normal(jr.key(0), (5, 5))
    f, z = (lambda v: m @ v), jnp.zeros(5)
    eps = trace.probes(jr.key(1), 20000, 5, kind)
    assert eps.shape == (20000, 5)
    one_each = jax.vmap(lambda e: trace.hutchinson_trace(f, z, e[None])[1])(eps)
    variance = float(trace.hutchinson_variance(m, kind))
    se = (variance / eps.shape[0]) ** 0.5
    assert abs(float(jnp.mean(one_each)) - float(jnp.trace(m))) < 4 * se
    np.testing.assert_allclose(float(jnp.var(one_each)), variance, rtol=0.1)
    # averaging n probes divides the variance by n
    np.testing.assert_allclose(trace.hutchinson_trace(f, z, eps[:4])[1], jnp.mean(one_each[:4]), rtol=1e-12)


def test_rademacher_never_has_more_variance_than_gaussian():
    for seed in range(5):
        m = jr.normal(jr.key(seed), (4, 4))
        assert trace.hutchinson_variance(m, "rademacher") <= trace.hutchinson_variance(m, "gaussian")
    # a diagonal Jacobian: Rademacher probes give the trace exactly
    assert float(trace.hutchinson_variance(jnp.diag(jnp.arange(1.0, 4.0)), "rademacher")) == 0.0
    # ... and a diagonal plus an antisymmetric part (its symmetric part is the diagonal up to round-off):
    # zero to round-off and never negative (the old formula, ||S||^2 minus the diagonal, left -1e-17 on
    # one CPU: a NaN standard deviation in 6·02's explorer)
    for seed in range(20):
        for dtype in (jnp.float32, jnp.float64):
            skew = jr.normal(jr.key(seed), (6, 6), dtype)
            m = jnp.diag(jr.normal(jr.key(100 + seed), (6,), dtype)) + (skew - skew.T) / 2
            variance = float(trace.hutchinson_variance(m, "rademacher"))
            assert 0.0 <= variance < 1e-20, (seed, dtype, variance)


def test_probes_and_hutchinson_refuse_bad_input():
    with pytest.raises(ValueError, match="probe kind"):
        trace.probes(jr.key(0), 3, 2, "uniform")
    with pytest.raises(ValueError, match="n_probes"):
        trace.probes(jr.key(0), 0, 2)
    with pytest.raises(ValueError, match=r"\(n_probes, 3\)"):
        trace.hutchinson_trace(lambda v: v, jnp.zeros(3), jnp.ones((2, 4)))


def test_hutchinson_log_det_of_the_ode_flow_is_unbiased():
    field = gf.perturb(gf.VectorField(jr.key(0), (3,), width=8, depth=1), jr.key(1), 0.5)
    ode = gf.ContinuousFlow(field, rtol=1e-8, atol=1e-8)
    x = jnp.array([0.4, -0.8, 1.0])
    y, exact = ode.transform_and_log_det(x)
    estimate = jax.jit(jax.vmap(lambda k: ode.transform_and_log_det_estimate(x, k, 1, "gaussian")))
    ys, estimates = estimate(jr.split(jr.key(2), 400))
    np.testing.assert_allclose(ys, jnp.broadcast_to(y, ys.shape), atol=1e-6)  # the point does not depend on the probe
    se = float(jnp.std(estimates)) / 20.0
    assert se > 0 and abs(float(jnp.mean(estimates)) - float(exact)) < 4 * se


# ---- flow matching -----------------------------------------------------------------------------

def test_straight_path_ends_at_the_data_and_the_noise():
    x, z = jnp.ones((3, 2)), -jnp.ones((3, 2))
    zt, u = gf.flow_matching.straight_path(x, z, jnp.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(zt, [[1, 1], [0, 0], [-1, -1]])
    np.testing.assert_allclose(u, z - x)


def test_flow_matching_loss_is_zero_for_the_exact_velocity_of_a_single_pair():
    # one data point at x0 and noise always at z0: the velocity z0 - x0 is the field's target everywhere
    x0, z0 = jnp.array([1.0, 2.0]), jnp.array([-0.5, 0.3])
    constant = lambda t, z: z0 - x0
    n = 8
    loss = gf.flow_matching.conditional_flow_matching_loss(constant, jnp.tile(x0, (n, 1)), jnp.tile(z0, (n, 1)),
                                                           jnp.linspace(0, 1, n))
    assert float(loss) == 0.0
    wrong = lambda t, z: x0 - z0
    assert float(gf.flow_matching.conditional_flow_matching_loss(wrong, jnp.tile(x0, (n, 1)), jnp.tile(z0, (n, 1)),
                                                                 jnp.linspace(0, 1, n))) > 0


def test_flow_matching_learns_a_gaussian_and_the_ode_gives_its_density():
    # data N(m, s^2 I): the exact marginal field is linear, and the learned flow's log_prob must be close
    m, s = jnp.array([2.0, -1.0]), 0.5
    data = m + s * jr.normal(jr.key(0), (4000, 2))
    field = gf.VectorField(jr.key(1), (2,), width=32, depth=2)
    field, history = gf.fit_flow_matching(jr.key(2), field, data, learning_rate=3e-3, n_steps=1500, log_every=500)
    assert len(history["loss"]) == 3 and history["steps"][-1] == 1500
    flow = gf.Transformed(gf.StandardNormal((2,)), gf.ContinuousFlow(field))
    test = m + s * jr.normal(jr.key(3), (1000, 2))
    exact = jnp.sum(jax.scipy.stats.norm.logpdf(test, m, s), axis=1)
    kl = float(jnp.mean(exact - gf.jit_log_prob(flow, test)))
    assert 0.0 <= kl + 0.02 and kl < 0.05, kl


def test_fit_flow_matching_refuses_bad_data_and_reports_divergence():
    field = gf.VectorField(jr.key(0), (2,))
    with pytest.raises(ValueError, match=r"\(n_samples, 2\)"):
        gf.fit_flow_matching(jr.key(0), field, jnp.ones((10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        gf.fit_flow_matching(jr.key(0), field, jnp.full((10, 2), jnp.nan))
    with pytest.raises(gf.training.TrainingDivergedError):
        gf.fit_flow_matching(jr.key(0), field, 1e200 * jnp.ones((10, 2)), n_steps=5, log_every=5)
