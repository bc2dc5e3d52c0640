"""Masked autoregressive flow layer (MAF, Papamakarios et al. 2017) with a MADE conditioner.

Every coordinate gets its own scalar transformer :math:`\\tau` whose parameters depend on the
coordinates before it in a chosen ``order`` (Germain et al. 2015's masks make one network
compute all of them at once):

.. math::  z_i = \\tau\\big(x_i;\\ \\theta_i(x_{<i})\\big), \\qquad
           \\log\\lvert\\det \\partial z/\\partial x\\rvert = \\sum_{i=1}^{d}
           \\log\\lvert\\tau'(x_i;\\ \\theta_i(x_{<i}))\\rvert .

Sorted by the order, :math:`\\partial z/\\partial x` is lower triangular with diagonal
:math:`\\tau'`, hence the log-det. The **forward** map (data -> latent, the density direction
used in training) needs :math:`\\theta(x)` for the known :math:`x`: ONE pass of the network.

The **inverse** :math:`x = T^{-1}(z)` is sequential: :math:`\\theta_i` needs :math:`x_{<i}`,
which is only known once the earlier coordinates are inverted,

.. math::  x_{\\text{order}[t]} = \\tau^{-1}\\big(z_{\\text{order}[t]};\\ \\theta(x)_{\\text{order}[t]}\\big),
           \\qquad t = 0, 1, \\dots, d-1,

so it takes :math:`d` network passes (a ``lax.fori_loop``): after pass :math:`t` the first
:math:`t+1` coordinates (in the order) are exact, whatever the others hold. Sampling a MAF
(latent -> data) is therefore :math:`d` times the cost of evaluating a density. The
inverse-autoregressive flow (IAF, Kingma et al. 2016) is the same layer used the other way
round, ``gf.Invert(MaskedAutoregressive(...))``: one pass to sample, :math:`d` to evaluate the
density of a new point.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from ..made import MADE, check_order
from .affine import Affine
from .base import Bijector, validate_condition_shape
from .elementwise import ScalarTemplate, each_coordinate


class MaskedAutoregressive(Bijector):
    """A MAF layer on vectors of shape ``(d,)`` with any scalar transformer of the menu.

    Args:
        key: PRNG key for the MADE network.
        shape: ``(d,)`` with ``d >= 2``.
        transformer: a scalar template (shape ``()``), default ``gf.Affine()``.
        order: permutation of ``0..d-1`` (``order[0]`` is transformed with constant parameters);
            default ``0, 1, ..., d-1``. Stack layers with reversed orders, as one stacks masks.
        nn_width, nn_depth: the MADE network's hidden units per layer and hidden layers.
        init_scale: scale of the output weights (``0.0``: the layer starts as the template).
        condition_shape: the shape of one context for a conditional MAF (the MADE network's
            first layer reads it, unmasked); ``None`` (default): unconditional.
    """

    conditioner: MADE
    template: ScalarTemplate
    shape: tuple[int, ...] = eqx.field(static=True)
    order: tuple[int, ...] = eqx.field(static=True)
    condition_shape: tuple[int, ...] | None = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int, ...], transformer: Bijector | None = None,
                 order=None, nn_width: int = 32, nn_depth: int = 2, init_scale: float = 0.1,
                 condition_shape: tuple[int, ...] | None = None):
        self.condition_shape = validate_condition_shape(condition_shape, "MaskedAutoregressive")
        shape = tuple(int(s) for s in shape)
        if len(shape) != 1 or shape[0] < 2:
            raise ValueError(f"MaskedAutoregressive acts on vectors of shape (d,) with d >= 2, "
                             f"but got shape {shape}.")
        d = shape[0]
        self.shape = shape
        self.order = tuple(int(i) for i in check_order(np.arange(d) if order is None else order, d))
        transformer = Affine() if transformer is None else transformer
        self.template = ScalarTemplate(transformer)
        theta0 = self.template.ravel(transformer)
        self.conditioner = MADE(key, order=self.order, n_params=self.template.n_params,
                                output_bias=jnp.tile(theta0, d), width=nn_width, depth=nn_depth,
                                init_scale=init_scale,
                                n_context=0 if self.condition_shape is None else math.prod(self.condition_shape))

    @property
    def inverse_passes(self) -> int:
        """Network passes of the inverse (``d``); the forward direction takes one."""
        return self.shape[0]

    def parameters(self, x: Array, condition: Array | None = None) -> Array:
        """Transformer parameters ``(d, n_params)``; row ``i`` depends on ``x`` before ``i`` only
        (and on the whole context, for a conditional layer)."""
        return self.conditioner(x) if condition is None else self.conditioner(x, condition)

    def _apply(self, theta: Array, values: Array, method: str) -> tuple[Array, Array]:
        def one(theta_i, value):
            return getattr(self.template.build(theta_i), method)(value)

        return each_coordinate(one, theta, values)

    def _transform_and_log_det(self, x: Array, condition: Array | None = None) -> tuple[Array, Array]:
        return self._apply(self.parameters(x, condition), x, "transform_and_log_det")

    def _inverse_and_log_det(self, z: Array, condition: Array | None = None) -> tuple[Array, Array]:
        def one_pass(x):
            # inverting ALL coordinates with theta(x) is exact for the first t+1 in the order
            return self._apply(self.parameters(x, condition), z, "inverse_and_log_det")

        # d - 1 passes make the first d - 1 coordinates exact; the d-th pass uses exact
        # parameters for every coordinate, so its log-det is the exact one
        x = jax.lax.fori_loop(0, self.shape[0] - 1, lambda _, x: one_pass(x)[0], jnp.zeros_like(z))
        return one_pass(x)
