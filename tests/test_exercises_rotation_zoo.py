"""Checkers of Part 2 · 00: the reference and an independent solution pass, wrong answers get
the right hint."""

import jax
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import rotation_zoo as ex
from gauss_flows.course.explorers.rotation_zoo import rotation_matrix
from gauss_flows.marginal_fit import gaussianize_kde


def _rotate(x, theta):
    return x @ rotation_matrix(np.rad2deg(theta)).T


def tc_pair(x, transform):
    return gf.diagnostics.total_correlation(x), gf.diagnostics.total_correlation(transform(x))


def test_tc_stall_accepts_the_reference(capsys):
    ex.check_tc_stall(tc_pair)
    ex.check_tc_stall(lambda x, transform: [float(v) for v in tc_pair(np.asarray(x), transform)])
    out = capsys.readouterr().out
    assert out.count("Correct") == 2 and "did not lower it" in out


def test_tc_stall_cases_include_a_map_that_changes_tc():
    changes = [abs(b - a) for a, b in (tc_pair(x, t) for _, x, t in ex.stall_cases())]
    assert changes[0] < 0.04 and changes[2] > 0.1  # the marginal pass keeps TC, the rotation does not


@pytest.mark.parametrize("answer, hint", [
    (lambda x, t: (gf.diagnostics.total_correlation(x),) * 2, "assumed"),
    (lambda x, t: (gf.diagnostics.gaussian_total_correlation(x), gf.diagnostics.gaussian_total_correlation(t(x))),
     "UNcorrelated"),
    (lambda x, t: (gf.diagnostics.total_correlation(x), 0.0), "not 0"),
    (lambda x, t: tc_pair(x, t)[::-1], "swapped"),
    (lambda x, t: (0.22, 0.22), "not right yet"),
    (lambda x, t: tc_pair(x, lambda y: np.stack([gaussianize_kde(y[:, i]) for i in range(2)], 1)), "not right"),
    (lambda x, t: None, "None"),
    ((0.22, 0.22), "should be a function"),
])
def test_tc_stall_rejects(answer, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_tc_stall(answer)
    assert hint in str(err.value)


def _entropy_angle(x, angles):
    sums = [float(np.sum(gf.diagnostics.marginal_entropy(_rotate(x, t)))) for t in angles]
    return angles[int(np.argmin(sums))]


def _kurtosis_angle(x, angles):  # independent: largest total |excess kurtosis| (FastICA-like)
    scores = [float(np.sum(np.abs(gf.diagnostics.excess_kurtosis(_rotate(x, t))))) for t in angles]
    return angles[int(np.argmax(scores))]


def test_best_angle_accepts_reference_and_kurtosis(capsys):
    ex.check_best_angle(_entropy_angle)
    ex.check_best_angle(_kurtosis_angle)
    assert "Correct" in capsys.readouterr().out


def _argmax(x, angles):
    sums = [float(np.sum(gf.diagnostics.marginal_entropy(_rotate(x, t)))) for t in angles]
    return angles[int(np.argmax(sums))]


def _transposed(x, angles):
    sums = [float(np.sum(gf.diagnostics.marginal_entropy(x @ rotation_matrix(np.rad2deg(t)))))
            for t in angles]
    return angles[int(np.argmin(sums))]


@pytest.mark.parametrize("wrong, hint", [
    (_argmax, "45° off"),
    (_transposed, "other way"),
    (lambda x, a: np.rad2deg(_entropy_angle(x, a)) + 360.0, "RADIANS"),
    (lambda x, a: a[0], "Not the independent axes"),
])
def test_best_angle_rejects(wrong, hint):
    with pytest.raises(ExerciseError) as err:
        ex.check_best_angle(wrong)
    assert hint in str(err.value)


def test_best_angle_must_be_one_of_the_grid():
    with pytest.raises(ExerciseError, match="not one of `angles`"):
        ex.check_best_angle(lambda x, angles: _entropy_angle(x, angles) + 0.01)
    with pytest.raises(ExerciseError, match="ONE angle"):
        ex.check_best_angle(lambda x, angles: x)
