"""A fixed permutation of the coordinates of a vector.

.. math::  z_i = x_{\\pi(i)}, \\qquad x_j = z_{\\pi^{-1}(j)}, \\qquad \\log|\\det| = 0 ,

since a permutation matrix is orthogonal with determinant :math:`\\pm 1`. Between coupling
layers a permutation changes which coordinates are passive next (RealNVP, Dinh et al.
2017, alternates masks instead; Glow, Kingma & Dhariwal 2018, learns the mixing, see
``LULinear``).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from .base import Bijector


class Permute(Bijector):
    """``z = x[permutation]`` on vectors of shape ``(len(permutation),)``.

    The permutation is kept as static integers (not a parameter): training, ``perturb``
    and ``cast`` leave it alone.
    """

    permutation: tuple[int, ...] = eqx.field(static=True)
    inverse_permutation: tuple[int, ...] = eqx.field(static=True)
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, permutation: ArrayLike):
        array = np.asarray(permutation)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"a permutation must be a non-empty 1-D array of indices, "
                             f"but got shape {array.shape}.")
        if not np.issubdtype(array.dtype, np.integer):
            raise ValueError(f"a permutation must hold integers, but has dtype {array.dtype}.")
        d = array.size
        if not np.array_equal(np.sort(array), np.arange(d)):
            raise ValueError(f"expected each of 0..{d - 1} exactly once, but got {array.tolist()}.")
        self.permutation = tuple(int(i) for i in array)
        self.inverse_permutation = tuple(int(i) for i in np.argsort(array))
        self.shape = (d,)

    @classmethod
    def reverse(cls, d: int) -> "Permute":
        """The permutation that reverses the order of ``d`` coordinates."""
        return cls(np.arange(d)[::-1])

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return x[np.asarray(self.permutation)], jnp.zeros((), x.dtype)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return y[np.asarray(self.inverse_permutation)], jnp.zeros((), y.dtype)
