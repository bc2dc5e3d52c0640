"""Elementwise monotone bijectors whose inverse has no closed form.

A subclass writes one method, ``_forward_elementwise(x) -> (y, log dy/dx)``, coordinate by
coordinate. This base class turns it into a bijector:

.. math::  \\log|\\det J| = \\sum_i \\log \\frac{\\partial y_i}{\\partial x_i},
           \\qquad x = T^{-1}(y) \\text{ solved coordinate-wise},

the inverse by :func:`~gauss_flows.numerics.solve_monotone` (safeguarded Newton with the
analytic slope, gradients by the implicit function theorem), and its log-det as minus the
forward one at the solution. The mixture-Gaussian CDF and the deep sigmoid share it.
"""

from __future__ import annotations

from abc import abstractmethod

import equinox as eqx
import jax.numpy as jnp
from jax import Array

from ..numerics import solve_monotone
from .base import Bijector


class MonotoneElementwise(Bijector):
    """Base of elementwise increasing maps inverted numerically (see the module docstring)."""

    @abstractmethod
    def _forward_elementwise(self, x: Array) -> tuple[Array, Array]:
        """``(T(x), log T'(x))`` for every coordinate of ``x``."""

    # jitted as a whole (module-level functions below): eager calls would otherwise
    # recompile the solver's while_loop on every call
    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return _forward(self, x)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        return _solve_inverse(self, y)


@eqx.filter_jit
def _forward(bijector: MonotoneElementwise, x: Array) -> tuple[Array, Array]:
    y, log_slope = bijector._forward_elementwise(x)
    return y, jnp.sum(log_slope)


@eqx.filter_jit
def _solve_inverse(bijector: MonotoneElementwise, y: Array) -> tuple[Array, Array]:
    def value_and_slope(x):
        value, log_slope = bijector._forward_elementwise(x)
        return value, jnp.exp(log_slope)

    x = solve_monotone(value_and_slope, y, has_derivative=True)
    return x, -jnp.sum(bijector._forward_elementwise(x)[1])
