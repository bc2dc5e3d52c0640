"""Masks: the documented patterns, the refusals, and the coverage helpers."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows import masks


def test_half_puts_the_extra_coordinate_on_the_active_side():
    assert np.asarray(masks.half(4)).tolist() == [False, False, True, True]
    assert np.asarray(masks.half(5)).tolist() == [False, False, True, True, True]


def test_alternating_and_its_parity():
    assert np.asarray(masks.alternating(5)).tolist() == [False, True, False, True, False]
    np.testing.assert_array_equal(masks.alternating(5, parity=1), ~masks.alternating(5))


@pytest.mark.parametrize("d", [2, 5, 8])
def test_random_mask_is_balanced_and_depends_on_the_key(d):
    draws = [np.asarray(masks.random(jr.key(i), d)) for i in range(8)]
    for mask in draws:
        assert mask.dtype == bool and mask.sum() == d - d // 2
    assert len({m.tobytes() for m in draws}) > 1


def test_checkerboard_neighbours_differ_and_parity_flips():
    board = np.asarray(masks.checkerboard((4, 6)))
    assert board.shape == (4, 6) and not board[0, 0] and board[0, 1] and board[1, 0]
    assert (board[:, 1:] != board[:, :-1]).all() and (board[1:] != board[:-1]).all()
    np.testing.assert_array_equal(masks.checkerboard((4, 6), parity=1), ~board)


def test_channel_mask_splits_the_channel_axis():
    mask = np.asarray(masks.channel((3, 3, 4)))
    assert mask.shape == (3, 3, 4)
    assert (~mask[..., :2]).all() and mask[..., 2:].all()
    first_axis = np.asarray(masks.channel((4, 2), axis=0))
    assert first_axis[:2].sum() == 0 and first_axis[2:].all()


def test_complement_swaps_and_refuses_non_boolean():
    np.testing.assert_array_equal(masks.complement(masks.half(4)), [True, True, False, False])
    with pytest.raises(ValueError, match="boolean"):
        masks.complement(jnp.array([0, 1]))


@pytest.mark.parametrize("bad, shape, words", [
    (jnp.array([False, True, True]), (4,), ["(4,)", "(3,)"]),
    (jnp.ones(4, bool), (4,), ["no passive"]),
    (jnp.zeros(4, bool), (4,), ["no active"]),
    (jnp.array([0, 0, 1, 1]), (4,), ["boolean", "int"]),
    (masks.half(4), (2, 2), ["(2, 2)", "(4,)"]),
])
def test_validate_refuses_bad_masks_with_a_clear_message(bad, shape, words):
    with pytest.raises(ValueError) as info:
        masks.validate(bad, shape)
    for word in words:
        assert word in str(info.value), str(info.value)


def test_a_coupling_refuses_a_bad_mask():
    with pytest.raises(ValueError, match="no passive"):
        gf.AffineCoupling(jr.key(0), shape=(4,), mask=jnp.ones(4, bool))
    with pytest.raises(ValueError, match=r"\(4,\).*\(3,\)"):
        gf.AffineCoupling(jr.key(0), shape=(4,), mask=masks.half(3))


@pytest.mark.parametrize("d", [0, 1, 2.5])
def test_sizes_below_two_are_refused(d):
    with pytest.raises(ValueError, match="d >= 2"):
        masks.half(d)


def test_coverage_of_alternating_complements():
    stack = [masks.half(4), ~masks.half(4), masks.half(4)]
    cov = masks.coverage(stack)
    assert cov.transformed.shape == cov.context.shape == (3, 4)
    assert cov.transformed[0].tolist() == [False, False, True, True]
    assert cov.context[0].tolist() == [True, True, False, False]
    assert cov.transformed[1].all() and cov.context[1].all()
    assert masks.layers_until_covered(stack) == 2


def test_a_repeated_mask_never_covers():
    assert masks.layers_until_covered([masks.half(4)] * 5) is None


def test_coverage_of_random_masks_matches_a_direct_count():
    stack = np.stack([np.asarray(masks.random(jr.key(i), 6)) for i in range(5)])
    cov = masks.coverage(stack)
    for layer in range(5):
        np.testing.assert_array_equal(cov.transformed[layer], stack[: layer + 1].any(axis=0))
        np.testing.assert_array_equal(cov.context[layer], (~stack[: layer + 1]).any(axis=0))


def test_dependence_needs_three_alternating_layers_to_mix_fully():
    d = masks.dependence([masks.half(4), ~masks.half(4), masks.half(4)])
    assert d.shape == (3, 4, 4)
    assert d[0, 2, :3].all() and not d[0, 2, 3] and not d[0, 0, 1]
    assert not d[1].all() and d[2].all()


def test_dependence_agrees_with_the_jacobian_of_a_coupling_stack():
    flow = gf.coupling_flow(jr.key(0), shape=(4,), transformer=gf.Affine(), n_layers=2,
                            nn_width=8, nn_depth=1)
    flow = gf.perturb(flow, jr.key(1), 0.3)
    jac = np.asarray(jax.jacfwd(flow.bijection.transform)(jr.normal(jr.key(2), (4,))))
    predicted = masks.dependence([layer.mask for layer in flow.bijection.bijectors])[-1]
    np.testing.assert_array_equal(np.abs(jac) > 0, predicted)


# ---- image masks at a squeeze level, and local conditioners (Part 12 · 01) ---------------------

def test_unsqueeze_puts_a_channel_mask_back_on_the_pixels():
    mask = masks.unsqueeze(masks.channel((4, 4, 4)), 1)
    assert mask.shape == (8, 8, 1)
    # channels 0, 1 of a block are its top pixels (a = 0): passive; the bottom row is active
    np.testing.assert_array_equal(mask[..., 0], np.repeat((np.arange(8) % 2 == 1)[:, None], 8, axis=1))
    with pytest.raises(ValueError, match="not made by a squeeze"):
        masks.unsqueeze(np.zeros((4, 4, 2), dtype=bool), 1)


def test_local_reads_is_a_chebyshev_ball_of_blocks():
    reads = masks.local_reads((8, 8, 1), 3)
    centre = reads[np.ravel_multi_index((3, 3, 0), (8, 8, 1))].reshape(8, 8)
    i, j = np.indices((8, 8))
    np.testing.assert_array_equal(centre, (abs(i - 3) <= 1) & (abs(j - 3) <= 1))
    squeezed = masks.local_reads((8, 8, 1), 3, squeeze_level=1)[0].reshape(8, 8)
    np.testing.assert_array_equal(squeezed, (i < 4) & (j < 4))          # blocks 0 and 1 of (0, 0)
    assert masks.local_reads((4, 4, 1), None).all()
    with pytest.raises(ValueError, match="odd kernel_size"):
        masks.local_reads((8, 8, 1), 2)
    with pytest.raises(ValueError, match="cannot be squeezed"):
        masks.local_reads((6, 6, 1), 3, squeeze_level=2)


def test_dependence_with_a_dense_reader_is_the_old_dependence():
    stack = masks.sequence(masks.checkerboard((4, 4, 1)), "complement", 3)
    np.testing.assert_array_equal(masks.dependence(stack, np.ones((16, 16), dtype=bool)), masks.dependence(stack))


def test_a_local_receptive_field_matches_the_jacobian_of_real_couplings():
    """The structural zeros of d z / d x through coupling layers whose conditioners can only see
    their 3x3 neighbourhood (an MLP fed a locally masked input) are exactly those predicted."""
    shape, pixel = (5, 5, 1), (2, 1, 0)
    stack = [np.asarray(m) for m in masks.sequence(masks.checkerboard(shape), "complement", 3)]
    reads = masks.local_reads(shape, 3)
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(25, 25)) * reads for _ in stack]     # conditioner weight w[i, j] zero unless i reads j

    def layer(x, mask, w):
        active = mask.ravel()
        shift = np.tanh(w @ (x * ~active))                          # reads passive coordinates only
        return np.where(active, x * np.exp(0.3 * shift) + shift, x)

    def net(x):
        for mask, w in zip(stack, weights):
            x = layer(x, mask, w)
        return x

    x0, eps = rng.normal(size=25), 1e-6
    flat = int(np.ravel_multi_index(pixel, shape))
    sensitivity = np.array([(net(x0 + eps * e)[flat] - net(x0 - eps * e)[flat]) / (2 * eps) for e in np.eye(25)])
    predicted = masks.receptive_field(stack, pixel, reads)[-1].ravel()
    assert np.all(np.abs(sensitivity[~predicted]) == 0.0)
    assert np.all(np.abs(sensitivity[predicted]) > 1e-8)
    with pytest.raises(ValueError, match="not a coordinate"):
        masks.receptive_field(stack, (5, 0, 0), reads)
