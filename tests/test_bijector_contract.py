"""One contract for every bijector: adding a bijector means adding one line to CASES.

Each case is moved away from its identity initialisation (``gf.perturb``) before it is
checked, and is checked in float64 and in float32, on typical and on far-out inputs:

* ``transform`` keeps the shape, gives finite values and agrees with ``transform_and_log_det``;
* the round trip ``inverse(transform(x)) == x``;
* the log-det equals ``slogdet(jax.jacfwd(transform))``;
* the inverse log-det is minus the forward one;
* the same numbers under ``jax.jit`` and ``jax.vmap``;
* a wrong-shaped input raises a ValueError that names both shapes (a bijector that reshapes,
  like ``Squeeze``, has ``output_shape != shape``: its inverse expects ``output_shape``);
* no parameter is weakly typed as built (an optimizer step would make it strongly typed, and
  every compiled function of the flow would silently compile a second time).

Conditional bijectors (``CONDITIONAL_CASES``, one line each) go through the same checks AT A
FIXED CONDITION (round trip, log-det against ``slogdet(jacfwd)`` in ``x``, inverse log-det,
both precisions, typical and far inputs), plus: ``jit`` and ``vmap`` over ``x`` and the
condition together and over ``x`` under one condition; a missing or wrong-shaped condition is
refused naming the expected shape; the condition actually changes the map. Every
unconditional case refuses a condition.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf


class Case(NamedTuple):
    make: Callable[[jax.Array], gf.Bijector]  # key -> bijector (float64)
    inputs: Callable[[jax.Array, tuple], jax.Array] | None = None  # key, shape -> x (default: 2 N(0,1))
    exact_inverse: bool = True  # closed-form inverse (else numerical, looser tolerance)


def _unit_interval(key, shape):
    return jr.uniform(key, shape, minval=0.02, maxval=0.98)


def _invertible_normal_cdf_range(key, shape):
    # Phi(x) rounds to 1 above x ~ 5.3 in float32 (8.3 in float64), where no inverse can
    # recover x; the lower tail stays representable much further out.
    return jr.uniform(key, shape, minval=-8.0, maxval=3.0)


def _logit_range(key, shape):
    # sigmoid(y) rounds towards 1 in float32 as y grows (1 - s = 7e-3 at y = 5), and the logit
    # of a rounded s cannot give y back: the inverse of Logit is checked where s is representable
    return jr.uniform(key, shape, minval=-5.0, maxval=5.0)


def _moons(n=512):
    return gf.datasets.TwoMoons(noise=0.1).sample(jr.key(7), n)


CASES: dict[str, Case] = {
    # the menu of scalar transformers, elementwise on a vector
    "Affine": Case(lambda k: gf.Affine(shape=(3,))),
    "MixtureGaussianCDF": Case(lambda k: gf.MixtureGaussianCDF(n_components=5, shape=(3,)), exact_inverse=False),
    "DeepSigmoid": Case(lambda k: gf.DeepSigmoid(n_hidden=6, shape=(3,)), exact_inverse=False),
    "RationalQuadraticSpline": Case(lambda k: gf.RationalQuadraticSpline(knots=6, interval=3.0, shape=(3,))),
    "Affine scalar": Case(lambda k: gf.Affine()),
    "RationalQuadraticSpline scalar": Case(lambda k: gf.RationalQuadraticSpline(knots=8, interval=4.0)),
    # marginal pieces of Gaussianization
    "NormalCDF": Case(lambda k: gf.NormalCDF(shape=(3,)), inputs=_invertible_normal_cdf_range),
    "Invert(NormalCDF)": Case(lambda k: gf.Invert(gf.NormalCDF(shape=(3,))), inputs=_unit_interval),
    # couplings: the shorthands, any mask, any shape
    "AffineCoupling": Case(lambda k: gf.AffineCoupling(k, shape=(4,), nn_width=16, nn_depth=2)),
    "MixtureGaussianCDFCoupling": Case(lambda k: gf.MixtureGaussianCDFCoupling(k, shape=(4,), n_components=4, nn_width=16, nn_depth=2), exact_inverse=False),
    "DeepSigmoidCoupling": Case(lambda k: gf.DeepSigmoidCoupling(k, shape=(4,), n_hidden=4, nn_width=16, nn_depth=2), exact_inverse=False),
    "RQSplineCoupling": Case(lambda k: gf.RQSplineCoupling(k, shape=(4,), knots=5, interval=3.0, nn_width=16, nn_depth=2)),
    "RQSplineCoupling 2-D (one active coordinate)": Case(lambda k: gf.RQSplineCoupling(k, shape=(2,), knots=5, interval=3.0, nn_width=16, nn_depth=2)),
    "Coupling alternating odd d": Case(lambda k: gf.Coupling(k, shape=(5,), transformer=gf.RationalQuadraticSpline(knots=5, interval=3.0), mask=gf.masks.alternating(5), nn_width=16, nn_depth=1)),
    "Coupling checkerboard image": Case(lambda k: gf.Coupling(k, shape=(4, 4), transformer=gf.Affine(), mask=gf.masks.checkerboard((4, 4)), nn_width=16, nn_depth=1)),
    # structure
    "Chain": Case(lambda k: gf.Chain([gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1), gf.Permute(jnp.array([2, 0, 1])), gf.Affine(shape=(3,))])),
    "Chain scanned (8 repeated blocks)": Case(lambda k: gf.Chain([b for kk in jr.split(k, 8) for b in (gf.AffineCoupling(kk, shape=(3,), nn_width=8, nn_depth=1), gf.Permute(jnp.array([2, 0, 1])))])),
    "MaskedAutoregressive (MAF, affine)": Case(lambda k: gf.MaskedAutoregressive(k, shape=(4,), order=jnp.array([2, 0, 3, 1]), nn_width=16, nn_depth=2)),
    "MaskedAutoregressive (MAF, spline)": Case(lambda k: gf.MaskedAutoregressive(k, shape=(3,), transformer=gf.RationalQuadraticSpline(knots=5, interval=3.0), nn_width=16, nn_depth=1)),
    "Invert(MaskedAutoregressive) (IAF)": Case(lambda k: gf.Invert(gf.MaskedAutoregressive(k, shape=(3,), nn_width=8, nn_depth=1))),
    # numerical inverse: fixed point to 1e-11 (1 + |y|) in float64, 1e-5 (1 + |y|) in float32
    "InvertibleResidual (i-ResNet, exact log-det)": Case(lambda k: gf.InvertibleResidual(k, shape=(3,), lipschitz=0.9, nn_width=16, nn_depth=1), exact_inverse=False),
    "Invert(AffineCoupling)": Case(lambda k: gf.Invert(gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1))),
    "Permute": Case(lambda k: gf.Permute(jnp.array([3, 1, 0, 2]))),
    "Householder": Case(lambda k: gf.Householder(k, shape=(4,), n_reflections=3)),
    "RandomRotation": Case(lambda k: gf.RandomRotation(k, shape=(4,))),
    "FixedRotation": Case(lambda k: gf.FixedRotation(gf.RandomRotation(k, shape=(4,)).rotation.get(),
                                                     jnp.arange(4.0))),
    "PCARotation": Case(lambda k: gf.PCARotation.fit(_moons())),
    "ICARotation": Case(lambda k: gf.ICARotation.fit(jr.uniform(k, (400, 3)), n_angles=12)),
    "Linear": Case(lambda k: gf.Linear(jr.normal(k, (3, 3)) + 3.0 * jnp.eye(3), shift=jnp.arange(3.0))),
    "LULinear": Case(lambda k: gf.LULinear(k, shape=(4,))),
    "Elementwise(MixtureGaussianCDF), one coordinate": Case(lambda k: gf.Elementwise(gf.MixtureGaussianCDF(n_components=3), shape=(1,)), exact_inverse=False),
    "Elementwise(DeepSigmoid)": Case(lambda k: gf.Elementwise(gf.DeepSigmoid(n_hidden=3), shape=(2, 2)), exact_inverse=False),
    "ActNorm": Case(lambda k: gf.ActNorm(shape=(3,))),
    "ActNorm.from_data": Case(lambda k: gf.ActNorm.from_data(_moons())),
    # continuous time: the matrix exponential, and an ODE solved by diffrax (tolerance 1e-12 per
    # step, floored at 100 machine epsilons: 2.2e-14 in float64, 1.2e-5 in float32)
    "LinearODE": Case(lambda k: gf.LinearODE(jr.normal(k, (3, 3)), time=0.8)),
    "ContinuousFlow (ODE, exact trace)": Case(lambda k: gf.ContinuousFlow(gf.VectorField(k, (3,), width=8, depth=1), rtol=1e-12, atol=1e-12, differentiation="forward"), exact_inverse=False),
    # what the builders return
    "coupling_flow": Case(lambda k: gf.coupling_flow(k, shape=(3,), transformer=gf.RationalQuadraticSpline(knots=4, interval=3.0), n_layers=3, nn_width=8, nn_depth=1).bijection),
    "diagonal_flow": Case(lambda k: gf.diagonal_flow(k, shape=(2,), transformer=gf.MixtureGaussianCDF(n_components=3), n_layers=2).bijection, exact_inverse=False),
    "gaussianization_flow": Case(lambda k: gf.gaussianization_flow(k, shape=(2,), n_layers=2, n_components=3).bijection, exact_inverse=False),
    "rbig": Case(lambda k: gf.rbig(_moons(), n_layers=2).bijection, exact_inverse=False),
    # images (channels-last (h, w, c)): the logit pre-transform, squeeze, multi-scale
    "Logit": Case(lambda k: gf.Logit(shape=(3,), alpha=0.05), inputs=_unit_interval),
    "Logit alpha=0, image": Case(lambda k: gf.Logit(shape=(2, 2, 1), alpha=0.0), inputs=_unit_interval),
    "Invert(Logit)": Case(lambda k: gf.Invert(gf.Logit(shape=(2, 2, 1), alpha=0.05)), inputs=_logit_range),
    "Squeeze": Case(lambda k: gf.Squeeze((4, 2, 3))),
    "Invert(Squeeze)": Case(lambda k: gf.Invert(gf.Squeeze((4, 4, 1)))),
    "Chain through a Squeeze": Case(lambda k: gf.Chain([gf.Coupling(k, shape=(4, 4, 1), transformer=gf.Affine(), mask=gf.masks.checkerboard((4, 4, 1)), nn_width=8, nn_depth=1), gf.Squeeze((4, 4, 1)), gf.Coupling(k, shape=(2, 2, 4), transformer=gf.Affine(), mask=gf.masks.channel((2, 2, 4)), nn_width=8, nn_depth=1)])),
    "multiscale_flow (2 scales)": Case(lambda k: gf.multiscale_flow(k, shape=(4, 4, 1), transformer=gf.Affine(), n_levels=2, nn_width=8).bijection),
    "multiscale_flow (3 scales, last one pixel)": Case(lambda k: gf.multiscale_flow(k, shape=(4, 4, 1), transformer=gf.Affine(), n_levels=3, nn_width=8).bijection),
    "Stacked (coupling_flow stacked=True, 3 layers: a pair + 1)": Case(lambda k: gf.coupling_flow(k, shape=(3,), transformer=gf.RationalQuadraticSpline(knots=5, interval=3.0), n_layers=3, nn_width=8, nn_depth=1, init_scale=1.0, stacked=True).bijection),
}

def _conditional_chain(k, n_blocks: int):
    keys = jr.split(k, n_blocks)
    return gf.Chain([b for kk in keys for b in (
        gf.AffineCoupling(kk, shape=(3,), nn_width=8, nn_depth=1, condition_shape=(2,)),
        gf.Permute(jnp.array([2, 0, 1])))])


CONDITIONAL_CASES: dict[str, Case] = {
    "Coupling conditional (context as input)": Case(lambda k: gf.Coupling(k, shape=(4,), transformer=gf.RationalQuadraticSpline(knots=5, interval=3.0), nn_width=16, nn_depth=1, condition_shape=(2,))),
    "AffineCoupling conditional, one coordinate (context only)": Case(lambda k: gf.AffineCoupling(k, shape=(1,), mask=np.array([True]), nn_width=8, nn_depth=1, condition_shape=(3,))),
    "Coupling conditional image, context (2, 2)": Case(lambda k: gf.Coupling(k, shape=(2, 2), transformer=gf.Affine(), mask=gf.masks.checkerboard((2, 2)), nn_width=8, nn_depth=1, condition_shape=(2, 2))),
    "Coupling hypernetwork": Case(lambda k: gf.Coupling(k, shape=(3,), transformer=gf.Affine(), nn_width=8, nn_depth=1, condition_shape=(2,), conditioning="hypernetwork", hyper_width=4)),
    "Chain conditional (with unconditional members)": Case(lambda k: gf.Chain([gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1, condition_shape=(2,)), gf.Permute(jnp.array([2, 0, 1])), gf.ActNorm(shape=(3,))])),
    "Chain conditional scanned (8 repeated blocks)": Case(lambda k: _conditional_chain(k, 8)),
    "Stacked conditional scanned (8 blocks)": Case(lambda k: gf.Stacked([gf.Chain(_conditional_chain(kk, 1).bijectors) for kk in jr.split(k, 8)])),
    "MaskedAutoregressive conditional (MAF, spline)": Case(lambda k: gf.MaskedAutoregressive(k, shape=(3,), transformer=gf.RationalQuadraticSpline(knots=5, interval=3.0), nn_width=16, nn_depth=1, condition_shape=(2,))),
    "MaskedAutoregressive conditional, no hidden layer": Case(lambda k: gf.MaskedAutoregressive(k, shape=(3,), nn_width=8, nn_depth=0, condition_shape=(1,))),
    "Invert(conditional MaskedAutoregressive) (IAF)": Case(lambda k: gf.Invert(gf.MaskedAutoregressive(k, shape=(3,), nn_width=8, nn_depth=1, condition_shape=(2,)))),
    "Invert(conditional Coupling)": Case(lambda k: gf.Invert(gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1, condition_shape=(2,)))),
    "coupling_flow conditional": Case(lambda k: gf.coupling_flow(k, shape=(3,), transformer=gf.RationalQuadraticSpline(knots=4, interval=3.0), n_layers=3, nn_width=8, nn_depth=1, condition_shape=(2,)).bijection),
    "coupling_flow hypernetwork": Case(lambda k: gf.coupling_flow(k, shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8, nn_depth=1, condition_shape=(1,), conditioning="hypernetwork", hyper_width=4).bijection),
}

NAMES = list(CASES)
CONDITIONAL_NAMES = list(CONDITIONAL_CASES)
DTYPES = {"float64": jnp.float64, "float32": jnp.float32}
# (round trip, log-det) absolute tolerances, relative to the size of the numbers compared
TOLERANCE = {
    ("float64", True): (1e-12, 1e-10),
    ("float64", False): (1e-10, 1e-8),
    ("float32", True): (2e-5, 2e-3),
    ("float32", False): (2e-4, 5e-3),
}


def _build(name: str, dtype_name: str):
    case = CASES[name] if name in CASES else CONDITIONAL_CASES[name]
    bijector = gf.perturb(case.make(jr.key(0)), jr.key(1), scale=0.3)
    return case, gf.cast(bijector, DTYPES[dtype_name])


def _inputs(case: Case, shape, dtype, far: bool):
    key = jr.key(2 if not far else 3)
    if case.inputs is not None:
        x = case.inputs(key, shape)
    else:
        x = 2.0 * jr.normal(key, shape)
        if far:  # far from zero, both signs: the tails are where log-space matters
            x = x + 6.0 * jnp.sign(x)
    return x.astype(dtype)


def _log_det_autodiff(bijector, x, condition=None):
    """``slogdet`` of the autodiff Jacobian in ``x`` (at the fixed ``condition``, if any)."""
    flat = lambda v: bijector.transform(v.reshape(x.shape), condition).ravel()
    jac = jax.jacfwd(flat)(x.ravel().astype(jnp.float64) if x.dtype == jnp.float64 else x.ravel())
    return jnp.linalg.slogdet(jac)[1]


def _close(a, b, tol):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(b))) if b.size else 1.0)
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    return err <= tol * scale, err


@eqx.filter_jit
def _everything_compared(bijector, x, condition):
    """Every number the contract compares, as ONE compiled program per (case, dtype): the
    typical and the far inputs share it (compiling it once costs less than running these
    steps op by op; ``test_jit_and_vmap`` compares compiled with op-by-op results)."""
    y, log_det = bijector.transform_and_log_det(x, condition)
    x_back, inv_log_det = bijector.inverse_and_log_det(y, condition)
    return {"y": y, "log_det": log_det, "transform": bijector.transform(x, condition),
            "x_back": x_back, "inv_log_det": inv_log_det, "inverse": bijector.inverse(y, condition),
            "log_det_autodiff": _log_det_autodiff(bijector, x, condition)}


def _check_round_trip_and_log_det(name, dtype_name, condition_seed=None):
    """The contract's numerical checks on typical and on far-out inputs, at a fixed condition
    for a conditional bijector."""
    case, bijector = _build(name, dtype_name)
    dtype = DTYPES[dtype_name]
    tol_rt, tol_ld = TOLERANCE[(dtype_name, case.exact_inverse)]
    c = None if condition_seed is None else _condition(bijector, dtype, condition_seed)
    for inputs in ("typical", "far"):
        x = _inputs(case, bijector.shape, dtype, far=inputs == "far")
        got = _everything_compared(bijector, x, c)
        y, log_det = got["y"], got["log_det"]
        where = f"{inputs} inputs"
        assert y.shape == bijector.output_shape and log_det.shape == (), where
        assert y.dtype == dtype and log_det.dtype == dtype, (where, y.dtype, log_det.dtype)
        assert bool(jnp.all(jnp.isfinite(y))) and bool(jnp.isfinite(log_det)), f"{where}: not finite"
        ok, err = _close(got["transform"], y, 0.0 if dtype_name == "float64" else 1e-6)
        assert ok, f"{where}: transform and transform_and_log_det disagree by {err:.2e}"

        ok, err = _close(got["x_back"], x, tol_rt)
        assert ok, f"{where}: round-trip error {err:.2e} > {tol_rt:.0e}"
        ok, err = _close(got["inverse"], got["x_back"], tol_rt)
        assert ok, f"{where}: inverse and inverse_and_log_det disagree by {err:.2e}"

        ok, err = _close(log_det, got["log_det_autodiff"], tol_ld)
        assert ok, f"{where}: log-det differs from slogdet(jacfwd) by {err:.2e}"
        ok, err = _close(got["inv_log_det"], -log_det, tol_ld)
        assert ok, f"{where}: inverse log-det is not minus the forward one (off by {err:.2e})"


@pytest.mark.parametrize("dtype_name", list(DTYPES))
@pytest.mark.parametrize("name", NAMES)
def test_round_trip_and_log_det(name, dtype_name):
    _check_round_trip_and_log_det(name, dtype_name)


@pytest.mark.parametrize("name", NAMES)
def test_jit_and_vmap(name):
    case, bijector = _build(name, "float64")
    xs = jnp.stack([_inputs(case, bijector.shape, jnp.float64, far=False) * s for s in (0.5, 1.0, 1.5)])
    if case.inputs is not None:
        xs = jnp.clip(xs, 0.01, 0.99)

    # Op by op once (the reference), compiled for each input, and compiled under vmap: running
    # every input op by op would cost more than all the compiled checks together.
    forward = eqx.filter_jit(lambda b, x: b.transform_and_log_det(x))
    batched = eqx.filter_jit(lambda b, xs: jax.vmap(b.transform_and_log_det)(xs))(bijector, xs)
    y_eager, ld_eager = bijector.transform_and_log_det(xs[0])
    y_jit, ld_jit = forward(bijector, xs[0])
    np.testing.assert_allclose(y_jit, y_eager, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ld_jit, ld_eager, rtol=1e-10, atol=1e-12)
    for i, x in enumerate(xs):
        y_jit, ld_jit = forward(bijector, x)
        np.testing.assert_allclose(batched[0][i], y_jit, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(batched[1][i], ld_jit, rtol=1e-10, atol=1e-12)
    inverse = eqx.filter_jit(lambda b, y: b.inverse(y))
    inverse_batched = eqx.filter_jit(lambda b, ys: jax.vmap(b.inverse)(ys))(bijector, batched[0])
    np.testing.assert_allclose(inverse(bijector, batched[0][0]), bijector.inverse(batched[0][0]), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(inverse_batched, jnp.stack([inverse(bijector, y) for y in batched[0]]), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_shape_is_refused_with_both_shapes(name):
    _, bijector = _build(name, "float64")
    # the forward direction expects ``shape``, the inverse ``output_shape`` (they differ when
    # the bijector reshapes, as Squeeze does); each is refused the other too when they differ
    for expected, methods in ((tuple(bijector.shape), (bijector.transform, bijector.transform_and_log_det)),
                              (tuple(bijector.output_shape), (bijector.inverse, bijector.inverse_and_log_det))):
        wrongs = [expected + (2,) if expected else (2,)]
        if tuple(bijector.shape) != tuple(bijector.output_shape):
            wrongs.append(tuple(bijector.output_shape) if expected == tuple(bijector.shape) else tuple(bijector.shape))
        for method in methods:
            for wrong in wrongs:
                with pytest.raises(ValueError) as info:
                    method(jnp.full(wrong, 0.5))
                message = str(info.value)
                assert str(expected) in message and str(wrong) in message, message


@pytest.mark.parametrize("name", NAMES)
def test_parameters_are_not_weakly_typed(name):
    bijector = CASES[name].make(jr.key(0))  # as built: what gf.fit receives
    weak = [jax.tree_util.keystr(path) for path, leaf in jax.tree_util.tree_leaves_with_path(bijector)
            if isinstance(leaf, jax.Array) and leaf.weak_type]
    assert not weak, f"weakly typed parameters (give them a dtype): {weak}"


def _bijector_types(bijector) -> set[str]:
    """Names of the bijector classes in ``bijector`` and, recursively, in everything it wraps."""
    names = {type(bijector).__name__}
    inner = jax.tree_util.tree_leaves(
        bijector, is_leaf=lambda v: v is not bijector and isinstance(v, gf.Bijector))
    for leaf in inner:
        if isinstance(leaf, gf.Bijector):
            names |= _bijector_types(leaf)
    return names


def test_every_public_bijector_has_a_case():
    """A bijector class exported by gauss_flows without a contract case is a test gap."""
    exported = {n for n in dir(gf) if isinstance(getattr(gf, n), type) and issubclass(getattr(gf, n), gf.Bijector)}
    abstract = {"Bijector"}
    covered = set()
    for n in NAMES:  # what a chain, coupling or builder wraps is covered through it too
        covered |= _bijector_types(CASES[n].make(jr.key(0)))
    missing = sorted(exported - abstract - covered)
    assert not missing, f"bijectors without a contract case: {missing}"


def test_a_scanned_chain_computes_what_the_unrolled_one_does(monkeypatch):
    """The lax.scan over repeated blocks is an implementation detail: same numbers both ways."""
    from gauss_flows.bijectors import chain

    _, bijector = _build("Chain scanned (8 repeated blocks)", "float64")
    assert len(bijector) // chain._repeating_block(bijector.bijectors) >= chain.SCAN_FROM_REPEATS
    x = jnp.array([0.3, -1.2, 2.0])
    scanned = [bijector.transform_and_log_det(x), bijector.inverse_and_log_det(x)]
    monkeypatch.setattr(chain, "SCAN_FROM_REPEATS", 10**6)
    unrolled = [bijector.transform_and_log_det(x), bijector.inverse_and_log_det(x)]
    for (y_s, ld_s), (y_u, ld_u) in zip(scanned, unrolled):
        np.testing.assert_allclose(y_s, y_u, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ld_s, ld_u, rtol=1e-12, atol=1e-12)


# ---- conditional bijectors: the contract at a fixed condition, and the condition's own rules ----

def _condition(bijector, dtype, seed: int = 4):
    return jr.normal(jr.key(seed), bijector.condition_shape).astype(dtype)


@pytest.mark.parametrize("name", CONDITIONAL_NAMES)
def test_conditional_cases_are_conditional(name):
    _, bijector = _build(name, "float64")
    assert bijector.condition_shape is not None


@pytest.mark.parametrize("dtype_name", list(DTYPES))
@pytest.mark.parametrize("name", CONDITIONAL_NAMES)
def test_conditional_round_trip_and_log_det(name, dtype_name):
    _check_round_trip_and_log_det(name, dtype_name, condition_seed=4)


@pytest.mark.parametrize("name", CONDITIONAL_NAMES)
def test_conditional_jit_and_vmap_over_x_and_condition(name):
    case, bijector = _build(name, "float64")
    xs = jnp.stack([_inputs(case, bijector.shape, jnp.float64, far=False) * s for s in (0.5, 1.0, 1.5)])
    cs = jnp.stack([_condition(bijector, jnp.float64, seed) for seed in (4, 5, 6)])
    # As test_jit_and_vmap: op by op once (the reference), then compiled, alone and under vmap.
    forward = eqx.filter_jit(lambda b, x, c: b.transform_and_log_det(x, c))
    paired = eqx.filter_jit(lambda b, xs, cs: jax.vmap(b.transform_and_log_det)(xs, cs))(bijector, xs, cs)  # one context each
    shared = eqx.filter_jit(lambda b, xs, c: jax.vmap(b.transform_and_log_det, in_axes=(0, None))(xs, c))(
        bijector, xs, cs[0])                                                                           # one for all
    y_eager, ld_eager = bijector.transform_and_log_det(xs[0], cs[0])
    y_jit, ld_jit = forward(bijector, xs[0], cs[0])
    np.testing.assert_allclose(y_jit, y_eager, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ld_jit, ld_eager, rtol=1e-10, atol=1e-12)
    for i, (x, c) in enumerate(zip(xs, cs)):
        y_jit, ld_jit = forward(bijector, x, c)
        for got, want in ((paired[0][i], y_jit), (paired[1][i], ld_jit)):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(shared[0][i], forward(bijector, x, cs[0])[0], rtol=1e-10, atol=1e-12)
    inverse = eqx.filter_jit(lambda b, y, c: b.inverse(y, c))
    inverse_paired = eqx.filter_jit(lambda b, ys, cs: jax.vmap(b.inverse)(ys, cs))(bijector, paired[0], cs)
    np.testing.assert_allclose(inverse_paired, xs, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(inverse(bijector, paired[0][0], cs[0]), bijector.inverse(paired[0][0], cs[0]),
                               rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", CONDITIONAL_NAMES)
def test_a_wrong_or_missing_condition_is_refused(name):
    case, bijector = _build(name, "float64")
    x = _inputs(case, bijector.shape, jnp.float64, far=False)
    expected = tuple(bijector.condition_shape)
    wrong_shapes = [expected + (2,), (expected[0] + 1,) + expected[1:], (5,) + expected]
    for method in (bijector.transform, bijector.transform_and_log_det, bijector.inverse,
                   bijector.inverse_and_log_det):
        for wrong in wrong_shapes:
            with pytest.raises(ValueError) as info:
                method(x, jnp.zeros(wrong))
            message = str(info.value)
            assert str(expected) in message and str(wrong) in message, message
        with pytest.raises(ValueError, match="conditional"):
            method(x)


@pytest.mark.parametrize("name", CONDITIONAL_NAMES)
def test_the_condition_changes_the_map(name):
    case, bijector = _build(name, "float64")
    x = _inputs(case, bijector.shape, jnp.float64, far=False)
    y1, ld1 = bijector.transform_and_log_det(x, _condition(bijector, jnp.float64, 4))
    y2, ld2 = bijector.transform_and_log_det(x, _condition(bijector, jnp.float64, 5))
    assert float(jnp.max(jnp.abs(y1 - y2))) > 1e-3 and abs(float(ld1 - ld2)) > 1e-6


@pytest.mark.parametrize("name", CONDITIONAL_NAMES)
def test_conditional_parameters_are_not_weakly_typed(name):
    bijector = CONDITIONAL_CASES[name].make(jr.key(0))
    weak = [jax.tree_util.keystr(path) for path, leaf in jax.tree_util.tree_leaves_with_path(bijector)
            if isinstance(leaf, jax.Array) and leaf.weak_type]
    assert not weak, f"weakly typed parameters (give them a dtype): {weak}"


@pytest.mark.parametrize("name", NAMES)
def test_an_unconditional_bijector_refuses_a_condition(name):
    case, bijector = _build(name, "float64")
    assert bijector.condition_shape is None
    x = _inputs(case, bijector.shape, jnp.float64, far=False)
    with pytest.raises(ValueError, match=r"unconditional.*\(2,\)"):
        bijector.transform_and_log_det(x, jnp.zeros(2))
