"""The bijector contract.

A bijector is an invertible, differentiable map :math:`T` acting on ONE unbatched
sample of a fixed event ``shape``. With :math:`y = T(x)` the change-of-variables
formula reads

.. math::  \\log p_X(x) = \\log p_Y(T(x)) + \\log\\lvert\\det \\partial T/\\partial x\\rvert .

Every bijector offers both directions together with their log-determinants:

* ``transform(x) -> y`` and ``transform_and_log_det(x) -> (y, log|det dy/dx|)``
* ``inverse(y) -> x`` and ``inverse_and_log_det(y) -> (x, log|det dx/dy|)``

The log-determinants are scalars and ``log|det dx/dy| = -log|det dy/dx|``.
Batches are handled with :func:`jax.vmap`, never inside a bijector: that keeps each
implementation a direct transcription of the math for one point.

Subclasses implement ``_transform_and_log_det`` and ``_inverse_and_log_det``
(and may override ``_transform`` / ``_inverse`` when skipping the log-det is
cheaper); the public methods check the input shape first, so that a wrong shape
gives an error that names both shapes instead of a broadcasting surprise.
"""

from __future__ import annotations

from abc import abstractmethod

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike


def vector_size(shape, where: str) -> int:
    """The ``d`` of a vector event shape ``(d,)`` (a bare integer ``d`` is accepted too);
    raise, naming what was expected and what was given, for anything else."""
    size = shape[0] if isinstance(shape, (tuple, list)) and len(shape) == 1 else shape
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"{where} acts on vectors: it needs shape=(d,) with an integer d >= 1, "
                         f"but got shape={shape!r}.")
    return int(size)


def check_event_shape(x: ArrayLike, shape: tuple[int, ...], where: str) -> Array:
    """Return ``x`` as a floating array, or raise if it is not one sample of ``shape``."""
    x = jnp.asarray(x)
    if x.shape != tuple(shape):
        hint = ""
        n = len(shape)
        if x.ndim > n and x.shape[x.ndim - n:] == tuple(shape):
            hint = (" It looks like a batch: bijectors act on one sample, "
                    "so map over the leading axes with jax.vmap.")
        raise ValueError(
            f"{where} expects one sample of shape {tuple(shape)}, "
            f"but got an array of shape {x.shape}.{hint}"
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


class Bijector(eqx.Module):
    """Abstract base class of every invertible layer in ``gauss_flows``.

    Attributes:
        shape: the event shape of one sample (``()`` for a scalar map).
    """

    shape: eqx.AbstractVar[tuple[int, ...]]

    # ---- public API: shape-checked ------------------------------------------
    def transform(self, x: ArrayLike) -> Array:
        """:math:`y = T(x)`."""
        return self._transform(self._check(x, "transform"))

    def transform_and_log_det(self, x: ArrayLike) -> tuple[Array, Array]:
        """:math:`(T(x),\\ \\log|\\det \\partial T/\\partial x|)`."""
        return self._transform_and_log_det(self._check(x, "transform_and_log_det"))

    def inverse(self, y: ArrayLike) -> Array:
        """:math:`x = T^{-1}(y)`."""
        return self._inverse(self._check(y, "inverse"))

    def inverse_and_log_det(self, y: ArrayLike) -> tuple[Array, Array]:
        """:math:`(T^{-1}(y),\\ \\log|\\det \\partial T^{-1}/\\partial y|)`."""
        return self._inverse_and_log_det(self._check(y, "inverse_and_log_det"))

    # ---- what a subclass writes ---------------------------------------------
    @abstractmethod
    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]: ...

    @abstractmethod
    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]: ...

    def _transform(self, x: Array) -> Array:
        return self._transform_and_log_det(x)[0]

    def _inverse(self, y: Array) -> Array:
        return self._inverse_and_log_det(y)[0]

    def _check(self, x: ArrayLike, method: str) -> Array:
        return check_event_shape(x, self.shape, f"{type(self).__name__}.{method}")
