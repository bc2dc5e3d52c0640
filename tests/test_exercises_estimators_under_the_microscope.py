"""Checkers of Part 14 · 03 (estimators under the microscope): independent right answers pass and
each listed Mistake is rejected with its hint (the generic wrong answers of every checker are in
test_checkers_generic.py)."""

import math

import numpy as np
import pytest
from scipy.special import digamma

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import estimators_under_the_microscope as ex

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def kl_by_volumes(distances, d, k):  # another route: -mean log of the k-NN density estimate
    distances, d = np.asarray(distances, dtype=float), int(d)
    volume = math.pi ** (d / 2) / math.gamma(d / 2 + 1) * distances**d
    return float(np.mean(-np.log(np.exp(digamma(k) - digamma(distances.size)) / volume)))


def broken_by_loop(bias, se, tolerance):
    return np.array([abs(b) > max(2 * s, tolerance) for b, s in zip(bias, se)])


def test_right_answers_pass(capsys):
    ex.check_kozachenko_leonenko(kl_by_volumes)
    ex.check_broken(broken_by_loop)
    assert capsys.readouterr().out.count("Correct") == 2


def test_the_reference_is_the_library_estimator():
    from scipy.spatial import cKDTree

    from gauss_flows.information import knn_entropy

    x = np.random.default_rng(0).standard_normal((300, 3))
    distances = cKDTree(x).query(x, k=5)[0][:, 4]
    assert kl_by_volumes(distances, 3, 4) == pytest.approx(knn_entropy(x, k=4), abs=1e-10)


@pytest.mark.parametrize("mistake", ex.KL_MISTAKES, ids=lambda m: m.hint[:25])
def test_kl_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_kozachenko_leonenko(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.BROKEN_MISTAKES, ids=lambda m: m.hint[:25])
def test_broken_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_broken(mistake.answer)
    assert mistake.hint in str(info.value)
