"""Parameters of a module: which leaves train, how many there are, and nudging them.

A flow is an ``equinox.Module`` whose floating-point array leaves are its parameters,
except arrays wrapped in :class:`Frozen` (a PCA rotation fitted to data, a fixed
permutation's inverse, ...): those are constants of the model. Training, counting and
perturbing all go through :func:`trainable` so they agree on what a parameter is.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
from jax import Array


class Frozen(eqx.Module):
    """An array that is part of a model but never trained.

    Read it with :meth:`get`, which stops gradients, so that even an optimiser that
    was handed the whole model cannot move it.
    """

    value: Array

    def get(self) -> Array:
        return jax.lax.stop_gradient(self.value)


def _is_frozen(node) -> bool:
    return isinstance(node, Frozen)


def trainable(module) -> object:
    """A pytree of booleans (the filter for ``eqx.partition``): True on trainable leaves."""
    def mark(node):
        if isinstance(node, Frozen):
            return jax.tree_util.tree_map(lambda _: False, node)
        return eqx.is_inexact_array(node)

    return jax.tree_util.tree_map(mark, module, is_leaf=_is_frozen)


def split_trainable(module) -> tuple[object, object]:
    """``(params, static)`` with ``eqx.combine(params, static) == module``."""
    return eqx.partition(module, trainable(module))


def count_parameters(module) -> int:
    """The number of trainable scalars in ``module``.

    ``module`` may also be abstract, the result of ``eqx.filter_eval_shape(build, ...)``: its
    floating-point ``jax.ShapeDtypeStruct`` leaves count as parameters, so sizing a family of
    architectures costs tracing only, no computation.
    """
    def size(node) -> int:
        if isinstance(node, Frozen):
            return 0
        if isinstance(node, jax.ShapeDtypeStruct):
            return math.prod(node.shape) if jnp.issubdtype(node.dtype, jnp.inexact) else 0
        return int(node.size) if eqx.is_inexact_array(node) else 0

    sizes = jax.tree_util.tree_map(size, module, is_leaf=lambda node: isinstance(node, (Frozen, jax.ShapeDtypeStruct)))
    return int(sum(jax.tree_util.tree_leaves(sizes)))


def perturb(module, key: Array, scale: float = 0.5):
    """Add :math:`\\mathcal N(0, \\text{scale}^2)` noise to every trainable leaf.

    Tests and notebooks use it to move a layer away from its identity initialisation,
    where many bugs (a wrong sign, a missing term) would otherwise stay invisible.
    """
    params, static = split_trainable(module)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    keys = jr.split(key, max(len(leaves), 1))
    leaves = [leaf + scale * jr.normal(k, leaf.shape, leaf.dtype)
              for leaf, k in zip(leaves, keys)]
    return eqx.combine(jax.tree_util.tree_unflatten(treedef, leaves), static)


def cast(module, dtype):
    """Cast every floating-point leaf (trainable or frozen) to ``dtype``."""
    return jax.tree_util.tree_map(
        lambda leaf: leaf.astype(dtype) if eqx.is_inexact_array(leaf) else leaf, module)
