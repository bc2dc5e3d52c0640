"""Dequantization and bits per dimension: a density model for discrete pixels, accounted in full.

Pixels are integers :math:`x \\in \\{0, \\dots, K-1\\}^D` (:math:`K = 17` levels for the digits,
:math:`D = 64`). A density :math:`p` on a continuous space gives them no probability at all
unless we say which volume each integer owns. **Dequantization** gives pixel value :math:`x`
the cell :math:`[x, x + 1)` and rescales to the unit cube, :math:`v = (x + u)/K`,
:math:`u \\in [0, 1)^D`. A density :math:`p_V` on :math:`(0, 1)^D` then defines the discrete model

.. math::  P(x) = \\int_{[0,1)^D} p_V\\big((x + u)/K\\big)\\, K^{-D}\\, du ,

(:math:`K^{-D}` is the Jacobian of :math:`u \\mapsto v`), which sums to one over the :math:`K^D`
images. For any distribution :math:`q(u \\mid x)` on the cell, Jensen's inequality gives the
lower bound we train and report (Theis et al. 2016; Ho et al. 2019, Flow++):

.. math::  \\log P(x) \\;\\ge\\; \\mathbb E_{u \\sim q(\\cdot \\mid x)}\\Big[\\log p_V\\big(\\tfrac{x+u}{K}\\big)
           - D \\log K - \\log q(u \\mid x)\\Big] .

* **Uniform dequantization**: :math:`q = \\mathcal U[0,1)^D`, :math:`\\log q = 0`. The uniform density
  :math:`p_V = 1` gives :math:`\\log P(x) = -D\\log K` exactly: :math:`\\log_2 17 \\approx 4.087`
  bits per dimension, the baseline every model must beat.
* **Variational dequantization** (:class:`VariationalDequantizer`): :math:`q(u \\mid x)` is a
  conditional flow trained jointly with :math:`p_V`; the bound tightens by the
  :math:`\\mathrm{KL}(q \\,\\|\\, p(u \\mid x))` the uniform one wastes.

The flow models :math:`y = \\operatorname{logit}(\\alpha + (1 - 2\\alpha) v)` on the real line
(the ``Logit`` bijector), so :math:`\\log p_V(v) = \\log p_Y(y) + \\log|\\det \\partial y/\\partial v|`.
Every term, per image and in nats (:func:`log_likelihood_bound`):

.. math::  \\log P(x) \\;\\gtrsim\\; \\underbrace{\\log p_Y(y)}_{\\text{model}}
           + \\underbrace{\\sum_i \\big[\\log(1-2\\alpha) - \\log s_i - \\log(1 - s_i)\\big]}_{\\text{logit log-det}}
           - \\underbrace{D \\log K}_{\\text{the } 1/K \\text{ scaling}}
           - \\underbrace{\\log q(u \\mid x)}_{\\text{dequantization}} ,

with :math:`s = \\alpha + (1-2\\alpha)v`; a one-sample estimate per image, so a mean over images
(and draws of :math:`u`) estimates the expectation. **Bits per dimension** divide the negative
log-likelihood by :math:`D \\ln 2` (:func:`bits_per_dim`):
:math:`\\text{bits/dim} = -\\log P(x) / (D \\ln 2)`, an upper bound here since :math:`\\log P` is
bounded below. Leaving out the logit log-det or the :math:`D \\log K` would report the density of
:math:`y`, a number on another scale that is not comparable across pre-processings.
"""

from __future__ import annotations

import math
from typing import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jax import Array

from . import masks as masks_lib
from .bijectors.chain import Chain
from .bijectors.coupling import Coupling
from .bijectors.affine import Affine
from .bijectors.base import Bijector
from .bijectors.logit import Logit
from .distributions import StandardNormal, Transformed
from .images import IMAGE_SHAPE, N_LEVELS
from .parameters import split_trainable
from .training import adam

#: RealNVP's margin of the logit pre-transform.
ALPHA = 0.05


def _check_images(images, n_levels: int, where: str) -> Array:
    if isinstance(images, jax.core.Tracer):   # inside jit (a training step): checked by the caller
        return images
    images = np.asarray(images)
    if images.ndim < 2 or not np.issubdtype(images.dtype, np.integer):
        raise ValueError(f"{where} expects a batch of integer images (n, *event_shape), but got "
                         f"an array of shape {images.shape} and dtype {images.dtype}.")
    if images.min() < 0 or images.max() >= n_levels:
        raise ValueError(f"{where} expects integer levels 0..{n_levels - 1}, but the images hold "
                         f"values from {images.min()} to {images.max()}.")
    return jnp.asarray(images)


def uniform_dequantize(key: Array, images, n_levels: int = N_LEVELS) -> Array:
    """:math:`v = (x + u) / K`, :math:`u \\sim \\mathcal U[0, 1)` for every pixel: floats in
    :math:`[0, 1)` of the images' shape."""
    images = _check_images(images, n_levels, "uniform_dequantize")
    u = jr.uniform(key, images.shape, dtype=jnp.result_type(float))
    return (images + u) / n_levels


def logit_and_log_det(v: Array, alpha: float = ALPHA) -> tuple[Array, Array]:
    """``(y, log|det dy/dv|)`` of the ``Logit`` pre-transform for a batch ``(n, *event)``."""
    logit = Logit(shape=v.shape[1:], alpha=alpha)
    return jax.vmap(logit.transform_and_log_det)(v)


class VariationalDequantizer(eqx.Module):
    """:math:`q(u \\mid x)` on :math:`(0, 1)^D`: a conditional flow whose context is the image.

    :math:`u = \\sigma(h)`, :math:`h = T^{-1}(\\varepsilon;\\, c)`, :math:`\\varepsilon \\sim \\mathcal N(0, I)`,
    with :math:`T` conditional checkerboard couplings reading the context
    :math:`c = 2x/(K-1) - 1` beside their passive values, so

    .. math::  \\log q(u \\mid x) = \\log \\mathcal N\\big(T(\\operatorname{logit} u;\\, c)\\big)
               + \\log|\\det \\partial_h T| + \\sum_i \\big[-\\log u_i - \\log(1 - u_i)\\big] .

    It is ``Transformed(StandardNormal, Chain([Logit(alpha=0), couplings...]))`` at ``flow``.
    """

    flow: Transformed
    n_levels: int = eqx.field(static=True)

    def __init__(self, key: Array, *, shape: tuple[int, ...] = IMAGE_SHAPE, n_layers: int = 4,
                 transformer: Bijector | None = None, nn_width: int = 32, nn_depth: int = 1,
                 n_levels: int = N_LEVELS):
        shape = tuple(shape)
        first = masks_lib.checkerboard(shape)
        couplings = [Coupling(k, shape=shape, transformer=Affine() if transformer is None else transformer,
                              mask=first if i % 2 == 0 else ~np.asarray(first), nn_width=nn_width,
                              nn_depth=nn_depth, condition_shape=shape)
                     for i, k in enumerate(jr.split(key, n_layers))]
        self.flow = Transformed(StandardNormal(shape), Chain([Logit(shape, alpha=0.0)] + couplings))
        self.n_levels = int(n_levels)

    def context(self, images: Array) -> Array:
        """The images as the couplings read them, :math:`2x/(K-1) - 1 \\in [-1, 1]`."""
        return 2.0 * images / (self.n_levels - 1) - 1.0

    def sample_and_log_prob(self, key: Array, images) -> tuple[Array, Array]:
        """One :math:`u \\sim q(\\cdot \\mid x)` per image and :math:`\\log q(u \\mid x)`:
        ``((n, *shape), (n,))``."""
        images = _check_images(images, self.n_levels, "VariationalDequantizer.sample_and_log_prob")
        return self.flow.sample_and_log_prob(key, (), condition=self.context(images))


def log_likelihood_bound(log_prob: Callable[[Array], Array], key: Array, images, *,
                         alpha: float | None = ALPHA, dequantizer: VariationalDequantizer | None = None,
                         n_levels: int = N_LEVELS) -> Array:
    """A one-sample estimate of the lower bound on :math:`\\log P(x)`, per image, in nats.

    Args:
        log_prob: the model's log-density of a batch ``(n, *event)`` in the space it models:
            logit space (``alpha`` a number), or the unit cube ``v`` itself (``alpha=None``).
        key: PRNG key for :math:`u`.
        images: integer images ``(n, *event)`` with levels ``0..n_levels-1``.
        alpha: the logit margin, or ``None`` for a model of :math:`v` directly.
        dequantizer: ``None`` for uniform dequantization, else a :class:`VariationalDequantizer`.

    Returns ``(n,)``: :math:`\\log p_Y(y) + \\log|\\det \\partial y/\\partial v| - D\\log K - \\log q(u\\mid x)`.
    """
    images = _check_images(images, n_levels, "log_likelihood_bound")
    n_dims = math.prod(images.shape[1:])
    if dequantizer is None:
        u = jr.uniform(key, images.shape, dtype=jnp.result_type(float))
        log_q = jnp.zeros(images.shape[0], u.dtype)                 # q = U[0, 1)^D
    else:
        u, log_q = dequantizer.sample_and_log_prob(key, images)
    v = (images + u) / n_levels                                     # the cell of x, scaled by 1/K
    if alpha is None:
        y, log_det = v, jnp.zeros(images.shape[0], v.dtype)
    else:
        y, log_det = logit_and_log_det(v, alpha)
    return log_prob(y) + log_det - n_dims * math.log(n_levels) - log_q


def bits_per_dim(log_likelihood, n_dims: int) -> float:
    """:math:`-\\overline{\\log P(x)} / (D \\ln 2)`: mean negative log-likelihood (nats per image)
    in bits per pixel."""
    return float(-jnp.mean(jnp.asarray(log_likelihood)) / (n_dims * math.log(2.0)))


def held_out_bits_per_dim(log_prob: Callable[[Array], Array], key: Array, images, *,
                          n_draws: int = 4, alpha: float | None = ALPHA,
                          dequantizer: VariationalDequantizer | None = None,
                          n_levels: int = N_LEVELS) -> float:
    """Bits/dim of ``images`` (e.g. the test set) averaged over ``n_draws`` dequantizations."""
    images = np.asarray(images)
    bounds = [log_likelihood_bound(log_prob, k, images, alpha=alpha, dequantizer=dequantizer,
                                   n_levels=n_levels) for k in jr.split(key, n_draws)]
    return bits_per_dim(jnp.stack(bounds), math.prod(images.shape[1:]))


def _bits_per_dim_loss(params, static, key, batch, alpha, n_levels) -> Array:
    """The training loss: minus the bound of a batch, in bits per dimension."""
    model, q = eqx.combine(params, static)
    bound = log_likelihood_bound(model.log_prob, key, batch, alpha=alpha, dequantizer=q,
                                 n_levels=n_levels)
    return -jnp.mean(bound) / (math.prod(batch.shape[1:]) * math.log(2.0))


@eqx.filter_jit
def _dequantized_step(params, static, optimizer, opt_state, key, batch, alpha, n_levels):
    """One Adam step of :func:`fit_dequantized`; module-level, so fits of the same architecture
    (other seeds, a second call) reuse its compilation."""
    value, grads = jax.value_and_grad(_bits_per_dim_loss)(params, static, key, batch, alpha, n_levels)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, value


def fit_dequantized(key: Array, flow, images, *, dequantizer: VariationalDequantizer | None = None,
                    n_epochs: int = 10, batch_size: int = 128, learning_rate: float = 1e-3,
                    alpha: float = ALPHA, n_levels: int = N_LEVELS,
                    on_epoch: Callable[[object, object, float], None] | None = None,
                    ) -> tuple[object, object, dict]:
    """Train ``flow`` (a density on logit space, event shape of one image) on dequantized
    ``images`` by minimising the bits/dim of :func:`log_likelihood_bound`, fresh :math:`u` every
    batch; a ``dequantizer`` is trained jointly (variational dequantization).

    Returns ``(flow, dequantizer, history)``; ``history["train_bits_per_dim"]`` holds each
    epoch's mean training bits/dim (of the bound, so an upper bound on the model's bits/dim).
    ``on_epoch(flow, dequantizer, train_bits_per_dim)`` is called after every epoch (e.g. to keep
    snapshots of the training).
    """
    images = np.asarray(_check_images(images, n_levels, "fit_dequantized"))
    n, n_dims = images.shape[0], math.prod(images.shape[1:])
    batch_size = min(batch_size, n)
    params, static = split_trainable((flow, dequantizer))
    optimizer = adam(learning_rate)          # one object per rate: the compiled step is reused
    opt_state = optimizer.init(params)

    def step(params, opt_state, key, batch):
        return _dequantized_step(params, static, optimizer, opt_state, key, batch, alpha, n_levels)

    history = {"train_bits_per_dim": []}
    for epoch_key in jr.split(key, n_epochs):
        order_key, noise_key = jr.split(epoch_key)
        order = np.asarray(jr.permutation(order_key, n))
        values = []
        for i, k in zip(range(0, n - batch_size + 1, batch_size),
                        jr.split(noise_key, n // batch_size)):
            params, opt_state, value = step(params, opt_state, k, images[order[i:i + batch_size]])
            values.append(float(value))
        if not np.isfinite(np.mean(values)):
            raise FloatingPointError(f"fit_dequantized: the loss became {np.mean(values)} in epoch "
                                     f"{len(history['train_bits_per_dim'])}.")
        history["train_bits_per_dim"].append(float(np.mean(values)))
        if on_epoch is not None:
            on_epoch(*eqx.combine(params, static), history["train_bits_per_dim"][-1])
    flow, dequantizer = eqx.combine(params, static)
    return flow, dequantizer, history



def images_from_latent(flow, z: Array, *, alpha: float = ALPHA, n_levels: int = N_LEVELS) -> Array:
    """The images of latents ``z`` ``(n, *flow.shape)`` under a flow of logit space, in pixel units.

    :math:`y = f^{-1}(z)` (the flow's inverse), then the pre-processing undone:
    :math:`v = (\\sigma(y) - \\alpha)/(1 - 2\\alpha)` and :math:`x = K v`, a continuous intensity
    clipped to :math:`[0, K]` (``y`` may leave the range the logit of :math:`[0, 1]` reaches);
    its ``floor`` is the integer level. Jit it to map many latents through one architecture.
    """
    shape = tuple(flow.shape)
    if tuple(z.shape[1:]) != shape:
        raise ValueError(f"images_from_latent expects latents of shape (n, {', '.join(map(str, shape))}), "
                         f"but got {tuple(z.shape)}.")
    y = jax.vmap(flow.bijection.inverse)(z)
    v = jax.vmap(Logit(shape, alpha=alpha).inverse)(y)
    return jnp.clip(v, 0.0, 1.0) * n_levels


def sample_images(key: Array, flow, n: int, *, temperature: float = 1.0, alpha: float = ALPHA,
                  n_levels: int = N_LEVELS) -> Array:
    """``n`` images from a flow of logit space, drawn at a ``temperature``, in pixel units:
    :func:`images_from_latent` of :math:`z \\sim \\mathcal N(0, T^2 I)`.

    ``T = 1`` samples the model; ``T < 1`` shrinks the latent towards 0, the model's most typical
    region (Kingma & Dhariwal 2018): cleaner-looking images, from a distribution that is no
    longer the model. Returns ``(n, *flow.shape)``.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"sample_images expects a positive integer n, but got {n!r}.")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.floating)) \
            or not temperature >= 0:
        raise ValueError(f"sample_images expects a temperature >= 0, but got {temperature!r}.")
    z = temperature * jr.normal(key, (n,) + tuple(flow.shape), dtype=jnp.result_type(float))
    return images_from_latent(flow, z, alpha=alpha, n_levels=n_levels)
