"""Density destructors: watch a flow destroy the structure of data, one step at a time.

A *destructor* (Inouye & Ravikumar 2018) is an invertible map :math:`T` that turns data
into something without structure: independent standard normal coordinates (or uniform
ones). Gaussianization (Chen & Gopinath 2000) builds one by stacking two moves,

.. math::  u = \\Phi^{-1}\\big(F_i(z_i)\\big)_{i=1..d}, \\qquad z' = R\\,u,

a marginal Gaussianization (one increasing 1-D map per coordinate) followed by a rotation.
Every step is invertible, so the density of the data follows from the change of variables,

.. math::  \\log p(x) = \\log\\mathcal N\\big(T(x); 0, I\\big) + \\sum_{s} \\log\\lvert\\det J_s\\rvert,

the sum running over the steps :math:`s` (rotations contribute 0).

:func:`destruction_path` runs a fitted chain (e.g. :func:`gauss_flows.rbig_fit`'s flow)
step by step and keeps every intermediate sample and the running log-determinant;
:func:`structure_left` measures what is left to destroy after a step.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import Array

from .bijectors import Bijector, Chain
from .diagnostics import negentropy, total_correlation

__all__ = ["destruction_path", "structure_left"]


def _steps(bijection: Bijector, half_steps: bool) -> list[Bijector]:
    layers = list(bijection.bijectors) if isinstance(bijection, Chain) else [bijection]
    if not half_steps:
        return layers
    steps = []
    for layer in layers:  # a Gaussianization layer is Chain([marginal, rotation])
        steps.extend(layer.bijectors if isinstance(layer, Chain) else [layer])
    return steps


def destruction_path(bijection: Bijector, x, *, half_steps: bool = False,
                     max_steps: int | None = None) -> tuple[list[Array], list[Array]]:
    """Push samples ``x`` of shape ``(n, d)`` through ``bijection`` one step at a time.

    Args:
        bijection: a :class:`~gauss_flows.Chain` of layers (data -> latent, ``transform``).
        x: the data, shape ``(n, d)``.
        half_steps: if True, a layer that is itself a ``Chain`` (RBIG's
            ``Chain([marginal, rotation])``) is split into its parts, so the path shows the
            sample after the marginal Gaussianization AND after the rotation.
        max_steps: keep only the first ``max_steps`` steps.

    Returns:
        ``(samples, log_dets)``: ``samples[0]`` is ``x`` and ``samples[s]`` the sample after
        ``s`` steps; ``log_dets[s]`` (shape ``(n,)``) is the log-determinant of the first
        ``s`` steps at each point, summed (``log_dets[0]`` is zero).
    """
    x = jnp.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"destruction_path expects samples of shape (n, d), got shape {x.shape}.")
    steps = _steps(bijection, half_steps)
    if max_steps is not None:
        steps = steps[:max_steps]
    samples, log_dets = [x], [jnp.zeros(x.shape[0], x.dtype)]
    for step in steps:
        z, log_det = jax.vmap(step.transform_and_log_det)(samples[-1])
        samples.append(z)
        log_dets.append(log_dets[-1] + log_det)
    return samples, log_dets


def structure_left(z, *, k: int = 4) -> dict[str, float]:
    """What a destructor still has to remove from samples ``z`` (n, d), in nats.

    Returns ``{"total_correlation", "negentropy", "structure"}``: the dependence between the
    coordinates (:func:`~gauss_flows.diagnostics.total_correlation`, a k-nearest-neighbour
    estimate), the summed marginal non-Gaussianity :math:`\\sum_i J(z_i)`, and their sum.
    :math:`\\mathrm{KL}(p\\,\\|\\,\\mathcal N(0, I)) = \\mathrm{TC} + \\sum_i J(z_i) +` (a moment
    term that vanishes once each coordinate has mean 0 and variance 1).
    """
    z = jnp.asarray(z)
    tc = float(total_correlation(z, k=k))
    neg = float(jnp.sum(negentropy(z)))
    return {"total_correlation": tc, "negentropy": neg, "structure": tc + neg}

