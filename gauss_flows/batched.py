"""Compiled batched helpers: a bijector's four methods and a flow's log-density on a batch.

A bijector acts on ONE sample; a batch goes through :func:`jax.vmap`. Each helper here is that
``jit(vmap(method))``, written once: ``eqx.filter_jit`` keys the compilation on the bijector's
structure (its class and static fields) and the batch shape, not on the parameter values, so a
trained copy, another seed or a snapshot of the same architecture reuses the compiled code.

For a batch ``x`` of shape ``(n, *bijector.shape)``:

* :func:`transform` ``-> T(x)`` and :func:`inverse` ``-> T^{-1}(y)``, shape ``(n, *shape)``;
* :func:`transform_and_log_det` / :func:`inverse_and_log_det` ``-> (points, log_dets)``, the
  log-determinants of shape ``(n,)``;

and for a distribution (``log_prob`` already takes leading batch axes):

For a conditional bijector each helper takes ``condition``: one context for the whole batch
(shape ``condition_shape``) or one per sample (``(n, *condition_shape)``).

* :func:`log_prob` ``-> log q(x)`` of shape ``(n,)``;
* :func:`mean_nll` ``-> -mean log q(x)``, the maximum-likelihood loss, a scalar.

:func:`~gauss_flows.jit_log_prob` is the chunked variant of :func:`log_prob` for batches of
any size (one compilation for all sizes).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array

__all__ = ["transform", "inverse", "transform_and_log_det", "inverse_and_log_det", "log_prob",
           "mean_nll"]


def _mapped(method, x: Array, condition):
    """``method`` over the batch ``x``; with a condition, paired with it (one per sample) or
    shared (one context for all: its shape is the bijector's ``condition_shape``)."""
    if condition is None:
        return jax.vmap(method)(x)
    shared = jnp.shape(condition) == tuple(method.__self__.condition_shape or ())
    return jax.vmap(method, in_axes=(0, None if shared else 0))(x, condition)


@eqx.filter_jit
def transform(bijector, x: Array, condition: Array | None = None) -> Array:
    """``T(x_i)`` (``T(x_i; c)``) for every sample of the batch ``x``."""
    return _mapped(bijector.transform, x, condition)


@eqx.filter_jit
def inverse(bijector, y: Array, condition: Array | None = None) -> Array:
    """``T^{-1}(y_i)`` for every sample of the batch ``y``."""
    return _mapped(bijector.inverse, y, condition)


@eqx.filter_jit
def transform_and_log_det(bijector, x: Array, condition: Array | None = None) -> tuple[Array, Array]:
    """``(T(x_i), log|det dT/dx(x_i)|)`` for every sample of the batch ``x``."""
    return _mapped(bijector.transform_and_log_det, x, condition)


@eqx.filter_jit
def inverse_and_log_det(bijector, y: Array, condition: Array | None = None) -> tuple[Array, Array]:
    """``(T^{-1}(y_i), log|det dT^{-1}/dy(y_i)|)`` for every sample of the batch ``y``."""
    return _mapped(bijector.inverse_and_log_det, y, condition)


@eqx.filter_jit
def log_prob(model, x: Array, condition: Array | None = None) -> Array:
    """``model.log_prob(x[, condition])`` for a batch, compiled once per architecture and batch shape."""
    return model.log_prob(x) if condition is None else model.log_prob(x, condition)


@eqx.filter_jit
def mean_nll(model, x: Array, condition: Array | None = None) -> Array:
    """The mean negative log-likelihood :math:`-\\frac1n\\sum_i \\log q(x_i [\\mid c_i])` of a batch (nats)."""
    return -jnp.mean(log_prob(model, x, condition))
