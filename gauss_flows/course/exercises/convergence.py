"""Checkers for Part 3 · 01, convergence and stopping of RBIG (Laparra, Camps-Valls & Malo 2011).

Exercise 1: ``stop_rule(tc_reduction) -> layers to keep`` for a recorded curve of per-layer
total-correlation reductions. The checker runs it on curves with a known signal
:math:`a r^\\ell` plus estimator noise (standard deviation 0.02 nats, as for 2000 samples)
and asks that the layers kept capture at least 90 % of the signal without keeping more than
:data:`EXTRA_LAYERS` layers beyond that point.
Exercise 2: ``remaining_tc(tc_reduction)`` -> the total correlation left after each layer,
:math:`\\sum_{m \\le L}\\Delta_m - \\sum_{m \\le \\ell}\\Delta_m` (``info["remaining_total_correlation"]``).
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

__all__ = ["check_stop_rule", "check_remaining_tc", "recorded_curves"]

NOISE = 0.02
CAPTURE = 0.9
EXTRA_LAYERS = 10
#: (first-layer reduction a, decay r) of the test curves, 40 layers each
SIGNALS = [(0.3, 0.7), (0.3, 0.85), (0.5, 0.6), (0.15, 0.9), (0.4, 0.8), (0.25, 0.75)]
N_LAYERS = 40


def recorded_curves(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(signal, recorded), ...]``: known per-layer reductions and the same plus noise."""
    rng = np.random.default_rng(seed)
    out = []
    for a, r in SIGNALS:
        signal = a * r ** np.arange(1, N_LAYERS + 1)
        out.append((signal, signal + NOISE * rng.standard_normal(N_LAYERS)))
    return out


def _fail(exercise: int, message: str) -> ExerciseError:
    return ExerciseError(f"Exercise {exercise}: {message}")


def check_stop_rule(stop_rule) -> None:
    """Exercise 1: ``stop_rule(tc_reduction)`` -> the number of layers to keep (an int >= 1)."""
    if not callable(stop_rule):
        raise _fail(1, "`stop_rule` should be a function (def stop_rule(tc_reduction): ...).")
    lines = []
    for number, (signal, recorded) in enumerate(recorded_curves(), start=1):
        try:
            kept = stop_rule(recorded.copy())
        except NotImplementedError:
            raise
        except Exception as err:
            raise _fail(1, f"`stop_rule` raised {type(err).__name__}: {err} on curve {number}.") from err
        if kept is None:
            raise _fail(1, "`stop_rule` returned None: return the number of layers to keep.")
        if np.ndim(kept) != 0:
            raise _fail(1, f"`stop_rule` returned an array of shape {np.shape(kept)}; return ONE number, "
                           "the number of layers to keep.")
        if isinstance(kept, (bool, np.bool_)) or not float(kept).is_integer():
            raise _fail(1, f"`stop_rule` returned {kept!r}; return a whole number of layers.")
        kept = int(kept)
        if not 1 <= kept <= recorded.size:
            raise _fail(1, f"`stop_rule` kept {kept} layers of a {recorded.size}-layer curve; the answer "
                           f"is between 1 and {recorded.size}.")
        enough = int(np.argmax(np.cumsum(signal) >= CAPTURE * signal.sum())) + 1
        captured = signal[:kept].sum() / signal.sum()
        if kept < enough:
            hint = (f"On curve {number} (true reductions {signal[0]:.2f}·{signal[1] / signal[0]:.2f}^(l-1)) you "
                    f"keep {kept} layers, which capture only {100 * captured:.0f} % of the total "
                    f"correlation the layers really remove; {enough} layers are needed for "
                    f"{100 * CAPTURE:.0f} %.")
            near = [layer for layer in (kept, kept + 1) if recorded[layer - 1] < 0.01]
            if near:  # the rule stopped at (or just before) one small, noisy estimate
                hint += (f" Layer {near[0]} alone came out at {recorded[near[0] - 1]:+.3f} nats by "
                         "chance: one noisy estimate is not evidence of convergence. Average over several "
                         "layers before deciding.")
            raise _fail(1, hint)
        if kept > enough + EXTRA_LAYERS:
            raise _fail(1, f"On curve {number} you keep {kept} layers, but {enough} already capture "
                           f"{100 * CAPTURE:.0f} % of the total correlation: the layers after that remove "
                           "about nothing but noise. Stop once a run of layers removes (almost) nothing, "
                           "and do not keep that run.")
        lines.append(f"{kept} (need {enough}-{enough + EXTRA_LAYERS})")
    print("Correct: on all six curves the layers you keep capture at least 90 % of the total "
          "correlation removed, without a long tail of noise layers. Kept: " + ", ".join(lines) + ".")


# ----------------------------------------------------------------------------- exercise 2
def _remaining(curve):
    curve = np.asarray(curve, dtype=float)
    return curve.sum() - np.cumsum(curve)


REMAINING_INPUTS = [np.array([0.3, 0.1, 0.05, 0.01]), np.zeros(3),
                    np.array([0.25, -0.02, 0.04, 0.0, 0.01, -0.01]), np.array([0.7])]
REMAINING_MISTAKES = [
    Mistake(lambda c: np.cumsum(c),
            "That is the total correlation REMOVED so far. The remaining part is the total minus it: "
            "sum(all reductions) - cumsum(reductions)."),
    Mistake(lambda c: np.sum(c) - np.concatenate([[0.0], np.cumsum(c)[:-1]]),
            "Off by one layer: you give what remains BEFORE each layer. After layer l, the reductions "
            "of layers 1..l (including l) have been removed."),
    Mistake(lambda c: np.sum(np.abs(c)) - np.cumsum(np.abs(c)),
            "Keep the signs: a negative reduction is estimator noise, and dropping its sign biases the "
            "total upwards. RBIG's estimate of TC(x) is the plain sum."),
]


def check_remaining_tc(remaining_tc) -> None:
    """Exercise 2: ``remaining_tc(tc_reduction)`` -> the TC estimate left after each layer."""
    check_function(remaining_tc, _remaining, REMAINING_INPUTS, name="remaining_tc", exercise=2,
                   mistakes=REMAINING_MISTAKES)
