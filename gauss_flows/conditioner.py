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

Two ways to let a context :math:`c` (``condition``) change the layer:

* **as an input** (:class:`MLPConditioner` with ``n_condition > 0``): the network reads
  :math:`[x_{\\text{passive}}, c]`, :math:`\\theta = c_\\phi(x_p, c)`; the context costs one
  extra column of first-layer weights per context value;
* **through the weights** (:class:`HyperConditioner`, a hypernetwork, Ha et al. 2017): a second
  network :math:`h_\\psi` maps the context to the conditioner's own weights,
  :math:`\\theta = c_{\\phi_0 + h_\\psi(c)}(x_p)`, so the context can change how the passive
  values are read, not only shift the first layer. It costs one output of :math:`h_\\psi` per
  weight of the conditioner.
"""

from __future__ import annotations

from typing import Callable

import equinox as eqx
import jax
import jax.flatten_util
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
    n_condition: int = eqx.field(static=True, default=0)

    def __init__(self, key: Array, *, n_in: int, n_out: int, output_bias: ArrayLike,
                 width: int = 32, depth: int = 2, init_scale: float = 0.1,
                 activation: Callable[[Array], Array] = jax.nn.tanh, n_condition: int = 0):
        output_bias = jnp.asarray(output_bias)
        if output_bias.shape != (n_out,):
            raise ValueError(f"output_bias must have shape ({n_out},), but has shape {output_bias.shape}.")
        if width < 1 or depth < 0:
            raise ValueError(f"need width >= 1 and depth >= 0, but got width={width}, depth={depth}.")
        if not init_scale >= 0:
            raise ValueError(f"init_scale must be >= 0, but got {init_scale}.")
        self.n_in, self.n_out, self.n_condition = int(n_in), int(n_out), int(n_condition)
        mlp = eqx.nn.MLP(self.n_in + self.n_condition, n_out, width_size=width, depth=depth, activation=activation,
                         key=key, dtype=output_bias.dtype)
        last = mlp.layers[-1]
        last = eqx.tree_at(lambda layer: (layer.weight, layer.bias), last,
                           (init_scale * last.weight, output_bias))
        self.mlp = eqx.tree_at(lambda m: m.layers[-1], mlp, last)

    def __call__(self, passive: Array, condition: Array | None = None) -> Array:
        if passive.shape != (self.n_in,):
            raise ValueError(f"conditioner expects {self.n_in} passive values, got shape {passive.shape}.")
        if self.n_condition == 0:
            return self.mlp(passive)
        condition = _flat_condition(condition, self.n_condition, passive.dtype)
        return self.mlp(jnp.concatenate([passive, condition]))   # theta = c(x_P, c)


def _flat_condition(condition, n_condition: int, dtype) -> Array:
    if condition is None or jnp.size(condition) != n_condition:
        raise ValueError(f"conditioner expects a condition of {n_condition} values, "
                         f"got {None if condition is None else jnp.shape(condition)}.")
    return jnp.ravel(condition).astype(dtype)


class HyperConditioner(eqx.Module):
    """A conditioner whose weights are computed from the context: a hypernetwork.

    .. math::  \\theta = c_{\\phi(c)}(x_p), \\qquad \\phi(c) = \\phi_0 + h_\\psi(c),

    where :math:`c_\\phi` is an :class:`MLPConditioner` reading the passive values only,
    :math:`\\phi_0` its own weights and :math:`h_\\psi` an MLP from the context to one offset per
    weight. :math:`h_\\psi`'s last layer starts at zero, so a fresh hypernetwork conditioner
    computes exactly what its plain conditioner computes, whatever the context (the same
    identity start as a coupling without context).

    Args:
        key: PRNG key (split between the conditioner and the hypernetwork).
        n_in, n_out, output_bias, width, depth, init_scale, activation: as in
            :class:`MLPConditioner` (the network whose weights are produced).
        n_condition: number of context values.
        hyper_width, hyper_depth: the hypernetwork's hidden units per layer and hidden layers.
    """

    base: MLPConditioner
    hyper: eqx.nn.MLP
    n_condition: int = eqx.field(static=True)

    def __init__(self, key: Array, *, n_in: int, n_out: int, output_bias: ArrayLike,
                 n_condition: int, width: int = 32, depth: int = 2, init_scale: float = 0.1,
                 activation: Callable[[Array], Array] = jax.nn.tanh, hyper_width: int = 16,
                 hyper_depth: int = 1):
        if int(n_condition) < 1:
            raise ValueError(f"HyperConditioner needs n_condition >= 1 context values, got {n_condition}.")
        base_key, hyper_key = jax.random.split(key)
        self.base = MLPConditioner(base_key, n_in=n_in, n_out=n_out, output_bias=output_bias,
                                   width=width, depth=depth, init_scale=init_scale,
                                   activation=activation)
        self.n_condition = int(n_condition)
        n_weights = jax.flatten_util.ravel_pytree(eqx.filter(self.base, eqx.is_array))[0].size
        hyper = eqx.nn.MLP(self.n_condition, n_weights, width_size=hyper_width, depth=hyper_depth,
                           activation=activation, key=hyper_key, dtype=self.base.mlp.layers[0].weight.dtype)
        # zero last layer: phi(c) = phi_0 for every context at the start
        self.hyper = eqx.tree_at(lambda m: (m.layers[-1].weight, m.layers[-1].bias), hyper,
                                 (jnp.zeros_like(hyper.layers[-1].weight),
                                  jnp.zeros_like(hyper.layers[-1].bias)))

    @property
    def n_in(self) -> int:
        return self.base.n_in

    @property
    def n_out(self) -> int:
        return self.base.n_out

    def weights(self, condition: Array) -> MLPConditioner:
        """The conditioner with the weights :math:`\\phi_0 + h_\\psi(c)` for this context."""
        condition = _flat_condition(condition, self.n_condition, self.base.mlp.layers[0].weight.dtype)
        phi0, static = eqx.partition(self.base, eqx.is_array)
        flat, unravel = jax.flatten_util.ravel_pytree(phi0)
        return eqx.combine(unravel(flat + self.hyper(condition)), static)

    def __call__(self, passive: Array, condition: Array | None = None) -> Array:
        return self.weights(condition)(passive)
