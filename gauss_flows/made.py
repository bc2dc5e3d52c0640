"""MADE masks: make a dense network autoregressive by deleting connections (Germain et al. 2015).

Give every unit a *degree*. Input coordinate :math:`j` gets its position in the chosen
``order`` (:math:`m(x_{\\text{order}[0]}) = 1, \\dots, m(x_{\\text{order}[d-1]}) = d`), every
hidden unit a degree in :math:`\\{1, \\dots, d-1\\}`, and an output unit the degree of the
coordinate whose parameters it predicts. A connection is kept when

.. math::  \\text{hidden } k \\leftarrow \\text{unit } l:\\ m(k) \\ge m(l), \\qquad
           \\text{output } i \\leftarrow \\text{unit } l:\\ m(i) > m(l).

Along any path degrees never decrease and the last step is strict, so output :math:`i` can
only see inputs of degree :math:`< m(i)`: the network's outputs for coordinate :math:`i` depend
on :math:`x_{<i}` (in the order) and nothing else. Its Jacobian, rows and columns sorted by
the order, is *strictly* lower triangular. :func:`connectivity` multiplies the mask matrices
to get which outputs can see which inputs, and :func:`is_autoregressive` checks it.

A coupling layer is the special case with two degrees: passive coordinates degree 1, active
ones degree 2 (:func:`coupling_degrees`), so every active output sees every passive input.
"""

from __future__ import annotations

from typing import Sequence

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array
from jax.typing import ArrayLike


def check_order(order: ArrayLike, d: int | None = None) -> np.ndarray:
    """``order`` as an integer numpy array, or a ValueError saying why it is not a permutation."""
    array = np.asarray(order)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"an order must be a 1-D integer array (a permutation of 0..d-1), but got "
                         f"shape {array.shape} and dtype {array.dtype}.")
    if d is not None and array.shape != (d,):
        raise ValueError(f"the order must have shape ({d},), but has shape {array.shape}.")
    if sorted(array.tolist()) != list(range(array.size)):
        raise ValueError(f"the order must be a permutation of 0..{array.size - 1}, but is {array.tolist()}.")
    return array


def input_degrees(order: ArrayLike) -> np.ndarray:
    """Degree of each input coordinate: ``degrees[order[t]] = t + 1``."""
    order = check_order(order)
    degrees = np.empty(order.size, dtype=int)
    degrees[order] = np.arange(1, order.size + 1)
    return degrees


def hidden_degrees(width: int, d: int) -> np.ndarray:
    """Degrees ``1, 2, ..., d-1, 1, 2, ...`` for ``width`` hidden units (deterministic, as in
    MADE's 'ordered' connectivity): every degree is used when ``width >= d - 1``."""
    if d < 2:
        raise ValueError(f"MADE needs d >= 2 coordinates (the first has nothing to condition on), got d={d}.")
    return np.arange(width) % (d - 1) + 1


def masks_from_degrees(degrees: Sequence[np.ndarray], output: np.ndarray) -> list[np.ndarray]:
    """The boolean masks ``(n_out, n_in)`` of a network whose layers have unit ``degrees``
    (first entry: the inputs) and whose outputs have degrees ``output``."""
    masks = [degrees[k + 1][:, None] >= degrees[k][None, :] for k in range(len(degrees) - 1)]
    masks.append(output[:, None] > degrees[-1][None, :])
    return masks


def made_masks(order: ArrayLike, hidden_sizes: Sequence[int], n_params: int = 1) -> list[np.ndarray]:
    """MADE masks for a network ``d -> hidden_sizes... -> d * n_params``.

    Output unit ``i * n_params + k`` is parameter ``k`` of coordinate ``i``. ``made_masks(order,
    [])`` is a single masked linear layer (output ``i`` sees the inputs before it in the order).
    """
    order = check_order(order)
    d = order.size
    degrees = [input_degrees(order)] + [hidden_degrees(int(h), d) for h in hidden_sizes]
    return masks_from_degrees(degrees, np.repeat(degrees[0], n_params))


def coupling_degrees(mask: ArrayLike) -> np.ndarray:
    """Input degrees that turn MADE into a coupling layer: passive (False) 1, active (True) 2."""
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.ndim != 1:
        raise ValueError(f"expected a 1-D boolean coupling mask, got shape {mask.shape}, dtype {mask.dtype}.")
    return np.where(mask, 2, 1)


def connectivity(masks: Sequence[ArrayLike]) -> np.ndarray:
    """``C[i, j]``: True when some path of kept connections leads from input ``j`` to output ``i``."""
    masks = [np.asarray(m, dtype=bool) for m in masks]
    if not masks:
        raise ValueError("connectivity needs at least one mask.")
    reach = masks[0].astype(np.int64)
    for mask in masks[1:]:
        if mask.shape[1] != reach.shape[0]:
            raise ValueError(f"masks do not chain: a layer with {mask.shape[1]} inputs follows one "
                             f"with {reach.shape[0]} outputs.")
        reach = np.minimum(mask.astype(np.int64) @ reach, 1)
    return reach.astype(bool)


def allowed(order: ArrayLike, n_params: int = 1) -> np.ndarray:
    """The autoregressive pattern: ``A[i, j]`` True when input ``j`` comes strictly before the
    coordinate of output ``i`` in ``order`` (rows repeated ``n_params`` times)."""
    degrees = input_degrees(order)
    return np.repeat(degrees, n_params)[:, None] > degrees[None, :]


def is_autoregressive(masks: Sequence[ArrayLike], order: ArrayLike, n_params: int = 1) -> bool:
    """True when no output can see its own coordinate or a later one (in ``order``)."""
    reach = connectivity(masks)
    pattern = allowed(order, n_params)
    if reach.shape != pattern.shape:
        raise ValueError(f"the masks connect {reach.shape[1]} inputs to {reach.shape[0]} outputs, "
                         f"but the order needs {pattern.shape[1]} inputs and {pattern.shape[0]} outputs.")
    return bool(not np.any(reach & ~pattern))


class MADE(eqx.Module):
    """A masked MLP ``x (d,) -> theta (d, n_params)``: row ``i`` depends only on the inputs
    before coordinate ``i`` in ``order`` (MADE, Germain et al. 2015).

    Args:
        key: PRNG key for the weights.
        order: a permutation of ``0..d-1``; ``order[0]`` is predicted from nothing (bias only).
        n_params: parameters predicted per coordinate.
        output_bias: ``(d * n_params,)`` initial output (a template's parameters, tiled).
        width: hidden units per layer; depth: hidden layers (``depth=0``: one masked linear map).
        init_scale: factor on the output weights (``0.0``: the output is exactly ``output_bias``).

    Each layer computes :math:`h \\mapsto \\sigma((M \\odot W) h + b)`; the masks are boolean
    leaves (never trained: ``M \\odot W`` has zero gradient where ``M`` is False).

    With ``n_context > 0`` the first layer also reads a context :math:`c` through an unmasked
    weight, :math:`(M \\odot W) x + V c + b`: every output may depend on the context (it is not
    one of the ordered coordinates), so the autoregressive structure in :math:`x` is unchanged.
    """

    weights: tuple[Array, ...]
    biases: tuple[Array, ...]
    masks: tuple[Array, ...]
    d: int = eqx.field(static=True)
    n_params: int = eqx.field(static=True)
    context_weight: Array | None = None
    n_context: int = eqx.field(static=True, default=0)

    def __init__(self, key: Array, *, order: ArrayLike, n_params: int, output_bias: ArrayLike,
                 width: int = 32, depth: int = 2, init_scale: float = 0.1, n_context: int = 0):
        order = check_order(order)
        self.d, self.n_params = int(order.size), int(n_params)
        output_bias = jnp.asarray(output_bias)
        if output_bias.shape != (self.d * self.n_params,):
            raise ValueError(f"output_bias must have shape ({self.d * self.n_params},), "
                             f"but has shape {output_bias.shape}.")
        if width < 1 or depth < 0:
            raise ValueError(f"need width >= 1 and depth >= 0, but got width={width}, depth={depth}.")
        masks = made_masks(order, [width] * depth, self.n_params)
        dtype = output_bias.dtype
        weights, biases = [], []
        for k, (layer_key, mask) in enumerate(zip(jr.split(key, len(masks)), masks)):
            n_out, n_in = mask.shape
            # the usual 1/sqrt(fan-in) scale, with the fan-in the mask actually leaves
            fan_in = max(1, int(mask.sum(axis=1).max()))
            w = jr.uniform(layer_key, (n_out, n_in), dtype, -1.0, 1.0) / np.sqrt(fan_in)
            last = k == len(masks) - 1
            weights.append(init_scale * w if last else w)
            biases.append(output_bias if last else jnp.zeros(n_out, dtype))
        self.weights, self.biases = tuple(weights), tuple(biases)
        self.masks = tuple(jnp.asarray(m) for m in masks)
        self.n_context = int(n_context)
        self.context_weight = None
        if self.n_context:  # a key of its own: the masked weights are those of the plain MADE
            v = jr.uniform(jr.fold_in(key, len(masks)), (masks[0].shape[0], self.n_context), dtype,
                           -1.0, 1.0) / np.sqrt(self.n_context)
            self.context_weight = init_scale * v if len(masks) == 1 else v

    def __call__(self, x: Array, context: Array | None = None) -> Array:
        if x.shape != (self.d,):
            raise ValueError(f"MADE expects an input of shape ({self.d},), got shape {x.shape}.")
        if (context is None) != (self.n_context == 0) or (
                context is not None and jnp.size(context) != self.n_context):
            raise ValueError(f"MADE expects a context of {self.n_context} values, got "
                             f"{None if context is None else jnp.shape(context)}.")
        h = x
        for k, (w, b, m) in enumerate(zip(self.weights, self.biases, self.masks)):
            h = jnp.where(m, w, 0.0) @ h + b
            if k == 0 and context is not None:                  # + V c, unmasked
                h = h + self.context_weight @ jnp.ravel(context).astype(h.dtype)
            if k < len(self.weights) - 1:
                h = jnp.tanh(h)
        return h.reshape(self.d, self.n_params)
