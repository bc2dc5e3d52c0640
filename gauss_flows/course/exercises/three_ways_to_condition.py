"""Checkers for Part 7 · 00, three ways to condition.

Exercise 1: ``parameters_added(mechanism, d, k, n_layers, width, depth, hyper_width)`` -> the number
of parameters that conditioning on a context of ``k`` values adds to
``gf.coupling_flow(key, shape=(d,), transformer=gf.Affine(), n_layers=n_layers, nn_width=width,
nn_depth=depth)``. With a conditioner of :math:`P` weights and biases (``n_p`` passive inputs,
``2 n_a`` outputs, :math:`P = n_p w + w + (D-1)(w^2 + w) + 2 n_a (w + 1)`):

* ``"input"``: :math:`k w` first-layer weights per layer;
* ``"hypernetwork"``: per layer, an MLP :math:`k \\to h \\to P`: :math:`(k + 1) h + (h + 1) P`;
* ``"base"``: one MLP :math:`k \\to w \\to \\dots \\to 2d` (mean and log-scale), the couplings unchanged.

Exercise 2: ``conditional_affine_log_prob(x, c, W, b)`` -> :math:`\\log p(x \\mid c)` for the
conditional affine flow :math:`z = (x - \\mu(c)) \\odot e^{-s(c)}` with :math:`(\\mu, s) = Wc + b` (the
first :math:`d` outputs the mean, the last :math:`d` the log-scale) and a standard normal base:
:math:`\\sum_i [\\log\\varphi(z_i) - s_i(c)]`. It is ``gf.ConditionalNormal`` with a linear network.
"""

from __future__ import annotations

from functools import lru_cache

import equinox as eqx
import jax.random as jr
import numpy as np

from gauss_flows import Affine, coupling_flow, count_parameters
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_parameters_added", "check_conditional_affine_log_prob"]

MECHANISMS = ("input", "hypernetwork", "base")


# ------------------------------------------------------------------ exercise 1
@lru_cache(maxsize=64)
def _counted(mechanism, d, k, n_layers, width, depth, hyper_width) -> int:
    """The reference: build both flows abstractly (shapes only) and count."""
    def flow(condition_shape, conditioning):
        return eqx.filter_eval_shape(
            lambda key: coupling_flow(key, shape=(d,), transformer=Affine(), n_layers=n_layers, nn_width=width,
                                      nn_depth=depth, condition_shape=condition_shape, conditioning=conditioning,
                                      hyper_width=hyper_width), jr.key(0))
    return count_parameters(flow((k,), mechanism)) - count_parameters(flow(None, "input"))


def _reference(mechanism, d, k, n_layers, width, depth, hyper_width) -> int:
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {MECHANISMS}, got {mechanism!r}.")
    return _counted(str(mechanism), int(d), int(k), int(n_layers), int(width), int(depth), int(hyper_width))


def _mlp_size(n_in, n_out, width, depth) -> int:
    return n_in * width + width + (depth - 1) * (width ** 2 + width) + n_out * (width + 1)


def _layer_sizes(d, n_layers, width, depth) -> list[int]:
    passive = [d // 2 if i % 2 == 0 else d - d // 2 for i in range(n_layers)]
    return [_mlp_size(p, 2 * (d - p), width, depth) for p in passive]


def _by_formula(mechanism, d, k, n_layers, width, depth, hyper_width, *, variant=None) -> int:
    """The counts by the formulas above; ``variant`` names a mistake (for the mistake list)."""
    sizes = _layer_sizes(d, n_layers, width, depth)
    if mechanism == "input":
        per_layer = k if variant == "one weight" else k * width
        return per_layer if variant == "once" else n_layers * per_layer
    if mechanism == "hypernetwork":
        hyper = [(k + 1) * hyper_width + (hyper_width + 1) * p for p in sizes]
        if variant == "no first layer":
            hyper = [(hyper_width + 1) * p for p in sizes]
        if variant == "once":
            return hyper[0]
        return sum(hyper)
    outputs = d if variant == "mean only" else 2 * d
    base = _mlp_size(k, outputs, width, depth)
    return n_layers * base if variant == "every layer" else base


ADDED_INPUTS = [
    ("input", 2, 1, 4, 16, 1, 4),
    ("input", 3, 2, 3, 8, 2, 4),
    ("hypernetwork", 2, 1, 4, 16, 1, 4),
    ("hypernetwork", 5, 3, 2, 8, 2, 2),
    ("base", 2, 1, 4, 16, 1, 4),
    ("base", 4, 2, 6, 12, 2, 4),
    ("input", 6, 4, 5, 10, 1, 8),
    ("hypernetwork", 3, 2, 3, 6, 1, 3),
    ("base", 3, 3, 2, 5, 3, 2),
]

ADDED_MISTAKES = [
    Mistake(lambda *a: _by_formula(*a, variant="one weight"),
            "For the conditioner input you counted one weight per context value and layer. The context is "
            "concatenated to the passive values, so EVERY hidden unit of the first layer gets a weight "
            "for each context value: k x width per layer (the biases are already there)."),
    Mistake(lambda *a: _by_formula(*a, variant="once"),
            "You counted one layer's share only: each of the n_layers couplings has its own conditioner "
            "(and, for the hypernetwork, its own hypernetwork), so the count is per layer, summed."),
    Mistake(lambda *a: _by_formula(*a, variant="no first layer"),
            "The hypernetwork is a whole MLP k -> hyper_width -> P: besides its output layer "
            "((hyper_width + 1) P) it has a first layer, k x hyper_width weights and hyper_width biases."),
    Mistake(lambda *a: _by_formula(*a, variant="mean only"),
            "The conditional base predicts a mean AND a log-scale for each of the d coordinates: its output "
            "layer has 2d units."),
    Mistake(lambda *a: _by_formula(*a, variant="every layer"),
            "With a conditional base the couplings do not change at all: the flow has ONE base, so its "
            "network is counted once, not once per layer."),
]


def check_parameters_added(parameters_added) -> None:
    """Exercise 1: ``parameters_added(mechanism, d, k, n_layers, width, depth, hyper_width)``."""
    check_function(parameters_added, _reference, ADDED_INPUTS, name="parameters_added", exercise=1,
                   mistakes=ADDED_MISTAKES, rtol=0.0, atol=1e-9)   # a count: exactly right or wrong


# ------------------------------------------------------------------ exercise 2
def _log_normal(z) -> float:
    return float(np.sum(-0.5 * z ** 2) - 0.5 * z.size * np.log(2 * np.pi))


def _split(x, c, W, b):
    x, c = np.asarray(x, dtype=float), np.asarray(c, dtype=float)
    out = np.asarray(W, dtype=float) @ c + np.asarray(b, dtype=float)
    return x, out[:x.size], out[x.size:]


def _affine_log_prob(x, c, W, b) -> float:
    x, mean, log_scale = _split(x, c, W, b)
    return _log_normal((x - mean) * np.exp(-log_scale)) - float(log_scale.sum())


_rng = np.random.default_rng(7)


def _case(d, k, zero=False):
    if zero:
        return (np.zeros(d), np.zeros(k), np.zeros((2 * d, k)), np.zeros(2 * d))
    return (_rng.normal(size=d), _rng.normal(size=k), 0.6 * _rng.normal(size=(2 * d, k)), 0.4 * _rng.normal(size=2 * d))


AFFINE_INPUTS = [_case(1, 1), _case(2, 1), _case(2, 3), _case(3, 2), _case(1, 2), _case(2, 1, zero=True)]

AFFINE_MISTAKES = [
    Mistake(lambda x, c, W, b: _log_normal((_split(x, c, W, b)[0] - _split(x, c, W, b)[1])
                                           * np.exp(-_split(x, c, W, b)[2])),
            "The log-determinant is missing: z = (x - mu) e^{-s} squeezes each coordinate by e^{-s_i}, so "
            "log|det dz/dx| = -sum_i s_i(c) must be added to log N(z; 0, I)."),
    Mistake(lambda x, c, W, b: _log_normal((_split(x, c, W, b)[0] - _split(x, c, W, b)[1])
                                           * np.exp(-_split(x, c, W, b)[2])) + float(_split(x, c, W, b)[2].sum()),
            "The log-det has the wrong sign: the map to the latent divides by e^{s}, so its log-det is "
            "-sum_i s_i(c) (a wide Gaussian, s > 0, has LOW density)."),
    Mistake(lambda x, c, W, b: _log_normal((_split(x, c, W, b)[0] - _split(x, c, W, b)[1])
                                           * np.exp(_split(x, c, W, b)[2])) - float(_split(x, c, W, b)[2].sum()),
            "You multiplied by the scale e^{s} on the way to the latent; the data are x = mu + e^{s} z, so "
            "z = (x - mu) e^{-s}."),
    Mistake(lambda x, c, W, b: _affine_log_prob(x, c, np.roll(np.asarray(W, float), np.size(x), axis=0),
                                                np.roll(np.asarray(b, float), np.size(x))),
            "Mean and log-scale are swapped: the FIRST d outputs of W c + b are the mean, the last d the "
            "log-scale."),
    Mistake(lambda x, c, W, b: _log_normal(np.asarray(x, dtype=float)),
            "That is the standard normal at x: the context must move and stretch the Gaussian, through "
            "mu(c) and s(c) = W c + b."),
    Mistake(lambda x, c, W, b: _log_normal(_split(x, c, W, b)[0] * np.exp(-_split(x, c, W, b)[2])
                                           - _split(x, c, W, b)[1]) - float(_split(x, c, W, b)[2].sum()),
            "Subtract the mean before you divide by the scale: z = (x - mu) e^{-s}, not x e^{-s} - mu."),
]


def check_conditional_affine_log_prob(conditional_affine_log_prob) -> None:
    """Exercise 2: ``conditional_affine_log_prob(x, c, W, b)`` -> log p(x | c)."""
    check_function(conditional_affine_log_prob, _affine_log_prob, AFFINE_INPUTS, name="conditional_affine_log_prob",
                   exercise=2, mistakes=AFFINE_MISTAKES, rtol=1e-8, atol=1e-10)
