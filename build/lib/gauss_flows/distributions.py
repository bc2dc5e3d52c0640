"""Distributions over events of a fixed shape: the standard normal and its push-forwards.

``Transformed(base, bijection)`` is the flow. ``bijection.transform`` is the normalising
direction :math:`T: x \\mapsto z` (data to latent), so by the change of variables

.. math::  \\log p(x) = \\log p_Z(T(x)) + \\log\\lvert\\det \\partial T/\\partial x\\rvert ,

and sampling draws :math:`z \\sim p_Z` and returns :math:`x = T^{-1}(z)`, with
:math:`\\log p(x) = \\log p_Z(z) - \\log\\lvert\\det \\partial T^{-1}/\\partial z\\rvert`
available for free (``sample_and_log_prob``). Normalizing flows in this form go back to
Tabak & Vanden-Eijnden (2010) and Rezende & Mohamed (2015).

All methods accept any number of leading batch axes: ``log_prob`` of ``(*batch, *shape)``
returns ``(*batch,)``; ``sample(key, sample_shape)`` returns ``(*sample_shape, *shape)``.
Batching is a :func:`jax.vmap` over the flattened leading axes of the one-sample code.
"""

from __future__ import annotations

import math
from abc import abstractmethod

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from .bijectors.base import Bijector

_LOG_2PI = math.log(2.0 * math.pi)


class Distribution(eqx.Module):
    """Abstract: subclasses write ``_log_prob(x)`` for one event and ``_sample(key)``."""

    shape: eqx.AbstractVar[tuple[int, ...]]

    @abstractmethod
    def _log_prob(self, x: Array) -> Array: ...

    @abstractmethod
    def _sample_and_log_prob(self, key: Array) -> tuple[Array, Array]: ...

    def _sample(self, key: Array) -> Array:
        return self._sample_and_log_prob(key)[0]

    def _batch_shape(self, x: Array, where: str) -> tuple[int, ...]:
        n = len(self.shape)
        if x.ndim < n or x.shape[x.ndim - n:] != tuple(self.shape):
            raise ValueError(f"{type(self).__name__}.{where} expects an array of shape "
                             f"(*batch, {', '.join(map(str, self.shape))}) i.e. ending in "
                             f"{tuple(self.shape)}, but got shape {x.shape}.")
        return x.shape[:x.ndim - n]

    def log_prob(self, x: ArrayLike) -> Array:
        """:math:`\\log p(x)` for ``x`` of shape ``(*batch, *shape)``; returns ``(*batch,)``."""
        x = jnp.asarray(x)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.result_type(float))
        batch = self._batch_shape(x, "log_prob")
        flat = x.reshape((math.prod(batch),) + tuple(self.shape))
        return jax.vmap(self._log_prob)(flat).reshape(batch)

    def _keys(self, key: Array, sample_shape) -> tuple[tuple[int, ...], Array]:
        sample_shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        if any((not isinstance(s, int)) or s < 0 for s in sample_shape):
            raise ValueError(f"sample_shape must be a tuple of non-negative ints, got {sample_shape}.")
        return sample_shape, jr.split(key, math.prod(sample_shape))

    def sample(self, key: Array, sample_shape: tuple[int, ...] | int = ()) -> Array:
        """Samples of shape ``(*sample_shape, *shape)``."""
        sample_shape, keys = self._keys(key, sample_shape)
        return jax.vmap(self._sample)(keys).reshape(sample_shape + tuple(self.shape))

    def sample_and_log_prob(self, key: Array, sample_shape: tuple[int, ...] | int = ()) -> tuple[Array, Array]:
        """``(samples, log_prob(samples))``, computed together (cheaper for a flow)."""
        sample_shape, keys = self._keys(key, sample_shape)
        x, log_p = jax.vmap(self._sample_and_log_prob)(keys)
        return x.reshape(sample_shape + tuple(self.shape)), log_p.reshape(sample_shape)


class StandardNormal(Distribution):
    """:math:`\\mathcal N(0, I)` on events of ``shape``:
    :math:`\\log p(z) = -\\tfrac12 \\lVert z\\rVert^2 - \\tfrac{n}{2}\\log 2\\pi`."""

    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, shape: tuple[int, ...] = ()):
        self.shape = tuple(int(s) for s in shape)

    def _log_prob(self, x: Array) -> Array:
        return -0.5 * jnp.sum(x ** 2) - 0.5 * x.size * _LOG_2PI

    def _sample_and_log_prob(self, key: Array) -> tuple[Array, Array]:
        z = jr.normal(key, self.shape)
        return z, self._log_prob(z)


class Transformed(Distribution):
    """The flow: the distribution of :math:`x = T^{-1}(z)`, :math:`z \\sim` ``base``.

    Args:
        base: the latent distribution (usually ``StandardNormal(shape)``).
        bijection: :math:`T`, data -> latent; its event shape must equal ``base.shape``.
    """

    base: Distribution
    bijection: Bijector

    def __init__(self, base: Distribution, bijection: Bijector):
        if tuple(base.shape) != tuple(bijection.shape):
            raise ValueError(f"the base distribution has event shape {tuple(base.shape)} but the "
                             f"bijection acts on shape {tuple(bijection.shape)}; they must agree.")
        self.base, self.bijection = base, bijection

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.base.shape)

    def _log_prob(self, x: Array) -> Array:
        z, log_det = self.bijection.transform_and_log_det(x)
        return self.base._log_prob(z) + log_det

    def _sample(self, key: Array) -> Array:
        return self.bijection.inverse(self.base._sample(key))

    def _sample_and_log_prob(self, key: Array) -> tuple[Array, Array]:
        z, log_pz = self.base._sample_and_log_prob(key)
        x, inverse_log_det = self.bijection.inverse_and_log_det(z)
        return x, log_pz - inverse_log_det

    def to_latent(self, x: ArrayLike) -> Array:
        """:math:`T(x)` for a batch ``(*batch, *shape)``: how close to N(0, I) the data get."""
        x = jnp.asarray(x)
        batch = self._batch_shape(x, "to_latent")
        flat = x.reshape((math.prod(batch),) + tuple(self.shape))
        return jax.vmap(self.bijection.transform)(flat).reshape(x.shape)


#: Points per compiled call of :func:`jit_log_prob`: every batch is evaluated in chunks of this
#: size, so one compilation per model architecture serves batches of any size.
LOG_PROB_CHUNK = 1024


@eqx.filter_jit
def _log_prob_chunk(model, x: Array) -> Array:
    return model.log_prob(x)


def jit_log_prob(model, x: ArrayLike) -> Array:
    """``model.log_prob(x)`` for a batch ``x`` of shape ``(*batch, *model.shape)``, compiled ONCE
    per model architecture and then reused.

    The points go through one compiled function in chunks of ``LOG_PROB_CHUNK`` (the last one
    padded with copies of the first point, whose values are dropped), so the validation loss of
    :func:`~gauss_flows.fit`, KL estimates and density grids of any size share a compilation;
    a fresh ``jax.jit`` per call, or one per batch size, would compile again every time.
    For evaluation outside ``jit``: under a transformation it is plain ``model.log_prob``.
    """
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    if isinstance(x, jax.core.Tracer):
        return model.log_prob(x)
    shape = tuple(getattr(model, "shape", x.shape[1:]))  # a bare density: one batch axis
    if x.ndim < len(shape) or x.shape[x.ndim - len(shape):] != shape:
        raise ValueError(f"jit_log_prob expects points of shape (*batch, {', '.join(map(str, shape))}) "
                         f"for a model of event shape {shape}, but got shape {x.shape}.")
    batch = x.shape[:x.ndim - len(shape)]
    flat = np.asarray(x).reshape((math.prod(batch),) + shape)
    n = flat.shape[0]
    if n == 0:
        return jnp.zeros(batch, x.dtype)
    filler = np.broadcast_to(flat[:1], ((-n) % LOG_PROB_CHUNK,) + shape)
    padded = np.concatenate([flat, filler])
    chunks = [np.asarray(_log_prob_chunk(model, jnp.asarray(padded[start:start + LOG_PROB_CHUNK])))
              for start in range(0, padded.shape[0], LOG_PROB_CHUNK)]
    return jnp.asarray(np.concatenate(chunks)[:n].reshape(batch))
