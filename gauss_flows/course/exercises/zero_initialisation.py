"""Checkers for Part 5 · 05, zero-initialised couplings.

Exercise 1: ``identity_error(bijector, x)``: how far a bijector is from the identity on a batch
``x`` (shape ``(n, d)``): the array ``[max |T(x) - x|, max |log|det J(x)||]`` over all points and
coordinates, ``T`` = ``bijector.transform`` (map with ``jax.vmap``).
Exercise 2: ``log_det_spread(n_layers, n_active, sigma)``: the standard deviation of the total
log-det of ``n_layers`` affine couplings whose log-scales are independent
:math:`\\mathcal N(0, \\sigma^2)`, one per active coordinate and layer:
:math:`\\sigma\\sqrt{L\\,n_a}`.
"""

from __future__ import annotations

import functools

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_identity_error", "check_log_det_spread"]


@functools.cache
def _cases():
    """Four layers (exact identity, near identity, far from it with positive and negative
    log-dets) and their batches; built once."""
    import jax.random as jr

    from gauss_flows import bijectors as b
    from gauss_flows.parameters import perturb

    x2 = np.random.default_rng(3).normal(size=(50, 2)) * 1.5
    x4 = np.random.default_rng(4).normal(size=(30, 4))
    zero = b.AffineCoupling(jr.key(0), shape=(2,), nn_width=8, nn_depth=1, init_scale=0.0)
    moved = perturb(b.AffineCoupling(jr.key(1), shape=(4,), nn_width=8, nn_depth=1), jr.key(2), 0.8)
    spline = perturb(b.RQSplineCoupling(jr.key(3), shape=(2,), knots=4, interval=3.0, nn_width=8,
                                        nn_depth=1), jr.key(4), 0.5)
    mixture = b.MixtureGaussianCDFCoupling(jr.key(5), shape=(2,), n_components=3, nn_width=8,
                                           nn_depth=1, init_scale=0.0)
    return [(zero, x2), (moved, x4), (spline, x2), (mixture, x2)]


def _outputs(bijector, x):
    import jax

    z, log_det = jax.vmap(bijector.transform_and_log_det)(np.asarray(x))
    return np.asarray(z), np.asarray(log_det)


def _reference(bijector, x):
    z, log_det = _outputs(bijector, x)
    return np.array([np.max(np.abs(z - x)), np.max(np.abs(log_det))])


MISTAKES = [
    Mistake(lambda b, x: np.array([np.max(np.abs(_outputs(b, x)[0] - x)), np.max(_outputs(b, x)[1])]),
            "The log-det can be negative (a layer that squeezes): take max |log det|, not max log det."),
    Mistake(lambda b, x: np.array([np.max(_outputs(b, x)[0] - x), np.max(np.abs(_outputs(b, x)[1]))]),
            "T(x) - x can be negative: take the absolute value before the maximum."),
    Mistake(lambda b, x: np.array([np.mean(np.abs(_outputs(b, x)[0] - x)), np.mean(np.abs(_outputs(b, x)[1]))]),
            "The identity contract is about the WORST point: use the maximum, not the mean."),
    Mistake(lambda b, x: np.array([np.max(np.abs(_outputs(b, x)[0])), np.max(np.abs(_outputs(b, x)[1]))]),
            "The first number measures how far T moves the points: max |T(x) - x|, not max |T(x)|."),
    Mistake(lambda b, x: np.array([np.max(np.abs(_outputs(b, x)[0] - x)), np.max(np.abs(np.exp(_outputs(b, x)[1]) - 1))]),
            "The second number is max |log det|, not how far the determinant itself is from 1."),
]


def check_identity_error(identity_error) -> None:
    """Exercise 1: ``identity_error(bijector, x)`` -> ``[max |T(x) - x|, max |log det|]``."""
    cases = _cases()

    def by_case(fn):
        return lambda k: np.asarray(fn(*cases[k]), dtype=float)

    check_function(by_case(identity_error), by_case(_reference), list(range(len(cases))),
                   name="identity_error", exercise=1,
                   mistakes=[Mistake(by_case(m.answer), m.hint) for m in MISTAKES], atol=1e-12)


def _spread(n_layers, n_active, sigma):
    return sigma * np.sqrt(n_layers * n_active)


SPREAD_INPUTS = [(1, 1, 0.5), (16, 1, 0.5), (16, 4, 0.3), (32, 8, 1.0), (3, 2, 2.0), (100, 5, 0.1)]
SPREAD_MISTAKES = [
    Mistake(lambda L, n, s: s * L * n,
            "Standard deviations of independent terms do not add; their VARIANCES do: "
            "Var(sum) = L n_a sigma^2, and the spread is its square root."),
    Mistake(lambda L, n, s: s ** 2 * L * n,
            "That is the variance of the total log-det; the exercise asks for its standard deviation."),
    Mistake(lambda L, n, s: s * np.sqrt(L),
            "Every active coordinate of every layer adds its own log-scale: count L * n_active terms."),
    Mistake(lambda L, n, s: s * np.sqrt(n),
            "Every layer adds n_active log-scales: count L * n_active terms, not n_active."),
    Mistake(lambda L, n, s: s * np.sqrt(L) * n,
            "The n_active log-scales of one layer are independent too: their variances add, so the "
            "spread grows like sqrt(n_active), not n_active."),
]


def check_log_det_spread(log_det_spread) -> None:
    """Exercise 2: ``log_det_spread(n_layers, n_active, sigma)`` = sigma sqrt(L n_a)."""
    check_function(log_det_spread, _spread, SPREAD_INPUTS, name="log_det_spread", exercise=2,
                   mistakes=SPREAD_MISTAKES)
