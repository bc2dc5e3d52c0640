"""The linear ODE flow: the matrix exponential.

The simplest continuous-time flow has a linear vector field, :math:`\\dot z = A z`. Its
solution after time :math:`t` is a linear map,

.. math::  z(t) = e^{tA}\\, z(0), \\qquad e^{tA} = \\sum_{k \\ge 0} \\frac{(tA)^k}{k!},

which is invertible for EVERY generator :math:`A` (its inverse is :math:`e^{-tA}`, the same
flow run backwards), and whose log-determinant needs no determinant at all (Jacobi's formula,
:math:`\\det e^{M} = e^{\\operatorname{tr} M}`):

.. math::  \\log\\lvert\\det e^{tA}\\rvert = t \\operatorname{tr} A .

This is the instantaneous change of variables, :math:`\\frac{d}{dt}\\log\\lvert\\det\\rvert =
\\operatorname{tr} \\partial f/\\partial z`, for a field whose Jacobian :math:`A` is the same
everywhere; :class:`~gauss_flows.bijectors.continuous.ContinuousFlow` is the nonlinear case.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import jax.scipy.linalg as jsl
from jax import Array
from jax.typing import ArrayLike

from .base import Bijector


def _traced(value) -> bool:
    return isinstance(value, jax.core.Tracer)


class LinearODE(Bijector):
    """``z = expm(time * generator) @ x``: the flow of :math:`\\dot z = A z` after ``time``.

    Args:
        generator: the square matrix :math:`A` (trainable; any real matrix gives a bijection).
        time: how long the flow runs, :math:`t` (trainable too; ``t = 0`` is the identity).
    """

    generator: Array
    time: Array
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, generator: ArrayLike, time: ArrayLike = 1.0):
        generator = jnp.asarray(generator)
        if not jnp.issubdtype(generator.dtype, jnp.floating):
            generator = generator.astype(jnp.result_type(float))
        if generator.ndim != 2 or generator.shape[0] != generator.shape[1] or generator.shape[0] == 0:
            raise ValueError(f"LinearODE needs a square (d, d) generator, but got shape {generator.shape}.")
        # the values are checked when they are known (in numpy: a jnp check would be traced under
        # jit); under jit or vmap (a flow at many times, a generator being trained) they are
        # tracers, and only the shapes can be checked
        if not _traced(generator) and not np.all(np.isfinite(np.asarray(generator))):
            raise ValueError("LinearODE's generator has NaN or infinite entries.")
        time = jnp.asarray(time, generator.dtype)
        if time.shape != () or (not _traced(time) and not np.isfinite(np.asarray(time))):
            raise ValueError(f"LinearODE's time must be one finite number, but got {time!r}.")
        self.generator, self.time, self.shape = generator, time, (generator.shape[0],)

    def matrix(self) -> Array:
        """:math:`e^{tA}` (``jax.scipy.linalg.expm``: scaling and squaring, Padé approximant)."""
        return jsl.expm(self.time * self.generator)

    def _log_det(self) -> Array:
        return self.time * jnp.trace(self.generator)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return self.matrix() @ x, self._log_det()

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        # e^{-tA} is the inverse exactly (A commutes with itself); no linear solve needed
        return jsl.expm(-self.time * self.generator) @ y, -self._log_det()
