"""Checkers for Part 4 · 03, layer-wise inspection of a trained flow.

Exercise 1: ``kl_drops(kl)``: given ``kl[k]``, the KL divergence to N(0, I) of the data after
``k`` layers (``k = 0, ..., L``; ``kl[0]`` is the data), return the KL removed by each layer,
``kl[k-1] - kl[k]`` for ``k = 1, ..., L`` (an array of ``L`` numbers); ``np.argmax`` of it
locates where the flow does its work.
Exercise 2: ``kl_after(log_p_data, log_det, z)``: the KL divergence of the data after some
layers to N(0, I) from the exact log-density of the data ``log_p_data`` (n,), the summed
log-determinant of those layers ``log_det`` (n,) and the outputs ``z`` (n, d):

.. math::  \\mathrm{KL}(p_k\\,\\|\\,\\mathcal N(0, I)) = \\overline{\\log p(x)}
           - \\overline{\\log\\lvert\\det\\rvert} - \\overline{\\log\\mathcal N(z; 0, I)} .
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

LOG_2PI = np.log(2 * np.pi)


def _drops(kl):
    kl = np.asarray(kl, float)
    return kl[:-1] - kl[1:]


DROP_INPUTS = [np.array([2.0, 1.0, 0.6, 0.5, 0.45]), np.array([1.2, 1.1, 0.3, 0.2]),
               np.array([0.9, 0.95, 0.4]), np.array([3.0, 0.1])]
DROP_MISTAKES = [
    Mistake(lambda kl: np.asarray(kl, float)[0] - np.asarray(kl, float)[1:],
            "That is the KL removed by the first k layers TOGETHER (cumulative). Each layer's own "
            "share is kl[k-1] - kl[k]."),
    Mistake(lambda kl: np.asarray(kl, float)[1:],
            "That is the KL LEFT after each layer; the exercise asks how much each layer REMOVED: "
            "kl[k-1] - kl[k]."),
]


def check_kl_drops(kl_drops) -> None:
    """Exercise 1: ``kl_drops(kl)`` -> ``kl[:-1] - kl[1:]``."""
    check_function(kl_drops, _drops, DROP_INPUTS, name="kl_drops", exercise=1,
                   mistakes=DROP_MISTAKES)


def _log_normal(z):
    z = np.asarray(z, float)
    return -0.5 * np.sum(z**2, -1) - 0.5 * z.shape[-1] * LOG_2PI


def _kl_after(log_p_data, log_det, z):
    return np.mean(log_p_data) - np.mean(log_det) - np.mean(_log_normal(z))


_rng = np.random.default_rng(3)
KL_INPUTS = [(np.full(4, -1.5), np.zeros(4), np.zeros((4, 2)))] + [
    (_rng.normal(-1.0, 0.5, n), _rng.normal(0.8, 0.3, n), _rng.normal(0, s, (n, d)))
    for n, d, s in [(50, 2, 1.3), (30, 2, 0.7), (40, 3, 1.0)]]
KL_MISTAKES = [
    Mistake(lambda p, ld, z: np.mean(p) + np.mean(ld) - np.mean(_log_normal(z)),
            "The log-det term has the wrong sign: H(z_k) = H(x) + mean log|det|, and "
            "KL = -H(z_k) - mean log N(z_k), so SUBTRACT the mean log-det."),
    Mistake(lambda p, ld, z: np.mean(p) - np.mean(ld) + np.mean(_log_normal(z)),
            "The base term has the wrong sign: KL(p_k || N) = E[log p_k(z)] - E[log N(z)], so "
            "SUBTRACT the mean log N(z)."),
    Mistake(lambda p, ld, z: np.mean(p) - np.mean(_log_normal(z)),
            "The log-det term is missing: the data after k layers have density "
            "p(x) / |det dz/dx|, so log p_k(z) = log p(x) - log|det|."),
]


def check_kl_after(kl_after) -> None:
    """Exercise 2: ``kl_after(log_p_data, log_det, z)``."""
    check_function(kl_after, _kl_after, KL_INPUTS, name="kl_after", exercise=2,
                   mistakes=KL_MISTAKES)
