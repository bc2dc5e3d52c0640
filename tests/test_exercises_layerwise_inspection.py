"""Part 4 · 03 checkers: KL removed per layer, KL after k layers from log-dets."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import layerwise_inspection as li


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def test_drops_accepts_correct_answers(capsys):
    li.check_kl_drops(lambda kl: -np.diff(kl))
    li.check_kl_drops(lambda kl: [kl[k - 1] - kl[k] for k in range(1, len(kl))])
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda kl: np.diff(kl), "SIGN"),
    (lambda kl: kl[0] - kl[1:], "cumulative"),
    (lambda kl: kl[1:], "LEFT after"),
    (lambda kl: -np.diff(kl)[:-1], "shape"),
    (lambda kl: kl[0] - kl[-1], "shape|single"),
])
def test_drops_rejects_wrong_answers(answer, hint):
    rejects(li.check_kl_drops, answer, hint)


def kl_scipy(log_p, log_det, z):
    d = z.shape[1]
    return np.mean(log_p) - np.mean(log_det) - np.mean(multivariate_normal(np.zeros(d)).logpdf(z))


def kl_entropy(log_p, log_det, z):
    """Independent: via H(z) = H(x) + mean log|det| and the Gaussian cross-entropy."""
    joint = -np.mean(log_p) + np.mean(log_det)
    cross = 0.5 * np.mean(np.sum(z**2, 1)) + 0.5 * z.shape[1] * np.log(2 * np.pi)
    return cross - joint


def test_kl_after_accepts_correct_answers(capsys):
    li.check_kl_after(kl_scipy)
    li.check_kl_after(kl_entropy)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda p, ld, z: kl_scipy(p, -ld, z), "log-det term has the wrong sign"),
    (lambda p, ld, z: kl_scipy(p, 0 * ld, z), "log-det term is missing"),
    (lambda p, ld, z: np.mean(p) - np.mean(ld) + np.mean(multivariate_normal(np.zeros(z.shape[1])).logpdf(z)),
     "base term has the wrong sign"),
    (lambda p, ld, z: np.mean(p) - np.mean(ld) + 0.5 * np.mean(np.sum(z**2, 1)), "not right yet|constant"),
])
def test_kl_after_rejects_wrong_answers(answer, hint):
    rejects(li.check_kl_after, answer, hint)
