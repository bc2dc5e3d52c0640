"""Moving about in a flow's latent space: straight paths and partial resampling.

A flow's bijection :math:`f` maps data :math:`y` to latents :math:`z = f(y)` under a standard
normal. Two things one does with it (Kingma & Dhariwal 2018; Dinh et al. 2017):

* **Interpolate.** The straight line between two data points, :math:`y_t = (1-t)\\,y_0 + t\\,y_1`,
  cross-fades them. The straight line between their latents, mapped back,

  .. math::  y^{(z)}_t = f^{-1}\\big((1-t)\\,f(y_0) + t\\,f(y_1)\\big), \\qquad t \\in [0, 1],

  is another path between the same endpoints, one that follows the model.
* **Resample part of the latent.** Keep the latents where ``where`` is False, draw the others
  afresh from :math:`\\mathcal N(0, T^2)` (temperature :math:`T`), map back:
  :math:`y' = f^{-1}(z')`. With ``where = MultiScale.latent_levels() == l`` this resamples one
  scale of a multi-scale flow and keeps the others.

Everything works on one event (``y0``, ``y1``, ``y`` of the bijection's shape) and returns a
batch along a new first axis; it is plain JAX, so ``jit`` it for speed.

To compare images along such paths, :func:`log_density_terms` scores images :math:`v` of the unit
cube under a flow of logit space (``gauss_flows.dequantization``) term by term,

.. math::  \\log p_V(v) = \\underbrace{\\log\\mathcal N(f(y);\\, 0, I)}_{\\text{base}}
           + \\underbrace{\\log|\\det \\partial f/\\partial y|}_{\\text{flow}}
           + \\underbrace{\\log|\\det \\partial y/\\partial v|}_{\\text{logit}},
           \\qquad y = \\operatorname{logit}(\\alpha + (1 - 2\\alpha) v):

the density on the pixels' own scale, where every image owns the same volume.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array

from .bijectors.logit import Logit
from .dequantization import ALPHA

__all__ = ["linear_path", "latent_path", "resample_latents", "log_density_terms"]


def _check_ts(ts) -> Array:
    ts = jnp.asarray(ts, dtype=jnp.result_type(float))
    if ts.ndim != 1:
        raise ValueError(f"ts must be a 1-D array of path positions, but got shape {ts.shape}.")
    return ts


def _check_event(bijection, *events) -> None:
    shape = tuple(bijection.shape)
    for event in events:
        if tuple(jnp.shape(event)) != shape:
            raise ValueError(f"expected one event of the bijection's shape {shape}, but got shape "
                             f"{tuple(jnp.shape(event))} (paths and resampling take one event at a time).")


def linear_path(a: Array, b: Array, ts) -> Array:
    """:math:`(1 - t)\\,a + t\\,b` for every ``t`` in ``ts``: shape ``(len(ts), *a.shape)``."""
    ts = _check_ts(ts)
    a, b = jnp.asarray(a), jnp.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"linear_path needs endpoints of one shape, but got {a.shape} and {b.shape}.")
    t = ts.reshape((-1,) + (1,) * a.ndim)
    return (1.0 - t) * a + t * b


def latent_path(bijection, y0: Array, y1: Array, ts) -> Array:
    """The straight line between the latents of ``y0`` and ``y1``, mapped back to data space:
    :math:`f^{-1}((1-t) f(y_0) + t f(y_1))`, shape ``(len(ts), *shape)``. At ``t = 0`` and
    ``t = 1`` it returns the endpoints (up to the round trip's round-off)."""
    _check_event(bijection, y0, y1)
    z = linear_path(bijection.transform(y0), bijection.transform(y1), ts)
    return jax.vmap(bijection.inverse)(z)


def resample_latents(key: Array, bijection, y: Array, where, *, temperature: float = 1.0,
                     n: int = 1) -> Array:
    """``n`` variations of ``y``: the latents at ``where`` (a boolean array of the event shape)
    drawn afresh from :math:`\\mathcal N(0, T^2)`, the others kept, mapped back by
    :math:`f^{-1}`. Returns ``(n, *shape)``."""
    _check_event(bijection, y)
    where = where if isinstance(where, jax.core.Tracer) else np.asarray(where)   # under jit: traced
    if where.dtype != bool or tuple(where.shape) != tuple(bijection.shape):
        raise ValueError(f"where must be a boolean array of the event shape {tuple(bijection.shape)}, "
                         f"but got dtype {where.dtype} and shape {tuple(where.shape)}.")
    if not isinstance(temperature, jax.core.Tracer) and (
            isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating))
            or not temperature >= 0):
        raise ValueError(f"temperature must be a number >= 0, but got {temperature!r}.")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, but got {n!r}.")
    z = bijection.transform(y)
    fresh = temperature * jr.normal(key, (n,) + tuple(bijection.shape), dtype=z.dtype)
    return jax.vmap(bijection.inverse)(jnp.where(where, fresh, z))


def log_density_terms(bijection, v: Array, *, alpha: float = ALPHA) -> Array:
    """The three terms of :math:`\\log p_V(v)` (module docstring) for a batch ``v`` of shape
    ``(n, *bijection.shape)`` in the unit cube: ``(n, 3)``, columns base, flow log-det, logit
    log-det. Their sum is the model's log-density of each image."""
    v = jnp.asarray(v)
    if v.ndim != len(bijection.shape) + 1 or tuple(v.shape[1:]) != tuple(bijection.shape):
        raise ValueError(f"log_density_terms expects a batch of images (n, {', '.join(map(str, bijection.shape))}), "
                         f"but got shape {tuple(v.shape)}.")
    y, logit_log_det = jax.vmap(Logit(tuple(bijection.shape), alpha=alpha).transform_and_log_det)(v)
    z, flow_log_det = jax.vmap(bijection.transform_and_log_det)(y)
    flat = z.reshape(z.shape[0], -1)
    base = -0.5 * jnp.sum(flat ** 2, axis=1) - 0.5 * flat.shape[1] * jnp.log(2.0 * jnp.pi)
    return jnp.stack([base, flow_log_det, logit_log_det], axis=1)
