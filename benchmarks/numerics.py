"""Section 3, numerics: round trip and log-determinant of every bijector, float32 and float64.

Every bijector of the library (each public class, plus the builders' chains) is moved off its
identity initialisation (``gf.perturb``, scale 0.3), cast to the dtype, and evaluated on
``n`` points per row: *typical* inputs (``2 N(0, 1)``) and *far-tail* inputs (magnitudes
uniform in ``[5, 30]``, both signs). Per row:

* round trip: :math:`\\max |T^{-1}(T(x)) - x| / \\max(1, |x|)`;
* log-det: :math:`\\max |\\log|\\det J| - \\log|\\det J_{\\mathrm{ad}}|| / \\max(1, |\\log|\\det J_{\\mathrm{ad}}||)`
  where :math:`J_{\\mathrm{ad}}` = ``jax.jacfwd`` of ``transform`` in float64 (the float32
  bijector is compared with its float64 twin at the same input);
* the count of non-finite outputs (NaN/inf in ``transform``, ``inverse`` or the log-det).

Inputs of a bijector defined on part of the line (``Invert(NormalCDF)``: (0, 1)) are drawn
there instead; its "far tail" is within 1e-6 of the ends.

Run in its own process with ``JAX_ENABLE_X64=1`` (``run.py`` does), so float64 is real.
"""

from __future__ import annotations

import argparse
import json
import math

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf


def _moons(n=512):
    return gf.datasets.TwoMoons(noise=0.1).sample(jr.key(7), n)


def _spline():
    return gf.RationalQuadraticSpline(knots=8, interval=4.0)


BIJECTORS = {
    "Affine": lambda k: gf.Affine(shape=(3,)),
    "MixtureGaussianCDF (8)": lambda k: gf.MixtureGaussianCDF(n_components=8, shape=(3,)),
    "DeepSigmoid (8)": lambda k: gf.DeepSigmoid(n_hidden=8, shape=(3,)),
    "RationalQuadraticSpline (8 knots)": lambda k: gf.RationalQuadraticSpline(knots=8, interval=4.0, shape=(3,)),
    "NormalCDF": lambda k: gf.NormalCDF(shape=(3,)),
    "Invert(NormalCDF)": lambda k: gf.Invert(gf.NormalCDF(shape=(3,))),
    "AffineCoupling": lambda k: gf.AffineCoupling(k, shape=(4,), nn_width=16, nn_depth=2),
    "MixtureGaussianCDFCoupling": lambda k: gf.MixtureGaussianCDFCoupling(k, shape=(4,), n_components=8, nn_width=16, nn_depth=2),
    "DeepSigmoidCoupling": lambda k: gf.DeepSigmoidCoupling(k, shape=(4,), n_hidden=8, nn_width=16, nn_depth=2),
    "RQSplineCoupling": lambda k: gf.RQSplineCoupling(k, shape=(4,), knots=8, interval=4.0, nn_width=16, nn_depth=2),
    "Coupling (checkerboard 4x4, affine)": lambda k: gf.Coupling(k, shape=(4, 4), transformer=gf.Affine(), mask=gf.masks.checkerboard((4, 4)), nn_width=16, nn_depth=1),
    "Elementwise(DeepSigmoid)": lambda k: gf.Elementwise(gf.DeepSigmoid(n_hidden=4), shape=(3,)),
    "Chain": lambda k: gf.Chain([gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1), gf.Permute(jnp.array([2, 0, 1])), gf.Affine(shape=(3,))]),
    "Invert(AffineCoupling)": lambda k: gf.Invert(gf.AffineCoupling(k, shape=(3,), nn_width=8, nn_depth=1)),
    "Permute": lambda k: gf.Permute(jnp.array([3, 1, 0, 2])),
    "Householder": lambda k: gf.Householder(k, shape=(4,), n_reflections=3),
    "RandomRotation": lambda k: gf.RandomRotation(k, shape=(4,)),
    "PCARotation": lambda k: gf.PCARotation.fit(_moons()),
    "Linear": lambda k: gf.Linear(jr.normal(k, (3, 3)) + 3.0 * jnp.eye(3), shift=jnp.arange(3.0)),
    "LULinear": lambda k: gf.LULinear(k, shape=(4,)),
    "ActNorm.from_data": lambda k: gf.ActNorm.from_data(_moons()),
    "coupling_flow (8 RQ-spline couplings)": lambda k: gf.coupling_flow(k, shape=(2,), transformer=_spline(), n_layers=8, nn_width=64, nn_depth=2).bijection,
    "gaussianization_flow (4 layers)": lambda k: gf.gaussianization_flow(k, shape=(2,), n_layers=4, n_components=8).bijection,
}
UNIT_INTERVAL = {"Invert(NormalCDF)"}


def _inputs(name, shape, n):
    """``(typical, far)`` inputs, made in float32 so both dtypes see exactly the same points."""
    if name in UNIT_INTERVAL:
        typical = jr.uniform(jr.key(2), (n, *shape), minval=0.02, maxval=0.98)
        u = jr.uniform(jr.key(3), (n, *shape), minval=1e-7, maxval=1e-6)
        far = jnp.where(jr.bernoulli(jr.key(4), 0.5, u.shape), u, 1.0 - u)
    else:
        typical = 2.0 * jr.normal(jr.key(2), (n, *shape))
        magnitude = jr.uniform(jr.key(3), (n, *shape), minval=5.0, maxval=30.0)
        far = magnitude * jnp.where(jr.bernoulli(jr.key(4), 0.5, magnitude.shape), 1.0, -1.0)
    return typical.astype(jnp.float32), far.astype(jnp.float32)


def _autodiff_log_det(bijector, x):
    shape = x.shape
    jac = jax.jacfwd(lambda v: bijector.transform(v.reshape(shape)).ravel())(x.ravel())
    return jnp.linalg.slogdet(jac)[1]


def _relative_max(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    finite = np.isfinite(a) & np.isfinite(b)
    if not finite.any():
        return float("nan")
    return float(np.max(np.abs(a - b)[finite] / np.maximum(1.0, np.abs(b)[finite])))


def measure(name, make, n):
    """Rows for one bijector: {dtype, inputs, round_trip, log_det, non_finite}.

    Typical and far inputs go through one compiled call per dtype (compiling dominates)."""
    reference = gf.perturb(make(jr.key(0)), jr.key(1), scale=0.3)  # float64
    typical, far = _inputs(name, reference.shape, n)
    x32 = jnp.concatenate([typical, far])
    exact = jax.jit(jax.vmap(lambda v: _autodiff_log_det(reference, v)))(x32.astype(jnp.float64))
    rows = []
    for dtype_name, dtype in (("float32", jnp.float32), ("float64", jnp.float64)):
        bijector = gf.cast(reference, dtype)

        @jax.jit
        def round_trip(x):
            y, log_det = jax.vmap(bijector.transform_and_log_det)(x)
            return y, log_det, jax.vmap(bijector.inverse)(y)

        x = x32.astype(dtype)
        y, log_det, x_back = (np.asarray(a) for a in round_trip(x))
        bad = ~(np.isfinite(y).reshape(2 * n, -1).all(1) & np.isfinite(x_back).reshape(2 * n, -1).all(1)
                & np.isfinite(log_det))
        for part, label in ((slice(0, n), "typical"), (slice(n, 2 * n), "far tail")):
            rows.append({"bijector": name, "dtype": dtype_name, "inputs": label,
                         "round_trip": _relative_max(x_back[part], np.asarray(x)[part]),
                         "log_det": _relative_max(log_det[part], np.asarray(exact)[part]),
                         "non_finite": int(bad[part].sum()), "n": n})
    return rows


TINY = ("Affine", "RationalQuadraticSpline (8 knots)", "RQSplineCoupling")


def run(n: int, tiny: bool = False) -> dict:
    if not jax.config.jax_enable_x64:
        raise RuntimeError("numerics must run with JAX_ENABLE_X64=1 (float64 would silently be float32)")
    rows = []
    for name, make in BIJECTORS.items():
        if tiny and name not in TINY:
            continue
        try:
            rows += measure(name, make, n)
        except Exception as error:  # a broken bijector is a finding, not a crash of the benchmark
            rows.append({"bijector": name, "dtype": "-", "inputs": "-", "round_trip": math.nan,
                         "log_det": math.nan, "non_finite": -1, "n": n,
                         "error": f"{type(error).__name__}: {error}"[:200]})
    return {"rows": rows}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=256)
    parser.add_argument("--json", required=True)
    parser.add_argument("--tiny", action="store_true", help="three bijectors only")
    args = parser.parse_args()
    with open(args.json, "w") as handle:
        json.dump(run(args.n, args.tiny), handle)
