"""Checkers for Part 5 · 02, conditioner design.

A coupling's conditioner is an MLP from the :math:`n_p` passive coordinates to the
:math:`n_a \\cdot p` parameters of the active coordinates' scalar transformers (Dinh et al.
2017). With ``depth`` hidden layers of ``width`` units its layer sizes are
:math:`n_p, w, \\dots, w, n_a p`, and a dense layer from :math:`a` to :math:`b` units has
:math:`ab` weights and :math:`b` biases, so

.. math::  N(n_p, n_a, p, w, L) = \\sum_{\\ell=0}^{L} (a_\\ell + 1)\\, a_{\\ell+1}, \\qquad
           (a_0, \\dots, a_{L+1}) = (n_p, \\underbrace{w, \\dots, w}_{L}, n_a p),

which for :math:`L \\ge 1` is :math:`(n_p + 1)w + (L - 1)(w + 1)w + (w + 1) n_a p`.

Exercise 1: write that count; the reference builds real couplings and calls
``count_parameters``.
Exercise 2: shared MLP vs per-coordinate heads. Instead of one MLP emitting all
:math:`n_a p` numbers, give every active coordinate its own MLP (a *head*) emitting its
:math:`p` numbers. Which head width :math:`w_h` (same depth) spends at most the shared
MLP's budget? The largest :math:`w_h` with :math:`n_a N(n_p, 1, p, w_h, L) \\le N(n_p, n_a, p, w, L)`.
Exercise 3: the soft bound of an affine log-scale, :math:`b_B(s) = B\\tanh(s/B)`: the
identity near 0 (slope 1), odd, increasing, and :math:`|b_B(s)| < B` (``gf.Affine(log_scale_bound=B)``).
"""

from __future__ import annotations

import numpy as np

from gauss_flows.bijectors import Affine, Coupling, MixtureGaussianCDF, RationalQuadraticSpline
from gauss_flows.conditioner import MLPConditioner
from gauss_flows.parameters import count_parameters
from gauss_flows.course.exercises.core import Mistake, call_student, check_function
from gauss_flows.course.exercises.core import fail as _fail


# ------------------------------------------------------- Exercise 1: conditioner parameters
def template_with(params_per_coordinate: int):
    """A library template with ``params_per_coordinate`` parameters: affine (2), a mixture CDF
    (3K) or a spline (3 knots + 2)."""
    p = int(params_per_coordinate)
    if p == 2:
        return Affine()
    if p % 3 == 0:
        return MixtureGaussianCDF(n_components=p // 3)
    if p % 3 == 2:
        return RationalQuadraticSpline(knots=(p - 2) // 3)
    raise ValueError(f"no template of the menu has {p} parameters per coordinate "
                     "(affine: 2, mixture: 3K, spline: 3 knots + 2).")


def count_parameters_by_shape(build) -> int:
    """``count_parameters`` of the module ``build()`` returns, built by shape only.

    Initialising a real network runs one small compiled random-number program per new
    weight shape, seconds on a busy CPU; ``equinox.filter_eval_shape`` gives the same module structure
    (same leaves, shapes and dtypes) without computing a number, and zeros fill it in."""
    import equinox as eqx
    import jax

    shapes = eqx.filter_eval_shape(build)
    return count_parameters(jax.tree_util.tree_map(
        lambda leaf: np.zeros(leaf.shape, leaf.dtype) if isinstance(leaf, jax.ShapeDtypeStruct) else leaf,
        shapes))


def coupling_parameters(n_passive, n_active, params_per_coordinate, width, depth) -> int:
    """``count_parameters`` of a real ``gf.Coupling`` (the first ``n_passive`` coordinates passive)."""
    import jax.random as jr

    mask = np.arange(int(n_passive) + int(n_active)) >= int(n_passive)
    template = template_with(params_per_coordinate)
    return count_parameters_by_shape(lambda: Coupling(jr.key(0), shape=mask.shape, transformer=template, mask=mask,
                                         nn_width=int(width), nn_depth=int(depth)))


def _sizes(n_in, n_out, width, depth):
    return [n_in] + [width] * depth + [n_out]


def _dense(sizes, bias=True):
    return sum((a + int(bias)) * b for a, b in zip(sizes[:-1], sizes[1:]))


#: (n_passive, n_active, params_per_coordinate, width, depth); depth 0 is a single linear map.
PARAMETER_INPUTS = [(1, 1, 2, 32, 2), (2, 2, 2, 8, 1), (3, 1, 24, 16, 3), (1, 3, 26, 4, 2),
                    (4, 2, 9, 10, 0), (2, 3, 2, 64, 1), (5, 5, 2, 12, 3)]

PARAMETER_MISTAKES = [
    Mistake(lambda n_p, n_a, p, w, L: _dense(_sizes(n_p, n_a * p, w, L), bias=False),
            "Every dense layer also has one BIAS per output unit: a layer from a to b units has "
            "a*b weights + b biases. (The output biases are the ones that start the coupling at "
            "the identity!)"),
    Mistake(lambda n_p, n_a, p, w, L: _dense(_sizes(n_p, p, w, L)),
            "The output layer is too small: the conditioner emits p numbers for EVERY active "
            "coordinate, n_active * p outputs in all (count the output layer's weights and biases "
            "with n_active * p)."),
    Mistake(lambda n_p, n_a, p, w, L: _dense(_sizes(n_p, n_a * p, w, L)) * n_a,
            "You multiplied the whole network by n_active, as if every active coordinate had its "
            "own MLP. A coupling has ONE shared MLP whose last layer has n_active * p outputs."),
    Mistake(lambda n_p, n_a, p, w, L: _dense(_sizes(n_p + n_a, n_a * p, w, L)),
            "The first layer reads only the PASSIVE coordinates (n_passive inputs): if it read the "
            "active ones too, the Jacobian would not be triangular and the layer not invertible."),
    Mistake(lambda n_p, n_a, p, w, L: _dense(_sizes(n_p, n_a * p, w, L + 1)),
            "One hidden layer too many: depth counts HIDDEN layers, so there are depth + 1 dense "
            "layers (depth = 0 is a single linear map from the passive to the output)."),
    Mistake(lambda n_p, n_a, p, w, L: _dense(_sizes(n_p, n_a * p, w, max(L - 1, 0))),
            "One hidden layer too few: with depth hidden layers there are depth + 1 dense layers "
            "(input -> hidden, depth - 1 hidden -> hidden, hidden -> output)."),
]


def check_conditioner_parameters(conditioner_parameters) -> None:
    """Exercise 1: ``conditioner_parameters(n_passive, n_active, params_per_coordinate, width,
    depth)`` = the trainable parameters of a coupling's conditioner, i.e. of the whole coupling."""
    check_function(conditioner_parameters, coupling_parameters, PARAMETER_INPUTS,
                   name="conditioner_parameters", exercise=1, mistakes=PARAMETER_MISTAKES,
                   rtol=0, atol=0.5)


# --------------------------------------------- Exercise 2: shared MLP vs per-coordinate heads
def _mlp_parameters(n_in, n_out, width, depth) -> int:
    """Trainable parameters of the library's conditioner MLP (read off a real one)."""
    import jax.numpy as jnp
    import jax.random as jr

    return count_parameters_by_shape(lambda: MLPConditioner(jr.key(0), n_in=int(n_in), n_out=int(n_out),
                                               output_bias=jnp.zeros(int(n_out)), width=int(width),
                                               depth=int(depth)))


def _largest_width(fits) -> int:
    width = 0
    while fits(width + 1):
        width += 1
    return width


def _heads_width(n_passive, n_active, params_per_coordinate, width, depth):
    budget = _mlp_parameters(n_passive, n_active * params_per_coordinate, width, depth)
    # the search counts with the formula (building an MLP per candidate width is slow) ...
    head = _largest_width(lambda w: n_active * _dense(_sizes(n_passive, params_per_coordinate, w, depth))
                          <= budget)
    # ... and the answer is confirmed on real MLPs of the library
    assert n_active * _mlp_parameters(n_passive, params_per_coordinate, head, depth) <= budget
    assert n_active * _mlp_parameters(n_passive, params_per_coordinate, head + 1, depth) > budget
    return head


#: (n_passive, n_active, params_per_coordinate, width, depth); depth >= 1 (heads have a width).
HEADS_INPUTS = [(1, 1, 2, 32, 2), (2, 2, 2, 32, 2), (3, 3, 24, 64, 1), (4, 4, 2, 16, 3),
                (2, 6, 26, 32, 2), (8, 8, 9, 32, 1)]


def _closed(n_p, n_a, p, w, L, per_head_outputs, heads=None):
    budget = _dense(_sizes(n_p, n_a * p, w, L))
    heads = n_a if heads is None else heads
    return _largest_width(lambda v: heads * _dense(_sizes(n_p, per_head_outputs(n_a, p), v, L)) <= budget)


HEADS_MISTAKES = [
    Mistake(lambda n_p, n_a, p, w, L: _closed(n_p, n_a, p, w, L, lambda a, q: q, heads=1),
            "That is the width of ONE head spending the whole budget. There are n_active heads, and "
            "together they must fit in the shared MLP's budget: n_active * N(head) <= N(shared)."),
    Mistake(lambda n_p, n_a, p, w, L: _closed(n_p, n_a, p, w, L, lambda a, q: a * q),
            "Each head emits only ITS coordinate's p parameters, not all n_active * p: its output "
            "layer has p units."),
    Mistake(lambda n_p, n_a, p, w, L: w // n_a,
            "width / n_active is a guess, not the budget: parameters grow like width^2 in the hidden "
            "layers and the input and output layers change too. Count N(head) for each candidate "
            "width and keep the largest with n_active * N(head) <= N(shared)."),
    Mistake(lambda n_p, n_a, p, w, L: _heads_width(n_p, n_a, p, w, L) + 1,
            "One too wide: that width spends MORE than the shared MLP. The answer is the largest width "
            "whose heads stay within the budget (<=)."),
]


def check_heads_width(heads_width) -> None:
    """Exercise 2: ``heads_width(n_passive, n_active, params_per_coordinate, width, depth)`` = the
    largest width of ``n_active`` per-coordinate heads within the shared conditioner's budget."""
    check_function(heads_width, _heads_width, HEADS_INPUTS, name="heads_width", exercise=2,
                   mistakes=HEADS_MISTAKES, rtol=0, atol=0.5)


# ------------------------------------------------------------ Exercise 3: the soft bound
def _soft_bound(s, bound):
    return bound * np.tanh(np.asarray(s, dtype=float) / bound)


_S = np.linspace(-12.0, 12.0, 49)
BOUND_INPUTS = [(0.0, 2.0), (_S, 2.0), (_S, 5.0), (_S, 0.5), (np.array([-300.0, 1e-4, 300.0]), 3.0)]
BOUND_MISTAKES = [
    Mistake(lambda s, B: 2 * B / np.pi * np.arctan(np.pi * np.asarray(s) / (2 * B)),
            "That is a valid soft bound too (slope 1 at 0, limits +-B), but not the library's: "
            "gf.Affine(log_scale_bound=B) uses B * tanh(s / B). Write that one."),
]


def _evaluate(soft_bound, s, bound):
    out = call_student(soft_bound, s, bound, exercise=3, call=f"soft_bound({s}, {bound})")
    if out is None:
        raise _fail(3, "`soft_bound` returned None: did you forget the `return` statement?")
    return np.asarray(out, dtype=float)


def check_soft_bound(soft_bound) -> None:
    """Exercise 3: ``soft_bound(s, bound)`` = ``bound * tanh(s / bound)``, elementwise on arrays.

    The properties are checked first, each with its own hint: slope 1 at 0 (so a small
    log-scale is left alone), values strictly inside (-B, B) and approaching B (a bound, but
    a smooth one, whose gradient never vanishes), odd and increasing; then the formula."""
    if not callable(soft_bound):
        raise _fail(3, f"`soft_bound` should be a function, but it is a {type(soft_bound).__name__}.")
    for bound in (2.0, 5.0, 0.5):
        h = 1e-4 * bound
        slope = float((_evaluate(soft_bound, h, bound) - _evaluate(soft_bound, -h, bound)) / (2 * h))
        if not abs(slope - 1.0) < 1e-3:
            if abs(slope - bound) < 1e-3 * bound:
                why = "you multiplied by B but did not divide the argument by B: B tanh(s / B)."
            elif abs(slope - 1.0 / bound) < 1e-3 / bound:
                why = "you divided the argument by B but did not multiply the result by B: B tanh(s / B)."
            else:
                why = "a small log-scale must pass unchanged, b(s) ~ s near 0."
            raise _fail(3, f"The slope at s = 0 must be 1 (the bound leaves small log-scales alone), "
                           f"but for B = {bound:g} it is {slope:.4g}: {why}")
        far = _evaluate(soft_bound, np.array([-10.0 * bound, 10.0 * bound]), bound)
        if far.shape != (2,):
            raise _fail(3, f"`soft_bound` must work elementwise on arrays: an input of shape (2,) gave "
                           f"shape {far.shape}. Use np.tanh, not math.tanh.")
        if np.any(np.abs(far) >= bound):
            raise _fail(3, f"soft_bound(+-{10 * bound:g}, {bound:g}) = {far} reaches (or passes) the "
                           f"bound B = {bound:g}. A hard clip stops there with ZERO gradient, so a "
                           "saturated log-scale can never learn its way back: use a smooth squashing "
                           "that only approaches B.")
        if not np.all(np.abs(far) > 0.95 * bound):
            raise _fail(3, f"soft_bound(+-{10 * bound:g}, {bound:g}) = {far}: far out it should approach "
                           f"+-B = +-{bound:g}, so the scale can still reach exp(B). Multiply tanh by B.")
        if not np.allclose(far[0], -far[1]):
            raise _fail(3, f"soft_bound must be odd, b(-s) = -b(s): got {far[0]:.4g} and {far[1]:.4g}.")
        grid = _evaluate(soft_bound, _S, bound)
        if grid.shape == _S.shape and not (np.all(np.diff(grid) >= 0) and grid[-1] > grid[0]):
            raise _fail(3, "soft_bound must be increasing in s (a larger log-scale stays larger).")
    check_function(soft_bound, _soft_bound, BOUND_INPUTS, name="soft_bound", exercise=3,
                   mistakes=BOUND_MISTAKES)
