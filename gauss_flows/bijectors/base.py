"""The bijector contract.

A bijector is an invertible, differentiable map :math:`T` acting on ONE unbatched
sample of a fixed event ``shape``. With :math:`y = T(x)` the change-of-variables
formula reads

.. math::  \\log p_X(x) = \\log p_Y(T(x)) + \\log\\lvert\\det \\partial T/\\partial x\\rvert .

Every bijector offers both directions together with their log-determinants:

* ``transform(x) -> y`` and ``transform_and_log_det(x) -> (y, log|det dy/dx|)``
* ``inverse(y) -> x`` and ``inverse_and_log_det(y) -> (x, log|det dx/dy|)``

The log-determinants are scalars and ``log|det dx/dy| = -log|det dy/dx|``.
Most bijectors keep the event shape; one that rearranges it (``Squeeze``: an ``(h, w, c)``
image to ``(h/2, w/2, 4c)``) declares ``output_shape``, the shape of ``y`` (by default
``output_shape = shape``), and ``inverse`` checks its input against that.
Batches are handled with :func:`jax.vmap`, never inside a bijector: that keeps each
implementation a direct transcription of the math for one point.

Subclasses implement ``_transform_and_log_det`` and ``_inverse_and_log_det``
(and may override ``_transform`` / ``_inverse`` when skipping the log-det is
cheaper); the public methods check the input shape first, so that a wrong shape
gives an error that names both shapes instead of a broadcasting surprise.

**Conditional bijectors.** A bijector may depend on a context :math:`c` (an observation,
a class label, an input :math:`x` when modelling :math:`p(y\\mid x)`): :math:`y = T(x; c)`,
invertible in :math:`x` for every fixed :math:`c`, with the log-determinant of
:math:`\\partial T/\\partial x` at that fixed :math:`c` (the context is never transformed, so
it has no Jacobian of its own). Such a bijector has ``condition_shape`` (the shape of ONE
context, e.g. ``(1,)``) and every public method takes it as ``condition``:
``transform_and_log_det(x, condition)``. An unconditional bijector has
``condition_shape = None`` and refuses a condition; a conditional one refuses to run
without one; both check the shape and name what they expected. Subclasses that are
conditional write ``_transform_and_log_det(x, condition)``; unconditional ones keep the
one-argument form, so the condition never reaches code that does not expect it.
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


def _looks_batched(given: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """``given`` is ``shape`` with leading batch axes in front."""
    n = len(shape)
    return len(given) > n and tuple(given[len(given) - n:]) == tuple(shape)


def check_event_shape(x: ArrayLike, shape: tuple[int, ...], where: str) -> Array:
    """Return ``x`` as a floating array, or raise if it is not one sample of ``shape``."""
    x = jnp.asarray(x)
    if x.shape != tuple(shape):
        hint = ""
        if _looks_batched(x.shape, shape):
            hint = (" It looks like a batch: bijectors act on one sample, "
                    "so map over the leading axes with jax.vmap.")
        raise ValueError(
            f"{where} expects one sample of shape {tuple(shape)}, "
            f"but got an array of shape {x.shape}.{hint}"
        )
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


def validate_condition_shape(condition_shape, where: str) -> tuple[int, ...] | None:
    """``None``, or the context shape as a tuple of positive ints (an int ``k`` means ``(k,)``)."""
    if condition_shape is None:
        return None
    shape = (condition_shape,) if isinstance(condition_shape, (int, np.integer)) else condition_shape
    try:
        shape = tuple(shape)
    except TypeError:
        shape = None
    if (not shape or any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1
                         for s in shape)):
        raise ValueError(f"{where} needs condition_shape=None (unconditional) or a tuple of positive "
                         f"ints such as (1,) or (3,), but got {condition_shape!r}.")
    return tuple(int(s) for s in shape)


def check_condition(condition, condition_shape: tuple[int, ...] | None, where: str,
                    dtype=None) -> Array | None:
    """Return ``condition`` as a floating array of ``condition_shape`` (``None`` for an
    unconditional object), or raise, naming what was expected and what was given, when a
    condition is missing, superfluous or of the wrong shape."""
    if condition_shape is None:
        if condition is not None:
            raise ValueError(f"{where} is unconditional (condition_shape=None), but got a condition "
                             f"of shape {jnp.shape(condition)}. Build it with a condition_shape to "
                             "condition it, or call it without condition.")
        return None
    if condition is None:
        raise ValueError(f"{where} is conditional: it needs condition= one context of shape "
                         f"{tuple(condition_shape)}, but got none.")
    condition = jnp.asarray(condition)
    if condition.shape != tuple(condition_shape):
        hint = ""
        if _looks_batched(condition.shape, condition_shape):
            hint = (" It looks like a batch of contexts: bijectors act on one sample and one "
                    "context, so map over both with jax.vmap.")
        raise ValueError(f"{where} expects a condition of shape {tuple(condition_shape)}, "
                         f"but got a condition of shape {condition.shape}.{hint}")
    if not jnp.issubdtype(condition.dtype, jnp.floating):
        condition = condition.astype(jnp.result_type(float) if dtype is None else dtype)
    return condition


class Bijector(eqx.Module):
    """Abstract base class of every invertible layer in ``gauss_flows``.

    Attributes:
        shape: the event shape of one sample (``()`` for a scalar map).
        output_shape: the event shape of the output (a property, equal to ``shape`` unless
            the bijector reshapes, as ``Squeeze`` does).
        condition_shape: the shape of one context for a conditional bijector, ``None``
            (the default) for an unconditional one.
    """

    shape: eqx.AbstractVar[tuple[int, ...]]

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The event shape of :math:`y = T(x)`: ``shape``, unless the bijector reshapes."""
        return tuple(self.shape)

    # a plain class attribute, not a field: unconditional bijectors need not declare it, and
    # conditional ones override it with a static field or a property
    condition_shape = None

    # ---- public API: shape-checked ------------------------------------------
    def transform(self, x: ArrayLike, condition: ArrayLike | None = None) -> Array:
        """:math:`y = T(x)` (:math:`T(x; c)` for a conditional bijector)."""
        return self._call("_transform", x, condition, "transform")

    def transform_and_log_det(self, x: ArrayLike, condition: ArrayLike | None = None
                              ) -> tuple[Array, Array]:
        """:math:`(T(x),\\ \\log|\\det \\partial T/\\partial x|)`, at fixed ``condition``."""
        return self._call("_transform_and_log_det", x, condition, "transform_and_log_det")

    def inverse(self, y: ArrayLike, condition: ArrayLike | None = None) -> Array:
        """:math:`x = T^{-1}(y)` (at fixed ``condition``)."""
        return self._call("_inverse", y, condition, "inverse")

    def inverse_and_log_det(self, y: ArrayLike, condition: ArrayLike | None = None
                            ) -> tuple[Array, Array]:
        """:math:`(T^{-1}(y),\\ \\log|\\det \\partial T^{-1}/\\partial y|)`, at fixed ``condition``."""
        return self._call("_inverse_and_log_det", y, condition, "inverse_and_log_det")

    def _call(self, method: str, x: ArrayLike, condition, public: str):
        x = (self._check(x, public) if not method.startswith("_inverse")
             else check_event_shape(x, self.output_shape, f"{type(self).__name__}.{public}"))
        condition = check_condition(condition, self.condition_shape,
                                    f"{type(self).__name__}.{public}", x.dtype)
        if condition is None:                       # unconditional: the one-argument form
            return getattr(self, method)(x)
        return getattr(self, method)(x, condition)

    # ---- what a subclass writes ---------------------------------------------
    @abstractmethod
    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]: ...

    @abstractmethod
    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]: ...

    def _transform(self, x: Array, *condition) -> Array:
        return self._transform_and_log_det(x, *condition)[0]

    def _inverse(self, y: Array, *condition) -> Array:
        return self._inverse_and_log_det(y, *condition)[0]

    def _check(self, x: ArrayLike, method: str) -> Array:
        return check_event_shape(x, self.shape, f"{type(self).__name__}.{method}")
