"""Checkers for Part 2 · 01, Householder reflections.

Exercise 1: ``det_of_reflections(vectors)``: the determinant of :math:`H_{v_K}\\cdots H_{v_1}`
for vectors (K, d): :math:`(-1)^K`, whatever :math:`d` and the vectors.
Exercise 2: ``householder_matrix(v)``: :math:`H = I - 2vv^\\top/\\lVert v\\rVert^2`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function


def _householder_matrix(v):
    v = np.asarray(v, dtype=float)
    return np.eye(v.size) - 2.0 * np.outer(v, v) / (v @ v)


def _det_of_reflections(vectors):
    q = np.eye(np.shape(vectors)[1])
    for v in np.asarray(vectors, dtype=float):
        q = _householder_matrix(v) @ q
    return np.linalg.det(q)


_rng = np.random.default_rng(7)
DET_INPUTS = [_rng.normal(size=(k, d)) for k, d in [(1, 2), (2, 2), (3, 3), (2, 5), (5, 4), (4, 3), (1, 6)]]
DET_MISTAKES = [
    Mistake(lambda V: 1.0, "A reflection is orthogonal but not a rotation: it flips orientation, "
                           "det H_v = −1 (v is sent to −v, the mirror directions stay). Products "
                           "multiply determinants."),
    Mistake(lambda V: (-1.0) ** np.shape(V)[1], "The sign depends on the number of reflections K "
                                                "(rows of `vectors`), not on the dimension d."),
    Mistake(lambda V: (-1.0) ** (np.shape(V)[0] + 1), "Sign flipped: one reflection has det −1, so K "
                                                      "reflections give (−1)^K."),
    Mistake(lambda V: 0.0, "log|det| is 0, but det itself is ±1."),
]


def check_det_of_reflections(det_of_reflections) -> None:
    """Exercise 1: ``det_of_reflections(vectors)`` = det of the product of the K reflections."""
    check_function(det_of_reflections, _det_of_reflections, DET_INPUTS, name="det_of_reflections",
                   exercise=1, mistakes=DET_MISTAKES, rtol=1e-8, atol=1e-8)


H_INPUTS = [np.array([1.0, 0.0]), np.array([0.0, 2.0]), np.array([1.0, 1.0]),
            np.array([3.0, -4.0, 0.5]), np.array([0.2, -1.0, 2.0, 0.7])]
H_MISTAKES = [
    Mistake(lambda v: np.eye(np.size(v)) - 2.0 * np.outer(v, v),
            "Divide by |v|² = v·v: without it H is orthogonal only for unit vectors v."),
    Mistake(lambda v: np.eye(np.size(v)) - np.outer(v, v) / (np.asarray(v) @ v),
            "That is the projection onto the mirror (factor 1): it squashes v to 0 and is not "
            "invertible. A reflection goes twice as far: I − 2vvᵀ/|v|²."),
    Mistake(lambda v: np.eye(np.size(v)) - 2.0 * np.outer(v, v) / np.sqrt(np.asarray(v) @ v),
            "Divide by |v|², not |v|."),
    Mistake(lambda v: 2.0 * np.outer(v, v) / (np.asarray(v) @ v) - np.eye(np.size(v)),
            "That is −H: the reflection through the line along v. H = I − 2vvᵀ/|v|² keeps the "
            "directions orthogonal to v and flips v."),
]


def check_householder_matrix(householder_matrix) -> None:
    """Exercise 2: ``householder_matrix(v)`` = I − 2 v vᵀ / |v|²; also prints HᵀH − I."""
    check_function(householder_matrix, _householder_matrix, H_INPUTS, name="householder_matrix",
                   exercise=2, mistakes=H_MISTAKES)
    worst = max(np.abs(np.asarray(householder_matrix(v)).T @ np.asarray(householder_matrix(v))
                       - np.eye(v.size)).max() for v in H_INPUTS)
    print(f"Orthogonal: max |HᵀH − I| = {worst:.1e} over {len(H_INPUTS)} vectors.")
