"""Checkers for Part 5 · 03, mask design (NICE, Dinh et al. 2015; RealNVP, Dinh et al. 2017).

A stack of coupling masks :math:`m_1, \\dots, m_L` (True = active) has, after :math:`k` layers,

.. math::  T_k = m_1 \\lor \\dots \\lor m_k \\ \\text{(transformed)}, \\qquad
           C_k = \\lnot m_1 \\lor \\dots \\lor \\lnot m_k \\ \\text{(used as context)},

and is *covered* after the smallest :math:`k` with :math:`T_k \\land C_k` true everywhere.

Exercise 1: ``layers_until_covered(masks)`` -> that :math:`k` (counting from 1), or ``None``.
Exercise 2: ``design_masks(d)`` for odd ``d`` -> a list of valid boolean masks (each with an
active and a passive coordinate) whose stack is covered.
Exercise 3: ``frozen_block(J, mask)`` -> the block :math:`\\partial z_{\\text{passive}} /
\\partial x_{\\text{active}}` of a Jacobian; the checker evaluates it on ``jax.jacfwd`` Jacobians of
1..4 coupling layers that all use the same mask, where it is exactly zero.
"""

from __future__ import annotations

import numpy as np

from gauss_flows import masks as masks_lib
from gauss_flows.course.examples import cached_composite_jacobians  # shared with the explorer's cache
from gauss_flows.course.exercises.core import Mistake, call_student, check_function
from gauss_flows.course.exercises.core import fail as _fail

__all__ = ["check_layers_until_covered", "check_design_masks", "check_frozen_block"]


def _bits(mask) -> str:
    return "".join("1" if b else "0" for b in np.asarray(mask, dtype=bool).ravel())


def _show_stack(masks) -> str:
    return "[" + ", ".join(_bits(m) for m in masks) + "]"


# ----------------------------------------------------------------------------- exercise 1
def _stack(*rows, shape=None):
    out = [np.array([c == "1" for c in row]) for row in rows]
    return [m.reshape(shape) for m in out] if shape else out


_CHECKER = np.asarray(masks_lib.checkerboard((4, 4)))
COVER_INPUTS = [
    _stack("000111", "111000"),                    # the RealNVP pair: 2
    _stack("000111", "000111", "000111"),           # one mask repeated: never
    _stack("010101", "010101", "101010"),           # the complement comes late: 3
    _stack("00111", "10011", "11001", "01100"),     # a rolled mask: 4
    _stack("0011", "1101", "1010"),                 # transformed at 2, context at 3
    _stack("1100", "0010", "0101"),                 # context at 2, transformed at 3
    _stack("000111", "111000", "000111", "111000"),  # covered at 2, longer stack
    _stack("001"),                                  # a single layer: never
    [_CHECKER, ~_CHECKER],                          # an image: 2
    [_CHECKER, _CHECKER],                           # an image, same mask: never
]


def _reference_cover(masks):
    return masks_lib.layers_until_covered([np.asarray(m, dtype=bool) for m in masks])


def _first_done(done):
    done = list(done)
    return done.index(True) + 1 if True in done else None


def _only_transformed(masks):
    stack = np.asarray(masks, dtype=bool).reshape(len(masks), -1)
    return _first_done(np.logical_or.accumulate(stack, axis=0).all(axis=1))


def _only_context(masks):
    stack = np.asarray(masks, dtype=bool).reshape(len(masks), -1)
    return _first_done(np.logical_or.accumulate(~stack, axis=0).all(axis=1))


def _zero_based(masks):
    k = _reference_cover(masks)
    return None if k is None else k - 1


def _length_when_never(masks):
    k = _reference_cover(masks)
    return len(masks) if k is None else k


def _per_layer_union(masks):
    # "covered" when every coordinate is active in some layer OR passive in some layer: always at 1
    return 1


COVER_MISTAKES = [
    Mistake(_zero_based, "Off by one: you returned the INDEX of the layer (counting from 0). The "
            "exercise asks for the NUMBER of layers, so a mask followed by its complement gives 2."),
    Mistake(_only_transformed, "You only check that every coordinate has been TRANSFORMED (active at "
            "least once). Each coordinate must also have been used as CONTEXT (passive at least once), "
            "otherwise no other coordinate ever learned from it."),
    Mistake(_only_context, "You only check that every coordinate has been used as CONTEXT (passive at "
            "least once). Each coordinate must also have been TRANSFORMED (active at least once)."),
    Mistake(_length_when_never, "When the stack NEVER covers every coordinate (one mask repeated, a "
            "single layer), return None, not the number of layers in the stack."),
    Mistake(_per_layer_union, "You combined 'transformed' and 'context' with OR: every coordinate is "
            "always active or passive, so that is true after one layer. Both must hold: AND."),
]


def check_layers_until_covered(layers_until_covered) -> None:
    """Exercise 1: ``layers_until_covered(masks)`` for lists of boolean masks (vectors or images)."""
    if not callable(layers_until_covered):
        raise _fail(1, "`layers_until_covered` should be a function (def layers_until_covered(masks): ...).")
    want = [_reference_cover(m) for m in COVER_INPUTS]
    got = []
    for masks in COVER_INPUTS:
        out = call_student(layers_until_covered, [m.copy() for m in masks], exercise=1,
                           call=f"layers_until_covered({_show_stack(masks)})")
        if out is not None and not (isinstance(out, (int, np.integer)) and not isinstance(out, bool)):
            raise _fail(1, f"`layers_until_covered({_show_stack(masks)})` returned {out!r} "
                           f"({type(out).__name__}); return a whole number of layers (an int) or None.")
        got.append(None if out is None else int(out))
    if got == want:
        print(f"Correct: `layers_until_covered` matches the reference on {len(want)} mask stacks "
              f"(answers {want}).")
        return
    for mistake in COVER_MISTAKES:
        if got == [mistake.answer(m) for m in COVER_INPUTS]:
            raise _fail(1, mistake.hint)
    for masks, g, w in zip(COVER_INPUTS, got, want):
        if g != w:
            shape = "" if masks[0].ndim == 1 else f" (image masks of shape {masks[0].shape})"
            raise _fail(1, f"for the stack {_show_stack(masks)}{shape} you returned {g}, the answer "
                           f"is {w}. Write down, layer by layer, which coordinates have been "
                           "transformed and which have been context so far.")


# ----------------------------------------------------------------------------- exercise 2
DESIGN_SIZES = (3, 5, 7, 9)


def _reference_design(d):
    first = np.asarray(masks_lib.half(d))
    return [first, ~first]


def _judge_design(masks, d) -> str | None:
    """None if the masks are a valid covering design for ``d``, else what is wrong."""
    if masks is None:
        return f"`design_masks({d})` returned None: did you forget the `return` statement?"
    if isinstance(masks, np.ndarray) and masks.ndim == 1:
        return (f"`design_masks({d})` returned ONE mask; return a LIST of masks, one per layer "
                "(one mask alone can never be enough).")
    try:
        masks = list(masks)
    except TypeError:
        return f"`design_masks({d})` returned a {type(masks).__name__}; return a list of masks."
    if not masks:
        return f"`design_masks({d})` returned an empty list; a flow needs at least one layer."
    arrays = []
    for l, mask in enumerate(masks, start=1):
        array = np.asarray(mask)
        if array.shape != (d,):
            return (f"for d={d}, mask {l} has shape {array.shape}; every mask needs one entry per "
                    f"coordinate, shape ({d},). With odd d, d // 2 + d // 2 = d - 1: the middle "
                    "coordinate is easy to lose.")
        if array.dtype != np.bool_:
            return (f"mask {l} has dtype {array.dtype}; masks are boolean (True = active, False = "
                    "passive). Build them with comparisons, e.g. np.arange(d) >= d // 2, or "
                    "np.array(..., dtype=bool).")
        if array.all():
            return (f"for d={d}, mask {l} is all True: no passive coordinate, so its conditioner has "
                    "nothing to read. Every mask needs at least one active AND one passive coordinate.")
        if not array.any():
            return (f"for d={d}, mask {l} is all False: that layer transforms nothing. Every mask "
                    "needs at least one active AND one passive coordinate.")
        arrays.append(array)
    cov = masks_lib.coverage(arrays)
    never_active = np.flatnonzero(~cov.transformed[-1])
    never_passive = np.flatnonzero(~cov.context[-1])
    if never_active.size:
        return (f"for d={d}, coordinate{'s' * (never_active.size > 1)} "
                f"{', '.join(map(str, never_active))} {'is' if never_active.size == 1 else 'are'} never "
                f"transformed (passive in every layer) by your stack {_show_stack(arrays)}.")
    if never_passive.size:
        return (f"for d={d}, coordinate{'s' * (never_passive.size > 1)} "
                f"{', '.join(map(str, never_passive))} {'is' if never_passive.size == 1 else 'are'} never "
                f"used as context (active in every layer) by your stack {_show_stack(arrays)}.")
    return None


def check_design_masks(design_masks) -> None:
    """Exercise 2: ``design_masks(d)`` for d = 3, 5, 7, 9 gives valid masks whose stack is covered."""
    if not callable(design_masks):
        raise _fail(2, "`design_masks` should be a function (def design_masks(d): ...).")
    layers = []
    for d in DESIGN_SIZES:
        masks = call_student(design_masks, d, exercise=2, call=f"design_masks({d})")
        problem = _judge_design(masks, d)
        if problem:
            raise _fail(2, problem)
        layers.append(len(list(masks)))
    print(f"Correct: for d = {', '.join(map(str, DESIGN_SIZES))} every mask is valid and every "
          f"coordinate is transformed and used as context (layers used: {layers}).")


# ----------------------------------------------------------------------------- exercise 3
def _reference_frozen_block(J, mask):
    J, mask = np.asarray(J), np.asarray(mask, dtype=bool).ravel()
    return J[np.ix_(~mask, mask)]


def _frozen_inputs():
    """Jacobians of 1..4 same-mask coupling layers (d = 6 and d = 5), plus a dense matrix so that
    a wrong block cannot pass by being zero too."""
    inputs = []
    for first, seed in ((np.asarray(masks_lib.half(6)), 0), (np.array([1, 0, 1, 1, 0], bool), 3)):
        for J in cached_composite_jacobians(tuple(int(b) for b in first), first.shape, "same", seed):
            inputs.append((J.copy(), first))  # a copy: the cache must not be edited
    dense = np.random.default_rng(0).normal(size=(5, 5)) + 3 * np.eye(5)
    inputs.append((dense, np.array([0, 1, 1, 0, 1], bool)))
    return inputs


FROZEN_MISTAKES = [
    Mistake(lambda J, m: np.asarray(J)[np.ix_(np.asarray(m, bool), ~np.asarray(m, bool))],
            "You took the block of ACTIVE outputs and PASSIVE inputs: that is where the conditioner "
            "acts, it is not zero. Rows (outputs z) must be the passive coordinates (mask False), "
            "columns (inputs x) the active ones (mask True)."),
    Mistake(lambda J, m: np.asarray(J)[np.ix_(~np.asarray(m, bool), ~np.asarray(m, bool))],
            "You took passive outputs x passive inputs: that block is the identity (passive "
            "coordinates are copied). The frozen block has passive ROWS and active COLUMNS."),
]


def check_frozen_block(frozen_block) -> None:
    """Exercise 3: ``frozen_block(J, mask)`` = J[passive rows, active columns]; then the argument."""
    inputs = _frozen_inputs()
    # The generic checker reports a shape mismatch before it looks at known mistakes, but the
    # swapped block has the transposed shape: recognise the known mistakes first.
    if callable(frozen_block):
        try:
            got = [np.asarray(frozen_block(J, m)) for J, m in inputs]
        except NotImplementedError:
            raise
        except Exception:  # check_function below reports the error with the input
            got = None
        for mistake in FROZEN_MISTAKES if got is not None else ():
            wrong = [np.asarray(mistake.answer(J, m)) for J, m in inputs]
            if all(g.shape == w.shape and np.array_equal(g, w) for g, w in zip(got, wrong)):
                raise _fail(3, mistake.hint)
    check_function(frozen_block, _reference_frozen_block, inputs, name="frozen_block", exercise=3,
                   mistakes=FROZEN_MISTAKES, rtol=0.0, atol=0.0)
    largest = max(float(np.abs(np.asarray(frozen_block(J, m))).max()) for J, m in inputs[:-1])
    print(f"On the Jacobians of 1, 2, 3 and 4 layers that share one mask, the largest entry of your "
          f"block is {largest:.1e}: the passive coordinates never see the active ones.")
