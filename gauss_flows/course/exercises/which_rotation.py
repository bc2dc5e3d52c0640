"""Checkers for Part 3 · 02, which rotation (Laparra, Camps-Valls & Malo 2011).

Exercise 1: ``layers_needed(tc_x, tc_reduction, fraction)`` -> the first layer ``k`` (from 1) after
which the total correlation left, ``tc_x - sum(tc_reduction[:k])``, is at most
``fraction * tc_x``; ``None`` if it never gets there. The notebook then applies it to its own
PCA and random runs in one dimension.
Exercise 2: ``toy_total_correlation(x, scales)`` -> :math:`\\sum_i H(x_i) - \\sum_i \\log(2\\sqrt3\\,\\sigma_i)`
for ``x = s Q^T``, with independent uniform sources of standard deviations ``scales`` (a rotation
keeps the joint entropy, and a uniform of standard deviation :math:`\\sigma` has entropy
:math:`\\log(2\\sqrt3\\,\\sigma)`); marginal entropies by
:func:`gauss_flows.diagnostics.marginal_entropy`.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from gauss_flows import diagnostics
from gauss_flows.diagnostics import layers_needed as _layers_needed
from gauss_flows.course.exercises.core import ExerciseError, Mistake, call_student, check_function

__all__ = ["check_layers_needed", "check_toy_total_correlation"]

_CURVE = np.array([0.5, 0.2, 0.1, 0.05, -0.02, 0.03, 0.01])
NEEDED_INPUTS = [(1.0, _CURVE, 0.5), (1.0, _CURVE, 0.25), (1.0, _CURVE, 0.1), (2.0, _CURVE, 0.5),
                 (0.9, _CURVE, 0.5), (1.5, np.array([0.1, 0.1]), 0.5), (0.8, np.array([0.4, 0.1]), 0.5)]


def _never_none(tc, c, f):
    k = _layers_needed(tc, c, f)
    return len(c) if k is None else k


def _zero_based(tc, c, f):
    k = _layers_needed(tc, c, f)
    return None if k is None else k - 1


def _reduction_below(tc, c, f):
    below = np.flatnonzero(np.asarray(c) <= f * tc)
    return int(below[0]) + 1 if below.size else None


NEEDED_MISTAKES = [
    Mistake(_zero_based, "Off by one: count layers from 1 (after the first layer, k = 1)."),
    Mistake(_never_none, "When the target is never reached, return None, not the number of recorded "
                         "layers: 'more than L layers' is a different answer from 'L layers'."),
    Mistake(_reduction_below, "You compared one layer's reduction with the target. The target is about "
                              "what is LEFT: tc_x - cumsum(tc_reduction)."),
]


def _wrap(answer):
    # None cannot be compared as a number: encode it as -1 for the checker
    def encoded(tc, c, f):
        k = answer(tc, c, f)
        return -1.0 if k is None else k
    return encoded


def check_layers_needed(layers_needed) -> None:
    """Exercise 1: ``layers_needed(tc_x, tc_reduction, fraction)`` -> first layer at target, or None."""
    if not callable(layers_needed):
        raise ExerciseError("Exercise 1: `layers_needed` should be a function.")
    for args in NEEDED_INPUTS:
        got = call_student(layers_needed, *args, exercise=1, call="layers_needed")
        if got is not None and (isinstance(got, (bool, np.bool_)) or not float(got).is_integer()):
            raise ExerciseError(f"Exercise 1: `layers_needed` returned {got!r}; return a whole number "
                                "of layers or None.")
    check_function(_wrap(layers_needed), _wrap(_layers_needed), NEEDED_INPUTS, name="layers_needed",
                   exercise=1, mistakes=[Mistake(_wrap(m.answer), m.hint) for m in NEEDED_MISTAKES])


# ----------------------------------------------------------------------------- exercise 2
def _toy(seed: int, d: int, n: int = 1000):
    rng = np.random.default_rng(seed)
    scales = np.linspace(1.0, 3.0, d)
    sources = rng.uniform(-1, 1, (n, d)) * np.sqrt(3.0) * scales
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    return sources @ q.T, scales


TOY_INPUTS = [_toy(0, 2, 1000), _toy(1, 8, 1000)]  # the notebook's shapes: compiled already


def _tc(x, scales):
    return float(jnp.sum(diagnostics.marginal_entropy(jnp.asarray(x)))) - float(
        np.sum(np.log(2 * np.sqrt(3.0) * np.asarray(scales))))


TOY_MISTAKES = [
    Mistake(lambda x, s: float(jnp.sum(diagnostics.marginal_entropy(jnp.asarray(x)))) - float(np.sum(np.log(2 * np.asarray(s)))),
            "The uniform's width is off: a uniform of standard deviation σ lives on [-√3σ, √3σ], width "
            "2√3σ, so its entropy is log(2√3 σ)."),
    Mistake(lambda x, s: float(jnp.sum(diagnostics.marginal_entropy(jnp.asarray(x)))) - float(
        np.sum(diagnostics.gaussian_entropy(np.asarray(s) ** 2))),
            "You used the entropy of a GAUSSIAN source of the same variance. The sources are uniform: "
            "H = log(2√3 σ), which is smaller."),
    Mistake(lambda x, s: float(jnp.sum(diagnostics.gaussian_entropy(jnp.var(jnp.asarray(x), 0)))) - float(
        np.sum(np.log(2 * np.sqrt(3.0) * np.asarray(s)))),
            "The marginals of x are not Gaussian: estimate their entropies with "
            "gf.diagnostics.marginal_entropy, not from their variances."),
]


def check_toy_total_correlation(toy_total_correlation) -> None:
    """Exercise 2: ``toy_total_correlation(x, scales)`` -> TC(x) of the rotated uniform toy data."""
    check_function(toy_total_correlation, _tc, TOY_INPUTS, name="toy_total_correlation", exercise=2,
                   mistakes=TOY_MISTAKES, rtol=1e-6, atol=1e-8)
