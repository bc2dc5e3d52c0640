"""Checkers of Part 14 · 02 (mutual information): independent right answers pass; generic wrong
answers and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import mutual_information as ex

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def mi_by_entropies(rho):  # another route: H(x) + H(y) - H(x, y) of unit-variance Gaussians
    h = lambda logdet, d: 0.5 * (d * np.log(2 * np.pi * np.e) + logdet)
    return 2 * h(0.0, 1) - h(np.log(np.linalg.det([[1, rho], [rho, 1]])), 2)


def block_by_conditional(cov, k):  # another route: 1/2 log det Sigma_BB / det(Sigma_BB - Sigma_BA Sigma_AA^-1 Sigma_AB)
    cov, k = np.asarray(cov, dtype=float), int(k)
    a, b, ab = cov[:k, :k], cov[k:, k:], cov[:k, k:]
    schur = b - ab.T @ np.linalg.solve(a, ab)
    return 0.5 * np.log(np.linalg.det(b) / np.linalg.det(schur))


def test_right_answers_pass(capsys):
    ex.check_gaussian_mi(mi_by_entropies)
    ex.check_block_mutual_information(block_by_conditional)
    assert capsys.readouterr().out.count("Correct") == 2


def generic_wrong(reference):
    rng = np.random.default_rng(0)
    return [lambda *a: 0.0, lambda *a: -reference(*a), lambda *a: reference(*a) + 0.01,
            lambda *a: 2.0 * reference(*a), lambda *a: float(rng.normal()), lambda *a: a[0]]


@pytest.mark.parametrize("k", range(6))
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_gaussian_mi(generic_wrong(mi_by_entropies)[k])
    with pytest.raises(ExerciseError):
        ex.check_block_mutual_information(generic_wrong(block_by_conditional)[k])


def test_sign_is_named():
    with pytest.raises(ExerciseError, match="(?i)sign"):
        ex.check_block_mutual_information(lambda c, k: -block_by_conditional(c, k))


@pytest.mark.parametrize("mistake", ex.MI_MISTAKES, ids=lambda m: m.hint[:25])
def test_mi_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_gaussian_mi(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.BLOCK_MISTAKES, ids=lambda m: m.hint[:25])
def test_block_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_block_mutual_information(mistake.answer)
    assert mistake.hint in str(info.value)
