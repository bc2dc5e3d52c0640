"""The checker framework: run a student's answer against the reference and say WHAT is wrong.

A checker compares the student's function (or value) with a reference on several
inputs. When they agree it prints ``Correct: ...``; otherwise it raises
:class:`ExerciseError` (an ``AssertionError``, so a notebook whose solution broke fails
its test run) whose message is a hint in words a student understands. The diagnosis
runs in this order, the first that fits wins:

1. it is not a function / it raised / it returned ``None``, a non-number, a wrong shape;
2. a known mistake of this exercise (:class:`Mistake`: a wrong answer and its hint);
3. NaN or inf where the answer is finite;
4. forward and inverse swapped (matches the reference's inverse, when one is given);
5. sign flipped (``student == -reference``);
6. log vs not-log (``student == exp(reference)`` or ``student == log(reference)``);
7. off by a constant (``student - reference`` the same everywhere; names 1/2 log 2 pi, log 2, ...);
8. a factor off (``student / reference`` the same everywhere);
9. correct only at zero (right on the all-zero inputs, wrong elsewhere);
10. otherwise: the first input where it is wrong, with both numbers.

A ``NotImplementedError`` from the student's function is re-raised untouched: it is the
student edition's "not written yet" stub and must stop the notebook as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["ExerciseError", "Mistake", "call_for_number", "call_student", "check_function", "check_value",
           "fail", "show_args"]

#: Constants a student is likely to lose or add, for the "off by a constant" hint.
KNOWN_CONSTANTS = {
    0.5 * np.log(2 * np.pi): "1/2 log(2 pi), the normalising constant of a 1-D standard normal",
    np.log(2 * np.pi): "log(2 pi), the normalising constant of a 2-D standard normal",
    np.log(2.0): "log 2",
    0.5: "1/2",
    1.0: "1",
}


class ExerciseError(AssertionError):
    """The answer is not right yet; the message says what is wrong."""


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer (same signature as the reference) and the hint it deserves."""

    answer: Callable[..., Any]
    hint: str


def _args(item) -> tuple:
    return item if isinstance(item, tuple) else (item,)


def show_args(args: tuple) -> str:
    """``(0.5, [1., 2.])``: the arguments of a call as a student reads them in a message."""
    def one(a):
        if callable(a):  # a function passed as an argument (a vector field, ...): its name
            return getattr(a, "__name__", type(a).__name__)
        if isinstance(a, str):
            return repr(a)
        array = np.asarray(a) if not hasattr(a, "__dict__") or hasattr(a, "__array__") else None
        if array is None or array.dtype == object:  # a model or another object: its type names it
            return type(a).__name__
        a = array
        return np.array2string(a, precision=4, suppress_small=True, separator=", ") if a.ndim else f"{a.item():.4g}"
    return "(" + ", ".join(one(a) for a in args) + ")"


def fail(exercise, message: str) -> ExerciseError:
    """The error to raise: ``message`` after the exercise's number (``Exercise 2: ...``)."""
    return ExerciseError((f"Exercise {exercise}: " if exercise else "") + message)


def call_student(student: Callable, *args, exercise: str | int | None, call: str,
                 context: str = "") -> Any:
    """``student(*args)``, the one way every checker calls a student's answer.

    A ``NotImplementedError`` passes through untouched (the student edition's "not written yet"
    stub must stop the notebook as it is); any other exception becomes an :class:`ExerciseError`
    that names the exercise and the call, ``Exercise 2: `call` raised TypeError: ...{context}``.
    """
    try:
        return student(*args)
    except NotImplementedError:
        raise
    except Exception as err:
        raise fail(exercise, f"`{call}` raised {type(err).__name__}: {err}{context}") from err


def call_for_number(student: Callable, *args, exercise: str | int | None, call: str, context: str = "",
                    what: str = "a single number") -> float:
    """``student(*args)`` (by :func:`call_student`) as one float: for checkers whose arguments are
    not numbers (a function, a field) and so call the student themselves. ``None``, a non-number
    or an array is an :class:`ExerciseError` naming the call; ``what`` says what was expected."""
    out = call_student(student, *args, exercise=exercise, call=call, context=context)
    value = _as_float(out, call, exercise)
    if value.shape != ():
        raise fail(exercise, f"`{call}` returned an array of shape {value.shape}; expected {what}.")
    return float(value)


def _close(a, b, rtol, atol, equal_nan=False) -> bool:
    return all(x.shape == y.shape and np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
               for x, y in zip(a, b))


def _diagnose(got, want, inputs, rtol, atol, name, inverse_outputs=None) -> str | None:
    """Generic diagnoses 4-9 on lists of equally shaped float arrays; None if none fits."""
    loose = dict(rtol=10 * rtol, atol=10 * atol)
    g, w = np.concatenate([x.ravel() for x in got]), np.concatenate([x.ravel() for x in want])
    if inverse_outputs is not None and _close(got, inverse_outputs, **loose):
        return (f"`{name}` computes the INVERSE map: forward and inverse are swapped. Check which "
                "direction the exercise asks for (data x -> latent z or z -> x).")
    if np.any(np.abs(w) > atol) and np.allclose(g, -w, **loose):
        return (f"`{name}` has the right size but the wrong SIGN everywhere. A classic: the log-det "
                "of the inverse map is minus that of the forward map, log|det dz/dx| = -log|det dx/dz|.")
    with np.errstate(all="ignore"):
        if np.allclose(g, np.exp(w), **loose):
            return (f"`{name}` returns exp of the answer: you returned the density (or the "
                    "determinant) itself; the exercise asks for its LOG. Take np.log of it, or "
                    "better, work in log space throughout.")
        if np.all(w > 0) and np.allclose(g, np.log(w), **loose):
            return f"`{name}` returns the LOG of the answer; the exercise asks for the value itself."
    offset = g - w
    scale = atol + rtol * np.abs(w).max()
    if np.ptp(offset) <= 10 * scale and abs(offset.mean()) > 100 * scale:
        c = float(offset.mean())
        known = [text for value, text in KNOWN_CONSTANTS.items() if abs(abs(c) - value) < 1e-6 * max(1, value)]
        which = f" That is {'minus ' if c < 0 else ''}{known[0]}: did you drop or add it?" if known else ""
        return (f"`{name}` is off by the same constant everywhere: yours - answer = {c:+.6g}.{which}")
    nonzero = np.abs(w) > atol
    if nonzero.any():
        ratio = g[nonzero] / w[nonzero]
        if np.ptp(ratio) <= 10 * rtol * max(1.0, abs(ratio).max()) and abs(ratio.mean() - 1) > rtol:
            return (f"`{name}` is off by a constant FACTOR: yours / answer = {ratio.mean():.6g} "
                    "everywhere. Look for a missing or extra factor (1/2, 2, the dimension d, ...).")
    right = [np.allclose(x, y, rtol=rtol, atol=atol) for x, y in zip(got, want)]
    at_zero = [all(np.all(np.asarray(a) == 0) for a in _args(i)) for i in inputs]
    if any(at_zero) and all(r == z for r, z in zip(right, at_zero)):
        return (f"`{name}` is right at zero but wrong everywhere else: a term that vanishes at 0 is "
                "missing or wrong (often the log-det term, or the map itself applied to the input).")
    return None


def check_function(student: Callable, reference: Callable, inputs: Sequence, *, name: str,
                   exercise: str | int | None = None, mistakes: Sequence[Mistake] = (),
                   inverse: Callable | None = None, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Check ``student(*args) == reference(*args)`` for every ``args`` in ``inputs``.

    Args:
        student: the student's function.
        reference: the correct function (same signature).
        inputs: test inputs; a tuple is a list of positional arguments, anything else one argument.
            Include 0 (or an all-zero input) so "correct only at zero" can be told apart.
        name: the function's name as the student wrote it, used in the messages.
        exercise: the exercise number shown in front of the messages.
        mistakes: known wrong answers of this exercise and their hints (checked first).
        inverse: the reference's inverse map, to diagnose "forward and inverse swapped".
        rtol, atol: tolerances of the comparison (loosened to 1e-4 / 1e-5 for float32 answers).

    Prints ``Correct: ...`` or raises :class:`ExerciseError` with the hint.
    """
    if not callable(student):
        raise fail(exercise, f"`{name}` should be a function (def {name}(...): ...), but it is a "
                              f"{type(student).__name__}.")
    inputs = [_args(i) for i in inputs]
    want = [np.asarray(reference(*args), dtype=float) for args in inputs]
    got = []
    for args in inputs:
        out = call_student(student, *args, exercise=exercise, call=f"{name}{show_args(args)}")
        if np.asarray(out).dtype in (np.float32, np.float16):  # float32 round-off is not a mistake
            rtol, atol = max(rtol, 1e-4), max(atol, 1e-5)
        got.append(_as_float(out, f"{name}{show_args(args)}", exercise))
    for g, w, args in zip(got, want, inputs):
        if g.shape != w.shape:
            expected = "a single number" if w.shape == () else f"an array of shape {w.shape}"
            raise fail(exercise, f"`{name}{show_args(args)}` returned an array of shape {g.shape}; "
                                  f"expected {expected}.")
    # The known mistakes and the inverse are evaluated only for an answer that is not right
    # (lazily, in order): a right answer costs the reference and the student's function alone.
    _judge(got, want, inputs, name=name, exercise=exercise, rtol=rtol, atol=atol,
           mistake_outputs=((_outputs(m.answer, inputs), m.hint) for m in mistakes),
           inverse_outputs=(lambda: _outputs(inverse, inputs)) if inverse is not None else None)


def check_value(student, reference, *, name: str, exercise: str | int | None = None,
                mistakes: Sequence[tuple[Any, str]] = (), rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Check a number or array against the reference; ``mistakes`` are ``(wrong value, hint)``."""
    want = np.asarray(reference, dtype=float)
    got = _as_float(student, name, exercise)
    if got.shape != want.shape:
        raise fail(exercise, f"`{name}` has shape {got.shape}; expected "
                              f"{'a single number' if want.shape == () else want.shape}.")
    _judge([got], [want], [()], name=name, exercise=exercise, rtol=rtol, atol=atol,
           mistake_outputs=[([np.asarray(v, dtype=float)], hint) for v, hint in mistakes])


def _as_float(value, what: str, exercise) -> np.ndarray:
    if value is None:
        raise fail(exercise, f"`{what}` returned None: did you forget the `return` statement?")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError) as err:
        raise fail(exercise, f"`{what}` gave a {type(value).__name__}, not a number or an array "
                              f"of numbers.") from err


def _outputs(fn, inputs):
    with np.errstate(all="ignore"):
        return [np.asarray(fn(*args), dtype=float) for args in inputs]


def _judge(got, want, inputs, *, name, exercise, rtol, atol, mistake_outputs, inverse_outputs=None):
    """Print "Correct" or raise the most specific hint. ``mistake_outputs`` is an iterable of
    ``(outputs, hint)`` read in order, ``inverse_outputs`` a function giving the inverse's
    outputs: neither is evaluated unless the answer is wrong."""
    if _close(got, want, rtol, atol):
        worst = max(float(np.max(np.abs(g - w), initial=0.0)) for g, w in zip(got, want))
        print(f"Correct: `{name}` matches the reference on {len(got)} input"
              f"{'s' if len(got) > 1 else ''} (largest difference {worst:.1e}).")
        return
    for outputs, hint in mistake_outputs:
        if _close(got, outputs, rtol, atol, equal_nan=True):
            raise fail(exercise, hint)
    for g, w, args in zip(got, want, inputs):
        bad = ~np.isfinite(g) & np.isfinite(w)
        if bad.any():
            where = f" for input {show_args(args)}" if args else ""
            raise fail(exercise, f"`{name}` is not finite{where} (it gave {g[bad].ravel()[0]}) where "
                                  "the answer is a finite number. Look for log of a negative number or "
                                  "of zero, a division by zero, or an overflowing exp.")
    hint = _diagnose(got, want, inputs, rtol, atol, name, inverse_outputs() if inverse_outputs is not None else None)
    if hint is None:
        for g, w, args in zip(got, want, inputs):
            if not np.allclose(g, w, rtol=rtol, atol=atol):
                where = f" for input {show_args(args)}" if args else ""
                hint = (f"`{name}` is not right yet{where}: it gave {show_args((g,))[1:-1]}, the answer "
                        f"is {show_args((w,))[1:-1]}.")
                break
    raise fail(exercise, hint)
