"""Checkers of Part 2 · 02: Householder decomposition of a PCA rotation, the PCA matrix."""

import numpy as np
import pytest
import scipy.linalg

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import pca_warm_start as ex
from gauss_flows.course.explorers.householder import householder_layer


def test_reference_reproduces_every_matrix_with_at_most_d_reflections(capsys):
    ex.check_householder_vectors(ex._reference)
    for q in ex.test_matrices():
        vectors = ex._reference(q)
        assert len(vectors) <= len(q)
        if len(vectors):  # and the library agrees with the checker's product
            layer = householder_layer(vectors)
            np.testing.assert_allclose(np.asarray(layer.matrix()), q, atol=1e-10)
    assert "Correct" in capsys.readouterr().out


def _no_skip(Q):
    """The reference without "skip when the column is already e_i": v = 0 for the identity."""
    a, d, vs = np.array(Q, float), len(Q), []
    for i in range(d):
        v = a[:, i] - np.eye(d)[i]
        with np.errstate(all="ignore"):
            a = (np.eye(d) - 2 * np.outer(v, v) / (v @ v)) @ a
        vs.append(v)
    return np.array(vs[::-1])


def _via_subblocks(Q):
    """Independent: work on the trailing sub-column a[i:, i] only (the textbook QR loop),
    reflecting it onto +e_1 of the sub-block."""
    d = len(Q)
    a = np.array(Q, dtype=float)
    vectors = []
    for i in range(d):  # eliminate below the diagonal, reflecting onto +e_i
        x = a[i:, i]
        target = np.zeros_like(x)
        target[0] = 1.0
        v = np.concatenate([np.zeros(i), x - target])
        if np.linalg.norm(v) > 1e-12:
            a = (np.eye(d) - 2 * np.outer(v, v) / (v @ v)) @ a
            vectors.append(v)
    return np.array(vectors[::-1]).reshape(-1, d)


def test_independent_solution_passes():
    ex.check_householder_vectors(_via_subblocks)


@pytest.mark.parametrize("wrong, hint", [
    (lambda Q: ex._reference(Q)[::-1], "order is reversed"),
    (lambda Q: np.vstack([ex._reference(Q), np.eye(len(Q))[:2], np.eye(len(Q))[:2]]), "at most d"),
    (lambda Q: _no_skip(Q), "zero"),
    (lambda Q: np.eye(len(Q))[:1], "differs from Q"),
])
def test_householder_vectors_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_householder_vectors(wrong)
    assert hint in str(err.value)


def test_sign_mistake_gets_the_sign_hint():
    def plus(Q):  # reflect onto -e_i, no sign fix
        a, d, vs = np.array(Q, float), len(Q), []
        for i in range(d - 1):
            v = a[:, i] + np.eye(d)[i]
            a = (np.eye(d) - 2 * np.outer(v, v) / (v @ v)) @ a
            vs.append(v)
        return np.array(vs[::-1]).reshape(-1, d)

    with pytest.raises(ExerciseError, match="signs"):
        ex.check_householder_vectors(plus)


def _pca(x):
    values, vectors = np.linalg.eigh(np.cov(x.T))
    return vectors[:, ::-1].T


def test_pca_matrix_accepts_eigh_svd_and_the_library(capsys):
    ex.check_pca_matrix(_pca)
    ex.check_pca_matrix(lambda x: scipy.linalg.svd(x - x.mean(0), full_matrices=False)[2])
    ex.check_pca_matrix(lambda x: np.asarray(gf.PCARotation.fit(x).rotation.get()))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: np.linalg.eigh(np.cov(x.T))[1].T, "INCREASING"),
    (lambda x: _pca(x).T, "COLUMNS"),
    (lambda x: np.linalg.eigh(x.T @ x / len(x))[1][:, ::-1].T, "centred"),
    (lambda x: 2 * _pca(x), "orthogonal"),
])
def test_pca_matrix_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_pca_matrix(wrong)
    assert hint in str(err.value)
