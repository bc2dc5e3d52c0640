"""Checker of Part 12 · 01 (the receptive field after k layers): an independent right answer
passes; generic wrong answers and each listed Mistake are rejected with their hint."""

import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import checkerboard_and_channel_masks as ex
from wrong_answers import KINDS, generic_wrong


def field_by_flood(first_mask, n_layers, pixel):  # another route: walk backwards from the output
    first = np.asarray(first_mask, dtype=bool)
    h, w = first.shape
    frontier = {tuple(pixel)}
    for layer in reversed(range(n_layers)):          # what the output at layer l needs at layer l-1
        active = first if layer % 2 == 0 else ~first
        before = set(frontier)
        for r, c in frontier:
            if active[r, c]:
                before |= {(r + a, c + b) for a in (-1, 0, 1) for b in (-1, 0, 1)
                           if 0 <= r + a < h and 0 <= c + b < w and not active[r + a, c + b]}
        frontier = before
    field = np.zeros((h, w), dtype=bool)
    for q in frontier:
        field[q] = True
    return field


def test_right_answer_passes(capsys):
    ex.check_receptive_field(field_by_flood)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_receptive_field(generic_wrong(field_by_flood, returned=0)[k])


@pytest.mark.parametrize("mistake", ex.MISTAKES, ids=lambda m: m.hint[:25])
def test_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_receptive_field(mistake.answer)
    assert mistake.hint in str(info.value)


def test_mistakes_differ_from_the_right_answer():
    for mistake in ex.MISTAKES:
        assert any(not np.array_equal(mistake.answer(*i), ex.receptive_field_reference(*i))
                   for i in ex._inputs()), mistake.hint


def channel_by_squeezing(h, w, level):  # another route: squeeze an index image and read the channels off
    from gauss_flows.bijectors.squeeze import space_to_depth

    index = np.arange(h * w).reshape(h, w, 1)
    for _ in range(level):
        index = space_to_depth(index)
    active = index[..., index.shape[-1] // 2:].ravel()
    mask = np.zeros(h * w, dtype=bool)
    mask[active] = True
    return mask.reshape(h, w)


def test_channel_right_answer_passes(capsys):
    ex.check_channel_mask_pixels(channel_by_squeezing)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_channel_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_channel_mask_pixels(generic_wrong(channel_by_squeezing, returned=0)[k])


@pytest.mark.parametrize("mistake", ex.CHANNEL_MISTAKES, ids=lambda m: m.hint[:25])
def test_channel_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_channel_mask_pixels(mistake.answer)
    assert mistake.hint in str(info.value)
