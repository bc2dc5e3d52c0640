"""Checkers of Part 14 · 02 (mutual information): independent right answers pass and each listed
Mistake is rejected with its hint (the generic wrong answers of every checker are in
test_checkers_generic.py)."""

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
