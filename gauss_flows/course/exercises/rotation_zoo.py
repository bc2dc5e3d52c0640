"""Checkers for Part 2 · 00, a zoo of rotations.

Exercise 1: on the tilted square (``tilted_square()``), the total correlation before and after
one marginal Gaussianization pass. TC is invariant under elementwise invertible maps, so the
two numbers agree (about 0.22 nats): marginal Gaussianization alone stalls.
Exercise 2: ``best_angle(x, angles)``, the angle of the grid whose rotation
``R(theta) = [[cos, -sin], [sin, cos]]`` gives the least Gaussian (lowest total entropy)
marginals, the ICA-like rotation in 2-D.
"""

from __future__ import annotations

import numpy as np

from gauss_flows import diagnostics
from gauss_flows.bijectors.rotations import rotation_matrix
from gauss_flows.datasets import tilted_square
from gauss_flows.marginal_fit import marginal_pass
from gauss_flows.course.exercises.core import call_student, check_value
from gauss_flows.course.exercises.core import fail as _fail

__all__ = ["tilted_square", "check_tc_stall", "check_best_angle"]


def _tc_pair() -> np.ndarray:
    x = tilted_square()
    return np.array([float(diagnostics.total_correlation(x)),
                     float(diagnostics.total_correlation(marginal_pass(x)))])


def check_tc_stall(tc_before, tc_after) -> None:
    """Exercise 1: TC of ``tilted_square()`` before and after one marginal pass (nats)."""
    want = _tc_pair()
    x = tilted_square()
    gauss = float(diagnostics.gaussian_total_correlation(x))
    mistakes = [
        ([gauss, gauss], "Those are Gaussian total correlations, −½ log det(corr) ≈ 0: the square "
                         "has unit covariance, so its coordinates are UNcorrelated, yet dependent. "
                         "Use gf.diagnostics.total_correlation (kNN joint entropy), on tilted_square() "
                         "(the square before the tilt, tilted_square(tilt=0), has TC 0 too)."),
        ([want[0], 0.0], "TC after the pass is not 0: an elementwise map changes each marginal but "
                         "not the dependence between coordinates. Compute it, don't assume it."),
    ]
    check_value(np.array([tc_before, tc_after], dtype=float), want, name="(tc_before, tc_after)",
                exercise=1, mistakes=mistakes, rtol=0.0, atol=0.04)
    print(f"TC before {want[0]:.3f}, after {want[1]:.3f} nats: the marginal pass did not lower it.")


_CASES = [("square", 20.0, 0), ("square", 35.0, 3), ("laplace", 10.0, 4), ("square", 70.0, 5)]


def _case(kind: str, tilt: float, seed: int) -> np.ndarray:
    if kind == "square":
        return tilted_square(1500, tilt, seed)
    rng = np.random.default_rng(seed)
    s = rng.laplace(size=(1500, 2)) / np.sqrt(2.0)
    return s @ rotation_matrix(tilt).T


ANGLE_GRID = np.deg2rad(np.arange(0.0, 90.0, 2.0))


def _distance(a, b) -> float:
    """Distance between two angles (radians) modulo a quarter turn, in degrees."""
    d = np.rad2deg(a - b) % 90.0
    return float(min(d, 90.0 - d))


def check_best_angle(best_angle) -> None:
    """Exercise 2: ``best_angle(x, angles)`` returns the ICA-like angle (radians) of the grid."""
    if not callable(best_angle):
        raise _fail(2, f"`best_angle` should be a function, but it is a {type(best_angle).__name__}.")
    got, wants, tilts = [], [], []
    for kind, tilt, seed in _CASES:
        value = call_student(best_angle, _case(kind, tilt, seed), ANGLE_GRID, exercise=2,
                             call="best_angle(x, angles)")
        if value is None:
            raise _fail(2, "`best_angle` returned None: did you forget the `return` statement?")
        got.append(float(np.asarray(value)))
        wants.append(np.deg2rad(-tilt))
        tilts.append(np.deg2rad(tilt))
    errors = [_distance(g, w) for g, w in zip(got, wants)]
    if max(errors) <= 6.0:
        print(f"Correct: `best_angle` finds the independent axes in all {len(got)} cases "
              f"(largest error {max(errors):.0f}°, grid step 2°).")
        return
    if max(abs(g) for g in got) > 2 * np.pi:
        raise _fail(2, "Your angles are larger than 2π: return the angle in RADIANS, one of the "
                       "grid values `angles` you were given.")
    if all(_distance(g, t) <= 6.0 for g, t in zip(got, tilts)):
        raise _fail(2, "You found the tilt of the data, but rotated the other way: with "
                       "z = x @ R(θ).T (R = [[cos, -sin], [sin, cos]]) the square is undone at "
                       "θ = −tilt. Did you use R(θ).T, or x @ R(θ)?")
    if all(_distance(g, w + np.pi / 4) <= 12.0 for g, w in zip(got, wants)):
        raise _fail(2, "You are 45° off: that is the MOST Gaussian rotation. Mixing two independent "
                       "coordinates makes the marginals more Gaussian (higher entropy); take the "
                       "angle with the SMALLEST sum of marginal entropies (argmin, not argmax).")
    raise _fail(2, "Not the independent axes: errors of " + ", ".join(f"{e:.0f}°" for e in errors)
                + " against the true angles. For each θ in `angles`, rotate (z = x @ R(θ).T), add "
                  "up gf.diagnostics.marginal_entropy(z), and return the θ with the smallest sum.")
