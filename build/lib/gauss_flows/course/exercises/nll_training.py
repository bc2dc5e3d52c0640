"""Checkers for Part 4 · 00, the negative log-likelihood of a flow.

Exercise 1: ``nll(flow, x)``, the mean NLL of a batch ``x`` (n, d) written from
``flow.bijection.transform_and_log_det`` (one sample at a time) and the base density,

.. math::  \\mathrm{NLL} = -\\frac1n\\sum_i \\Big[\\log\\mathcal N(T(x_i); 0, I)
           + \\log\\lvert\\det \\partial T/\\partial x(x_i)\\rvert\\Big];

the checker compares it with ``-mean(flow.log_prob(x))`` on flows it builds (perturbed away
from the identity, so that the log-det term is not zero).
Exercise 2: ``base_term(z)``, :math:`-\\frac1n\\sum_i \\log\\mathcal N(z_i; 0, I_d)` for latent
points ``z`` (n, d), with its normalising constant.
"""

from __future__ import annotations

import functools

import jax.random as jr
import numpy as np

from gauss_flows.distributions import jit_log_prob
from gauss_flows.trajectory import latent_and_log_det
from gauss_flows.course.exercises.core import Mistake, check_function

LOG_2PI = np.log(2 * np.pi)


@functools.cache
def _flows():
    """Three small flows, nudged away from the identity: an affine coupling flow, a spline
    coupling flow and a diagonal flow (2-D); built once, on first use."""
    from gauss_flows import bijectors as b
    from gauss_flows.flows import coupling_flow, diagonal_flow
    from gauss_flows.parameters import perturb

    return [perturb(coupling_flow(jr.key(0), shape=(2,), transformer=b.Affine(), n_layers=2,
                                  nn_width=8), jr.key(1), 0.3),
            perturb(coupling_flow(jr.key(2), shape=(2,), transformer=b.RationalQuadraticSpline(
                knots=4, interval=3.0), n_layers=2, nn_width=8), jr.key(3), 0.3),
            perturb(diagonal_flow(jr.key(4), shape=(2,), transformer=b.Affine()), jr.key(5), 0.5)]


def _inputs():
    x = np.asarray(jr.normal(jr.key(7), (64, 2))) * np.array([1.5, 0.7]) + np.array([0.3, -0.2])
    flows = _flows()
    return [(flow, x) for flow in flows] + [(flows[0], x[:1])]


def _terms(flow, x):
    """``(T(x), log|det|)`` as numpy arrays; compiled once per flow and batch shape, so the
    reference and every known mistake evaluate each case without tracing it again."""
    z, log_det = latent_and_log_det(flow, x)
    return np.asarray(z), np.asarray(log_det)


def _base(z):
    z = np.asarray(z, dtype=float)
    return -np.mean(-0.5 * np.sum(z**2, -1) - 0.5 * z.shape[-1] * LOG_2PI)


def _nll(flow, x):
    return float(-np.mean(np.asarray(jit_log_prob(flow, np.asarray(x)))))


NLL_MISTAKES = [
    Mistake(lambda flow, x: _base(_terms(flow, x)[0]),
            "You have only the base term -mean log N(T(x)). The flow also changes volume: add the "
            "log-det term -mean log|det dT/dx| (the second output of transform_and_log_det)."),
    Mistake(lambda flow, x: _base(_terms(flow, x)[0]) + np.mean(_terms(flow, x)[1]),
            "The log-det term has the wrong sign. log q(x) = log N(T(x)) + log|det dT/dx|, so the "
            "NLL is MINUS both: base term - mean(log_det)."),
    Mistake(lambda flow, x: _base(x) - np.mean(_terms(flow, x)[1]),
            "The base density must be evaluated at the LATENT point z = T(x), not at the data x."),
    Mistake(lambda flow, x: len(x) * _nll(flow, x),
            "That is the SUM over the batch; the NLL here is the MEAN over the n samples (so that "
            "it does not grow with the batch size)."),
]


def check_nll(nll) -> None:
    """Exercise 1: ``nll(flow, x)`` = -mean log q(x) from ``transform_and_log_det``.

    The test cases are numbered (a flow and a batch each) so that messages name a case
    rather than print a whole flow."""
    cases = _inputs()

    def by_case(fn):
        return lambda k: fn(*cases[k - 1])

    check_function(by_case(nll), by_case(_nll), list(range(1, len(cases) + 1)), name="nll",
                   exercise=1, mistakes=[Mistake(by_case(m.answer), m.hint) for m in NLL_MISTAKES],
                   rtol=1e-6, atol=1e-8)


BASE_INPUTS = [np.zeros((3, 2)), np.array([[1.0, -2.0], [0.5, 0.5], [-1.5, 3.0]]),
               np.array([[0.2, 0.1, -0.4]] * 2), np.array([[2.0]])]
BASE_MISTAKES = [
    Mistake(lambda z: -np.sum(-0.5 * np.sum(np.square(z), -1) - 0.5 * np.shape(z)[-1] * LOG_2PI),
            "That is the SUM over the samples; take the MEAN over the n rows of z."),
    Mistake(lambda z: np.mean(0.5 * np.sum(np.square(z), -1) + 0.5 * LOG_2PI),
            "The normalising constant of N(0, I_d) is d/2 log(2 pi): one 1/2 log(2 pi) per "
            "coordinate, not one per sample."),
    Mistake(lambda z: np.mean(np.sum(np.square(z), -1) + 0.5 * np.shape(z)[-1] * LOG_2PI),
            "The quadratic term of log N(z; 0, I) is -|z|^2 / 2: the factor 1/2 is missing."),
]


def check_base_term(base_term) -> None:
    """Exercise 2: ``base_term(z)`` = -mean_i log N(z_i; 0, I_d) for z of shape (n, d)."""
    check_function(base_term, _base, BASE_INPUTS, name="base_term", exercise=2,
                   mistakes=BASE_MISTAKES)
