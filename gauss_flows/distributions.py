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

**Conditional distributions** :math:`p(x \\mid c)` have a ``condition_shape`` (the shape of ONE
context) and take ``condition=`` in every method; unconditional ones have
``condition_shape = None`` and refuse a condition. A flow is conditional when its bijection or
its base is (:class:`ConditionalNormal`), and then

.. math::  \\log p(x \\mid c) = \\log p_Z\\big(T(x; c) \\mid c\\big)
           + \\log\\big\\lvert\\det \\partial_x T(x; c)\\big\\rvert .

Batches of points and of contexts pair up as follows (the rule of :func:`joint_batch_shape`):
the batch axes of ``x`` (``(*batch_x, *shape)``) and of the condition
(``(*batch_c, *condition_shape)``) must be equal; or one must be the trailing axes of the
other (one point under many contexts, many points under one context, or ``sample_shape``
draws per context); or be of the same length and broadcastable axis by axis (``x[:, None]``
against ``c[None, :]`` for every pair). Anything else is refused with both shapes named,
e.g. ``(50,)`` contexts against ``(100,)`` points, or ``(100,)`` against ``(100, 5)`` (the
contexts' axis would meet the wrong axis of the points).
``sample(key, sample_shape, condition)`` returns ``(*sample_shape, *batch_c, *shape)``:
``sample_shape`` draws for each context given, which ``log_prob`` accepts back with the same
condition.
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

from .bijectors.base import Bijector, check_condition, validate_condition_shape

_LOG_2PI = math.log(2.0 * math.pi)


def joint_batch_shape(batch_x: tuple[int, ...], batch_c: tuple[int, ...], where: str) -> tuple[int, ...]:
    """The batch shape of points with batch axes ``batch_x`` under contexts with batch axes
    ``batch_c``: equal; one the trailing axes of the other (one of them empty, or samples
    ``(*sample_shape, *batch_c)`` under their contexts); or equally many axes broadcastable
    one by one. Any other pairing raises, naming both shapes."""
    batch_x, batch_c = tuple(batch_x), tuple(batch_c)
    if batch_x[len(batch_x) - len(batch_c):] == batch_c:  # equal, none, or what sample() returns
        return batch_x
    if batch_c[len(batch_c) - len(batch_x):] == batch_x:
        return batch_c
    if len(batch_x) == len(batch_c):
        try:
            return tuple(np.broadcast_shapes(batch_x, batch_c))
        except ValueError:
            pass
    raise ValueError(f"{where}: the points have batch shape {batch_x} and the conditions batch shape "
                     f"{batch_c}; they must be equal, one the trailing axes of the other (e.g. one "
                     "point or one condition for all), or have equally many axes that broadcast "
                     "(e.g. x[:, None] with condition[None, :] for every pair).")


class Distribution(eqx.Module):
    """Abstract: subclasses write ``_log_prob(x)`` for one event and ``_sample(key)``
    (conditional ones ``_log_prob(x, condition)`` and ``_sample_and_log_prob(key, condition)``,
    and set ``condition_shape``)."""

    shape: eqx.AbstractVar[tuple[int, ...]]
    condition_shape = None  # the shape of one context; None: unconditional (see Bijector)

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

    def _condition_batch(self, condition, where: str) -> tuple[Array | None, tuple[int, ...]]:
        """The condition as an array and its batch shape (``()`` for none); raises when a
        condition is missing, superfluous or does not end in ``condition_shape``."""
        name = f"{type(self).__name__}.{where}"
        if self.condition_shape is None or condition is None:
            return check_condition(condition, self.condition_shape, name), ()
        condition = jnp.asarray(condition)
        n = len(self.condition_shape)
        if condition.ndim < n or condition.shape[condition.ndim - n:] != tuple(self.condition_shape):
            raise ValueError(f"{name} expects a condition of shape (*batch, "
                             f"{', '.join(map(str, self.condition_shape))}) i.e. ending in "
                             f"{tuple(self.condition_shape)}, but got shape {condition.shape}.")
        if not jnp.issubdtype(condition.dtype, jnp.floating):
            condition = condition.astype(jnp.result_type(float))
        return condition, condition.shape[:condition.ndim - n]

    def _log_prob_given(self, x: Array, condition: Array | None) -> Array:
        """One event's log-density, with the context only for a conditional distribution."""
        return self._log_prob(x) if self.condition_shape is None else self._log_prob(x, condition)

    def _sample_and_log_prob_given(self, key: Array, condition: Array | None) -> tuple[Array, Array]:
        if self.condition_shape is None:
            return self._sample_and_log_prob(key)
        return self._sample_and_log_prob(key, condition)

    def log_prob(self, x: ArrayLike, condition: ArrayLike | None = None) -> Array:
        """:math:`\\log p(x)` (:math:`\\log p(x \\mid c)`) for ``x`` of shape ``(*batch, *shape)``;
        returns ``(*batch,)`` (the joint batch shape with the condition's, see the module)."""
        x = jnp.asarray(x)
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.result_type(float))
        batch = self._batch_shape(x, "log_prob")
        condition, batch_c = self._condition_batch(condition, "log_prob")
        if condition is None:
            flat = x.reshape((math.prod(batch),) + tuple(self.shape))
            return jax.vmap(self._log_prob)(flat).reshape(batch)
        batch = joint_batch_shape(batch, batch_c, f"{type(self).__name__}.log_prob")
        flat = jnp.broadcast_to(x, batch + tuple(self.shape)).reshape((-1,) + tuple(self.shape))
        flat_c = jnp.broadcast_to(condition, batch + tuple(self.condition_shape)).reshape(
            (-1,) + tuple(self.condition_shape)).astype(x.dtype)
        return jax.vmap(self._log_prob)(flat, flat_c).reshape(batch)

    def _keys(self, key: Array, sample_shape) -> tuple[tuple[int, ...], Array]:
        sample_shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        if any((not isinstance(s, int)) or s < 0 for s in sample_shape):
            raise ValueError(f"sample_shape must be a tuple of non-negative ints, got {sample_shape}.")
        return sample_shape, jr.split(key, math.prod(sample_shape))

    def sample(self, key: Array, sample_shape: tuple[int, ...] | int = (),
               condition: ArrayLike | None = None) -> Array:
        """Samples of shape ``(*sample_shape, *shape)``; with a batch of conditions
        ``(*batch_c, *condition_shape)``, ``(*sample_shape, *batch_c, *shape)``."""
        if condition is None and self.condition_shape is None:   # the sampling-only path
            sample_shape, keys = self._keys(key, sample_shape)
            return jax.vmap(self._sample)(keys).reshape(sample_shape + tuple(self.shape))
        return self._draw(key, sample_shape, condition, "sample")[0]

    def sample_and_log_prob(self, key: Array, sample_shape: tuple[int, ...] | int = (),
                            condition: ArrayLike | None = None) -> tuple[Array, Array]:
        """``(samples, log_prob(samples))``, computed together (cheaper for a flow)."""
        return self._draw(key, sample_shape, condition, "sample_and_log_prob")

    def _draw(self, key, sample_shape, condition, where: str) -> tuple[Array, Array]:
        condition, batch_c = self._condition_batch(condition, where)
        if condition is None:
            sample_shape, keys = self._keys(key, sample_shape)
            x, log_p = jax.vmap(self._sample_and_log_prob)(keys)
            return x.reshape(sample_shape + tuple(self.shape)), log_p.reshape(sample_shape)
        sample_shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        batch = sample_shape + tuple(batch_c)
        _, keys = self._keys(key, batch)
        flat_c = jnp.broadcast_to(condition, batch + tuple(self.condition_shape)).reshape(
            (-1,) + tuple(self.condition_shape))
        x, log_p = jax.vmap(self._sample_and_log_prob)(keys, flat_c)
        return x.reshape(batch + tuple(self.shape)), log_p.reshape(batch)


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


class ConditionalNormal(Distribution):
    """A Gaussian whose mean and scale depend on the context: a conditional base.

    .. math::  p(z \\mid c) = \\mathcal N\\big(z;\\ \\mu(c),\\ \\operatorname{diag} e^{2 s(c)}\\big),
               \\qquad \\log p(z \\mid c) = \\sum_i \\Big[-\\tfrac12 \\Big(\\frac{z_i - \\mu_i(c)}
               {e^{s_i(c)}}\\Big)^2 - s_i(c) - \\tfrac12\\log 2\\pi\\Big],

    with :math:`(\\mu, s)` one MLP of the context. The MLP's last layer starts at zero, so a fresh
    ``ConditionalNormal`` is ``StandardNormal`` for every context. Alone it is a heteroscedastic
    Gaussian regression; as the base of a flow it lets the context move and stretch the latent
    the flow maps from (the second mechanism of Part 7, beside the conditioner input and the
    hypernetwork).

    Args:
        key: PRNG key for the MLP.
        shape: the event shape.
        condition_shape: the shape of one context.
        nn_width, nn_depth: the MLP's hidden units per layer and hidden layers.
    """

    mlp: eqx.nn.MLP
    shape: tuple[int, ...] = eqx.field(static=True)
    condition_shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int, ...], condition_shape: tuple[int, ...],
                 nn_width: int = 32, nn_depth: int = 2):
        self.shape = tuple(int(s) for s in shape)
        self.condition_shape = validate_condition_shape(condition_shape, "ConditionalNormal")
        if self.condition_shape is None:
            raise ValueError("ConditionalNormal needs a condition_shape (use StandardNormal for "
                             "an unconditional base).")
        n = math.prod(self.shape)
        mlp = eqx.nn.MLP(math.prod(self.condition_shape), 2 * n, width_size=nn_width,
                         depth=nn_depth, activation=jax.nn.tanh, key=key,
                         dtype=jnp.result_type(float))
        last = mlp.layers[-1]
        self.mlp = eqx.tree_at(lambda m: (m.layers[-1].weight, m.layers[-1].bias), mlp,
                               (jnp.zeros_like(last.weight), jnp.zeros_like(last.bias)))

    def mean_and_log_scale(self, condition: ArrayLike) -> tuple[Array, Array]:
        """:math:`(\\mu(c), s(c))` for ONE context, each of the event shape."""
        condition = check_condition(condition, self.condition_shape,
                                    "ConditionalNormal.mean_and_log_scale")
        dtype = self.mlp.layers[-1].weight.dtype
        mean, log_scale = jnp.split(self.mlp(condition.ravel().astype(dtype)), 2)
        return mean.reshape(self.shape), log_scale.reshape(self.shape)

    def _log_prob(self, x: Array, condition: Array) -> Array:
        mean, log_scale = self.mean_and_log_scale(condition)
        u = (x - mean) * jnp.exp(-log_scale)
        return jnp.sum(-0.5 * u ** 2 - log_scale) - 0.5 * x.size * _LOG_2PI

    def _sample_and_log_prob(self, key: Array, condition: Array) -> tuple[Array, Array]:
        mean, log_scale = self.mean_and_log_scale(condition)
        eps = jr.normal(key, self.shape, mean.dtype)
        log_p = jnp.sum(-0.5 * eps ** 2 - log_scale) - 0.5 * eps.size * _LOG_2PI
        return mean + jnp.exp(log_scale) * eps, log_p


class Transformed(Distribution):
    """The flow: the distribution of :math:`x = T^{-1}(z)`, :math:`z \\sim` ``base``.

    Args:
        base: the latent distribution (usually ``StandardNormal(shape)``; a
            :class:`ConditionalNormal` for a conditional base).
        bijection: :math:`T`, data -> latent; its event shape must equal ``base.shape``.

    The flow is conditional when the bijection or the base is; the context is handed to
    whichever of the two is conditional (both must then expect the same context shape).
    """

    base: Distribution
    bijection: Bijector

    def __init__(self, base: Distribution, bijection: Bijector):
        if tuple(base.shape) != tuple(bijection.output_shape):
            raise ValueError(f"the base distribution has event shape {tuple(base.shape)} but the "
                             f"bijection maps onto shape {tuple(bijection.output_shape)}; they must "
                             "agree.")
        shapes = (base.condition_shape, bijection.condition_shape)
        if None not in shapes and tuple(shapes[0]) != tuple(shapes[1]):
            raise ValueError(f"the base distribution expects contexts of shape {tuple(shapes[0])} "
                             f"but the bijection contexts of shape {tuple(shapes[1])}; they must agree.")
        self.base, self.bijection = base, bijection

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.bijection.shape)   # the data's shape (the base's is its output_shape)

    @property
    def condition_shape(self) -> tuple[int, ...] | None:
        shape = self.bijection.condition_shape
        return self.base.condition_shape if shape is None else shape

    def _bijection_context(self, condition):
        return None if self.bijection.condition_shape is None else condition

    def _log_prob(self, x: Array, condition: Array | None = None) -> Array:
        z, log_det = self.bijection.transform_and_log_det(x, self._bijection_context(condition))
        return self.base._log_prob_given(z, condition) + log_det

    def _sample(self, key: Array) -> Array:   # unconditional sampling skips the log-det
        return self.bijection.inverse(self.base._sample(key))

    def _sample_and_log_prob(self, key: Array, condition: Array | None = None) -> tuple[Array, Array]:
        z, log_pz = self.base._sample_and_log_prob_given(key, condition)
        x, inverse_log_det = self.bijection.inverse_and_log_det(z, self._bijection_context(condition))
        return x, log_pz - inverse_log_det

    def to_latent(self, x: ArrayLike, condition: ArrayLike | None = None) -> Array:
        """:math:`T(x)` (:math:`T(x; c)`) for a batch ``(*batch, *shape)``, returned as
        ``(*batch, *base.shape)``: how close to the base the data get."""
        x = jnp.asarray(x)
        batch = self._batch_shape(x, "to_latent")
        if self.bijection.condition_shape is None:  # a conditional base alone does not move x
            self._condition_batch(condition, "to_latent")   # but a wrong condition is still refused
            flat = x.reshape((math.prod(batch),) + tuple(self.shape))
            return jax.vmap(self.bijection.transform)(flat).reshape(batch + tuple(self.base.shape))
        condition, batch_c = self._condition_batch(condition, "to_latent")
        batch = joint_batch_shape(batch, batch_c, "Transformed.to_latent")
        flat = jnp.broadcast_to(x, batch + self.shape).reshape((-1,) + self.shape)
        flat_c = jnp.broadcast_to(condition, batch + tuple(self.condition_shape)).reshape(
            (-1,) + tuple(self.condition_shape))
        return jax.vmap(self.bijection.transform)(flat, flat_c).reshape(batch + tuple(self.base.shape))


#: Points per compiled call of :func:`jit_log_prob`: every batch is evaluated in chunks of this
#: size, so one compilation per model architecture serves batches of any size.
LOG_PROB_CHUNK = 1024


@eqx.filter_jit
def _log_prob_chunk(model, x: Array, condition: Array | None = None) -> Array:
    return model.log_prob(x) if condition is None else model.log_prob(x, condition)


def jit_log_prob(model, x: ArrayLike, condition: ArrayLike | None = None) -> Array:
    """``model.log_prob(x)`` for a batch ``x`` of shape ``(*batch, *model.shape)``, compiled ONCE
    per model architecture and then reused.

    The points go through one compiled function in chunks of ``LOG_PROB_CHUNK`` (the last one
    padded with copies of the first point, whose values are dropped), so the validation loss of
    :func:`~gauss_flows.fit`, KL estimates and density grids of any size share a compilation;
    a fresh ``jax.jit`` per call, or one per batch size, would compile again every time.
    For evaluation outside ``jit``: under a transformation it is plain ``model.log_prob``.

    A conditional model takes ``condition`` (paired with ``x`` as in ``log_prob``: one condition
    for all points, one per point, ...); the pairs are broadcast first, then chunked together.
    """
    if condition is not None:
        return _jit_conditional_log_prob(model, x, condition)
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


def _jit_conditional_log_prob(model, x, condition) -> Array:
    if (isinstance(x, jax.core.Tracer) or isinstance(condition, jax.core.Tracer)
            or not isinstance(model, Distribution)):  # traced, or a bare conditional density
        return model.log_prob(x, condition)
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    shape = tuple(model.shape)
    batch_x = model._batch_shape(x, "log_prob")   # the model's own messages for bad shapes
    condition, batch_c = model._condition_batch(condition, "log_prob")
    if condition is None:                         # an unconditional model given none: refused above
        return jit_log_prob(model, x)
    cshape = tuple(model.condition_shape)
    batch = joint_batch_shape(batch_x, batch_c, "jit_log_prob")
    flat = np.broadcast_to(np.asarray(x), batch + shape).reshape((-1,) + shape)
    flat_c = np.broadcast_to(np.asarray(condition, dtype=flat.dtype), batch + cshape).reshape((-1,) + cshape)
    n = flat.shape[0]
    if n == 0:
        return jnp.zeros(batch, x.dtype)
    pad = (-n) % LOG_PROB_CHUNK
    padded = np.concatenate([flat, np.broadcast_to(flat[:1], (pad,) + shape)])
    padded_c = np.concatenate([flat_c, np.broadcast_to(flat_c[:1], (pad,) + cshape)])
    chunks = [np.asarray(_log_prob_chunk(model, jnp.asarray(padded[start:start + LOG_PROB_CHUNK]),
                                         jnp.asarray(padded_c[start:start + LOG_PROB_CHUNK])))
              for start in range(0, padded.shape[0], LOG_PROB_CHUNK)]
    return jnp.asarray(np.concatenate(chunks)[:n].reshape(batch))
