"""Checker for Part 12 · 03, a multi-scale coupling flow on the digits.

Exercise 1: ``bits_per_dim(log_p_y, logit_log_det, n_dims, n_levels)``: the bits per dimension of
a model of the logit-transformed dequantized images, from its log-density in nats ``log_p_y``
``(n,)`` at the images' points :math:`y`, the logit's log-det ``logit_log_det`` ``(n,)`` and the
dequantization's scaling by :math:`1/K`:

.. math::  \\text{bits/dim} = -\\frac{1}{D \\ln 2}\\cdot\\frac1n\\sum_{i=1}^n
           \\Big[\\log p_Y(y_i) + \\log\\big|\\det \\tfrac{\\partial y}{\\partial v}(v_i)\\big| - D \\log K\\Big]

(``gf.dequantization.bits_per_dim`` of ``log_likelihood_bound``'s terms).

Exercise 2: ``probability_ratio(bits_worse, bits_better, n_dims)``: how many times more probable
the better model makes an image, on average (a geometric mean over images), when the two models
score ``bits_worse`` and ``bits_better`` bits/dim on ``n_dims`` dimensions:

.. math::  \\frac{P_{\\text{better}}(x)}{P_{\\text{worse}}(x)} = 2^{D (b_{\\text{worse}} - b_{\\text{better}})} .
"""

from __future__ import annotations

import math

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_bits_per_dim", "check_probability_ratio"]


def _bits(log_p_y, logit_log_det, n_dims, n_levels):
    log_likelihood = np.asarray(log_p_y) + np.asarray(logit_log_det) - n_dims * math.log(n_levels)
    return float(-np.mean(log_likelihood) / (n_dims * math.log(2.0)))


def _inputs():
    """Log-densities and log-dets of the digits' size (D = 64, K = 17), and of other sizes and
    level counts, so that every dropped term shows."""
    rng = np.random.default_rng(12)
    inputs = []
    for n, d, k in [(360, 64, 17), (50, 64, 17), (40, 16, 4), (25, 784, 256)]:
        log_det = rng.normal(2.0 * d, 0.1 * d, n)           # the logit stretches: about 2 nats a pixel
        log_p_y = rng.normal(-0.9 * d, 0.2 * d, n)
        inputs.append((log_p_y, log_det, d, k))
    return inputs


def _nll(log_p_y, logit_log_det, n_dims, n_levels):
    return -np.mean(np.asarray(log_p_y) + np.asarray(logit_log_det) - n_dims * math.log(n_levels))


MISTAKES = [
    Mistake(lambda lp, ld, d, k: _nll(lp, ld, d, k) / d,
            "That is nats per dimension: bits need a division by ln 2 as well (log2 x = ln x / ln 2)."),
    Mistake(lambda lp, ld, d, k: _nll(lp, ld, d, k) / math.log(2.0),
            "That is bits per IMAGE: divide by the number of dimensions D (pixels x channels) too."),
    Mistake(lambda lp, ld, d, k: _nll(lp, ld, d, k),
            "That is the negative log-likelihood in nats per image: divide by D ln 2 for bits per dimension."),
    Mistake(lambda lp, ld, d, k: -np.mean(np.asarray(lp) + np.asarray(ld)) / (d * math.log(2.0)),
            "The dequantization's scaling is missing: v = (x + u)/K has Jacobian K^(-D), so subtract "
            "D log K from every image's log-likelihood (log 17 per pixel for the digits)."),
    Mistake(lambda lp, ld, d, k: -np.mean(np.asarray(lp) + np.asarray(ld) - math.log(k)) / (d * math.log(2.0)),
            "log K is per pixel: the 1/K scaling of all D pixels contributes D log K, not log K."),
    Mistake(lambda lp, ld, d, k: -np.mean(np.asarray(lp) + np.asarray(ld) + d * math.log(k)) / (d * math.log(2.0)),
            "The scaling term has the wrong sign: squeezing each integer's cell of width 1 into width 1/K "
            "raises the density K-fold per pixel, so the probability of an image is the density TIMES "
            "K^(-D): subtract D log K."),
    Mistake(lambda lp, ld, d, k: -np.mean(np.asarray(lp) + np.asarray(ld) - d * math.log2(k)) / (d * math.log(2.0)),
            "Mixed units: log p is in nats, so the scaling term is D ln K (natural log), converted to "
            "bits with everything else at the end."),
    Mistake(lambda lp, ld, d, k: -np.mean(np.asarray(lp) - d * math.log(k)) / (d * math.log(2.0)),
            "The logit's log-det is missing: the model is a density of y = logit(...), and the density "
            "of v is p_Y(y) times |det dy/dv|; add logit_log_det."),
    Mistake(lambda lp, ld, d, k: -np.mean(np.asarray(lp) - np.asarray(ld) - d * math.log(k)) / (d * math.log(2.0)),
            "The logit's log-det enters with a plus: p_V(v) = p_Y(y) |det dy/dv|, so log p_V = log p_Y + "
            "logit_log_det."),
    Mistake(lambda lp, ld, d, k: np.mean(np.asarray(lp) + np.asarray(ld) - d * math.log(k)) / (d * math.log(2.0)),
            "Bits per dimension count the NEGATIVE log-likelihood: a better model has fewer bits, so flip "
            "the sign."),
    Mistake(lambda lp, ld, d, k: -np.sum(np.asarray(lp) + np.asarray(ld) - d * math.log(k)) / (d * math.log(2.0)),
            "That is the sum over the images: average over them (bits per dimension are per image and pixel)."),
]


def check_bits_per_dim(bits_per_dim) -> None:
    """Exercise 1: ``bits_per_dim(log_p_y, logit_log_det, n_dims, n_levels)`` -> a number."""
    check_function(bits_per_dim, _bits, _inputs(), name="bits_per_dim", exercise=1, mistakes=MISTAKES)


def _ratio(bits_worse, bits_better, n_dims):
    return float(2.0 ** (n_dims * (bits_worse - bits_better)))


def _ratio_inputs():
    # the digits' models, a small gap, a model worse than the other, another dimension
    return [(2.447, 1.986, 64), (2.257, 1.986, 64), (2.1, 2.0, 64), (1.0, 1.2, 8), (4.087, 3.6, 16)]


RATIO_MISTAKES = [
    Mistake(lambda w, b, d: 2.0 ** (w - b),
            "That is the ratio for ONE pixel: bits/dim are per dimension, so an image's log2-probabilities "
            "differ by D times the gap."),
    Mistake(lambda w, b, d: math.exp(d * (w - b)),
            "Bits are base 2: the log-probabilities differ by D (b_worse - b_better) BITS, a factor "
            "2^(D gap), not e^(D gap)."),
    Mistake(lambda w, b, d: 2.0 ** (d * (b - w)),
            "Upside down: fewer bits means MORE probable, so the better model's probability is the larger one."),
    Mistake(lambda w, b, d: d * (w - b),
            "That is the log2 of the ratio (the bits an image saves): raise 2 to it."),
]


def check_probability_ratio(probability_ratio) -> None:
    """Exercise 2: ``probability_ratio(bits_worse, bits_better, n_dims)`` -> a number."""
    check_function(probability_ratio, _ratio, _ratio_inputs(), name="probability_ratio", exercise=2,
                   mistakes=RATIO_MISTAKES)
