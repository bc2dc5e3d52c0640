"""Activation normalisation (Glow, Kingma & Dhariwal 2018) with data-dependent initialisation.

A per-coordinate affine map in the normalising direction,

.. math::  z = (x - \\mu)\\, e^{-s}, \\qquad x = z\\, e^{s} + \\mu, \\qquad
           \\log\\lvert\\det \\partial z/\\partial x\\rvert = -\\textstyle\\sum_i s_i ,

with trainable location :math:`\\mu` (``loc``) and log-scale :math:`s` (``log_scale``).
``ActNorm.from_data`` sets :math:`\\mu` to the data mean and :math:`e^{s}` to the data
standard deviation, so the layer starts by standardising its inputs; this puts the
following layers where their identity-like initialisation expects the data to be.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from .base import Bijector


class ActNorm(Bijector):
    """``z = (x - loc) * exp(-log_scale)`` per coordinate of ``shape``; the identity by default."""

    loc: Array
    log_scale: Array
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, shape: tuple[int, ...], *, loc: ArrayLike | None = None,
                 log_scale: ArrayLike | None = None):
        self.shape = tuple(int(s) for s in shape)
        self.loc = jnp.zeros(self.shape) if loc is None else jnp.asarray(loc)
        self.log_scale = jnp.zeros(self.shape) if log_scale is None else jnp.asarray(log_scale)
        for name in ("loc", "log_scale"):
            if getattr(self, name).shape != self.shape:
                raise ValueError(f"ActNorm.{name} must have shape {self.shape}, "
                                 f"but has shape {getattr(self, name).shape}.")

    @classmethod
    def from_data(cls, data: ArrayLike, *, target_std: float = 1.0, min_scale: float = 1e-6) -> "ActNorm":
        """Standardise ``data`` (n_samples, *shape): ``loc`` = mean, ``exp(log_scale)`` =
        std / ``target_std``, so the layer maps the data to mean 0 and standard deviation
        ``target_std`` per coordinate.

        ``min_scale`` floors the standard deviation so a constant coordinate does not give
        an infinite log-det.
        """
        if not target_std > 0:
            raise ValueError(f"ActNorm.from_data needs target_std > 0, but got {target_std!r}.")
        data = jnp.asarray(data)
        if data.ndim < 2 or data.shape[0] < 2:
            raise ValueError("ActNorm.from_data needs data of shape (n_samples >= 2, *event_shape), "
                             f"but got shape {data.shape}.")
        if not bool(jnp.all(jnp.isfinite(data))):
            raise ValueError("ActNorm.from_data got data with NaN or infinite values.")
        std = jnp.maximum(data.std(axis=0), min_scale)
        return cls(data.shape[1:], loc=data.mean(axis=0), log_scale=jnp.log(std / target_std))

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return (x - self.loc) * jnp.exp(-self.log_scale), -jnp.sum(self.log_scale)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return y * jnp.exp(self.log_scale) + self.loc, jnp.sum(self.log_scale)
