"""Rotations: volume-preserving linear maps that mix all coordinates.

For an orthogonal :math:`Q` (:math:`Q^\\top Q = I`) the map :math:`z = Q x` has inverse
:math:`x = Q^\\top z` and :math:`\\log|\\det Q| = 0`. In a Gaussianization flow the rotations
turn dependence between coordinates into new marginals for the next elementwise layer
(RBIG, Laparra et al. 2011; Gaussianization flows, Meng et al. 2020).

* :class:`Householder` - trainable: a product of reflections
  :math:`H_v = I - 2 v v^\\top / v^\\top v` (any orthogonal matrix is a product of at most
  ``dim`` of them), so every parameter value gives an exact rotation/reflection.
* :class:`RandomRotation` - a fixed Haar-random rotation (det +1).
* :class:`PCARotation` - fixed, fitted to data: :math:`z = V^\\top (x - \\mu)`, the columns
  of :math:`V` the eigenvectors of the data covariance, largest variance first.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from ..parameters import Frozen
from .base import Bijector


def _check_dim(dim: int, where: str) -> int:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool) or dim < 1:
        raise ValueError(f"{where} needs an integer dim >= 1, but got {dim!r}.")
    return int(dim)


class Householder(Bijector):
    """``z = H_{v_K} ... H_{v_1} x`` with trainable reflection vectors ``vectors`` (K, dim)."""

    vectors: Array
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, key: Array, *, dim: int, n_reflections: int | None = None):
        dim = _check_dim(dim, "Householder")
        n_reflections = dim if n_reflections is None else n_reflections
        if n_reflections < 1:
            raise ValueError(f"Householder needs n_reflections >= 1, but got {n_reflections}.")
        self.vectors = jr.normal(key, (n_reflections, dim))
        self.shape = (dim,)

    @staticmethod
    def _reflect(v: Array, x: Array) -> Array:
        return x - 2.0 * v * (v @ x) / (v @ v)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        for v in self.vectors:
            x = self._reflect(v, x)
        return x, jnp.zeros((), x.dtype)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        for v in self.vectors[::-1]:  # each reflection is its own inverse
            y = self._reflect(v, y)
        return y, jnp.zeros((), y.dtype)

    def matrix(self) -> Array:
        """The orthogonal matrix ``Q`` with ``transform(x) = Q @ x``."""
        return jnp.stack([self.transform(e) for e in jnp.eye(self.shape[0])], axis=1)


class _FixedOrthogonal(Bijector):
    """``z = Q (x - mean)`` with a frozen orthogonal ``Q`` and frozen ``mean``."""

    rotation: Frozen
    mean: Frozen
    shape: tuple[int, ...] = eqx.field(static=True)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return self.rotation.get() @ (x - self.mean.get()), jnp.zeros((), x.dtype)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return self.rotation.get().T @ y + self.mean.get(), jnp.zeros((), y.dtype)


class RandomRotation(_FixedOrthogonal):
    """A fixed rotation drawn from the Haar measure on SO(dim) (QR of a Gaussian matrix)."""

    def __init__(self, key: Array, *, dim: int):
        dim = _check_dim(dim, "RandomRotation")
        q, r = jnp.linalg.qr(jr.normal(key, (dim, dim)))
        q = q * jnp.sign(jnp.diag(r))  # sign fix: makes Q Haar-distributed
        q = q.at[:, 0].multiply(jnp.sign(jnp.linalg.det(q)))  # a rotation, det +1
        self.rotation, self.mean = Frozen(q), Frozen(jnp.zeros(dim, q.dtype))
        self.shape = (dim,)


class PCARotation(_FixedOrthogonal):
    """Rotate onto the principal axes of data: ``z = V^T (x - mean)``; build with :meth:`fit`."""

    def __init__(self, rotation: ArrayLike, mean: ArrayLike):
        rotation, mean = jnp.asarray(rotation), jnp.asarray(mean)
        dim = rotation.shape[0]
        if rotation.shape != (dim, dim) or mean.shape != (dim,):
            raise ValueError(f"PCARotation needs a square rotation and a matching mean, but "
                             f"got shapes {rotation.shape} and {mean.shape}.")
        if not np.allclose(np.asarray(rotation @ rotation.T), np.eye(dim), atol=1e-5):
            raise ValueError("PCARotation's rotation matrix is not orthogonal.")
        self.rotation, self.mean = Frozen(rotation), Frozen(mean)
        self.shape = (dim,)

    @classmethod
    def fit(cls, data: ArrayLike, *, center: bool = True) -> "PCARotation":
        """Fit to ``data`` of shape (n_samples, dim): eigenvectors of the sample covariance,
        sorted by decreasing variance, each signed so its largest entry is positive, and the
        last flipped if needed so that the map is a proper rotation (det +1)."""
        data = jnp.asarray(data)
        if data.ndim != 2 or data.shape[0] < 2:
            raise ValueError("PCARotation.fit needs data of shape (n_samples >= 2, dim), "
                             f"but got shape {data.shape}.")
        if not bool(jnp.all(jnp.isfinite(data))):
            raise ValueError("PCARotation.fit got data with NaN or infinite values.")
        mean = data.mean(axis=0) if center else jnp.zeros(data.shape[1], data.dtype)
        centred = data - data.mean(axis=0)
        variances, vectors = jnp.linalg.eigh(centred.T @ centred / (data.shape[0] - 1))
        vectors = vectors[:, jnp.argsort(-variances)]
        largest = jnp.argmax(jnp.abs(vectors), axis=0)
        vectors = vectors * jnp.sign(vectors[largest, jnp.arange(vectors.shape[1])])
        vectors = vectors.at[:, -1].multiply(jnp.sign(jnp.linalg.det(vectors)))
        return cls(vectors.T, mean)
