"""Elementwise affine map, the simplest transformer (NICE / RealNVP's scale-and-shift).

.. math::

    y = e^{s} \\odot x + b, \\qquad x = e^{-s} \\odot (y - b), \\qquad
    \\log\\lvert\\det \\partial y/\\partial x\\rvert = \\textstyle\\sum_i s_i .

``log_scale`` :math:`s` is unconstrained. With ``log_scale_bound=c`` it is squashed softly,
:math:`s \\mapsto c \\tanh(s / c)`, which keeps a coupling's scales in :math:`[e^{-c}, e^{c}]`
and so prevents the explosive early updates RealNVP couplings are known for
(Dinh et al. 2017, "Density estimation using Real NVP").
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jax import Array

from .base import Bijector


class Affine(Bijector):
    """:math:`y = e^{s} x + b` elementwise over ``shape``; defaults to the identity.

    Args:
        shape: event shape; ``shift`` and ``log_scale`` have this shape.
        log_scale_bound: if given, the scale used is :math:`\\exp(c\\tanh(s/c))`.
    """

    shift: Array
    log_scale: Array
    shape: tuple[int, ...] = eqx.field(static=True)
    log_scale_bound: float | None = eqx.field(static=True)

    def __init__(self, shape: tuple[int, ...] = (), *, log_scale_bound: float | None = None):
        if log_scale_bound is not None and not log_scale_bound > 0:
            raise ValueError(f"log_scale_bound must be positive or None, got {log_scale_bound}.")
        self.shape = tuple(shape)
        self.log_scale_bound = log_scale_bound
        self.shift = jnp.zeros(self.shape)
        self.log_scale = jnp.zeros(self.shape)

    def __check_init__(self):
        for name in ("shift", "log_scale"):
            if getattr(self, name).shape != self.shape:
                raise ValueError(f"Affine.{name} must have shape {self.shape}, "
                                 f"got {getattr(self, name).shape}.")

    def effective_log_scale(self) -> Array:
        """The log-scale actually applied (soft-bounded if ``log_scale_bound`` is set)."""
        if self.log_scale_bound is None:
            return self.log_scale
        bound = self.log_scale_bound
        return bound * jnp.tanh(self.log_scale / bound)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        log_scale = self.effective_log_scale()
        return jnp.exp(log_scale) * x + self.shift, jnp.sum(log_scale)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        log_scale = self.effective_log_scale()
        return jnp.exp(-log_scale) * (y - self.shift), -jnp.sum(log_scale)
