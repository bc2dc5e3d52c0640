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


def test_tc_stall_accepts_the_reference_and_a_kde_pass(capsys):
    x = ex.tilted_square()
    layer = gf.marginal_fit.fit_marginal_mixture(x)
    after = np.asarray(jax.vmap(layer.transform)(x))
    ex.check_tc_stall(gf.diagnostics.total_correlation(x), gf.diagnostics.total_correlation(after))
    kde = np.stack([gaussianize_kde(x[:, i]) for i in range(2)], 1)  # another smooth marginal map
    ex.check_tc_stall(gf.diagnostics.total_correlation(x), gf.diagnostics.total_correlation(kde))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("pair, hint", [
    ((0.0, 0.0), "before the tilt"),
    ("gauss", "UNcorrelated"),
    ("zero_after", "not 0"),
    ((0.22, 0.9), "(tc_before, tc_after)"),
])
def test_tc_stall_rejects(pair, hint):
    x = ex.tilted_square()
    if pair == "gauss":
        g = float(gf.diagnostics.gaussian_total_correlation(x))
        pair = (g, g)
    elif pair == "zero_after":
        pair = (float(gf.diagnostics.total_correlation(x)), 0.0)
    with pytest.raises(ExerciseError) as err:
        ex.check_tc_stall(*pair)
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
