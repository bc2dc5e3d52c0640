"""When a coupling layer is a marginal (diagonal) layer, and how to build one from the other.

A coupling computes the parameters of its active coordinates with a conditioner,
:math:`\\theta = W h(x_p) + b` (``W``, ``b``: the conditioner's last layer, :math:`h`: its hidden
layers). Three facts, each a few lines of algebra:

1. *Constant conditioner.* If the last layer's kernel is zero, :math:`W = 0`, then
   :math:`\\theta = b` for every input: the conditioner is a constant.
2. *Diagonal Jacobian.* With a constant :math:`\\theta` the active outputs
   :math:`z_a^{(i)} = \\tau(x_a^{(i)}; b_i)` do not depend on :math:`x_p`, so the off-diagonal block
   :math:`\\partial z_a / \\partial x_p` vanishes, the Jacobian is diagonal and
   :math:`\\log|\\det J| = \\sum_{i \\in a} \\log \\tau'(x_a^{(i)}; b_i)`, a sum of marginal terms.
3. *A complementary pair is one marginal layer.* Two such couplings whose masks are complements
   transform disjoint sets of coordinates, each with fixed parameters, so together they apply
   :math:`\\tau(\\cdot; \\theta_i)` to every coordinate :math:`i` with its own
   :math:`\\theta_i` (from the first layer's bias if :math:`i` is active there, else from the
   second's): exactly an :class:`~gauss_flows.bijectors.Elementwise` layer, the trainable
   version of one marginal Gaussianization step of RBIG (Laparra et al. 2011), and the log-dets
   add to its log-det.

:func:`pair_as_marginal` reads that marginal layer off a pair (and refuses a pair whose kernels
are not zero), :func:`marginal_as_pair` builds the pair from a marginal layer, and the
flow-level :func:`matched_coupling_flow` / :func:`matched_diagonal_flow` do it layer by layer:
a ``diagonal_flow`` with :math:`L` layers equals a ``coupling_flow`` with :math:`2L` zero-kernel
layers.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array

from .bijectors.chain import Chain
from .bijectors.coupling import Coupling, default_mask
from .bijectors.elementwise import Elementwise, ScalarTemplate
from .distributions import StandardNormal, Transformed
from . import masks as masks_lib

__all__ = ["kernel_norm", "has_zero_kernel", "pair_as_marginal", "marginal_as_pair",
           "matched_coupling_flow", "matched_diagonal_flow"]


def _last_layer(coupling: Coupling):
    return coupling.conditioner.mlp.layers[-1]


def kernel_norm(coupling: Coupling) -> Array:
    """:math:`\\max |W_{ij}|` over the conditioner's last-layer kernel (0: a constant conditioner)."""
    if not isinstance(coupling, Coupling):
        raise ValueError(f"kernel_norm expects a gf.Coupling, but got {type(coupling).__name__}.")
    return jnp.max(jnp.abs(_last_layer(coupling).weight))


def has_zero_kernel(coupling: Coupling) -> bool:
    """True when the conditioner's last-layer kernel is exactly zero (lemma 1: it is a constant)."""
    return bool(kernel_norm(coupling) == 0.0)


def _per_coordinate(template: ScalarTemplate, theta: Array, shape: tuple[int, ...]):
    """The ``Elementwise.params`` pytree whose coordinate ``i`` has the flat parameters ``theta[i]``."""
    leaves, start = [], 0
    for leaf_shape in template.leaf_shapes:
        size = math.prod(leaf_shape)
        leaves.append(theta[:, start:start + size].reshape(tuple(shape) + tuple(leaf_shape)))
        start += size
    return jax.tree_util.tree_unflatten(template.treedef, leaves)


def pair_as_marginal(first: Coupling, second: Coupling) -> Elementwise:
    """The marginal layer equal to ``second ∘ first`` when both kernels are zero (fact 3).

    Raises:
        ValueError: not two couplings of one shape and one transformer, masks that are not
            complements, or a last-layer kernel that is not zero (then the pair depends on
            the passive coordinates and is no marginal layer).
    """
    for name, layer in (("first", first), ("second", second)):
        if not isinstance(layer, Coupling):
            raise ValueError(f"pair_as_marginal expects two gf.Coupling layers, but {name} is a "
                             f"{type(layer).__name__}.")
    if first.shape != second.shape:
        raise ValueError(f"pair_as_marginal needs couplings of one shape, got {first.shape} and "
                         f"{second.shape}.")
    if first.template.treedef != second.template.treedef or first.template.n_params != second.template.n_params:
        raise ValueError("pair_as_marginal needs couplings with the same transformer template.")
    if not np.array_equal(first.mask, ~second.mask):
        raise ValueError("pair_as_marginal needs complementary masks: every coordinate active in "
                         "exactly one of the two layers.")
    for name, layer in (("first", first), ("second", second)):
        if not has_zero_kernel(layer):
            raise ValueError(f"the {name} coupling's last-layer kernel is not zero (max |W| = "
                             f"{float(kernel_norm(layer)):.3g}): its parameters depend on the "
                             "passive coordinates, so the pair is not a marginal layer.")
    n = math.prod(first.shape)
    theta = jnp.zeros((n, first.template.n_params), _last_layer(first).bias.dtype)
    for layer in (first, second):
        # W = 0, so the conditioner returns its bias whatever it reads: read it at zeros
        constant = layer.parameters(jnp.zeros(len(layer.passive), theta.dtype))
        theta = theta.at[np.asarray(layer.active)].set(constant)
    marginal = Elementwise(first.template.build(theta[0]), first.shape)
    return eqx.tree_at(lambda m: m.params, marginal, _per_coordinate(first.template, theta, first.shape))


def marginal_as_pair(key: Array, marginal: Elementwise, *, mask=None, nn_width: int = 32,
                     nn_depth: int = 2) -> Chain:
    """Two zero-kernel couplings, masks ``mask`` and ``~mask``, equal to ``marginal`` (fact 3).

    The hidden layers get random weights (``key``); they do not matter as long as the last
    layer's kernel is zero. Its bias holds the marginal's parameters of the active coordinates.
    """
    if not isinstance(marginal, Elementwise):
        raise ValueError(f"marginal_as_pair expects a gf.Elementwise layer, but got "
                         f"{type(marginal).__name__}.")
    shape = marginal.shape
    first_mask = masks_lib.validate(default_mask(shape) if mask is None else mask, shape)
    n = math.prod(shape)
    leaves = jax.tree_util.tree_leaves(marginal.params)
    theta = jnp.concatenate([leaf.reshape(n, -1) for leaf in leaves], axis=1)  # (n, n_params)
    template = eqx.combine(jax.tree_util.tree_map(lambda leaf: leaf.reshape((n,) + leaf.shape[len(shape):])[0],
                                                  marginal.params), marginal.rest)
    layers = []
    for layer_mask, layer_key in zip((first_mask, ~first_mask), jr.split(key)):
        layer = Coupling(layer_key, shape=shape, transformer=template, mask=layer_mask,
                         nn_width=nn_width, nn_depth=nn_depth, init_scale=0.0)
        bias = theta[np.asarray(layer.active)].reshape(-1).astype(_last_layer(layer).bias.dtype)
        layers.append(eqx.tree_at(lambda c: c.conditioner.mlp.layers[-1].bias, layer, bias))
    return Chain(layers)


def matched_coupling_flow(key: Array, diagonal: Transformed, *, mask=None, nn_width: int = 32,
                          nn_depth: int = 2) -> Transformed:
    """A coupling flow of :math:`2L` zero-kernel layers equal to a diagonal flow of :math:`L` layers.

    The masks alternate (``mask``, ``~mask``, ``mask``, ...) as in :func:`~gauss_flows.coupling_flow`,
    so the result has the same structure as ``coupling_flow(..., n_layers=2L, init_scale=0.0)``.
    """
    layers = _marginal_layers(diagonal, "matched_coupling_flow")
    pairs = [marginal_as_pair(k, layer, mask=mask, nn_width=nn_width, nn_depth=nn_depth)
             for k, layer in zip(jr.split(key, len(layers)), layers)]
    return Transformed(StandardNormal(diagonal.shape),
                       Chain([c for pair in pairs for c in pair.bijectors]))


def matched_diagonal_flow(coupling: Transformed) -> Transformed:
    """The diagonal flow of :math:`L` layers equal to a zero-kernel coupling flow of :math:`2L` layers."""
    layers = list(getattr(coupling.bijection, "bijectors", ()))
    if not layers or len(layers) % 2 or not all(isinstance(c, Coupling) for c in layers):
        raise ValueError("matched_diagonal_flow expects a flow whose bijection is a Chain of an "
                         "even number of gf.Coupling layers (e.g. from gf.coupling_flow).")
    marginals = [pair_as_marginal(a, b) for a, b in zip(layers[::2], layers[1::2])]
    return Transformed(StandardNormal(coupling.shape), Chain(marginals))


def _marginal_layers(diagonal: Transformed, where: str) -> list[Elementwise]:
    layers = list(getattr(getattr(diagonal, "bijection", None), "bijectors", ()))
    if not layers or not all(isinstance(layer, Elementwise) for layer in layers):
        raise ValueError(f"{where} expects a diagonal flow (a Chain of gf.Elementwise layers, "
                         "e.g. from gf.diagonal_flow).")
    return layers
