"""Checkers of Part 0 · 03: accept the reference and independent correct answers, reject
plausible wrong answers with the right hint."""

import math

import numpy as np
import pytest
from scipy import stats

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import why_standard_normal as ex


# ---- exercise 1
def test_entropies_accept_reference_and_scipy(capsys):
    ex.check_entropies_at_variance(ex._entropies)
    ex.check_entropies_at_variance(lambda v: np.array([
        stats.norm(scale=math.sqrt(v)).entropy(),
        stats.uniform(loc=-math.sqrt(3 * v), scale=2 * math.sqrt(3 * v)).entropy(),
        stats.laplace(scale=math.sqrt(v / 2)).entropy()]))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("index, hint", [(0, "standard deviation"), (1, "half-width"),
                                         (2, "b = sigma"), (3, "should not have a -1")])
def test_entropies_reject_known_mistakes(index, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_entropies_at_variance(ex.ENTROPY_MISTAKES[index].answer)


@pytest.mark.parametrize("wrong, hint", [
    (lambda v: ex._entropies(v) / math.log(2), "FACTOR"),   # bits instead of nats
    (lambda v: -ex._entropies(v), "SIGN"),
    (lambda v: ex._entropies(v)[0], "shape"),
])
def test_entropies_reject_generic_mistakes(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_entropies_at_variance(wrong)


# ---- exercise 2
def test_gaussian_tc_accepts_reference_and_entropy_route(capsys):
    ex.check_gaussian_tc(ex._gaussian_tc)

    def via_entropies(cov):
        cov = np.asarray(cov)
        marginals = sum(stats.norm(scale=math.sqrt(c)).entropy() for c in np.diag(cov))
        return marginals - stats.multivariate_normal(cov=cov).entropy()

    ex.check_gaussian_tc(via_entropies)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("index, hint", [(0, "COVARIANCE"), (1, "first pair only"),
                                         (2, "as if it were the correlation")])
def test_gaussian_tc_rejects_known_mistakes(index, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_gaussian_tc(ex.TC_MISTAKES[index].answer)


def test_gaussian_tc_rejects_sign_and_factor():
    with pytest.raises(ExerciseError, match="SIGN"):
        ex.check_gaussian_tc(lambda cov: -ex._gaussian_tc(cov))
    with pytest.raises(ExerciseError, match="FACTOR"):
        ex.check_gaussian_tc(lambda cov: 2 * ex._gaussian_tc(cov))
