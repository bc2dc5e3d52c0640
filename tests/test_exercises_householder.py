"""Checkers of Part 2 · 01 (Householder)."""

import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import householder as ex
from gauss_flows.course.explorers.householder import householder_layer


def test_det_accepts_reference_and_library_route(capsys):
    ex.check_det_of_reflections(lambda V: (-1.0) ** len(V))
    ex.check_det_of_reflections(lambda V: float(jnp.linalg.det(householder_layer(V).matrix())))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda V: 1.0, "flips orientation"),
    (lambda V: (-1.0) ** np.shape(V)[1], "not on the dimension"),
    (lambda V: -((-1.0) ** len(V)), "Sign flipped"),
    (lambda V: 0.0, "±1"),
])
def test_det_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_det_of_reflections(wrong)
    assert hint in str(err.value)


def test_householder_matrix_accepts_two_solutions(capsys):
    ex.check_householder_matrix(lambda v: np.eye(len(v)) - 2 * np.outer(v, v) / np.dot(v, v))

    def via_unit(v):  # independent: normalise first, then reflect each basis vector
        u = np.asarray(v) / np.linalg.norm(v)
        return np.stack([e - 2 * u * (u @ e) for e in np.eye(len(v))], axis=1)

    ex.check_householder_matrix(via_unit)
    out = capsys.readouterr().out
    assert "Correct" in out and "Orthogonal" in out


@pytest.mark.parametrize("wrong, hint", [
    (lambda v: np.eye(len(v)) - 2 * np.outer(v, v), "|v|²"),
    (lambda v: np.eye(len(v)) - np.outer(v, v) / np.dot(v, v), "projection"),
    (lambda v: 2 * np.outer(v, v) / np.dot(v, v) - np.eye(len(v)), "−H"),
    (lambda v: np.eye(len(v)), "householder_matrix"),
])
def test_householder_matrix_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_householder_matrix(wrong)
    assert hint in str(err.value)
