"""Squeeze (space-to-depth): trade spatial resolution for channels, exactly.

Images in ``gauss_flows`` are channels-last, one event of shape ``(h, w, c)`` (the layout
``masks.channel`` splits on its last axis). ``Squeeze`` cuts the image into 2x2 blocks and
stacks the four pixels of each block as channels:

.. math::  y_{i,\\,j,\\,(2a + b)c + k} = x_{2i + a,\\ 2j + b,\\ k}, \\qquad a, b \\in \\{0, 1\\},

so ``(h, w, c)`` becomes ``(h/2, w/2, 4c)``. Every entry of :math:`x` lands in exactly one entry
of :math:`y`: the map is a permutation of the coordinates (a permutation matrix once both are
flattened), hence :math:`\\log|\\det| = 0` and the inverse (depth-to-space) is exact.

Why: a coupling that splits channels can only mix what shares a pixel. After a squeeze, the
four pixels of each 2x2 block share one, so channel masks couple neighbours, and a multi-scale
flow (RealNVP, Dinh et al. 2017) can factor out half of the channels at each scale.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax import Array

from .base import Bijector


def _check_image_shape(shape, where: str) -> tuple[int, int, int]:
    shape = tuple(shape)
    if (len(shape) != 3 or any(isinstance(s, bool) or int(s) != s or s < 1 for s in shape)
            or shape[0] % 2 or shape[1] % 2):
        raise ValueError(f"{where} needs a channels-last image shape (h, w, c) with even h and w, "
                         f"but got shape={shape!r}.")
    return tuple(int(s) for s in shape)


def space_to_depth(x):
    """Squeeze the last three axes ``(h, w, c) -> (h/2, w/2, 4c)`` (any leading batch axes);
    works on numpy and JAX arrays alike."""
    *batch, h, w, c = x.shape
    blocks = x.reshape(*batch, h // 2, 2, w // 2, 2, c)          # (i, a, j, b, k)
    n = len(batch)
    order = tuple(range(n)) + (n, n + 2, n + 1, n + 3, n + 4)     # (i, j, a, b, k)
    return blocks.transpose(order).reshape(*batch, h // 2, w // 2, 4 * c)


def depth_to_space(y):
    """Unsqueeze the last three axes ``(h, w, 4c) -> (2h, 2w, c)``: the inverse of
    :func:`space_to_depth`."""
    *batch, h, w, c4 = y.shape
    c = c4 // 4
    blocks = y.reshape(*batch, h, w, 2, 2, c)                      # (i, j, a, b, k)
    n = len(batch)
    order = tuple(range(n)) + (n, n + 2, n + 1, n + 3, n + 4)     # (i, a, j, b, k)
    return blocks.transpose(order).reshape(*batch, 2 * h, 2 * w, c)


class Squeeze(Bijector):
    """Space-to-depth on one channels-last image: ``shape = (h, w, c)`` (even ``h``, ``w``),
    ``output_shape = (h/2, w/2, 4c)``; :math:`\\log|\\det| = 0`."""

    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, shape: tuple[int, int, int]):
        self.shape = _check_image_shape(shape, "Squeeze")

    @property
    def output_shape(self) -> tuple[int, ...]:
        h, w, c = self.shape
        return (h // 2, w // 2, 4 * c)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return space_to_depth(x), jnp.zeros((), x.dtype)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return depth_to_space(y), jnp.zeros((), y.dtype)
