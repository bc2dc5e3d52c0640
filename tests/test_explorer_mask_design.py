"""Explorer of Part 5 · 03 (mask design): builds, every control changes the frame, bad masks say why."""

import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers.mask_design import (composite_jacobians, image_mask_explorer,
                                               mask_stack)
import explorer_registry as registry


@pytest.fixture(scope="module")
def vector():
    return registry.build("mask_design.mask_explorer")


def test_builds_within_budget_and_presets_include_half_alternating_and_an_invalid_mask(vector):
    assert vector.n_states <= 60
    presets = [tuple(m.astype(int)) for m in vector.controls["mask"].values]
    assert (0, 0, 0, 1, 1, 1) in presets and (0, 1, 0, 1, 0, 1) in presets
    assert any(all(m) or not any(m) for m in presets)
    assert image_mask_explorer().n_states <= 60


def test_every_control_changes_the_frame(vector):
    base = vector.render_state(mask=np.array([0, 0, 0, 1, 1, 1], bool), rule="complement", k=1)
    assert base.error is None
    assert "transformed 3/6, used as context 3/6" in base.readout
    k2 = vector.render_state(mask=np.array([0, 0, 0, 1, 1, 1], bool), rule="complement", k=2)
    other_mask = vector.render_state(mask=np.array([0, 1, 0, 1, 0, 1], bool), rule="complement", k=1)
    same = vector.render_state(mask=np.array([0, 0, 0, 1, 1, 1], bool), rule="same", k=2)
    for frame in (k2, other_mask, same):
        assert frame.error is None
        assert frame.image != base.image and frame.readout != base.readout
    assert "transformed 6/6, used as context 6/6" in k2.readout
    assert "covers every coordinate after 2 layers; the Jacobian is dense after 3 layers" in k2.readout
    assert "never transformed yet: coordinates 0, 1, 2" in same.readout
    assert "NEVER covers" in same.readout


def test_roll_rule_needs_four_layers_on_half(vector):
    frame = vector.render_state(mask=np.array([0, 0, 0, 1, 1, 1], bool), rule="roll", k=3)
    assert "covers every coordinate after 4 layers" in frame.readout
    assert "never used as context yet: coordinates 5" in frame.readout


@pytest.mark.parametrize("bits, words", [([1] * 6, "no passive coordinate"), ([0] * 6, "no active coordinate")])
def test_invalid_mask_shows_a_message(vector, bits, words):
    frame = vector.render_state(mask=np.array(bits, bool), k=2)
    assert frame.error is not None and words in frame.error


def test_image_explorer_renders_and_rejects_all_passive():
    explorer = image_mask_explorer((4, 4))
    board = np.asarray(gf.masks.checkerboard((4, 4)))
    frame = explorer.render_state(mask=board, rule="complement", k=3)
    assert frame.error is None and "transformed 16/16" in frame.readout
    assert "the Jacobian is dense after 3 layers" in frame.readout
    bad = explorer.render_state(mask=np.zeros((4, 4), bool))
    assert bad.error is not None and "no active coordinate" in bad.error


def test_mask_stack_rules():
    first = np.array([0, 0, 1, 1, 1], bool)
    assert [m.astype(int).tolist() for m in mask_stack(first, "complement", 3)] == \
        [[0, 0, 1, 1, 1], [1, 1, 0, 0, 0], [0, 0, 1, 1, 1]]
    assert all(np.array_equal(m, first) for m in mask_stack(first, "same", 3))
    assert mask_stack(first, "roll", 2)[1].astype(int).tolist() == [1, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="rule must be one of"):
        mask_stack(first, "shuffle", 2)


def test_jacobian_pattern_matches_structural_dependence_and_same_mask_keeps_zero_block():
    for rule in ("complement", "same", "roll"):
        masks = mask_stack(np.asarray(gf.masks.random(jr.key(7), 6)), rule, 4)
        J = composite_jacobians(masks, seed=2)
        predicted = gf.masks.dependence(masks)
        assert np.array_equal(np.abs(J) > 1e-12, predicted), rule
    masks = mask_stack(np.asarray(gf.masks.half(6)), "same", 4)
    J = composite_jacobians(masks)[-1]
    passive, active = ~masks[0], masks[0]
    assert np.all(J[np.ix_(passive, active)] == 0)
    assert np.array_equal(J[passive], np.eye(6)[passive])
