"""Checkers for Part 0 · 01, composition: the log-determinants of a chain add.

For :math:`T = T_K \\circ \\dots \\circ T_1` the chain rule gives
:math:`\\partial T/\\partial x = J_K(x_{K-1}) \\cdots J_1(x_0)` with :math:`x_0 = x`,
:math:`x_k = T_k(x_{k-1})`, and :math:`\\det(AB) = \\det A \\det B`, so

.. math::  \\log\\lvert\\det \\partial T/\\partial x\\rvert = \\sum_k \\log\\lvert\\det J_k(x_{k-1})\\rvert .

Exercise 1: ``layer_log_dets(layers, x)``, the K terms of that sum for a list of bijectors
(each at the point it receives); the notebook's chain contains a rotation, whose term is 0.
Exercise 2: ``autodiff_log_det(f, x)`` = :math:`\\log|\\det \\partial f/\\partial x|` from the
full Jacobian (``jax.jacfwd`` + ``slogdet``), the independent check of the sum.
"""

from __future__ import annotations

import contextlib
import io

import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows.course.examples import bend as _bend
from gauss_flows.course.examples import composition_layers
from gauss_flows.course.examples import reflect_and_stretch as _reflect_and_stretch
from gauss_flows.course.exercises.core import Mistake, check_function

# ---------------------------------------------------------------------------- exercise 1
POINTS = [np.zeros(2), np.array([0.6, -0.4]), np.array([-1.5, 0.8]), np.array([2.0, 1.2]),
          np.array([-0.3, -2.1])]


def _layers():
    return composition_layers()


def _layer_log_dets(layers, x):
    out = []
    for layer in layers:
        x, log_det = layer.transform_and_log_det(x)
        out.append(float(log_det))
    return np.array(out)


def _all_at_start(layers, x):
    return np.array([float(layer.transform_and_log_det(x)[1]) for layer in layers])


def _reversed(layers, x):
    return _layer_log_dets(layers[::-1], x)[::-1]


def _cumulative(layers, x):
    return np.cumsum(_layer_log_dets(layers, x))


LAYER_MISTAKES = [
    (_all_at_start,
     "Every layer was evaluated at the ORIGINAL point x. Layer k acts on what the layers before it "
     "produced: x_k = T_k(x_{k-1}), and its log-det is taken at x_{k-1}. Update x as you go "
     "(x, log_det = layer.transform_and_log_det(x))."),
    (_cumulative,
     "You returned the running sum (log-det of the first k layers), not each layer's own term. "
     "Return the K separate terms; their sum is the chain's log-det."),
    (_reversed,
     "The layers were applied in reverse order. gf.Chain (and this exercise) applies the list in "
     "order: layers[0] first, on the data point."),
]


def check_layer_log_dets(layer_log_dets) -> None:
    """Exercise 1: ``layer_log_dets(layers, x)`` -> array (K,) of per-layer log-dets along the chain."""
    layers = _layers()
    check_function(lambda x: layer_log_dets(layers, x), lambda x: _layer_log_dets(layers, x),
                   POINTS, name="layer_log_dets", exercise=1,
                   mistakes=[Mistake(lambda x, f=f: f(layers, x), hint) for f, hint in LAYER_MISTAKES],
                   rtol=1e-9, atol=1e-12)
    terms = np.array([np.asarray(layer_log_dets(layers, x), dtype=float) for x in POINTS])
    print(f"  the rotation's term (column 2) at the {len(POINTS)} test points: "
          f"{np.array2string(terms[:, 1], precision=3)}: a rotation adds 0.")


# ---------------------------------------------------------------------------- exercise 2
def _bend_and_flip(x):
    return _reflect_and_stretch(_bend(x))


MAPS = {"a linear map with det < 0": _reflect_and_stretch,
        "a nonlinear map": _bend,
        "the two composed": _bend_and_flip}
AUTODIFF_POINTS = [np.zeros(2), np.array([0.4, -1.1]), np.array([-2.0, 0.7]), np.array([1.3, 2.2])]


def _autodiff_log_det(f, x):
    return float(np.linalg.slogdet(np.asarray(jax.jacfwd(f)(jnp.asarray(x, float))))[1])


def _diagonal_only(f, x):
    J = np.asarray(jax.jacfwd(f)(jnp.asarray(x, float)))
    return float(np.sum(np.log(np.abs(np.diag(J)))))


def _log_of_trace(f, x):
    J = np.asarray(jax.jacfwd(f)(jnp.asarray(x, float)))
    return float(np.log(np.abs(np.trace(J))))


def _det_itself(f, x):
    return float(np.linalg.det(np.asarray(jax.jacfwd(f)(jnp.asarray(x, float)))))


AUTODIFF_MISTAKES = [
    (_det_itself,
     "That is det J itself. The exercise asks for log|det J|: take the absolute value and the log "
     "(jnp.linalg.slogdet(J)[1] does both, stably)."),
    (_diagonal_only,
     "You used only the diagonal of the Jacobian (sum of log|dT_i/dx_i|). That is the log-det only "
     "for a triangular Jacobian (an elementwise or coupling layer), not for a map that mixes "
     "coordinates: take the determinant of the full matrix (jnp.linalg.slogdet)."),
    (_log_of_trace,
     "You took the trace of the Jacobian, not its determinant: log|det J| = log|prod of eigenvalues|, "
     "not the log of their sum."),
]


def check_autodiff_log_det(autodiff_log_det) -> None:
    """Exercise 2: ``autodiff_log_det(f, x)`` = log|det jacfwd(f)(x)| for a map ``f`` of one point."""
    worst = 0.0
    for description, f in MAPS.items():
        with contextlib.redirect_stdout(io.StringIO()):  # one summary line instead of three
            check_function(lambda x: autodiff_log_det(f, x), lambda x: _autodiff_log_det(f, x),
                           AUTODIFF_POINTS, name=f"autodiff_log_det on {description}", exercise=2,
                           mistakes=[Mistake(lambda x, m=m: m(f, x), hint)
                                     for m, hint in AUTODIFF_MISTAKES],
                           rtol=1e-9, atol=1e-12)
        worst = max(worst, max(abs(float(autodiff_log_det(f, x)) - _autodiff_log_det(f, x))
                               for x in AUTODIFF_POINTS))
    print(f"Correct: `autodiff_log_det` matches the reference on {len(MAPS)} maps x "
          f"{len(AUTODIFF_POINTS)} points (largest difference {worst:.1e}).")
