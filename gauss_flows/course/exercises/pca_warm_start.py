"""Checkers for Part 2 · 02, PCA as a fixed warm start.

Exercise 1: ``householder_vectors(Q)``: at most ``d`` reflection vectors (K, d) whose product
:math:`H_{v_K}\\cdots H_{v_1}` (the order of ``gf.Householder``) is the orthogonal matrix ``Q``.
Exercise 2: ``pca_matrix(data)``: an orthogonal ``W`` whose rows are the principal axes, largest
variance first, so that ``z = (x - mean) @ W.T`` has a diagonal covariance with decreasing
variances (any sign of each row is accepted).
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import call_student
from gauss_flows.course.exercises.core import fail as _fail

__all__ = ["householder_product", "check_householder_vectors", "check_pca_matrix", "test_matrices"]


def _reflection(v):
    v = np.asarray(v, dtype=float)
    return np.eye(v.size) - 2.0 * np.outer(v, v) / (v @ v)


def householder_product(vectors, dim: int) -> np.ndarray:
    """:math:`H_{v_K}\\cdots H_{v_1}`: ``vectors[0]`` acts first, as in ``gf.Householder``."""
    q = np.eye(dim)
    for v in np.asarray(vectors, dtype=float).reshape(-1, dim):
        q = _reflection(v) @ q
    return q


def _reference(Q):
    """QR by reflections: send column i to e_i (skip if already there), ≤ d reflections."""
    a, d, vectors = np.array(Q, dtype=float), len(Q), []
    for i in range(d):
        v = a[:, i] - np.eye(d)[i]
        if np.linalg.norm(v) > 1e-10:
            a = _reflection(v) @ a
            vectors.append(v)
    return np.array(vectors[::-1]).reshape(-1, d)  # H_m...H_1 Q = I, so Q = H_1...H_m


def test_matrices() -> list[np.ndarray]:
    """PCA rotations of correlated data in 2, 3 and 5 dimensions, a reflection, the identity."""
    rng = np.random.default_rng(11)
    out = []
    for d in (2, 3, 5):
        x = rng.normal(size=(500, d)) @ rng.normal(size=(d, d))
        _, vecs = np.linalg.eigh(np.cov(x.T))
        q = vecs[:, ::-1].T
        q[-1] *= np.sign(np.linalg.det(q))  # a rotation, det +1, as PCARotation.fit makes it
        out.append(q)
    reflection = out[1].copy()
    reflection[0] *= -1.0  # det -1
    return out + [reflection, np.eye(4)]


def check_householder_vectors(householder_vectors) -> None:
    """Exercise 1: the product of the student's reflections reproduces each matrix."""
    if not callable(householder_vectors):
        raise _fail(1, "`householder_vectors` should be a function of Q.")
    worst = 0.0
    for q in test_matrices():
        d = len(q)
        vectors = call_student(householder_vectors, q.copy(), exercise=1, call="householder_vectors(Q)")
        if vectors is None:
            raise _fail(1, "`householder_vectors` returned None: did you forget the `return`?")
        vectors = np.asarray(vectors, dtype=float).reshape(-1, d)
        if len(vectors) > d:
            raise _fail(1, f"{len(vectors)} reflections for a {d}x{d} matrix: at most d = {d} are "
                           "needed. Skip a step when the column is already e_i.")
        with np.errstate(all="ignore"):
            got = householder_product(vectors, d)
        if len(vectors) and (not np.all(np.isfinite(got))
                             or np.linalg.norm(vectors, axis=1).min() < 1e-8):
            raise _fail(1, "A reflection vector is zero, or zero up to round-off (H divides by |v|² ≈ 0 "
                           "and points anywhere). When column i is "
                           "already e_i, skip that reflection instead of appending v = 0.")
        if np.allclose(got, q, atol=1e-8):
            worst = max(worst, float(np.abs(got - q).max()))
            continue
        if np.allclose(got, q.T, atol=1e-8):
            raise _fail(1, "Your product is Qᵀ: the order is reversed. If H_m···H_1 Q = I, then "
                           "Q = H_1 H_2···H_m, and gf.Householder applies vectors[0] FIRST "
                           "(it computes H_vK···H_v1), so return the vectors in reverse order.")
        if np.allclose(np.abs(got), np.abs(q), atol=1e-8):
            raise _fail(1, "Right up to signs of some rows/columns: a reflection sends a column to "
                           "−e_i instead of e_i. Use v = q_i − e_i (not q_i + e_i), and fix the last "
                           "diagonal sign with one more reflection (v = e_d) when it is −1.")
        raise _fail(1, f"The product of your {len(vectors)} reflections differs from Q by up to "
                       f"{np.abs(got - q).max():.3g} (d = {d}). Check each v = a_i − e_i and that you "
                       "apply each reflection to the whole current matrix.")
    print(f"Correct: your reflections reproduce all {len(test_matrices())} matrices, at most d "
          f"reflections each (largest difference {worst:.1e}).")


def _pca_data():
    rng = np.random.default_rng(12)
    out = []
    for d, shift in ((2, 3.0), (3, -5.0), (4, 10.0)):
        mix = rng.normal(size=(d, d)) * np.linspace(2.0, 0.5, d)
        out.append(rng.laplace(size=(800, d)) @ mix.T + shift * np.arange(1, d + 1))
    return out


def check_pca_matrix(pca_matrix) -> None:
    """Exercise 2: ``pca_matrix(data)`` (d, d): orthogonal, rows = principal axes, largest first."""
    if not callable(pca_matrix):
        raise _fail(2, "`pca_matrix` should be a function of data (n, d).")
    for x in _pca_data():
        d = x.shape[1]
        w = call_student(pca_matrix, x.copy(), exercise=2, call="pca_matrix(data)")
        if w is None:
            raise _fail(2, "`pca_matrix` returned None: did you forget the `return`?")
        w = np.asarray(w, dtype=float)
        if w.shape != (d, d):
            raise _fail(2, f"`pca_matrix` gave shape {w.shape} for {d}-D data; expected ({d}, {d}).")
        if not np.allclose(w @ w.T, np.eye(d), atol=1e-6):
            raise _fail(2, "W is not orthogonal (W Wᵀ ≠ I): use the unit eigenvectors of the "
                           "covariance (np.linalg.eigh), not scaled ones.")
        cov = np.cov(x.T)
        z_cov = w @ cov @ w.T
        off = np.abs(z_cov - np.diag(np.diag(z_cov))).max() / np.abs(z_cov).max()
        if off > 1e-6:
            second = x.T @ x / len(x)
            if np.abs(w @ second @ w.T - np.diag(np.diag(w @ second @ w.T))).max() < 1e-6 * np.abs(second).max():
                raise _fail(2, "You diagonalised xᵀx, the second moments: the data are not centred. "
                               "Subtract the mean first (or use np.cov).")
            if np.abs(w.T @ cov @ w - np.diag(np.diag(w.T @ cov @ w))).max() < 1e-6 * np.abs(cov).max():
                raise _fail(2, "Your eigenvectors are the COLUMNS of W; the exercise wants them as "
                               "rows (z = (x − mean) @ W.T). Return the transpose.")
            raise _fail(2, f"(x − mean) @ W.T is still correlated (largest relative off-diagonal "
                           f"covariance {off:.2g}): W's rows must be eigenvectors of the covariance.")
        variances = np.diag(z_cov)
        if not np.all(np.diff(variances) <= 1e-9 * variances.max()):
            raise _fail(2, "The axes are not ordered by decreasing variance (np.linalg.eigh returns "
                           f"eigenvalues in INCREASING order; your variances: {np.round(variances, 3)}).")
    print(f"Correct: W decorrelates all {len(_pca_data())} data sets, largest variance first.")
