"""Checkers of Part 12 · 02 (squeeze and multi-scale): the checkers' answers agree with the flows
the library builds; independent right answers pass; generic wrong answers and each listed Mistake
are rejected with their hint."""

import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import squeeze_and_multiscale as ex
from wrong_answers import KINDS, generic_wrong


@pytest.mark.parametrize("shape, n_levels", [((8, 8, 1), 3), ((4, 8, 2), 2), ((8, 8, 1), 4)])
def test_the_references_are_the_library_flows(shape, n_levels):
    flow = gf.multiscale_flow(jr.key(0), shape=shape, transformer=gf.Affine(), n_levels=n_levels, nn_width=2,
                              nn_depth=0)
    np.testing.assert_array_equal(ex.latent_level_map(shape, n_levels), flow.bijection.latent_levels())
    received, bijection = [], flow.bijection
    while isinstance(bijection, gf.MultiScale):
        received.append(int(np.prod(bijection.shape)))
        bijection = bijection.inner
    received.append(int(np.prod(bijection.shape)))
    np.testing.assert_array_equal(ex.numbers_received(shape, n_levels), received)


def received_by_formula(shape, n_levels):  # another route: h w c / 2^l
    return np.prod(shape) // 2 ** np.arange(n_levels)


def level_map_by_permutation(shape, n_levels):  # another route: follow labelled coordinates
    labels = np.arange(int(np.prod(shape))).reshape(shape)
    levels = np.zeros(int(np.prod(shape)), dtype=int)
    current = labels
    for level in range(n_levels - 1):
        squeezed = gf.space_to_depth(current)
        half = squeezed.shape[-1] // 2
        levels[squeezed[..., :half].ravel()] = level
        current = squeezed[..., half:]
    levels[current.ravel()] = n_levels - 1
    return levels.reshape(shape)


def test_right_answers_pass(capsys):
    ex.check_numbers_received(received_by_formula)
    ex.check_latent_level_map(level_map_by_permutation)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("k", range(len(KINDS)), ids=KINDS)
def test_generic_wrong_answers_are_rejected(k):
    with pytest.raises(ExerciseError):
        ex.check_numbers_received(generic_wrong(received_by_formula)[k])
    with pytest.raises(ExerciseError):
        ex.check_latent_level_map(generic_wrong(level_map_by_permutation)[k])


@pytest.mark.parametrize("mistake", ex.RECEIVED_MISTAKES, ids=lambda m: m.hint[:25])
def test_received_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_numbers_received(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("mistake", ex.MAP_MISTAKES, ids=lambda m: m.hint[:25])
def test_map_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_latent_level_map(mistake.answer)
    assert mistake.hint in str(info.value)


def test_a_map_left_in_the_squeezed_layout_is_named():
    def squeezed_layout(shape, n_levels):
        return gf.space_to_depth(ex.latent_level_map(shape, n_levels))

    with pytest.raises(ExerciseError, match="depth_to_space"):
        ex.check_latent_level_map(squeezed_layout)


def test_mistakes_differ_from_the_right_answer():
    for mistakes, reference in [(ex.RECEIVED_MISTAKES, ex.numbers_received), (ex.MAP_MISTAKES, ex.latent_level_map)]:
        for mistake in mistakes:
            assert any(not np.array_equal(mistake.answer(*i), reference(*i)) for i in ex.INPUTS), mistake.hint
