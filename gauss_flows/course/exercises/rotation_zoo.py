"""Checkers for Part 2 · 00, a zoo of rotations.

Exercise 1: ``tc_before_and_after(x, transform)``, the total correlation of ``x`` and of
``transform(x)``. On the tilted square (``tilted_square()``) with one marginal Gaussianization
pass the two agree (TC is invariant under elementwise invertible maps): marginal
Gaussianization alone stalls. The checker asks for a function, not two numbers, and also passes
a rotation, which changes TC: two equal numbers are right because they were computed, not assumed.
Exercise 2: ``best_angle(x, angles)``, the angle of the grid whose rotation
``R(theta) = [[cos, -sin], [sin, cos]]`` gives the least Gaussian (lowest total entropy)
marginals, the ICA-like rotation in 2-D.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from gauss_flows import diagnostics
from gauss_flows.course.explorers.rotation_zoo import (TILT, marginal_pass, rotation_matrix, tilted_square)
from gauss_flows.course.exercises.core import Mistake, _fail, check_function

__all__ = ["tilted_square", "stall_cases", "check_tc_stall", "check_best_angle"]


class _Once:
    """A map that computes each distinct input once (the checker calls the student's function,
    the reference and the mistakes on the same data; the marginal pass fits EM)."""

    def __init__(self, fn, name: str):
        self.fn, self.name, self.cache = fn, name, {}

    def __call__(self, x):
        x = np.asarray(x, dtype=float)
        key = (x.shape, x.tobytes())
        if key not in self.cache:
            self.cache[key] = np.asarray(self.fn(x))
        return self.cache[key]

    def __repr__(self):
        return self.name


def _tc(x) -> float:
    return float(diagnostics.total_correlation(np.asarray(x, dtype=float)))


@lru_cache(maxsize=1)
def stall_cases() -> list[tuple[str, np.ndarray, _Once]]:
    """(description, x, transform): the exercise's own case (the tilted square and one marginal
    pass), another marginal map on another sample, and a map that is NOT marginal (a rotation,
    which does change TC), so that an answer which assumes "after = before" cannot pass."""
    square = tilted_square()
    laplace = np.random.default_rng(7).laplace(size=(1500, 2)) @ rotation_matrix(25.0).T
    return [
        ("tilted_square() and marginal_pass", square, _Once(marginal_pass, "marginal_pass")),
        ("a tilted Laplace sample and x -> sinh(x) per coordinate", laplace, _Once(np.sinh, "sinh")),
        ("tilted_square() and a rotation by -30 degrees", square,
         _Once(lambda x: x @ rotation_matrix(-TILT).T, "rotation")),
    ]


def _reference(x, transform):
    return np.array([_tc(x), _tc(transform(x))])


def check_tc_stall(tc_before_and_after) -> None:
    """Exercise 1: ``tc_before_and_after(x, transform)`` -> ``(TC(x), TC(transform(x)))`` in nats,
    both with gf.diagnostics.total_correlation."""
    if not callable(tc_before_and_after):
        raise _fail(1, "`tc_before_and_after` should be a function (def tc_before_and_after(x, transform): "
                       "...), returning the two total correlations.")
    cases = stall_cases()
    by_case = lambda fn: (lambda i: fn(cases[i - 1][1], cases[i - 1][2]))  # noqa: E731
    tc = {i: _reference(x, transform) for i, (_, x, transform) in enumerate(cases, start=1)}
    gauss = {i: [float(diagnostics.gaussian_total_correlation(x)),
                 float(diagnostics.gaussian_total_correlation(transform(x)))]
             for i, (_, x, transform) in enumerate(cases, start=1)}
    mistakes = [
        Mistake(lambda i: gauss[i],
                "Those are Gaussian total correlations, −½ log det(corr): the square has unit covariance, "
                "so its coordinates are UNcorrelated, yet dependent. Use gf.diagnostics.total_correlation "
                "(kNN joint entropy)."),
        Mistake(lambda i: [tc[i][0], 0.0],
                "TC after the map is not 0: an elementwise map changes each marginal but not the dependence "
                "between coordinates. Compute it, don't assume it."),
        Mistake(lambda i: [tc[i][0], tc[i][0]],
                "Your second number is the first one: you assumed the map leaves TC unchanged. That is "
                "what the exercise shows for a marginal map, but compute it: "
                "gf.diagnostics.total_correlation(transform(x)). (The checker also passes a rotation, "
                "which does change TC.)"),
        Mistake(lambda i: [tc[i][1], tc[i][0]],
                "The two numbers are swapped: first TC(x), then TC(transform(x))."),
    ]
    # the inputs are case numbers 1-3 (see stall_cases): short to print in a hint
    check_function(by_case(tc_before_and_after), lambda i: tc[i], range(1, len(cases) + 1),
                   name="tc_before_and_after", exercise=1, mistakes=mistakes,
                   rtol=1e-6, atol=1e-9)
    before, after = tc[1]
    print(f"TC of the tilted square before {before:.3f}, after the marginal pass {after:.3f} nats: the "
          f"marginal pass did not lower it (the rotation that undoes the tilt did: {tc[3][1]:.3f}).")


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
        try:
            value = best_angle(_case(kind, tilt, seed), ANGLE_GRID)
        except NotImplementedError:
            raise
        except Exception as err:
            raise _fail(2, f"`best_angle(x, angles)` raised {type(err).__name__}: {err}") from err
        if value is None:
            raise _fail(2, "`best_angle` returned None: did you forget the `return` statement?")
        if np.ndim(value) != 0:
            raise _fail(2, f"`best_angle` returned an array of shape {np.shape(value)}; return ONE angle, "
                           "the element of `angles` with the smallest sum of marginal entropies.")
        got.append(float(np.asarray(value)))
        wants.append(np.deg2rad(-tilt))
        tilts.append(np.deg2rad(tilt))
    errors = [_distance(g, w) for g, w in zip(got, wants)]
    off_grid = [g for g in got if not np.any(np.isclose(g, ANGLE_GRID, rtol=0.0, atol=1e-12))]
    if max(errors) <= 6.0 and not off_grid:
        print(f"Correct: `best_angle` finds the independent axes in all {len(got)} cases "
              f"(largest error {max(errors):.0f}°, grid step 2°).")
        return
    if max(abs(g) for g in got) > 2 * np.pi:
        raise _fail(2, "Your angles are larger than 2π: return the angle in RADIANS, one of the "
                       "grid values `angles` you were given.")
    if off_grid:
        near = ANGLE_GRID[np.argmin(np.abs(ANGLE_GRID - off_grid[0]))]
        raise _fail(2, f"`best_angle` returned {off_grid[0]:.6g}, which is not one of `angles` (the nearest "
                       f"is {near:.6g}): return the grid value itself, angles[best index].")
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
