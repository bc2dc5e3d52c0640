"""Checkers of Part 5 · 08: the reference passes; generic wrong answers and the known mistakes get hints."""

import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import coupling_vs_autoregressive as ex


# ----------------------------------------------------------------------------- exercise 1
def _right(mask):
    degrees = np.where(np.asarray(mask, dtype=bool), 2, 1)
    return degrees[:, None] > degrees[None, :]


def test_made_mask_accepts_the_answer_and_the_library(capsys):
    ex.check_coupling_made_mask(_right)
    ex.check_coupling_made_mask(lambda m: _right(m).astype(int))  # 0/1 integers are fine too
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ex.MASK_MISTAKES, ids=lambda m: m.hint[:25])
def test_made_mask_rejects_each_known_mistake_with_its_hint(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_coupling_made_mask(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("wrong, message", [
    (lambda m: np.zeros((len(m), len(m)), bool), "coupling_made_mask"),
    (lambda m: np.random.default_rng(0).random((len(m), len(m))) > 0.5, "coupling_made_mask"),
    (lambda m: m, "shape"),                                        # the input returned
    (lambda m: ~_right(m), "coupling_made_mask"),                  # every entry flipped
    (lambda m: _right(m) * 2.0, "True/False"),                     # a factor
    (lambda m: _right(m) + 0.1, "True/False"),                     # a small bias
    (lambda m: None, "return"),
])
def test_made_mask_rejects_generic_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ex.check_coupling_made_mask(wrong)


# ----------------------------------------------------------------------------- exercise 2
def _maf_inverse(layer, z):
    z = np.asarray(z, dtype=float)
    x = np.zeros_like(z)
    for i in layer.order:
        shift, log_scale = np.asarray(layer.parameters(x))[i]
        x[i] = (z[i] - shift) * np.exp(-log_scale)
    return x


def test_maf_inverse_accepts_the_answer_and_the_library(capsys):
    ex.check_maf_inverse(_maf_inverse)
    ex.check_maf_inverse(lambda layer, z: layer.inverse(z))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ex.MAF_MISTAKES, ids=lambda m: m.hint[:25])
def test_maf_inverse_rejects_each_known_mistake_with_its_hint(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_maf_inverse(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("wrong, message", [
    (lambda layer, z: np.zeros_like(z), "maf_inverse"),
    (lambda layer, z: np.random.default_rng(0).normal(size=np.shape(z)), "maf_inverse"),
    (lambda layer, z: z, "maf_inverse"),                                  # the input returned
    (lambda layer, z: -_maf_inverse(layer, z), "SIGN"),
    (lambda layer, z: 2.0 * _maf_inverse(layer, z), "FACTOR"),
    (lambda layer, z: _maf_inverse(layer, z) + 0.01, "constant"),
    (lambda layer, z: np.asarray(layer.transform(z)), "INVERSE"),          # forward and inverse swapped
])
def test_maf_inverse_rejects_generic_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ex.check_maf_inverse(wrong)


def test_stubs_pass_through():
    def stub(*args):
        raise NotImplementedError("write it")

    with pytest.raises(NotImplementedError):
        ex.check_maf_inverse(stub)
