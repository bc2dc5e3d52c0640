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


@eqx.filter_jit
def transform(bijector, x: Array) -> Array:
    """``T(x_i)`` for every sample of the batch ``x``."""
    return jax.vmap(bijector.transform)(x)


@eqx.filter_jit
def inverse(bijector, y: Array) -> Array:
    """``T^{-1}(y_i)`` for every sample of the batch ``y``."""
    return jax.vmap(bijector.inverse)(y)


@eqx.filter_jit
def transform_and_log_det(bijector, x: Array) -> tuple[Array, Array]:
    """``(T(x_i), log|det dT/dx(x_i)|)`` for every sample of the batch ``x``."""
    return jax.vmap(bijector.transform_and_log_det)(x)


@eqx.filter_jit
def inverse_and_log_det(bijector, y: Array) -> tuple[Array, Array]:
    """``(T^{-1}(y_i), log|det dT^{-1}/dy(y_i)|)`` for every sample of the batch ``y``."""
    return jax.vmap(bijector.inverse_and_log_det)(y)


@eqx.filter_jit
def log_prob(model, x: Array) -> Array:
    """``model.log_prob(x)`` for a batch, compiled once per architecture and batch shape."""
    return model.log_prob(x)


@eqx.filter_jit
def mean_nll(model, x: Array) -> Array:
    """The mean negative log-likelihood :math:`-\\frac1n\\sum_i \\log q(x_i)` of a batch (nats)."""
    return -jnp.mean(model.log_prob(x))
