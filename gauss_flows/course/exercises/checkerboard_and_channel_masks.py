"""Checkers for Part 12 · 01, checkerboard and channel masks on images.

Exercise: ``receptive_field(first_mask, n_layers, pixel)``: a stack of ``n_layers`` coupling
layers on an ``(h, w)`` image whose masks alternate ``first_mask``, its complement,
``first_mask``, ... (True = transformed), each with a 3x3 convolutional conditioner (an
active pixel's parameters read the passive pixels among its 8 neighbours and itself). Return
the booleans ``(h, w)`` of the input pixels that output ``pixel = (row, col)`` may depend on
after the ``n_layers`` layers (``n_layers = 0``: the pixel alone). The recursion, with
:math:`R_0(p) = \\{p\\}`:

.. math::  R_l(p) = R_{l-1}(p) \\cup \\textstyle\\bigcup_{q \\text{ passive in layer } l,\\
           |q - p|_\\infty \\le 1} R_{l-1}(q) \\quad \\text{if } p \\text{ is active in layer } l,

else :math:`R_l(p) = R_{l-1}(p)`; the reference is ``gf.masks.receptive_field`` with
``gf.masks.local_reads(shape, 3)``.

Exercise 2: ``channel_mask_pixels(h, w, level)``: the pixels of a one-channel ``(h, w)`` image
that a channel mask transforms (the second half of the channels active, ``gf.masks.channel``)
when it is made on the image squeezed ``level >= 1`` times, ``Squeeze`` stacking a 2x2 block
as channel :math:`2a + b` (row :math:`a`, column :math:`b` inside it): booleans ``(h, w)``,
the reference ``gf.masks.unsqueeze(gf.masks.channel(squeezed shape), level)``.
"""

from __future__ import annotations

import numpy as np

from gauss_flows import masks as masks_lib
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_receptive_field", "check_channel_mask_pixels"]


def _reference(first_mask, n_layers, pixel, *, kernel_size=3, rule="complement", shift=0):
    first = np.asarray(first_mask, dtype=bool)[..., None]
    n = n_layers + shift
    if n <= 0:
        field = np.zeros(first.shape[:2], dtype=bool)
        field[tuple(pixel)] = True
        return field
    stack = masks_lib.sequence(first, rule, n)
    reads = masks_lib.local_reads(first.shape, kernel_size)
    return masks_lib.receptive_field(stack, (pixel[0], pixel[1], 0), reads)[-1][..., 0]


def receptive_field_reference(first_mask, n_layers, pixel):
    """The right answer (booleans ``(h, w)``), from ``gf.masks``."""
    return _reference(first_mask, n_layers, pixel)


def _inputs():
    board = np.asarray(masks_lib.checkerboard((8, 8)))
    rows = np.indices((6, 6))[0] % 2 == 1                          # stripes: odd rows transformed
    halves = np.indices((6, 8))[1] >= 4                             # right half transformed
    return [(board, 0, (3, 3)), (board, 1, (3, 4)), (board, 2, (3, 3)), (board, 3, (0, 0)),
            (board, 4, (5, 2)), (~board, 3, (7, 7)), (rows, 2, (2, 2)), (rows, 3, (5, 0)),
            (halves, 3, (1, 4)), (halves, 5, (3, 0))]


def _dense(first_mask, n_layers, pixel):
    first = np.asarray(first_mask, dtype=bool)
    if n_layers == 0:
        return _reference(first_mask, 0, pixel)
    stack = masks_lib.sequence(first[..., None], "complement", n_layers)
    return masks_lib.receptive_field(stack, (pixel[0], pixel[1], 0))[-1][..., 0]


def _plus_shaped(first_mask, n_layers, pixel):
    first = np.asarray(first_mask, dtype=bool)[..., None]
    if n_layers == 0:
        return _reference(first_mask, 0, pixel)
    i, j, _ = np.indices(first.shape)
    i, j = i.ravel(), j.ravel()
    reads = np.abs(i[:, None] - i[None, :]) + np.abs(j[:, None] - j[None, :]) <= 1
    stack = masks_lib.sequence(first, "complement", n_layers)
    return masks_lib.receptive_field(stack, (pixel[0], pixel[1], 0), reads)[-1][..., 0]


def _without_itself(first_mask, n_layers, pixel):
    field = _reference(first_mask, n_layers, pixel).copy()
    field[tuple(pixel)] = False
    return field


def _neighbours_only(first_mask, n_layers, pixel):
    """Each layer adds the passive 3x3 neighbours of the pixel itself, not of what they saw."""
    first = np.asarray(first_mask, dtype=bool)
    field = np.zeros(first.shape, dtype=bool)
    field[tuple(pixel)] = True
    i, j = np.indices(first.shape)
    near = (np.abs(i - pixel[0]) <= 1) & (np.abs(j - pixel[1]) <= 1)
    for layer in range(n_layers):
        active = first if layer % 2 == 0 else ~first
        if active[tuple(pixel)]:
            field |= near & ~active
    return field


MISTAKES = [
    Mistake(lambda m, n, p: _reference(m, n, p, shift=-1),
            "Off by one layer: your field is the one after n_layers - 1 layers. Layer 1 already uses "
            "first_mask (n_layers = 0 is the pixel alone)."),
    Mistake(lambda m, n, p: _reference(m, n, p, shift=+1),
            "Off by one layer: your field is the one after n_layers + 1 layers. n_layers = 0 is the "
            "pixel alone, n_layers = 1 applies first_mask once."),
    Mistake(lambda m, n, p: _reference(m, n, p, rule="same"),
            "You used first_mask in every layer: the masks ALTERNATE (first_mask, its complement, "
            "first_mask, ...), so the pixels copied in one layer are transformed in the next."),
    Mistake(lambda m, n, p: _reference(~np.asarray(m, dtype=bool), n, p),
            "Your layers start with the complement: layer 1 transforms the pixels where first_mask is "
            "True (True = transformed), layer 2 the others."),
    Mistake(_dense,
            "Your conditioner reads every passive pixel of the image: here it is a 3x3 convolution, so "
            "an active pixel reads only the passive pixels among its 8 neighbours."),
    Mistake(_plus_shaped,
            "Your conditioner reads only the 4 neighbours up, down, left and right: a 3x3 kernel also "
            "reaches the 4 diagonal neighbours (|row - r| <= 1 and |col - c| <= 1)."),
    Mistake(_without_itself,
            "The pixel itself is missing: an output always depends on its own input (a coupling copies "
            "or transforms it, never drops it)."),
    Mistake(_neighbours_only,
            "Your field grows only by the pixel's own neighbours: a neighbour read in layer l carries "
            "everything IT depended on after layer l - 1, so take the union of their receptive fields "
            "(keep one field per pixel and update all of them layer by layer)."),
]


def check_receptive_field(receptive_field) -> None:
    """``receptive_field(first_mask, n_layers, pixel)`` -> booleans ``(h, w)``."""
    check_function(receptive_field, receptive_field_reference, _inputs(), name="receptive_field",
                   exercise=1, mistakes=MISTAKES)


# ---- exercise 2: a channel mask seen on the pixels ---------------------------------------------

def channel_mask_pixels_reference(h, w, level):
    """The right answer (booleans ``(h, w)``), from ``gf.masks``."""
    squeezed = (h >> level, w >> level, 4 ** level)
    return masks_lib.unsqueeze(masks_lib.channel(squeezed), level)[..., 0]


def _channel_inputs():
    return [(8, 8, 1), (8, 8, 2), (8, 4, 1), (16, 8, 3), (4, 4, 2), (8, 16, 1), (16, 16, 2)]


def _stripes(h, w, level, *, axis=0, period=None, flip=False):
    index = np.indices((h, w))[axis]
    period = 2 ** (level - 1) if period is None else period
    active = (index // period) % 2 == 1
    return ~active if flip else active


CHANNEL_MISTAKES = [
    Mistake(lambda h, w, level: _stripes(h, w, level, flip=True),
            "Active and passive are swapped: the channel mask transforms the SECOND half of the "
            "channels (channels 2c..4c-1 after a squeeze of c channels)."),
    Mistake(lambda h, w, level: _stripes(h, w, level, axis=1),
            "Rows and columns: the squeeze stacks pixel (a, b) of a block as channel 2a + b, so the "
            "second half of the channels (2a + b >= 2) is the block's BOTTOM row (a = 1), not its right column."),
    Mistake(lambda h, w, level: _stripes(h, w, level, period=2 ** level),
            "One squeeze too many: after `level` squeezes the last squeeze's rows are blocks of "
            "2**(level - 1) pixel rows (one squeeze: single rows alternate)."),
    Mistake(lambda h, w, level: ((np.indices((h, w)) // 2 ** level).sum(axis=0) % 2 == 1),
            "That is the checkerboard of the squeezed image (whole blocks alternate); the channel mask "
            "splits the channels, i.e. the pixels INSIDE each block."),
]


def check_channel_mask_pixels(channel_mask_pixels) -> None:
    """``channel_mask_pixels(h, w, level)`` -> booleans ``(h, w)``."""
    check_function(channel_mask_pixels, channel_mask_pixels_reference, _channel_inputs(),
                   name="channel_mask_pixels", exercise=2, mistakes=CHANNEL_MISTAKES)
