"""Invertible linear maps: a general matrix, and Glow's LU parametrisation.

``Linear``: :math:`z = W x + b` with :math:`\\log|\\det \\partial z/\\partial x| = \\log|\\det W|`
(by ``slogdet``, :math:`O(d^3)`) and :math:`x = W^{-1}(z - b)` by a linear solve.

``LULinear`` (Glow, Kingma & Dhariwal 2018) keeps the determinant free by storing the
factors of :math:`W = P\\,L\\,(U + \\operatorname{diag}(\\sigma\\, e^{s}))`, with :math:`P` a fixed
permutation, :math:`L` unit lower-triangular, :math:`U` strictly upper-triangular, fixed signs
:math:`\\sigma \\in \\{\\pm 1\\}^d` and trainable log-magnitudes :math:`s`:

.. math::  \\log|\\det W| = \\textstyle\\sum_i s_i ,

and the inverse is two triangular solves. Every parameter value is invertible, which a
free matrix :math:`W` does not guarantee during training.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import jax.scipy.linalg as jsl
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from ..parameters import Frozen
from .base import Bijector, vector_size


class Linear(Bijector):
    """``z = matrix @ x + shift`` for a square invertible ``matrix`` (both trainable)."""

    matrix: Array
    shift: Array
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, matrix: ArrayLike, shift: ArrayLike | None = None):
        matrix = jnp.asarray(matrix)
        if not jnp.issubdtype(matrix.dtype, jnp.floating):
            matrix = matrix.astype(jnp.result_type(float))
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
            raise ValueError(f"Linear needs a square (d, d) matrix, but got shape {matrix.shape}.")
        d = matrix.shape[0]
        if not bool(jnp.all(jnp.isfinite(matrix))):
            raise ValueError("Linear's matrix has NaN or infinite entries.")
        singular = np.linalg.svd(np.asarray(matrix, dtype=np.float64), compute_uv=False)
        if singular[-1] <= singular[0] * d * np.finfo(np.asarray(matrix).dtype).eps:
            raise ValueError(f"Linear's matrix is singular (numerically): singular values range "
                             f"from {singular[0]:.3g} down to {singular[-1]:.3g}.")
        shift = jnp.zeros(d, matrix.dtype) if shift is None else jnp.asarray(shift, matrix.dtype)
        if shift.shape != (d,):
            raise ValueError(f"Linear's shift must have shape ({d},), but has shape {shift.shape}.")
        self.matrix, self.shift, self.shape = matrix, shift, (d,)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return self.matrix @ x + self.shift, jnp.linalg.slogdet(self.matrix)[1]

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return jnp.linalg.solve(self.matrix, y - self.shift), -jnp.linalg.slogdet(self.matrix)[1]


class LULinear(Bijector):
    """Glow's LU-parametrised invertible linear map, initialised at a random rotation.

    Trainable: ``lower`` (strictly-lower entries of L), ``upper`` (strictly-upper entries
    of U), ``log_diag`` (:math:`s`). Fixed: the permutation and the diagonal signs.
    Parameter count: :math:`d^2`.
    """

    lower: Array
    upper: Array
    log_diag: Array
    signs: Frozen
    permutation: tuple[int, ...] = eqx.field(static=True)
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int] | int):
        dim = vector_size(shape, "LULinear")
        q, _ = jnp.linalg.qr(jr.normal(key, (dim, dim)))
        p, l, u = jsl.lu(q)  # q = p @ l @ u
        rows, cols = np.tril_indices(dim, -1)
        self.lower = l[rows, cols]
        self.upper = u[cols, rows]
        diag = jnp.diag(u)
        self.log_diag = jnp.log(jnp.abs(diag))
        self.signs = Frozen(jnp.sign(diag))
        # (p @ v)[i] = v[perm[i]] with perm[i] the column of the 1 in row i
        self.permutation = tuple(int(i) for i in np.argmax(np.asarray(p), axis=1))
        self.shape = (dim,)

    def _factors(self) -> tuple[Array, Array]:
        d = self.shape[0]
        rows, cols = np.tril_indices(d, -1)
        lower = jnp.eye(d, dtype=self.log_diag.dtype).at[rows, cols].set(self.lower)
        upper = jnp.diag(self.signs.get() * jnp.exp(self.log_diag)).at[cols, rows].set(self.upper)
        return lower, upper

    def matrix(self) -> Array:
        """The weight matrix ``W = P L U`` (``P`` reorders rows: ``(P v)[i] = v[perm[i]]``)."""
        lower, upper = self._factors()
        return (lower @ upper)[np.asarray(self.permutation)]

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        lower, upper = self._factors()
        return (lower @ (upper @ x))[np.asarray(self.permutation)], jnp.sum(self.log_diag)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        lower, upper = self._factors()
        v = y[np.argsort(self.permutation)]  # P^T y
        v = jsl.solve_triangular(lower, v, lower=True, unit_diagonal=True)
        return jsl.solve_triangular(upper, v, lower=False), -jnp.sum(self.log_diag)
