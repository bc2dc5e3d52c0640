"""Coupling masks: which coordinates a coupling layer transforms and which it reads.

A mask is a boolean array of the event shape. ``True`` marks an **active** coordinate
(transformed by the scalar transformer), ``False`` a **passive** one (copied unchanged
and read by the conditioner). With mask :math:`m` a coupling layer computes

.. math::  z_{\\bar m} = x_{\\bar m}, \\qquad
           z_m = \\tau\\big(x_m;\\ \\theta = c(x_{\\bar m})\\big).

One layer leaves the passive half untouched, so masks are stacked: the usual recipe
alternates a mask with its :func:`complement` (RealNVP, Dinh et al. 2017), or uses a
checkerboard / channel split on images. :func:`coverage`, :func:`layers_until_covered`
and :func:`dependence` tell how quickly a stack of masks mixes all coordinates. On images,
:func:`unsqueeze` draws a mask made for a squeezed image back on the pixels, and
:func:`local_reads` describes a convolutional conditioner, whose :func:`receptive_field`
grows layer by layer instead of covering the image at once.

Odd sizes: :func:`half`, :func:`random` and :func:`channel` give the extra coordinate
to the ACTIVE side (``d = 5`` -> 2 passive, 3 active), so a layer transforms at least
as many coordinates as it reads.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array
from jax.typing import ArrayLike


def _check_size(d: int, where: str) -> int:
    if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 2:
        raise ValueError(f"{where} needs an integer number of coordinates d >= 2 "
                         f"(one passive and one active at least), but got d={d!r}.")
    return int(d)


def _concrete(mask: np.ndarray) -> Array:
    # A mask is structure, fixed when the model is built: evaluate it now even when the
    # builder runs under a trace (jax.eval_shape, jit of a constructor), so it stays concrete.
    with jax.ensure_compile_time_eval():
        return jnp.asarray(mask)


def half(d: int) -> Array:
    """First ``d // 2`` coordinates passive, the remaining ``d - d // 2`` active.

    ``half(4) = [F, F, T, T]``; ``half(5) = [F, F, T, T, T]``.
    """
    d = _check_size(d, "half")
    return _concrete(np.arange(d) >= d // 2)


def alternating(d: int, parity: int = 0) -> Array:
    """Every other coordinate: ``active[i] = (i + parity) % 2 == 1``.

    ``alternating(5) = [F, T, F, T, F]``; ``parity=1`` gives the complement.
    """
    d = _check_size(d, "alternating")
    return _concrete((np.arange(d) + parity) % 2 == 1)


def random(key: Array, d: int) -> Array:
    """A balanced random mask: ``d // 2`` passive and ``d - d // 2`` active coordinates."""
    d = _check_size(d, "random")
    return jr.permutation(key, half(d))


def checkerboard(shape: tuple[int, ...], parity: int = 0) -> Array:
    """Image checkerboard: pixel ``(i, j)`` is active when ``(i + j + parity)`` is odd.

    ``shape`` is ``(height, width)`` or a channels-last ``(height, width, channels)``, whose
    channels all follow their pixel's square.
    """
    shape = tuple(shape)
    if len(shape) not in (2, 3) or min(shape) < 1 or shape[0] * shape[1] < 2:
        raise ValueError(f"checkerboard needs a (height, width) or (height, width, channels) "
                         f"shape with at least two pixels, but got {shape}.")
    i, j = np.indices(shape[:2])
    board = (i + j + parity) % 2 == 1
    return _concrete(np.broadcast_to(board[..., None], shape) if len(shape) == 3 else board)


def channel(shape: tuple[int, ...], axis: int = -1) -> Array:
    """Split along the channel ``axis``: the first ``c // 2`` channels passive, the rest active."""
    shape = tuple(shape)
    if not shape:
        raise ValueError("channel needs an event shape with a channel axis, but got shape ().")
    axis = axis % len(shape)
    n_channels = _check_size(shape[axis], f"channel (axis {axis} of shape {shape})")
    active = np.arange(n_channels) >= n_channels // 2
    index = [None] * len(shape)
    index[axis] = slice(None)
    return _concrete(np.broadcast_to(active[tuple(index)], shape))


def complement(mask: ArrayLike) -> Array:
    """Swap active and passive: the mask of the next layer in a RealNVP stack."""
    mask = jnp.asarray(mask)
    if mask.dtype != jnp.bool_:
        raise ValueError(f"complement expects a boolean mask, but got dtype {mask.dtype}.")
    return ~mask


def sequence(first: ArrayLike, rule: str, n_layers: int) -> list[np.ndarray]:
    """The masks of ``n_layers`` layers: ``first``, then each made from the previous by ``rule``.

    ``"complement"`` swaps active and passive, ``"same"`` repeats the mask, ``"roll"`` shifts
    it by one position along its last axis (so a block of active coordinates slides along).
    """
    mask = np.asarray(first, dtype=bool)
    step = {"complement": np.logical_not, "same": lambda m: m.copy(),
            "roll": lambda m: np.roll(m, 1, axis=-1)}
    if rule not in step:
        raise ValueError(f"rule must be one of {sorted(step)}, but got {rule!r}.")
    stack = [mask]
    for _ in range(n_layers - 1):
        stack.append(step[rule](stack[-1]))
    return stack


def validate(mask: ArrayLike, shape: tuple[int, ...], allow_all_active: bool = False) -> np.ndarray:
    """Return ``mask`` as a concrete numpy boolean array, or raise a ValueError that says why.

    A valid mask has the event ``shape``, is boolean (``0/1`` integers are refused so that
    a list of indices is never mistaken for a mask) and has at least one active and one
    passive coordinate: without passive ones the conditioner has nothing to read, without
    active ones the layer is the identity. ``allow_all_active`` lifts the second rule for a
    conditional coupling, whose conditioner can read the context alone.
    """
    shape = tuple(shape)
    try:
        array = np.asarray(mask)
    except Exception as error:  # a traced value cannot decide the layer's structure
        raise ValueError("a mask must be a concrete boolean array (not traced inside jit); "
                         f"got {type(mask).__name__}.") from error
    if array.shape != shape:
        raise ValueError(f"mask must have the event shape {shape}, but has shape {array.shape}.")
    if array.dtype != np.bool_:
        raise ValueError(f"mask must be boolean (True = active, False = passive), "
                         f"but has dtype {array.dtype}.")
    if not array.any():
        raise ValueError(f"mask of shape {shape} has no active coordinate (all False): "
                         "the coupling would transform nothing.")
    if array.all() and not allow_all_active:
        raise ValueError(f"mask of shape {shape} has no passive coordinate (all True): "
                         "the conditioner would have nothing to read.")
    return array


def _stack(masks: Sequence[ArrayLike] | ArrayLike) -> np.ndarray:
    stack = np.stack([np.asarray(m) for m in masks]) if not hasattr(masks, "shape") else np.asarray(masks)
    if stack.ndim < 2 or stack.dtype != np.bool_:
        raise ValueError("expected a stack of boolean masks (layers first), but got an array "
                         f"of shape {stack.shape} and dtype {stack.dtype}.")
    return stack


class Coverage(NamedTuple):
    """Cumulative coverage of a stack of masks, one row per layer (shape ``(L,) + event``).

    ``transformed[l]``: coordinates that were active in at least one of layers ``0..l``;
    ``context[l]``: coordinates that were passive (read by a conditioner) in ``0..l``.
    """

    transformed: np.ndarray
    context: np.ndarray


def coverage(masks: Sequence[ArrayLike] | ArrayLike) -> Coverage:
    """Which coordinates have been transformed / served as context after each layer."""
    stack = _stack(masks)
    return Coverage(np.logical_or.accumulate(stack, axis=0),
                    np.logical_or.accumulate(~stack, axis=0))


def layers_until_covered(masks: Sequence[ArrayLike] | ArrayLike) -> int | None:
    """The number of layers after which EVERY coordinate has been both transformed and
    read as context; ``None`` if the stack never gets there (e.g. one mask repeated)."""
    cov = coverage(masks)
    n_layers = cov.transformed.shape[0]
    done = (cov.transformed & cov.context).reshape(n_layers, -1).all(axis=1)
    return int(np.argmax(done)) + 1 if done.any() else None


def unsqueeze(mask: ArrayLike, levels: int) -> np.ndarray:
    """A mask made for the image squeezed ``levels`` times, put back in the image's own layout.

    ``Squeeze`` maps ``(h, w, c) -> (h/2, w/2, 4c)``; a mask of the squeezed shape (e.g.
    ``channel((4, 4, 4))``) says which coordinates of the squeezed image are active, and
    depth-to-space, applied ``levels`` times, says which PIXELS those are:
    ``unsqueeze(channel((4, 4, 4)), 1)`` has shape ``(8, 8, 1)``.
    """
    from .bijectors.squeeze import depth_to_space   # here: bijectors import this module

    mask = np.asarray(mask)
    if mask.ndim != 3 or not isinstance(levels, (int, np.integer)) or levels < 0:
        raise ValueError(f"unsqueeze needs a channels-last mask (h, w, c) and an integer levels >= 0, "
                         f"but got a mask of shape {mask.shape} and levels={levels!r}.")
    for _ in range(levels):
        if mask.shape[-1] % 4:
            raise ValueError(f"unsqueeze: a mask with {mask.shape[-1]} channels was not made by a "
                             f"squeeze (which multiplies the channels by 4).")
        mask = depth_to_space(mask)
    return mask


def local_reads(shape: tuple[int, int, int], kernel_size: int | None = 3,
                squeeze_level: int = 0) -> np.ndarray:
    """What a convolutional conditioner can read, over the flattened image ``shape = (h, w, c)``.

    The conditioner is a ``kernel_size x kernel_size`` convolution (all channels) on the image
    squeezed ``squeeze_level`` times, whose pixels are blocks of :math:`b = 2^{\text{level}}`
    pixels square. Returns booleans ``R`` of shape ``(n, n)``, ``n = h w c``:
    ``R[i, j]`` is True when the parameters of coordinate :math:`i` may depend on coordinate
    :math:`j`, i.e. when their blocks are at most ``kernel_size // 2`` blocks apart in each
    direction. ``kernel_size=None`` is a dense (MLP) conditioner: everything is read.
    Pass it to :func:`dependence` / :func:`receptive_field` as ``reads``.
    """
    shape = tuple(shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"local_reads needs a channels-last image shape (h, w, c), but got {shape}.")
    block = 2 ** int(squeeze_level)
    if shape[0] % block or shape[1] % block:
        raise ValueError(f"local_reads: an image of shape {shape} cannot be squeezed {squeeze_level} "
                         f"times (h and w must be divisible by {block}).")
    n = int(np.prod(shape))
    if kernel_size is None:
        return np.ones((n, n), dtype=bool)
    if not isinstance(kernel_size, (int, np.integer)) or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f"local_reads needs an odd kernel_size >= 1 (or None), but got {kernel_size!r}.")
    rows, cols, _ = np.indices(shape)
    rows, cols = rows.ravel() // block, cols.ravel() // block
    reach = kernel_size // 2
    return ((np.abs(rows[:, None] - rows[None, :]) <= reach)
            & (np.abs(cols[:, None] - cols[None, :]) <= reach))


def dependence(masks: Sequence[ArrayLike] | ArrayLike, reads: ArrayLike | None = None) -> np.ndarray:
    """Which inputs can influence which outputs after each layer.

    Returns booleans ``D`` of shape ``(L, n, n)`` over the flattened event (``n`` coordinates):
    ``D[l, i, j]`` is True when output ``i`` of layer ``l`` may depend on input ``j``. A
    passive output copies its input; an active output additionally sees the passive
    coordinates its conditioner reads (``reads[i, k]``, e.g. :func:`local_reads`; all of
    them when ``reads`` is None, a dense conditioner):

    .. math::  D_l[i] = D_{l-1}[i] \\cup \\big(\\textstyle\\bigcup_{k \\text{ passive},\\ R[i, k]} D_{l-1}[k]
               \\ \\text{if } i \\text{ active}\\big), \\qquad D_0 = I.

    A stack is fully mixing once ``D[l]`` is all True (alternating complements with a dense
    conditioner need 3 layers; a local conditioner needs more, the farther apart the pixels).
    """
    stack = _stack(masks)
    flat = stack.reshape(stack.shape[0], -1)
    n = flat.shape[1]
    if reads is not None:
        reads = np.asarray(reads, dtype=bool)
        if reads.shape != (n, n):
            raise ValueError(f"dependence: reads must have shape ({n}, {n}) for masks of {n} "
                             f"coordinates, but has shape {reads.shape}.")
    current = np.eye(n, dtype=bool)
    out = []
    for active in flat:
        if reads is None:
            seen = np.broadcast_to(current[~active].any(axis=0), (n, n))
        else:
            seen = ((reads & ~active[None, :]).astype(np.int32) @ current.astype(np.int32)) > 0
        current = current | (active[:, None] & seen)
        out.append(current.copy())
    return np.stack(out)


def receptive_field(masks: Sequence[ArrayLike] | ArrayLike, index: tuple[int, ...],
                    reads: ArrayLike | None = None) -> np.ndarray:
    """The inputs output coordinate ``index`` may depend on after each layer: booleans of shape
    ``(L,) + event`` (row ``l`` after layers ``0..l``), from :func:`dependence`."""
    stack = _stack(masks)
    event = stack.shape[1:]
    index = tuple(int(i) for i in np.atleast_1d(index))
    if len(index) != len(event) or any(not 0 <= i < s for i, s in zip(index, event)):
        raise ValueError(f"receptive_field: index {index} is not a coordinate of the event shape {event}.")
    flat_index = int(np.ravel_multi_index(index, event))
    return dependence(stack, reads)[:, flat_index, :].reshape((stack.shape[0],) + event)
