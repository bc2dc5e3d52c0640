"""Checkers of Part 5 · 03 (mask design): the reference passes, plausible wrong answers get their hint."""

import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import mask_design as ex


# ----------------------------------------------------------------------------- exercise 1
def test_layers_until_covered_accepts_the_library_and_a_hand_written_answer(capsys):
    ex.check_layers_until_covered(gf.masks.layers_until_covered)

    def by_hand(masks):
        transformed = np.zeros(np.size(masks[0]), bool)
        context = np.zeros_like(transformed)
        for k, mask in enumerate(masks, start=1):
            transformed |= np.ravel(mask)
            context |= ~np.ravel(mask)
            if transformed.all() and context.all():
                return k
        return None

    ex.check_layers_until_covered(by_hand)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ex.COVER_MISTAKES, ids=lambda m: m.hint[:25])
def test_layers_until_covered_rejects_each_known_mistake_with_its_hint(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_layers_until_covered(mistake.answer)
    assert mistake.hint in str(info.value)


def test_layers_until_covered_hints_for_other_wrong_answers():
    # forgets images: only works on vectors
    def vectors_only(masks):
        if np.ndim(masks[0]) != 1:
            raise ValueError("expected vectors")
        return gf.masks.layers_until_covered(masks)

    with pytest.raises(ExerciseError, match=r"raised ValueError: expected vectors"):
        ex.check_layers_until_covered(vectors_only)
    # returns a float / a bool instead of an int
    with pytest.raises(ExerciseError, match=r"return a whole number of layers"):
        ex.check_layers_until_covered(lambda masks: 2.0)
    # always answers 2: told which stack is wrong and what the answer is
    with pytest.raises(ExerciseError, match=r"for the stack \[000111, 000111, 000111\] you returned 2, "
                                            r"the answer is None"):
        ex.check_layers_until_covered(lambda masks: 2)


def test_stub_passes_through():
    def stub(masks):
        raise NotImplementedError("Exercise 1: write layers_until_covered(masks)")

    with pytest.raises(NotImplementedError):
        ex.check_layers_until_covered(stub)


# ----------------------------------------------------------------------------- exercise 2
def test_design_masks_accepts_reference_and_other_valid_designs(capsys):
    ex.check_design_masks(ex._reference_design)
    ex.check_design_masks(lambda d: [np.asarray(gf.masks.alternating(d)),
                                     np.asarray(gf.masks.alternating(d, parity=1))])
    ex.check_design_masks(lambda d: [np.arange(d) == i for i in range(d)])  # one active per layer
    assert capsys.readouterr().out.count("Correct") == 3


@pytest.mark.parametrize("answer, hint", [
    (lambda d: [np.asarray(gf.masks.alternating(d))], r"d=3, coordinates 0, 2 are never transformed"),
    (lambda d: [np.asarray(gf.masks.half(d))] * 3, r"d=3, coordinate 0 is never transformed"),
    # odd-d slip: the two halves miss the middle coordinate, which stays passive
    (lambda d: [np.arange(d) < d // 2, np.arange(d) > d // 2], r"d=3, coordinate 1 is never transformed"),
    (lambda d: [np.arange(d) >= d // 2, np.arange(d) >= 0], r"mask 2 is all True: no passive"),
    (lambda d: [np.arange(d) < 0, np.arange(d) < d // 2], r"mask 1 is all False"),
    (lambda d: [np.arange(d - 1) < d // 2, np.arange(d - 1) >= d // 2], r"mask 1 has shape \(2,\)"),
    (lambda d: [(np.arange(d) >= d // 2).astype(int), (np.arange(d) < d // 2).astype(int)],
     r"mask 1 has dtype int64; masks are boolean"),
    (lambda d: np.arange(d) >= d // 2, r"returned ONE mask"),
    (lambda d: None, r"returned None"),
])
def test_design_masks_rejects_wrong_designs_with_the_right_hint(answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_design_masks(answer)


def test_design_masks_reports_never_context():
    # the last coordinate is active in every layer, never read by a conditioner
    def always_active_last(d):
        first = np.arange(d) >= d // 2
        second = ~first
        second[-1] = True
        return [first, second]

    with pytest.raises(ExerciseError, match=r"coordinate 2 is never used as context"):
        ex.check_design_masks(always_active_last)


# ----------------------------------------------------------------------------- exercise 3
def test_frozen_block_accepts_reference_and_prints_the_argument(capsys):
    ex.check_frozen_block(lambda J, mask: np.asarray(J)[~mask][:, mask])
    out = capsys.readouterr().out
    assert "Correct" in out and "largest entry of your block is 0.0e+00" in out


@pytest.mark.parametrize("mistake", ex.FROZEN_MISTAKES, ids=lambda m: m.hint[:25])
def test_frozen_block_rejects_known_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_frozen_block(mistake.answer)
    assert mistake.hint in str(info.value)


def test_frozen_block_transposed_is_a_shape_error():
    with pytest.raises(ExerciseError, match=r"shape"):
        ex.check_frozen_block(lambda J, mask: np.asarray(J)[np.ix_(~mask, mask)].T)


def test_frozen_inputs_really_are_zero_blocks_for_same_masks_and_not_for_the_dense_one():
    inputs = ex._frozen_inputs()
    for J, mask in inputs[:-1]:
        assert np.all(ex._reference_frozen_block(J, mask) == 0)
        # while the conditioner's block (active outputs, passive inputs) is not zero
        assert np.abs(np.asarray(J)[np.ix_(mask, ~mask)]).max() > 1e-3
    J, mask = inputs[-1]
    assert np.abs(ex._reference_frozen_block(J, mask)).min() > 0
