"""The conditioner of a coupling layer: an MLP from the passive coordinates to parameters.

For a coupling with :math:`n_a` active coordinates and a scalar transformer with
:math:`p` parameters, the conditioner is a map

.. math::  c_\\phi : \\mathbb R^{n_p} \\to \\mathbb R^{n_a \\times p}, \\qquad
           \\theta = c_\\phi(x_{\\text{passive}}),

row :math:`i` of :math:`\\theta` parametrising the transformer of active coordinate :math:`i`.
Since the transformer parameters are unconstrained, any output is valid and the network
needs no output activation.

Initialisation (why it matters): the output layer's bias is the template's own parameter
vector repeated for every active coordinate, and its weights are scaled by ``init_scale``
(``0`` gives exact zeros). The coupling therefore starts as the template, i.e. as (close
to) the identity, and a deep stack of fresh couplings neither explodes nor collapses the
data (the same motivation as the zero-initialised last layers of Glow, Kingma & Dhariwal 2018).
"""

from __future__ import annotations

from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike


class MLPConditioner(eqx.Module):
    """``passive (n_in,) -> parameters (n_out,)`` with a near-identity initialisation.

    Args:
        key: PRNG key for the hidden-layer weights.
        n_in: number of passive coordinates read.
        n_out: number of parameters produced (``n_active * n_params``).
        output_bias: ``(n_out,)`` initial output (the template's parameters, tiled).
        width: units per hidden layer.
        depth: number of hidden layers (``depth=0`` is a single linear map).
        init_scale: factor on the default-initialised output weights; ``0.0`` is exact zero
            init, so the first forward pass returns ``output_bias`` for every input.
        activation: hidden-layer nonlinearity (smooth by default, so log-densities are smooth).
    """

    mlp: eqx.nn.MLP
    n_in: int = eqx.field(static=True)
    n_out: int = eqx.field(static=True)

    def __init__(self, key: Array, *, n_in: int, n_out: int, output_bias: ArrayLike,
                 width: int = 32, depth: int = 2, init_scale: float = 0.1,
                 activation: Callable[[Array], Array] = jax.nn.tanh):
        output_bias = jnp.asarray(output_bias)
        if output_bias.shape != (n_out,):
            raise ValueError(f"output_bias must have shape ({n_out},), but has shape {output_bias.shape}.")
        if width < 1 or depth < 0:
            raise ValueError(f"need width >= 1 and depth >= 0, but got width={width}, depth={depth}.")
        if not init_scale >= 0:
            raise ValueError(f"init_scale must be >= 0, but got {init_scale}.")
        self.n_in, self.n_out = int(n_in), int(n_out)
        mlp = eqx.nn.MLP(n_in, n_out, width_size=width, depth=depth, activation=activation,
                         key=key, dtype=output_bias.dtype)
        last = mlp.layers[-1]
        last = eqx.tree_at(lambda layer: (layer.weight, layer.bias), last,
                           (init_scale * last.weight, output_bias))
        self.mlp = eqx.tree_at(lambda m: m.layers[-1], mlp, last)

    def __call__(self, passive: Array) -> Array:
        if passive.shape != (self.n_in,):
            raise ValueError(f"conditioner expects {self.n_in} passive values, got shape {passive.shape}.")
        return self.mlp(passive)
