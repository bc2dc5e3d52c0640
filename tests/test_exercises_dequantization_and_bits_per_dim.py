"""Checker of Part 12 · 00 (bits per dimension): an independent right answer passes; generic wrong
answers and each listed Mistake are rejected with their hint."""

import math

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import dequantization_and_bits_per_dim as ex
from wrong_answers import KINDS, generic_wrong


def bits_by_loop(log_p_y, logit_log_det, n_dims, n_levels):  # another route: bits per image, then per pixel
    bits_per_image = [-(a + b) / math.log(2) + n_dims * math.log2(n_levels) for a, b in zip(log_p_y, logit_log_det)]
    return sum(bits_per_image) / len(bits_per_image) / n_dims


def test_right_answer_passes(capsys):
    ex.check_to_bits_per_dim(bits_by_loop)
    assert "Correct" in capsys.readouterr().out


def test_the_uniform_model_costs_log2_k_bits():
    # p_V = 1 on the cube in logit space: log p_Y = -log|dy/dv|, so only the scale is left
    log_det = np.array([-130.0, -150.0])
    assert abs(ex.to_bits_per_dim_reference(-log_det, log_det, 64, 17) - math.log2(17)) < 1e-6


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_to_bits_per_dim(generic_wrong(bits_by_loop, returned=0)[k])


@pytest.mark.parametrize("mistake", ex.MISTAKES, ids=lambda m: m.hint[:25])
def test_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_to_bits_per_dim(mistake.answer)
    assert mistake.hint in str(info.value)


def log_det_by_derivative(v, alpha):  # another route: the derivative of the logit by finite differences, per pixel
    v = np.asarray(v, dtype=float)
    logit = lambda t: np.log(alpha + (1 - 2 * alpha) * t) - np.log(1 - alpha - (1 - 2 * alpha) * t)
    h = 1e-6
    return np.sum(np.log((logit(v + h) - logit(v - h)) / (2 * h)), axis=1)


def test_logit_right_answer_passes(capsys):
    ex.check_logit_log_det(log_det_by_derivative)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_logit_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_logit_log_det(generic_wrong(ex.logit_log_det_reference, returned=0)[k])


@pytest.mark.parametrize("mistake", ex.LOGIT_MISTAKES, ids=lambda m: m.hint[:25])
def test_logit_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_logit_log_det(mistake.answer)
    assert mistake.hint in str(info.value)
