"""Checkers for Part 12 · 00, dequantization and bits per dimension.

Exercise: ``to_bits_per_dim(log_p_y, logit_log_det, n_dims, n_levels)``. A model of images with
``n_dims`` pixels of ``n_levels`` levels works in logit space: ``log_p_y`` ``(n,)`` is its
log-density of the logit-transformed dequantized images :math:`y`, in nats, and
``logit_log_det`` ``(n,)`` the log-determinant :math:`\\log|\\partial y/\\partial v|` of the logit
pre-transform, :math:`v = (x + u)/K`. The bits per dimension of the discrete images are

.. math::  \\text{bits/dim} = -\\frac{1}{D \\ln 2}\\ \\frac1n \\sum_{i=1}^n
           \\Big[\\log p_Y(y_i) + \\log\\Big|\\frac{\\partial y}{\\partial v}\\Big|_i - D \\log K\\Big],

(``gf.dequantization.bits_per_dim`` of the bound ``gf.dequantization.log_likelihood_bound``
returns).

Exercise 2: ``logit_log_det(v, alpha)``: for dequantized images ``v`` ``(n, D)`` in
:math:`[0, 1)`, the log-determinant of the logit pre-transform per image, shape ``(n,)``,

.. math::  \\log\\Big|\\det\\frac{\\partial y}{\\partial v}\\Big| = \\sum_d \\big[\\log(1 - 2\\alpha) - \\log s_d - \\log(1 - s_d)\\big],
           \\qquad s = \\alpha + (1 - 2\\alpha) v

(``gf.dequantization.logit_and_log_det``).
"""

from __future__ import annotations

import math

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function
from gauss_flows.dequantization import bits_per_dim, logit_and_log_det

__all__ = ["check_to_bits_per_dim", "check_logit_log_det"]


def to_bits_per_dim_reference(log_p_y, logit_log_det, n_dims, n_levels):
    """The right answer, from the library."""
    log_p_x = np.asarray(log_p_y) + np.asarray(logit_log_det) - n_dims * math.log(n_levels)
    return bits_per_dim(log_p_x, n_dims)


def _inputs():
    rng = np.random.default_rng(12)
    inputs = []
    for n, d, k in [(5, 64, 17), (8, 64, 17), (3, 12, 256), (6, 100, 4)]:
        log_p_y = rng.normal(-1.2 * d, 0.3 * d, n)
        logit_log_det = rng.normal(-2.0 * d, 0.2 * d, n)
        inputs.append((log_p_y, logit_log_det, d, k))
    return inputs


def _bits(numerator_in_nats, n_dims, base=2.0):
    return float(-np.mean(numerator_in_nats) / (n_dims * math.log(base)))


MISTAKES = [
    Mistake(lambda a, b, d, k: float(-np.mean(a + b - d * math.log(k)) / math.log(2)),
            "You forgot to divide by the number of dimensions D: that is bits per IMAGE. Bits per "
            "dimension divide the negative log-likelihood by D ln 2."),
    Mistake(lambda a, b, d, k: _bits(a + b - d * math.log(k), d, 10.0),
            "You used log base 10 (divided by ln 10): bits are base-2 units, divide by ln 2."),
    Mistake(lambda a, b, d, k: float(-np.mean(a + b - d * math.log(k)) / d),
            "That is nats per dimension: to get bits, divide by ln 2 as well (log2(e) = 1/ln 2 bits per nat)."),
    Mistake(lambda a, b, d, k: _bits(a + b, d),
            "You forgot the dequantization scale: v = (x + u)/K squeezes each pixel's unit cell to "
            "width 1/K, whose Jacobian contributes -D log K (log K per dimension) to log P(x)."),
    Mistake(lambda a, b, d, k: _bits(a + b - math.log(k), d),
            "The scale 1/K applies to EVERY pixel: the term is -D log K, not -log K."),
    Mistake(lambda a, b, d, k: _bits(a + b + d * math.log(k), d),
            "The sign of the scale term: squeezing the cells to width 1/K raises the density by K per "
            "pixel, so log P(x) = ... - D log K (it adds log2 K bits per dimension)."),
    Mistake(lambda a, b, d, k: _bits(a + b - d * math.log2(k), d),
            "Mixed units: the scale term in nats is D ln K (natural log); convert the sum to bits only at "
            "the end, dividing by D ln 2."),
    Mistake(lambda a, b, d, k: _bits(a + b - d * math.log(k - 1), d),
            "K is the number of levels (0..K-1, so K of them), not the largest level K - 1."),
    Mistake(lambda a, b, d, k: _bits(a - b - d * math.log(k), d),
            "The sign of the logit log-det: log p_V(v) = log p_Y(y) + log|dy/dv|, it is added, not "
            "subtracted (the density of v includes how much the logit stretches v)."),
    Mistake(lambda a, b, d, k: _bits(a - d * math.log(k), d),
            "You forgot the logit log-det: the model's density is of y = logit(...), and the likelihood "
            "of the pixels needs log p_V(v) = log p_Y(y) + log|dy/dv|."),
    Mistake(lambda a, b, d, k: -_bits(a + b - d * math.log(k), d),
            "Bits per dimension count the NEGATIVE log-likelihood (a code length): flip the sign."),
]


def check_to_bits_per_dim(to_bits_per_dim) -> None:
    """``to_bits_per_dim(log_p_y, logit_log_det, n_dims, n_levels)`` -> one number, bits/dim."""
    check_function(to_bits_per_dim, to_bits_per_dim_reference, _inputs(), name="to_bits_per_dim",
                   exercise=1, mistakes=MISTAKES)


# ---- exercise 2: the logit's log-determinant ----------------------------------------------------

def logit_log_det_reference(v, alpha):
    """The right answer ``(n,)``, from the library."""
    return np.asarray(logit_and_log_det(np.asarray(v, dtype=float), alpha)[1])


def _logit_inputs():
    rng = np.random.default_rng(13)
    return [(rng.uniform(size=(4, 64)), 0.05), (rng.uniform(size=(3, 10)), 0.2),
            (rng.uniform(size=(5, 6)) ** 3, 0.01), (np.full((2, 8), 0.5), 0.05)]


def _s(v, alpha):
    return alpha + (1 - 2 * alpha) * np.asarray(v, dtype=float)


LOGIT_MISTAKES = [
    Mistake(lambda v, a: np.sum(-np.log(_s(v, a)) - np.log1p(-_s(v, a)), axis=1),
            "You forgot the factor (1 - 2 alpha): y = logit(s) with s = alpha + (1 - 2 alpha) v, so by the "
            "chain rule dy/dv = (1 - 2 alpha) / (s (1 - s)); add D log(1 - 2 alpha)."),
    Mistake(lambda v, a: np.sum(-np.log(np.asarray(v)) - np.log1p(-np.asarray(v)), axis=1),
            "That is the plain logit of v (alpha = 0): the pre-transform first squeezes v into "
            "s = alpha + (1 - 2 alpha) v, and both s and the factor (1 - 2 alpha) enter the log-det."),
    Mistake(lambda v, a: np.sum(np.log1p(-2 * a) - np.log(_s(v, a)) - np.log1p(-_s(v, a)), axis=1) / np.shape(v)[1],
            "That is a mean over the pixels: the log-determinant of an elementwise map is the SUM of the "
            "log-derivatives of its pixels."),
    Mistake(lambda v, a: np.sum(np.log1p(-2 * a) + np.log(_s(v, a)) + np.log1p(-_s(v, a)), axis=1),
            "The sign of the logit part: the derivative of log s - log(1 - s) is 1/s + 1/(1 - s) = "
            "1/(s (1 - s)), so its log is -log s - log(1 - s)."),
]


def check_logit_log_det(logit_log_det) -> None:
    """``logit_log_det(v, alpha)`` -> ``(n,)`` log-determinants."""
    check_function(logit_log_det, logit_log_det_reference, _logit_inputs(), name="logit_log_det",
                   exercise=2, mistakes=LOGIT_MISTAKES)
