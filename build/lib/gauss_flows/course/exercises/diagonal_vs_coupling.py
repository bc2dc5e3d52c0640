"""Checkers for Part 4 · 02, log-likelihood against parameter count.

Exercise 1: ``loglik_vs_params(flows, x)``: an array of shape ``(len(flows), 2)`` whose row
``j`` is ``[number of trainable parameters of flows[j], mean log q_j(x)]``, the parameters
counted with :func:`gauss_flows.count_parameters` (frozen arrays, such as fixed rotations, are
not parameters).
Exercise 2: ``bits_per_dim(mean_log_likelihood, d)``: the NLL in bits per dimension,
:math:`-\\overline{\\log q}/(d \\ln 2)`.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.random as jr
import numpy as np

from gauss_flows.distributions import jit_log_prob
from gauss_flows.course.exercises.core import Mistake, check_function


@functools.cache
def _cases():
    """Two cases, built once: every check (and every known mistake) reuses their flows. The
    two Gaussianization flows share one architecture (other rotations), so the three flows
    cost two compilations of log_prob; the points come from numpy (no compilation)."""
    from gauss_flows import bijectors as b
    from gauss_flows.flows import coupling_flow, gaussianization_flow

    x = np.random.default_rng(11).normal(size=(40, 2)) * np.array([1.2, 0.6])

    def gaussianization(key):  # fixed random rotations: frozen arrays that are not parameters
        return gaussianization_flow(key, shape=(2,), n_layers=2, n_components=3, rotation="random")

    # a fresh coupling is not the identity: its conditioners' output weights are small, not 0
    flows = [gaussianization(jr.key(0)),
             coupling_flow(jr.key(1), shape=(2,), transformer=b.Affine(), n_layers=2, nn_width=5,
                           nn_depth=1),
             gaussianization(jr.key(3))]
    # case 2: fewer flows and other points of the same shape
    return [(flows, x), (flows[1:], x[::-1] * 0.5)]


def _table(flows, x):
    from gauss_flows.parameters import count_parameters

    return np.array([[count_parameters(f), float(np.mean(np.asarray(jit_log_prob(f, x))))] for f in flows])


def _all_leaves(flow):
    return sum(leaf.size for leaf in jax.tree_util.tree_leaves(eqx.filter(flow, eqx.is_inexact_array)))


MISTAKES = [
    Mistake(lambda flows, x: np.array([[_all_leaves(f), float(np.mean(jit_log_prob(f, x)))] for f in flows]),
            "Your parameter counts include frozen arrays (the fixed random rotations and their "
            "means). Count only what training moves: gf.count_parameters(flow)."),
    Mistake(lambda flows, x: np.array([[_table([f], x)[0, 0], float(np.sum(jit_log_prob(f, x)))] for f in flows]),
            "The second column should be the MEAN log-likelihood per sample, not the sum (which "
            "grows with the number of samples)."),
    Mistake(lambda flows, x: _table(flows, x) * np.array([1.0, -1.0]),
            "The second column is the log-likelihood, mean log q(x), not the NLL: drop the minus sign."),
    Mistake(lambda flows, x: _table(flows, x)[:, ::-1],
            "The columns are swapped: [parameter count, mean log-likelihood]."),
]


def check_loglik_vs_params(loglik_vs_params) -> None:
    """Exercise 1: ``loglik_vs_params(flows, x)`` -> rows ``[count, mean log q(x)]``."""
    cases = _cases()

    def by_case(fn):
        return lambda k: np.asarray(fn(*cases[k - 1]), dtype=float)

    check_function(by_case(loglik_vs_params), by_case(_table), [1, 2], name="loglik_vs_params",
                   exercise=1, mistakes=[Mistake(by_case(m.answer), m.hint) for m in MISTAKES],
                   rtol=1e-6, atol=1e-8)


def _bits(mean_log_likelihood, d):
    return -float(mean_log_likelihood) / (d * np.log(2.0))


BITS_INPUTS = [(-1.2, 2), (0.4, 2), (-3.5, 5), (-0.7, 1), (0.0, 3)]
BITS_MISTAKES = [
    Mistake(lambda ll, d: -ll / np.log(2.0), "Divide by the dimension d as well: bits PER DIMENSION."),
    Mistake(lambda ll, d: -ll / d, "That is nats per dimension; divide by ln 2 to get bits."),
    Mistake(lambda ll, d: -ll / (d * np.log(10.0)),
            "Bits are log base 2: divide by ln 2, not ln 10."),
    Mistake(lambda ll, d: -ll * np.log(2.0) / d,
            "Converting nats to bits DIVIDES by ln 2 (1 nat = 1/ln 2 = 1.44 bits)."),
]


def check_bits_per_dim(bits_per_dim) -> None:
    """Exercise 2: ``bits_per_dim(mean_log_likelihood, d)`` = -ll / (d ln 2)."""
    check_function(bits_per_dim, _bits, BITS_INPUTS, name="bits_per_dim", exercise=2,
                   mistakes=BITS_MISTAKES)
