"""Checkers for Part 5 · 00, the coupling pattern (RealNVP, Dinh et al. 2017, eqs. 6-9).

The affine coupling written the way the RealNVP paper writes it, with a mask
:math:`m \\in \\{0, 1\\}^d` (1 = active) and a conditioner that sees only the passive
coordinates, :math:`(s, t) = c\\big((1 - m) \\odot x\\big)` with :math:`s, t \\in \\mathbb R^d`:

.. math::  z = (1 - m) \\odot x + m \\odot \\big(x \\odot e^{s} + t\\big), \\qquad
           \\log\\lvert\\det \\partial z/\\partial x\\rvert = \\textstyle\\sum_i m_i s_i ,

and its inverse, which recomputes :math:`(s, t)` from :math:`(1 - m) \\odot z = (1 - m) \\odot x`:

.. math::  x = (1 - m) \\odot z + m \\odot (z - t) \\odot e^{-s}, \\qquad
           \\log\\lvert\\det \\partial x/\\partial z\\rvert = -\\textstyle\\sum_i m_i s_i .

Exercise 1: ``affine_coupling_forward(x, mask, conditioner) -> (z, log_det)``.
Exercise 2: ``affine_coupling_inverse(z, mask, conditioner) -> (x, log_det)``.

Both are checked on several masks and points with :data:`CONDITIONER`, a fixed small
network whose outputs depend on every one of its inputs, so reading an active coordinate
by mistake shows. Each answer's ``z`` (or ``x``) and ``log_det`` are checked separately so
the hint says which of the two is wrong.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function
from gauss_flows.course.exercises.core import fail as _fail, show_args as _show

D = 4
_rng = np.random.default_rng(20170527)
_W1, _B1 = 0.8 * _rng.normal(size=(16, D)), 0.3 * _rng.normal(size=16)
_W2, _B2 = 0.35 * _rng.normal(size=(2 * D, 16)), 0.2 * _rng.normal(size=2 * D)


def CONDITIONER(x_passive_only):
    """``(log_scale, shift)``, two arrays of shape ``(4,)``, from a vector of shape ``(4,)``
    whose active entries are zero (a fixed tanh network; numpy in, numpy out)."""
    h = np.tanh(_W1 @ np.asarray(x_passive_only, dtype=float) + _B1)
    out = _W2 @ h + _B2
    return out[:D], out[D:]


def _masks():
    m = np.array
    return [m([0, 0, 1, 1]), m([1, 1, 0, 0]), m([0, 1, 0, 1]), m([1, 0, 1, 0]), m([0, 1, 1, 1])]


_POINTS = [np.zeros(D), np.array([0.5, -1.2, 0.8, 2.0]), np.array([-1.5, 0.3, -0.7, 1.1]),
           np.array([2.4, 1.9, -2.2, -0.4])]
#: (x, mask) pairs: every mask at an all-zero point and at a non-trivial one, masks boolean.
INPUTS = [(p, mk.astype(bool)) for i, mk in enumerate(_masks())
          for p in (_POINTS[0], _POINTS[1 + i % 3])]


def _parts(x, mask):
    m = np.asarray(mask, dtype=float)
    s, t = CONDITIONER((1 - m) * np.asarray(x, dtype=float))
    return m, np.asarray(s), np.asarray(t)


def _forward(x, mask):
    m, s, t = _parts(x, mask)
    return (1 - m) * x + m * (x * np.exp(s) + t), np.sum(m * s)


def _inverse(z, mask):
    m, s, t = _parts(z, mask)
    return (1 - m) * z + m * (z - t) * np.exp(-s), -np.sum(m * s)


def _call(student, name, exercise, args):
    """Run the student's function and insist on a pair ``(array of shape (d,), number)``."""
    x, mask = args
    out = student(x, mask, CONDITIONER)
    if out is None:
        raise _fail(exercise, f"`{name}` returned None: did you forget the `return` statement?")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _fail(exercise, f"`{name}` should return a pair (array of shape ({D},), log_det); "
                              f"it returned a {type(out).__name__}"
                              f"{f' of length {len(out)}' if isinstance(out, (tuple, list)) else ''}.")
    return out


def _check_pair(student, reference, *, name, first, exercise, first_mistakes, log_det_mistakes,
                inverse=None):
    if not callable(student):
        raise _fail(exercise, f"`{name}` should be a function (def {name}(...): ...), but it is a "
                              f"{type(student).__name__}.")
    # Run once per input and keep the answers: shape and type problems are reported first,
    # then z (or x) and log_det are judged separately, so the hint says which one is wrong.
    answers = {}
    for x, mask in INPUTS:
        try:
            answers[(x.tobytes(), mask.tobytes())] = _call(student, name, exercise, (x, mask))
        except (NotImplementedError, ExerciseError):
            raise
        except Exception as err:
            raise _fail(exercise, f"`{name}(x={_show((x,))[1:-1]}, mask={_show((mask,))[1:-1]}, "
                                  f"conditioner)` raised {type(err).__name__}: {err}") from err

    def part(index):
        def get(x, mask):
            return answers[(x.tobytes(), mask.tobytes())][index]
        return get

    check_function(part(0), lambda x, mask: reference(x, mask)[0], INPUTS,
                   name=f"{first} = {name}(...)[0]", exercise=exercise, mistakes=first_mistakes,
                   inverse=inverse)
    check_function(part(1), lambda x, mask: reference(x, mask)[1], INPUTS,
                   name=f"log_det = {name}(...)[1]", exercise=exercise, mistakes=log_det_mistakes)


# ------------------------------------------------------------------ Exercise 1: the forward map
def _passive_too(x, mask):
    m, s, t = _parts(x, mask)
    return x * np.exp(s) + t


def _exp_minus(x, mask):
    m, s, t = _parts(x, mask)
    return (1 - m) * x + m * (x * np.exp(-s) + t)


def _reads_active(x, mask):
    m = np.asarray(mask, dtype=float)
    s, t = CONDITIONER(x)
    return (1 - m) * x + m * (x * np.exp(s) + t)


def _mask_swapped(x, mask):
    m, s, t = _parts(x, mask)
    return m * x + (1 - m) * (x * np.exp(s) + t)


def _no_shift(x, mask):
    m, s, t = _parts(x, mask)
    return (1 - m) * x + m * x * np.exp(s)


FORWARD_MISTAKES = [
    Mistake(_passive_too,
            "You transformed EVERY coordinate. The passive ones (mask False) must be copied "
            "unchanged, z_P = x_P; only the active ones get x * exp(s) + t. Combine with the mask: "
            "z = where(mask, x * exp(s) + t, x)."),
    Mistake(_reads_active,
            "The conditioner read the ACTIVE coordinates too: you called conditioner(x). It may only "
            "see the passive ones, conditioner(where(mask, 0, x)); otherwise the Jacobian is no longer "
            "triangular and the inverse could not recompute s and t from z."),
    Mistake(_exp_minus,
            "The active coordinates are scaled by exp(-s); the forward map is x * exp(s) + t "
            "(exp(-s) belongs to the inverse)."),
    Mistake(_mask_swapped,
            "Active and passive are swapped: mask True marks the coordinates to TRANSFORM; "
            "mask False ones are copied."),
    Mistake(_no_shift, "The shift t is missing: z_A = x_A * exp(s) + t."),
]
FORWARD_LOG_DET_MISTAKES = [
    Mistake(lambda x, mask: -_parts(x, mask)[1] @ _parts(x, mask)[0],
            "log_det has the wrong SIGN. The forward map multiplies x_A by exp(s), which stretches "
            "volume by exp(sum of s over the active coordinates): log_det = +sum(s[mask])."),
    Mistake(lambda x, mask: np.sum(_parts(x, mask)[1]),
            "log_det sums s over ALL coordinates. The passive rows of the Jacobian are rows of the "
            "identity (log 1 = 0): sum s over the ACTIVE coordinates only, sum(s[mask])."),
    Mistake(lambda x, mask: np.sum((1 - _parts(x, mask)[0]) * _parts(x, mask)[1]),
            "log_det sums s over the PASSIVE coordinates; it is the active ones that are scaled: "
            "sum(s[mask])."),
    Mistake(lambda x, mask: np.exp(np.sum(_parts(x, mask)[0] * _parts(x, mask)[1])),
            "That is the determinant itself, exp(sum s_A). The exercise asks for its LOG: sum(s[mask])."),
]


def check_affine_coupling_forward(affine_coupling_forward: Callable) -> None:
    """Exercise 1: ``affine_coupling_forward(x, mask, conditioner) -> (z, log_det)``."""
    _check_pair(affine_coupling_forward, _forward, name="affine_coupling_forward", first="z",
                exercise=1, first_mistakes=FORWARD_MISTAKES,
                log_det_mistakes=FORWARD_LOG_DET_MISTAKES,
                inverse=lambda x, mask: _inverse(x, mask)[0])


# ------------------------------------------------------------------ Exercise 2: the inverse map
def _inverse_scale_first(z, mask):
    m, s, t = _parts(z, mask)
    return (1 - m) * z + m * (z * np.exp(-s) - t)


def _inverse_exp_plus(z, mask):
    m, s, t = _parts(z, mask)
    return (1 - m) * z + m * (z - t) * np.exp(s)


def _inverse_reads_active(z, mask):
    m = np.asarray(mask, dtype=float)
    s, t = CONDITIONER(z)
    return (1 - m) * z + m * (z - t) * np.exp(-s)


def _inverse_passive_too(z, mask):
    m, s, t = _parts(z, mask)
    return (z - t) * np.exp(-s)


INVERSE_MISTAKES = [
    Mistake(_inverse_scale_first,
            "The shift is undone in the wrong order. Forward is z_A = x_A * exp(s) + t, so first "
            "subtract t, then divide by exp(s): x_A = (z_A - t) * exp(-s)."),
    Mistake(_inverse_exp_plus,
            "You multiplied by exp(+s); undoing a multiplication by exp(s) means multiplying by "
            "exp(-s): x_A = (z_A - t) * exp(-s)."),
    Mistake(_inverse_reads_active,
            "The conditioner read the active coordinates of z. The inverse only works because the "
            "conditioner sees the PASSIVE coordinates, which z shares with x: call "
            "conditioner(where(mask, 0, z)) and you get exactly the s, t of the forward pass."),
    Mistake(_inverse_passive_too,
            "You un-transformed EVERY coordinate. The passive ones were copied in the forward pass, "
            "so they are copied back: x_P = z_P."),
]
INVERSE_LOG_DET_MISTAKES = [
    Mistake(lambda z, mask: np.sum(_parts(z, mask)[0] * _parts(z, mask)[1]),
            "That is the FORWARD log-det. The inverse divides by exp(s), so its log-det is minus the "
            "forward one: log_det = -sum(s[mask])."),
    Mistake(lambda z, mask: -np.sum(_parts(z, mask)[1]),
            "log_det sums s over ALL coordinates; only the active ones are rescaled: "
            "log_det = -sum(s[mask])."),
]


def check_affine_coupling_inverse(affine_coupling_inverse: Callable) -> None:
    """Exercise 2: ``affine_coupling_inverse(z, mask, conditioner) -> (x, log_det)``, and the round
    trip ``inverse(forward(x)) == x``."""
    _check_pair(affine_coupling_inverse, _inverse, name="affine_coupling_inverse", first="x",
                exercise=2, first_mistakes=INVERSE_MISTAKES,
                log_det_mistakes=INVERSE_LOG_DET_MISTAKES,
                inverse=lambda z, mask: _forward(z, mask)[0])
    worst = 0.0
    for x, mask in INPUTS:
        z, _ = _forward(x, mask)
        x_back, _ = affine_coupling_inverse(z, mask, CONDITIONER)
        worst = max(worst, float(np.max(np.abs(np.asarray(x_back, dtype=float) - x))))
    if not worst < 1e-8:  # unreachable when the check above passed; kept as the stated contract
        raise ExerciseError(f"Exercise 2: the round trip inverse(forward(x)) misses x by {worst:.1e}.")
    print(f"Round trip inverse(forward(x)) = x on {len(INPUTS)} inputs (largest error {worst:.1e}).")
