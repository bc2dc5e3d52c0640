"""Checkers for Part 5 · 08, coupling vs autoregressive (MADE, Germain et al. 2015; MAF,
Papamakarios et al. 2017).

Exercise 1: ``coupling_made_mask(mask)`` -> the ``(d, d)`` boolean MADE mask of a coupling layer
(one masked linear map from the inputs to the transformer parameters): entry ``[i, j]`` is True
when the parameters of output ``i`` may read input ``j``. With degrees passive 1, active 2 and
MADE's rule "output degree > input degree", that is ``mask[i] and not mask[j]``.
Exercise 2: ``maf_inverse(layer, z)`` -> ``x`` with ``layer.transform(x) == z`` for an affine
``gf.MaskedAutoregressive``, one coordinate at a time in ``layer.order``.
"""

from __future__ import annotations

import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

__all__ = ["check_coupling_made_mask", "check_maf_inverse"]


def _fail(exercise, message: str) -> ExerciseError:
    return ExerciseError(f"Exercise {exercise}: {message}")


def _bits(mask) -> str:
    return "".join("1" if b else "0" for b in np.asarray(mask, dtype=bool).ravel())


# ----------------------------------------------------------------------------- exercise 1
MASK_INPUTS = [np.array(list(bits)) == "1" for bits in
               ("0011", "0101", "00111", "10", "110100", "0110")]


def _coupling_made_mask(mask):
    degrees = gf.made.coupling_degrees(np.asarray(mask, dtype=bool))
    return gf.made.masks_from_degrees([degrees], degrees)[0]


MASK_MISTAKES = [
    Mistake(lambda m: _coupling_made_mask(m).T, "Your matrix is the transpose of the answer, which is "
            "the same as swapping the roles: row i is OUTPUT i (the coordinate whose parameters are "
            "predicted), column j is INPUT j, and the conditioner READS the passive coordinates (mask "
            "False) to predict the active ones (mask True). So the True entries sit in the active ROWS and "
            "the passive COLUMNS."),
    Mistake(lambda m: _coupling_made_mask(m) | np.eye(len(m), dtype=bool), "The diagonal must be False: "
            "MADE's output rule is STRICT (output degree > input degree); an output that reads its own "
            "input would not be invertible coordinate by coordinate."),
    Mistake(lambda m: np.asarray(m, dtype=bool)[:, None] & np.ones((len(m), len(m)), dtype=bool),
            "Active outputs may read only PASSIVE inputs: with your mask an active coordinate reads the other "
            "active ones (and itself), so the Jacobian's active block is no longer diagonal."),
    Mistake(lambda m: np.tril(np.ones((len(m), len(m)), dtype=bool), -1), "That is the MADE mask of the "
            "natural order 0, 1, ..., d-1 (d different degrees). A coupling has only TWO degrees: passive 1, "
            "active 2, whatever the positions."),
]


def check_coupling_made_mask(coupling_made_mask) -> None:
    """Exercise 1: ``coupling_made_mask(mask)`` for boolean masks (True = active)."""
    if not callable(coupling_made_mask):
        raise _fail(1, "`coupling_made_mask` should be a function (def coupling_made_mask(mask): ...).")
    for mask in MASK_INPUTS:
        out = coupling_made_mask(mask.copy())
        if out is None:
            raise _fail(1, "`coupling_made_mask` returned None: did you forget the `return` statement?")
        got = np.asarray(out)
        d = len(mask)
        if got.shape != (d, d):
            raise _fail(1, f"for the mask {_bits(mask)} you returned shape {got.shape}; the MADE mask of a "
                           f"layer with {d} inputs and {d} outputs has shape ({d}, {d}).")
        if got.dtype != np.bool_ and not np.all((got == 0) | (got == 1)):
            raise _fail(1, f"for the mask {_bits(mask)} your matrix has entries other than True/False "
                           "(or 0/1): a mask says keep or delete a connection, nothing in between.")
    check_function(lambda m: np.asarray(coupling_made_mask(m.copy()), dtype=float),
                   lambda m: _coupling_made_mask(m).astype(float), MASK_INPUTS,
                   name="coupling_made_mask", exercise=1,
                   mistakes=[Mistake(lambda m, f=mk.answer: np.asarray(f(m), dtype=float), mk.hint)
                             for mk in MASK_MISTAKES])


# ----------------------------------------------------------------------------- exercise 2
ORDERS = [np.array([0, 1, 2]), np.array([2, 0, 3, 1]), np.array([1, 0]), np.array([4, 1, 3, 0, 2])]


def _layers():
    layers = []
    for i, order in enumerate(ORDERS):
        layer = gf.MaskedAutoregressive(jr.key(i), shape=(len(order),), order=order, nn_width=8, nn_depth=1)
        layers.append(gf.perturb(layer, jr.key(100 + i), 0.5))
    return layers


def _inputs(layers):
    """(layer number, z) pairs: every layer at a random z, and the 4-D layer at z = 0."""
    out = [(k, np.asarray(1.5 * jr.normal(jr.key(200 + k), layer.shape))) for k, layer in enumerate(layers)]
    return out + [(1, np.zeros(4))]


def _maf_inverse(layer, z):
    return np.asarray(layer.inverse(z))


def _affine_pass(layer, source, z):
    theta = np.asarray(layer.parameters(np.asarray(source)))
    return (np.asarray(z) - theta[:, 0]) * np.exp(-theta[:, 1])


def _one_pass_from_z(layer, z):
    return _affine_pass(layer, z, z)


def _one_pass_from_zero(layer, z):
    return _affine_pass(layer, np.zeros_like(z), z)


def _natural_order(layer, z):
    x = np.zeros_like(np.asarray(z))
    for i in range(len(x)):
        x[i] = _affine_pass(layer, x, z)[i]
    return x


def _plus_log_scale(layer, z):
    x = np.zeros_like(np.asarray(z))
    for i in layer.order:
        theta = np.asarray(layer.parameters(x))
        x[i] = (z[i] - theta[i, 0]) * np.exp(theta[i, 1])
    return x


def _one_pass_short(layer, z):
    x = np.zeros_like(np.asarray(z))
    for i in layer.order[:-1]:
        x[i] = _affine_pass(layer, x, z)[i]
    return x


MAF_MISTAKES = [
    Mistake(_one_pass_from_z, "You computed the parameters once from z: the conditioner reads x (the "
            "data side), which you do not know yet. Recompute layer.parameters(x) after each new coordinate."),
    Mistake(_one_pass_from_zero, "You computed the parameters once, from x = 0: only the first coordinate "
            "in the order is right that way. Recompute layer.parameters(x) after filling in each coordinate."),
    Mistake(_natural_order, "You went through the coordinates as 0, 1, ..., d-1; the layer's order is "
            "layer.order (coordinate layer.order[0] first), and a coordinate's parameters need the ones "
            "before it IN THAT ORDER."),
    Mistake(_plus_log_scale, "The inverse of z = x exp(s) + t is x = (z - t) exp(-s): you multiplied by "
            "exp(+s)."),
    Mistake(_one_pass_short, "The last coordinate of the order is never filled in: the loop must visit all "
            "d coordinates (d network passes)."),
]


def check_maf_inverse(maf_inverse) -> None:
    """Exercise 2: ``maf_inverse(layer, z)`` on affine MAF layers with several orders (the messages
    number the layers: 0 has order 012, 1 has 2031, 2 has 10, 3 has 41302)."""
    if not callable(maf_inverse):
        raise _fail(2, "`maf_inverse` should be a function (def maf_inverse(layer, z): ...).")
    layers = _layers()

    def on(fn):
        return lambda k, z: np.asarray(fn(layers[int(k)], np.array(z)), dtype=float)

    check_function(on(maf_inverse), on(_maf_inverse), _inputs(layers), name="maf_inverse", exercise=2,
                   mistakes=[Mistake(on(m.answer), m.hint) for m in MAF_MISTAKES],
                   inverse=on(lambda layer, z: layer.transform(z)), rtol=1e-8, atol=1e-10)
