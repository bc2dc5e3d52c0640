"""Worked examples that a notebook's explorer and its checker both use.

A checker never imports an explorer (an explorer loads matplotlib and the widget layer, and a
checker must run with neither), so the concrete objects both of them need live here: fixed-seed
layers of Part 0 and the Jacobians of coupling stacks of Part 5 · 03. Everything here is built
from the public library only.
"""

from __future__ import annotations

from functools import lru_cache

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import masks as masks_lib
from gauss_flows.bijectors import (Affine, AffineCoupling, Chain, Coupling, DeepSigmoid, Householder,
                                   MixtureGaussianCDF)
from gauss_flows.parameters import perturb

__all__ = ["composition_layers", "bend", "reflect_and_stretch", "forward_vs_inverse_layers", "composite_jacobians",
           "cached_composite_jacobians", "MAX_LAYERS"]

#: Layers of a mask-design stack the explorer and the checker look at.
MAX_LAYERS = 4


# ------------------------------------------------------------------ Part 0 · 01, composition
def composition_layers() -> tuple:
    """The four layers of the notebook's chain, mixture-CDF, rotation, coupling, affine (fixed seeds)."""
    mixture = MixtureGaussianCDF.from_mixture(
        weights=jnp.array([[0.3, 0.7], [0.5, 0.5]]),
        means=jnp.array([[-1.0, 1.0], [-0.8, 1.2]]),
        scales=jnp.array([[0.5, 0.7], [0.6, 0.4]]))
    rotation = Householder(jr.key(1), shape=(2,))  # two reflections: a rotation, det = +1
    coupling = perturb(AffineCoupling(jr.key(2), shape=(2,), nn_width=16), jr.key(3), scale=0.3)
    affine = eqx.tree_at(lambda a: (a.log_scale, a.shift), Affine((2,)),
                         (jnp.array([0.5, -0.3]), jnp.array([0.2, -0.1])))
    return mixture, rotation, coupling, affine


# Two maps of one point with full Jacobians (exercise 2 and the check that log-dets add)
def reflect_and_stretch(x):
    """A linear map with det = -3.2 (a reflection) and off-diagonal entries."""
    return jnp.array([[0.5, 2.0], [1.5, -0.4]]) @ x


def bend(x):
    """A nonlinear map whose Jacobian is full and varies from point to point."""
    return jnp.array([x[0] + 0.5 * jnp.sin(x[1]), x[1] * jnp.exp(0.3 * x[0]) + 0.2 * x[0] ** 2])


# ------------------------------------------------------------ Part 0 · 02, forward vs inverse
@lru_cache(maxsize=1)
def forward_vs_inverse_layers() -> dict:
    """The four 2-D layers compared, ``{name: bijector}`` (fixed seeds, visibly nonlinear)."""
    affine = eqx.tree_at(lambda a: (a.log_scale, a.shift), Affine((2,)),
                         (jnp.array([0.4, -0.3]), jnp.array([0.3, -0.2])))
    coupling = perturb(AffineCoupling(jr.key(2), shape=(2,), nn_width=16), jr.key(3), scale=0.3)
    mixture = MixtureGaussianCDF.from_mixture(
        weights=jnp.array([[0.3, 0.7], [0.4, 0.6]]),
        means=jnp.array([[-1.0, 1.0], [-1.5, 1.0]]),
        scales=jnp.array([[0.5, 0.7], [0.4, 0.5]]))
    sigmoid = perturb(DeepSigmoid(n_hidden=4, shape=(2,)), jr.key(4), scale=1.0)
    return {"affine (elementwise)": affine, "affine coupling": coupling,
            "mixture-CDF (elementwise)": mixture, "deep sigmoid (elementwise)": sigmoid}


# ------------------------------------------------------------------ Part 5 · 03, mask design
def _layers(masks, seed: int) -> list[Coupling]:
    """Affine couplings with the given masks; ``init_scale=1`` so the conditioner's
    dependence on the passive coordinates is clearly visible in the Jacobian."""
    shape = np.shape(masks[0])
    keys = jr.split(jr.key(seed), len(masks))
    return [Coupling(key, shape=shape, transformer=Affine(), mask=mask, nn_width=16,
                     nn_depth=1, init_scale=1.0) for key, mask in zip(keys, masks)]


def composite_jacobians(masks, *, seed: int = 0, x=None) -> np.ndarray:
    """``J[k-1] = d(T_k o ... o T_1)/dx`` at ``x`` for every prefix ``k`` of the stack.

    Shape ``(L, n, n)`` over the flattened event. One ``jax.jacfwd`` pass through the
    chain gives all prefixes at once: the outputs of ``Chain(layers[:k])`` are stacked.
    """
    masks = [masks_lib.validate(m, np.shape(masks[0])) for m in masks]
    layers = _layers(masks, seed)
    shape = np.shape(masks[0])
    if x is None:
        x = jr.normal(jr.key(seed + 1), shape)

    def prefixes(x):
        outputs = [Chain(layers[:k]).transform(x) for k in range(1, len(layers) + 1)]
        return jnp.stack([out.reshape(-1) for out in outputs])

    n = int(np.prod(shape))
    return np.asarray(jax.jacfwd(prefixes)(jnp.asarray(x))).reshape(len(layers), n, n)


@lru_cache(maxsize=256)
def cached_composite_jacobians(bits: tuple, shape: tuple, rule: str, seed: int) -> np.ndarray:
    first = np.asarray(bits, dtype=bool).reshape(shape)
    return composite_jacobians(masks_lib.sequence(first, rule, MAX_LAYERS), seed=seed)
