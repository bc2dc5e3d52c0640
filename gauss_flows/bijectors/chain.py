"""Composition and inversion of bijectors.

For :math:`T = T_K \\circ \\dots \\circ T_1` (``Chain([T_1, ..., T_K])``, applied in list
order) the chain rule turns the Jacobian into a product, so log-determinants add:

.. math::  \\log\\lvert\\det \\partial T/\\partial x\\rvert
           = \\sum_{k=1}^{K} \\log\\lvert\\det \\partial T_k/\\partial x_{k-1}\\rvert ,
           \\qquad x_0 = x,\\ x_k = T_k(x_{k-1}).

The inverse runs the list backwards, :math:`T^{-1} = T_1^{-1} \\circ \\dots \\circ T_K^{-1}`.
``Invert(T)`` swaps the two directions, e.g. to use a Gaussian CDF as a map onto the
real line.
"""

from __future__ import annotations

from typing import Sequence

import equinox as eqx
import jax.numpy as jnp
from jax import Array

from .base import Bijector


class Chain(Bijector):
    """Apply ``bijectors`` one after the other, in list order.

    All members must act on the same event shape (a chain here never reshapes).
    """

    bijectors: tuple[Bijector, ...]
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, bijectors: Sequence[Bijector]):
        bijectors = tuple(bijectors)
        if not bijectors:
            raise ValueError("Chain needs at least one bijector, but got an empty list.")
        for position, bijector in enumerate(bijectors):
            if not isinstance(bijector, Bijector):
                raise ValueError(f"Chain member {position} is a {type(bijector).__name__}, "
                                 "not a Bijector.")
        self.shape = tuple(bijectors[0].shape)
        for position, bijector in enumerate(bijectors):
            if tuple(bijector.shape) != self.shape:
                raise ValueError(
                    f"Chain members must share one event shape: member 0 "
                    f"({type(bijectors[0]).__name__}) has shape {self.shape}, but member "
                    f"{position} ({type(bijector).__name__}) has shape {tuple(bijector.shape)}.")
        self.bijectors = bijectors

    def __len__(self) -> int:
        return len(self.bijectors)

    def __getitem__(self, index):
        return self.bijectors[index]

    def _transform(self, x: Array) -> Array:
        for bijector in self.bijectors:
            x = bijector.transform(x)
        return x

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        total = jnp.zeros((), x.dtype)
        for bijector in self.bijectors:
            x, log_det = bijector.transform_and_log_det(x)
            total = total + log_det
        return x, total

    def _inverse(self, y: Array) -> Array:
        for bijector in reversed(self.bijectors):
            y = bijector.inverse(y)
        return y

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        total = jnp.zeros((), y.dtype)
        for bijector in reversed(self.bijectors):
            y, log_det = bijector.inverse_and_log_det(y)
            total = total + log_det
        return y, total


class Invert(Bijector):
    """The inverse bijector: ``Invert(T).transform = T.inverse`` and vice versa."""

    bijector: Bijector

    def __init__(self, bijector: Bijector):
        if not isinstance(bijector, Bijector):
            raise ValueError(f"Invert needs a Bijector, but got {type(bijector).__name__}.")
        self.bijector = bijector

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.bijector.shape)

    def _transform(self, x: Array) -> Array:
        return self.bijector.inverse(x)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return self.bijector.inverse_and_log_det(x)

    def _inverse(self, y: Array) -> Array:
        return self.bijector.transform(y)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return self.bijector.transform_and_log_det(y)
