"""Checkers for Part 4 · 01, RBIG as a warm start for maximum-likelihood training.

Exercise 1: ``equal_budget_comparison(nll_random, nll_rbig)``: both arrays have shape
``(n_seeds, n_snapshots)`` (the NLL of each training run at each snapshot, same steps for
both); return ``(gap, standard_error)``: the mean over seeds of ``nll_random - nll_rbig`` at the
LAST snapshot (the full, equal budget) and its standard error ``std(ddof=1) / sqrt(n_seeds)``.
Exercise 2: ``steps_to_reach(nll, steps, target)``: the first step at which the curve ``nll``
(one value per entry of ``steps``) is at or below ``target``; ``np.inf`` if it never is.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function


def _gap(nll_random, nll_rbig):
    d = np.asarray(nll_random, float)[:, -1] - np.asarray(nll_rbig, float)[:, -1]
    return np.array([d.mean(), d.std(ddof=1) / np.sqrt(d.size)])


_rng = np.random.default_rng(0)
_BASE = np.linspace(1.8, 0.9, 6)
COMPARISON_INPUTS = [
    (_BASE + _rng.normal(0, 0.05, (3, 6)), 0.8 * _BASE + _rng.normal(0, 0.05, (3, 6))),
    (_BASE + _rng.normal(0, 0.1, (5, 6)), _BASE - 0.2 + _rng.normal(0, 0.1, (5, 6))),
    (np.array([[1.0, 0.7, 0.65], [1.1, 0.8, 0.6]]), np.array([[0.7, 0.62, 0.6], [0.7, 0.61, 0.64]])),
]


def _pair(f):
    return lambda a, b: np.asarray(f(np.asarray(a, float), np.asarray(b, float)), float)


COMPARISON_MISTAKES = [
    Mistake(_pair(lambda a, b: [np.mean(a[:, 0] - b[:, 0]),
                                np.std(a[:, 0] - b[:, 0], ddof=1) / np.sqrt(len(a))]),
            "You compared the runs at the FIRST snapshot (step 0, before any training). The "
            "equal budget is the LAST column: nll[:, -1]."),
    Mistake(_pair(lambda a, b: [np.mean(a[:, -1] - b[:, -1]), np.std(a[:, -1] - b[:, -1], ddof=1)]),
            "The second number should be the STANDARD ERROR of the mean gap, std / sqrt(n_seeds), "
            "not the spread of the gaps itself."),
    Mistake(_pair(lambda a, b: [np.mean(a[:, -1] - b[:, -1]),
                                np.std(a[:, -1] - b[:, -1]) / np.sqrt(len(a))]),
            "Use the sample standard deviation with ddof=1 (n_seeds - 1 in the denominator): with "
            "a handful of seeds the difference matters."),
    Mistake(_pair(lambda a, b: [np.mean(a[:, -1] - b[:, -1]),
                                np.std(a[:, -1] - b[:, -1], ddof=1) / np.sqrt(a.shape[1])]),
            "sqrt of the number of SEEDS (rows), not of the number of snapshots (columns)."),
    Mistake(_pair(lambda a, b: [np.mean(a[0, -1] - b[0, -1]), 0.0]),
            "Average over ALL seeds (the rows), not just the first run."),
]


def check_equal_budget_comparison(equal_budget_comparison) -> None:
    """Exercise 1: ``equal_budget_comparison(nll_random, nll_rbig)`` -> ``(gap, standard_error)``."""
    check_function(lambda a, b: np.asarray(equal_budget_comparison(a, b), dtype=float),
                   _gap, COMPARISON_INPUTS, name="equal_budget_comparison", exercise=1,
                   mistakes=COMPARISON_MISTAKES)


def _steps_to_reach(nll, steps, target):
    nll, steps = np.asarray(nll, float), np.asarray(steps, float)
    hit = np.flatnonzero(nll <= target)
    return float(steps[hit[0]]) if hit.size else np.inf


_STEPS = np.array([0, 15, 30, 45, 60, 75])
REACH_INPUTS = [
    (np.array([2.0, 1.5, 1.2, 1.0, 0.9, 0.85]), _STEPS, 1.1),
    (np.array([2.0, 1.5, 1.2, 1.0, 0.9, 0.85]), _STEPS, 1.2),    # reached exactly
    (np.array([2.0, 1.5, 1.2, 1.0, 0.9, 0.85]), _STEPS, 0.5),    # never
    (np.array([1.0, 0.8, 0.9, 0.7, 0.75, 0.6]), _STEPS, 0.85),   # not monotone
    (np.array([0.5, 0.4, 0.3]), np.array([0, 20, 40]), 0.6),     # already at step 0
]
REACH_MISTAKES = [
    Mistake(lambda nll, steps, target: float(np.flatnonzero(np.asarray(nll) <= target)[0])
            if np.any(np.asarray(nll) <= target) else np.inf,
            "That is the INDEX of the snapshot; return the optimiser STEP it was taken at, "
            "steps[index]."),
    Mistake(lambda nll, steps, target: float(steps[np.flatnonzero(np.asarray(nll) < target)[0]])
            if np.any(np.asarray(nll) < target) else np.inf,
            "'At or below the target' includes equality: use <=, not <."),
    Mistake(lambda nll, steps, target: float(steps[np.flatnonzero(np.asarray(nll) <= target)[-1]])
            if np.any(np.asarray(nll) <= target) else np.inf,
            "You returned the LAST step at or below the target; the question is the FIRST one."),
    Mistake(lambda nll, steps, target: float(steps[np.argmin(np.abs(np.asarray(nll) - target))]),
            "You returned the step whose NLL is closest to the target. The question is the first "
            "step at or below it (and np.inf when the curve never gets there)."),
    Mistake(lambda nll, steps, target: _steps_to_reach(nll, steps, target)
            if np.any(np.asarray(nll) <= target) else float(np.asarray(steps)[-1]),
            "When the curve never gets to the target within the budget, return np.inf (not the "
            "last step): the budget was not enough."),
]


def check_steps_to_reach(steps_to_reach) -> None:
    """Exercise 2: ``steps_to_reach(nll, steps, target)`` -> first step with nll <= target."""
    with np.errstate(invalid="ignore"):  # inf - inf (a right "never") is not a difference
        check_function(steps_to_reach, _steps_to_reach, REACH_INPUTS, name="steps_to_reach",
                       exercise=2, mistakes=REACH_MISTAKES)
