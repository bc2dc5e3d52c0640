"""Checker of Part 12 · 03 (bits per dimension from nats): an independent right answer passes;
generic wrong answers and each listed Mistake are rejected with their hint."""

import math

import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import multiscale_flow_on_digits as ex
from wrong_answers import KINDS, generic_wrong

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def bits_by_the_library(log_p_y, logit_log_det, n_dims, n_levels):  # another route: gf's own accounting
    bound = np.asarray(log_p_y) + np.asarray(logit_log_det) - n_dims * np.log(n_levels)
    return gf.dequantization.bits_per_dim(bound, n_dims)


def bits_by_log2(log_p_y, logit_log_det, n_dims, n_levels):  # another route: log2 of the probability per pixel
    per_image = [(lp + ld) / math.log(2) - n_dims * math.log2(n_levels) for lp, ld in zip(log_p_y, logit_log_det)]
    return -sum(per_image) / len(per_image) / n_dims


def ratio_by_logs(bits_worse, bits_better, n_dims):  # another route: nats per image, then exp
    nats_saved = n_dims * (bits_worse - bits_better) * math.log(2)
    return math.exp(nats_saved)


def test_right_answers_pass(capsys):
    ex.check_bits_per_dim(bits_by_the_library)
    ex.check_bits_per_dim(bits_by_log2)
    ex.check_probability_ratio(ratio_by_logs)
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_bits_per_dim(generic_wrong(bits_by_the_library, returned=0)[k])
    with pytest.raises(ExerciseError):
        ex.check_probability_ratio(generic_wrong(ratio_by_logs, returned=0)[k])


@pytest.mark.parametrize("mistake", ex.MISTAKES, ids=lambda m: m.hint[:25])
def test_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_bits_per_dim(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.RATIO_MISTAKES, ids=lambda m: m.hint[:25])
def test_ratio_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_probability_ratio(mistake.answer)
    assert mistake.hint in str(info.value)


def test_ratio_mistakes_differ_from_the_right_answer():
    for mistake in ex.RATIO_MISTAKES:
        assert any(not np.isclose(mistake.answer(*i), ex._ratio(*i)) for i in ex._ratio_inputs()), mistake.hint


def test_mistakes_differ_from_the_right_answer_and_from_each_other():
    inputs = ex._inputs()
    outputs = [np.array([m.answer(*i) for i in inputs]) for m in ex.MISTAKES]
    right = np.array([ex._bits(*i) for i in inputs])
    for mistake, out in zip(ex.MISTAKES, outputs):
        assert not np.allclose(out, right), mistake.hint
    for a in range(len(outputs)):
        for b in range(a):
            assert not np.allclose(outputs[a], outputs[b]), (ex.MISTAKES[a].hint, ex.MISTAKES[b].hint)


def test_the_inputs_look_like_the_digits():
    log_p_y, log_det, d, k = ex._inputs()[0]
    assert (d, k) == (64, 17) and 1.0 < ex._bits(log_p_y, log_det, d, k) < math.log2(17)
