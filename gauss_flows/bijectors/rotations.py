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
* :class:`ICARotation` - fixed, fitted to data: the rotation with the least Gaussian marginals
  (smallest sum of marginal entropies, hence smallest total correlation), by Jacobi sweeps of
  plane rotations. Not exported at the top level yet: ``gauss_flows.bijectors.rotations``.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from ..parameters import Frozen
from .base import Bijector, vector_size


def rotation_matrix(degrees: float) -> np.ndarray:
    """The 2-D rotation :math:`R(\\theta) = [[\\cos\\theta, -\\sin\\theta], [\\sin\\theta, \\cos\\theta]]`,
    which turns the plane anticlockwise by ``degrees``."""
    t = np.deg2rad(degrees)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


class Householder(Bijector):
    """``z = H_{v_K} ... H_{v_1} x`` with trainable reflection vectors ``vectors`` (K, dim)."""

    vectors: Array
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int] | int, n_reflections: int | None = None):
        dim = vector_size(shape, "Householder")
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


class FixedRotation(Bijector):
    """``z = Q (x - mean)`` with a frozen orthogonal ``Q`` and frozen ``mean``."""

    rotation: Frozen
    mean: Frozen
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, rotation: ArrayLike, mean: ArrayLike):
        rotation, mean = jnp.asarray(rotation), jnp.asarray(mean)
        dim, name = rotation.shape[0], type(self).__name__
        if rotation.shape != (dim, dim) or mean.shape != (dim,):
            raise ValueError(f"{name} needs a square rotation and a matching mean, but "
                             f"got shapes {rotation.shape} and {mean.shape}.")
        if not np.allclose(np.asarray(rotation @ rotation.T), np.eye(dim), atol=1e-5):
            raise ValueError(f"{name}'s rotation matrix is not orthogonal.")
        self.rotation, self.mean = Frozen(rotation), Frozen(mean)
        self.shape = (dim,)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return self.rotation.get() @ (x - self.mean.get()), jnp.zeros((), x.dtype)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return self.rotation.get().T @ y + self.mean.get(), jnp.zeros((), y.dtype)


class RandomRotation(FixedRotation):
    """A fixed rotation drawn from the Haar measure on SO(dim) (QR of a Gaussian matrix)."""

    def __init__(self, key: Array, *, shape: tuple[int] | int):
        dim = vector_size(shape, "RandomRotation")
        q, r = jnp.linalg.qr(jr.normal(key, (dim, dim)))
        q = q * jnp.sign(jnp.diag(r))  # sign fix: makes Q Haar-distributed
        q = q.at[:, 0].multiply(jnp.sign(jnp.linalg.det(q)))  # a rotation, det +1
        self.rotation, self.mean = Frozen(q), Frozen(jnp.zeros(dim, q.dtype))
        self.shape = (dim,)


class PCARotation(FixedRotation):
    """Rotate onto the principal axes of data: ``z = V^T (x - mean)``; build with :meth:`fit`."""

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


def _sum_marginal_entropy(columns: np.ndarray, spacing: int = 3) -> float:
    """Sum of the m-spacing entropy estimates of the columns (the constant digamma terms,
    the same for every rotation, are left out: only differences between rotations matter)."""
    ordered = np.sort(columns, axis=0)
    gaps = np.maximum(ordered[spacing:] - ordered[:-spacing], np.finfo(np.float64).tiny)
    return float(np.sum(np.mean(np.log(gaps), axis=0)))


class ICARotation(FixedRotation):
    """A fixed rotation towards the least Gaussian marginals: ``z = Q (x - mean)``; build with
    :meth:`fit`.

    The joint entropy is the same for every rotation, so the total correlation
    :math:`\\sum_i H(z_i) - H(z)` is smallest where the sum of marginal entropies is smallest
    (equivalently: the marginals' total negentropy is largest). :meth:`fit` searches for that
    rotation with Jacobi sweeps of plane (Givens) rotations, each angle chosen on a grid, the
    marginal entropies estimated by m-spacings (the RADICAL algorithm of Learned-Miller &
    Fisher 2003, without its whitening step, so the map stays a rotation).
    """

    @staticmethod
    def plane_angles(n_angles: int) -> np.ndarray:
        """The grid of plane-rotation angles searched: ``n_angles`` points in [0, pi/2)
        (a quarter turn is enough: rotating by pi/2 only swaps and flips two marginals)."""
        return np.arange(n_angles) * (0.5 * np.pi / n_angles)

    @classmethod
    def fit(cls, data: ArrayLike, *, n_angles: int = 90, n_sweeps: int = 2,
            center: bool = True) -> "ICARotation":
        """Fit to ``data`` (n_samples, dim) by ``n_sweeps`` Jacobi sweeps over all pairs of
        coordinates, each trying ``n_angles`` angles in [0, pi/2) (one sweep is exact in 2-D up
        to the grid). The result is a proper rotation (det +1)."""
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != 2 or data.shape[0] < 8:
            raise ValueError("ICARotation.fit needs data of shape (n_samples >= 8, dim), "
                             f"but got shape {data.shape}.")
        if not np.all(np.isfinite(data)):
            raise ValueError("ICARotation.fit got data with NaN or infinite values.")
        if int(n_angles) < 2 or int(n_sweeps) < 1:
            raise ValueError(f"ICARotation.fit needs n_angles >= 2 and n_sweeps >= 1, "
                             f"got {n_angles} and {n_sweeps}.")
        dim = data.shape[1]
        mean = data.mean(axis=0) if center else np.zeros(dim)
        z = data - mean
        q = np.eye(dim)
        angles = cls.plane_angles(int(n_angles))
        cos, sin = np.cos(angles), np.sin(angles)
        for _ in range(int(n_sweeps)):
            for i in range(dim - 1):
                for j in range(i + 1, dim):
                    a, b = z[:, i], z[:, j]
                    scores = [_sum_marginal_entropy(np.stack([c * a - s * b, s * a + c * b], 1))
                              for c, s in zip(cos, sin)]
                    k = int(np.argmin(scores))
                    g = np.eye(dim)
                    g[[i, i, j, j], [i, j, i, j]] = [cos[k], -sin[k], sin[k], cos[k]]
                    z, q = z @ g.T, g @ q
        return cls(jnp.asarray(q, dtype=jnp.asarray(data).dtype), jnp.asarray(mean))
