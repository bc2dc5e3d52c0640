"""Checkers for Part 0 · 00, change of variables (Rezende & Mohamed 2015, eq. 1).

If ``x = T(z)`` with ``T`` invertible and ``z ~ p_Z``, then

.. math::  \\log p_X(x) = \\log p_Z(T^{-1}(x)) + \\log\\lvert\\det \\partial T^{-1}/\\partial x\\rvert
           = \\log p_Z(z) - \\log\\lvert\\det \\partial T/\\partial z\\rvert,\\quad z = T^{-1}(x).

Exercise 1: ``T(z) = z^3 + z`` with ``z ~ N(0, 1)``; ``T'(z) = 3z^2 + 1 > 0`` so ``T`` is
invertible (its inverse is the real root of a cubic). Write ``log_density_cubic(x)``.
Exercise 2: the linear map ``x = A z + b``; write ``log_det_linear(A)`` = ``log|det A|``.
Exercise 3: its density, ``log_density_linear(x, A, b)`` with ``z ~ N(0, I_2)``.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)


def _cubic_inverse(x):
    """The real root z of z^3 + z = x (Cardano), polished by one Newton step."""
    x = np.asarray(x, dtype=float)
    s = np.sqrt(x**2 / 4 + 1 / 27)
    z = np.cbrt(x / 2 + s) + np.cbrt(x / 2 - s)
    return z - (z**3 + z - x) / (3 * z**2 + 1)


def _log_normal(z):
    return -0.5 * np.sum(np.square(z)) - np.size(z) * HALF_LOG_2PI


def _log_density_cubic(x):
    z = _cubic_inverse(x)
    return _log_normal(z) - np.log(3 * z**2 + 1)


CUBIC_INPUTS = [0.0, 0.5, -0.5, 1.3, -2.0, 3.7, 10.0]
CUBIC_MISTAKES = [
    Mistake(lambda x: _log_normal(_cubic_inverse(x)),
            "You have log N(z; 0, 1) at z = T^-1(x), but no volume term. Squeezing or stretching "
            "space changes the density: add log|dz/dx| = -log T'(z) = -log(3 z^2 + 1)."),
    Mistake(lambda x: _log_normal(_cubic_inverse(x)) + np.log(3 * _cubic_inverse(x) ** 2 + 1),
            "The volume term has the wrong sign. dz/dx = 1 / T'(z), so log p(x) = log N(z) - log(3 z^2 + 1): "
            "where T stretches space (T' > 1) the density gets THINNER."),
    Mistake(lambda x: _log_normal(np.asarray(x) ** 3 + x) + np.log(3 * np.asarray(x) ** 2 + 1),
            "Forward and inverse are swapped: you evaluated the base density at T(x). The data point x "
            "is the OUTPUT of T, so first solve z^3 + z = x for z (z = T^-1(x)), then use N(z; 0, 1)."),
]


def check_log_density_cubic(log_density_cubic) -> None:
    """Exercise 1: ``log_density_cubic(x)`` = log p_X(x) for x = z^3 + z, z ~ N(0, 1)."""
    check_function(log_density_cubic, _log_density_cubic, CUBIC_INPUTS, name="log_density_cubic",
                   exercise=1, mistakes=CUBIC_MISTAKES, rtol=1e-6, atol=1e-8)


def _log_det_linear(A):
    return np.linalg.slogdet(np.asarray(A, dtype=float))[1]


LINEAR_MATRICES = [np.eye(2), np.array([[2.0, 0.5], [0.3, 1.5]]), np.array([[0.0, 1.0], [1.0, 0.0]]),
                   np.array([[1.2, -0.7], [0.4, -2.0]]), np.array([[0.5, 3.0], [0.0, 0.25]])]
LINEAR_MISTAKES = [
    Mistake(lambda A: np.log(np.linalg.det(A)),
            "You took log(det A), which is NaN when det A < 0 (a reflection). The volume factor is "
            "|det A|: use log|det A| (np.linalg.slogdet(A)[1] does it stably)."),
    Mistake(lambda A: np.linalg.det(A),
            "That is det A itself. The exercise asks for log|det A| (a log, and of the absolute value)."),
    Mistake(lambda A: np.log(np.abs(A[0, 0] * A[1, 1])),
            "You used only the diagonal: det A = a11 a22 - a12 a21. The product of the diagonal is the "
            "determinant only for a triangular matrix (as in a coupling layer), not for a general A."),
]


def check_log_det_linear(log_det_linear) -> None:
    """Exercise 2: ``log_det_linear(A)`` = log|det A| for a 2x2 matrix ``A``."""
    check_function(log_det_linear, _log_det_linear, LINEAR_MATRICES, name="log_det_linear",
                   exercise=2, mistakes=LINEAR_MISTAKES)


def _log_density_linear(x, A, b):
    z = np.linalg.solve(A, np.asarray(x) - b)
    return _log_normal(z) - _log_det_linear(A)


_B = np.array([0.5, -1.0])
LINEAR_DENSITY_INPUTS = [(np.zeros(2), np.eye(2), np.zeros(2))] + [
    (np.array([0.3 * k, 1.0 - 0.4 * k]), A, _B) for k, A in enumerate(LINEAR_MATRICES[1:], start=1)]
LINEAR_DENSITY_MISTAKES = [
    Mistake(lambda x, A, b: _log_normal(np.linalg.solve(A, x - b)) + _log_det_linear(A),
            "The log-det term has the wrong sign: p(x) = N(z) / |det A|, so SUBTRACT log|det A|."),
    Mistake(lambda x, A, b: _log_normal(np.linalg.solve(A, x - b)),
            "The volume term is missing: add log|det dz/dx| = -log|det A|."),
    Mistake(lambda x, A, b: _log_normal(A @ x + b) - _log_det_linear(A),
            "Forward and inverse are swapped: z = A^-1 (x - b), not A x + b (x is the map's OUTPUT)."),
    Mistake(lambda x, A, b: _log_normal(np.linalg.solve(A, x)) - _log_det_linear(A),
            "The shift b is missing: z = A^-1 (x - b)."),
]


def check_log_density_linear(log_density_linear) -> None:
    """Exercise 3: ``log_density_linear(x, A, b)`` = log p_X(x) for x = A z + b, z ~ N(0, I_2)."""
    check_function(log_density_linear, _log_density_linear, LINEAR_DENSITY_INPUTS,
                   name="log_density_linear", exercise=3, mistakes=LINEAR_DENSITY_MISTAKES)
