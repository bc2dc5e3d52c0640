"""Flow builders: a standard-normal base pushed through a chain of bijectors.

Every builder returns ``Transformed(StandardNormal(shape), Chain([...]))``; the chain is
the normalising map :math:`T` (data -> latent) at ``flow.bijection``.

* :func:`coupling_flow` - ``n_layers`` coupling layers (RealNVP, Dinh et al. 2017; the
  transformer can be any scalar template: affine, mixture CDF, deep sigmoid, spline).
  Layer :math:`k` uses the mask when :math:`k` is even and its complement when :math:`k`
  is odd. We alternate masks rather than insert permutations because it works for any
  event shape (vectors, images with checkerboards) and needs no extra layers: after two
  layers every coordinate has been transformed once and read once, after three every
  output depends on every input (see ``masks.dependence``).
  With ``condition_shape`` it models :math:`p(x \\mid c)`, the context entering by one of the
  three mechanisms of Part 7 (``conditioning``): ``"input"``, every conditioner reads
  :math:`[x_p, c]`; ``"hypernetwork"``, the context produces every conditioner's weights;
  ``"base"``, the couplings stay unconditional and the base is a ``ConditionalNormal``.
* :func:`diagonal_flow` - elementwise layers only: it can fix every marginal but never
  the dependence between coordinates, the baseline that couplings improve on.
* :func:`gaussianization_flow` - alternating marginal Gaussianization and rotation,
  :math:`T = R_L \\circ \\Psi_L \\circ \\dots \\circ R_1 \\circ \\Psi_1`, where each
  :math:`\\Psi_l` applies a trainable mixture-of-Gaussians CDF followed by
  :math:`\\Phi^{-1}` to every coordinate and :math:`R_l` is a rotation (Gaussianization
  flows, Meng et al. 2020; the iterative, non-trained version is RBIG, Laparra et al. 2011).
* :func:`multiscale_flow` - RealNVP's multi-scale architecture on channels-last images
  ``(h, w, c)``: at each scale checkerboard couplings, a squeeze, channel couplings, and half
  of the channels factored out to the base (see ``MultiScale``).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array

from . import masks as masks_lib
from .bijectors.actnorm import ActNorm
from .bijectors.base import Bijector, validate_condition_shape
from .bijectors.chain import Chain, Stacked
from .bijectors.coupling import Coupling, default_mask
from .bijectors.elementwise import Elementwise
from .bijectors.multiscale import MultiScale
from .bijectors.mixture_cdf import MixtureGaussianCDF
from .bijectors.rotations import Householder, RandomRotation
from .distributions import ConditionalNormal, StandardNormal, Transformed


def _check_layers(n_layers: int, where: str) -> int:
    if not isinstance(n_layers, int) or isinstance(n_layers, bool) or n_layers < 1:
        raise ValueError(f"{where} needs an integer n_layers >= 1, but got {n_layers!r}.")
    return n_layers


def coupling_flow(key: Array, *, shape: tuple[int, ...], transformer: Bijector,
                  n_layers: int = 8, nn_width: int = 32, nn_depth: int = 2,
                  mask=None, init_scale: float = 0.1,
                  condition_shape: tuple[int, ...] | None = None, conditioning: str = "input",
                  hyper_width: int = 16, stacked: bool = False, data=None) -> Transformed:
    """``n_layers`` couplings with the given scalar ``transformer`` template.

    Args:
        key: PRNG key (split over the conditioners).
        shape: event shape.
        transformer: scalar template, e.g. ``gf.RationalQuadraticSpline(knots=8, interval=4.0)``.
        n_layers: number of coupling layers (at least 2 to transform every coordinate).
        nn_width, nn_depth: conditioner size (hidden units per layer, hidden layers).
        mask: the first layer's mask (default ``masks.half`` over the flattened event);
            the layers alternate it with its complement.
        init_scale: factor on the conditioners' random last-layer weights, :math:`W = \\varepsilon
            \\widetilde W` (see ``MLPConditioner``); ``0.0`` is zero initialisation, so every layer
            and the whole flow start exactly at the template (the identity map for
            ``Affine``), and ``1.0`` keeps the network's default random last layer.
        condition_shape: the shape of one context (e.g. ``(1,)``) for a conditional flow
            :math:`p(x \\mid c)`; ``None`` (default): unconditional, exactly as before.
        conditioning: how the context enters: ``"input"`` (each conditioner reads it beside the
            passive values), ``"hypernetwork"`` (it produces each conditioner's weights, with
            ``hyper_width`` hidden units) or ``"base"`` (a ``ConditionalNormal`` base under
            unconditional couplings, its MLP of size ``nn_width``, ``nn_depth``).
        stacked: store the layers as a :class:`~gauss_flows.Stacked` chain (each pair of a
            coupling and its complement is one block; the blocks' parameters stacked): the same
            map and the same parameter values, in fewer arrays, so a training step updates 8
            arrays instead of 48 for 8 couplings. ``flow.bijection.bijectors[k]`` is still
            layer ``k``. Default ``False``: a plain ``Chain``.
        data: the training data, ``(n_samples, *shape)``, to standardise them first (what the
            README does, and the way to train on data of any scale): the flow then starts with
            an ``ActNorm`` initialised from ``data`` (trainable, layer 0 of ``bijectors``) that
            maps them to mean 0 and standard deviation :func:`standardised_std` of the
            ``transformer`` (1.5 for a spline on :math:`[-4, 4]`: the data's :math:`\\pm 2.7`
            standard deviations fill the spline's interval, where its bins are). ``None``
            (default): no such layer, the couplings see the data as they are.

    A conditional flow on ONE coordinate (``shape=(1,)``, e.g. :math:`p(y \\mid x)` with scalar
    :math:`y`) has no passive coordinate to read: with ``"input"`` or ``"hypernetwork"`` each
    layer transforms the coordinate with parameters computed from the context alone; with
    ``"base"`` the layers are the ``transformer`` applied elementwise (unconditional, trained).
    """
    shape = tuple(shape)
    n_layers = _check_layers(n_layers, "coupling_flow")
    condition_shape = validate_condition_shape(condition_shape, "coupling_flow")
    if conditioning not in ("input", "hypernetwork", "base"):
        raise ValueError(f"coupling_flow: conditioning must be 'input', 'hypernetwork' or 'base', "
                         f"but got {conditioning!r}.")
    layer_context = None if conditioning == "base" else condition_shape
    if condition_shape is not None and conditioning == "base" and math.prod(shape) == 1:
        # one coordinate and an unconditional map: the elementwise transformer is all there is
        layers = [Elementwise(transformer, shape) for _ in range(n_layers)]
        base = ConditionalNormal(jr.fold_in(key, n_layers), shape=shape,
                                 condition_shape=condition_shape, nn_width=nn_width,
                                 nn_depth=nn_depth)
        return Transformed(base, Chain(_standardiser(data, shape, transformer) + layers))
    if layer_context is not None and mask is None and math.prod(shape) == 1:
        masks = [np.ones(shape, bool)] * 2       # one coordinate: every layer reads the context only
    else:
        first = masks_lib.validate(default_mask(shape) if mask is None else mask, shape,
                                   allow_all_active=layer_context is not None)
        masks = [first, ~first]
    extra = {} if layer_context is None else dict(condition_shape=layer_context,
                                                  conditioning=conditioning, hyper_width=hyper_width)
    layers = [Coupling(k, shape=shape, transformer=transformer, mask=masks[i % 2],
                       nn_width=nn_width, nn_depth=nn_depth, init_scale=init_scale, **extra)
              for i, k in enumerate(jr.split(key, n_layers))]
    if condition_shape is not None and conditioning == "base":
        # a key of its own, so that the couplings keep the keys they have without a context
        base = ConditionalNormal(jr.fold_in(key, n_layers), shape=shape,
                                 condition_shape=condition_shape, nn_width=nn_width,
                                 nn_depth=nn_depth)
    else:
        base = StandardNormal(shape)
    first = _standardiser(data, shape, transformer)
    return Transformed(base, _stack_pairs(layers, first) if stacked else Chain(first + layers))


def _stack_pairs(layers, first) -> Stacked:
    """Couplings alternate a mask and its complement: a pair is the block that repeats."""
    n_paired = len(layers) - len(layers) % 2
    return Stacked([Chain(layers[i:i + 2]) for i in range(0, n_paired, 2)], rest=layers[n_paired:],
                   first=first)


def standardised_std(transformer: Bijector) -> float:
    """The standard deviation :func:`coupling_flow` gives the data when asked to standardise
    them: :math:`0.375\\,B` for a transformer that acts on :math:`[-B, B]` (a spline: 1.5 for
    :math:`B = 4`, measured best on the benchmark densities, ``benchmarks/fit_quality.py``),
    1 for one that acts on the whole line (affine, mixture CDF, deep sigmoid)."""
    interval = getattr(transformer, "interval", None)
    return 0.375 * float(interval) if interval is not None else 1.0


def _standardiser(data, shape: tuple[int, ...], transformer: Bijector) -> list:
    """``[ActNorm from data]``, or ``[]`` without data."""
    if data is None:
        return []
    data = jnp.asarray(data)
    if data.ndim != len(shape) + 1 or tuple(data.shape[1:]) != tuple(shape):
        raise ValueError(f"coupling_flow: data= must be samples of shape (n_samples, *{tuple(shape)}), "
                         f"but got an array of shape {data.shape}.")
    return [ActNorm.from_data(data, target_std=standardised_std(transformer))]


def diagonal_flow(key: Array, *, shape: tuple[int, ...], transformer: Bijector,
                  n_layers: int = 1) -> Transformed:
    """``n_layers`` elementwise layers, each the ``transformer`` template on every coordinate
    with its own parameters. ``key`` is accepted for a uniform builder signature; the
    layers start deterministically at the template."""
    del key
    shape = tuple(shape)
    n_layers = _check_layers(n_layers, "diagonal_flow")
    return Transformed(StandardNormal(shape),
                       Chain([Elementwise(transformer, shape) for _ in range(n_layers)]))


def gaussianization_flow(key: Array, *, shape: tuple[int, ...], n_layers: int,
                         n_components: int = 8, rotation: str = "householder") -> Transformed:
    """``n_layers`` times (marginal mixture-CDF Gaussianization, then a rotation).

    Args:
        key: PRNG key for the rotations.
        shape: ``(d,)``; rotations act on vectors.
        n_layers: number of (marginal, rotation) pairs.
        n_components: mixture components per coordinate and layer.
        rotation: ``"householder"`` (trainable, ``d`` reflections, as in Meng et al. 2020)
            or ``"random"`` (fixed Haar-random rotations).
    """
    shape = tuple(shape)
    if len(shape) != 1:
        raise ValueError(f"gaussianization_flow needs a vector event shape (d,), but got {shape}.")
    n_layers = _check_layers(n_layers, "gaussianization_flow")
    rotations = {"householder": lambda k: Householder(k, shape=shape, n_reflections=shape[0]),
                 "random": lambda k: RandomRotation(k, shape=shape)}
    if rotation not in rotations:
        raise ValueError(f"rotation must be one of {sorted(rotations)}, but got {rotation!r}.")
    layers = []
    for k in jr.split(key, n_layers):
        layers += [MixtureGaussianCDF(n_components=n_components, shape=shape),
                   rotations[rotation](k)]
    return Transformed(StandardNormal(shape), Chain(layers))


def _alternating_couplings(key: Array, shape: tuple[int, ...], first_mask, n_layers: int,
                           transformer: Bijector, **conditioner) -> Chain:
    """``n_layers`` couplings on ``shape`` alternating ``first_mask`` and its complement."""
    return Chain([Coupling(k, shape=shape, transformer=transformer,
                           mask=first_mask if i % 2 == 0 else ~np.asarray(first_mask),
                           **conditioner)
                  for i, k in enumerate(jr.split(key, n_layers))])


def multiscale_flow(key: Array, *, shape: tuple[int, int, int], transformer: Bijector,
                    n_levels: int = 2, n_couplings: int = 2, nn_width: int = 64,
                    nn_depth: int = 1, init_scale: float = 0.1) -> Transformed:
    """A multi-scale coupling flow on channels-last images (RealNVP, Dinh et al. 2017).

    Each of the first ``n_levels - 1`` scales is a :class:`~gauss_flows.MultiScale`:
    ``n_couplings`` checkerboard couplings on ``(h, w, c)``, a squeeze to ``(h/2, w/2, 4c)``,
    ``n_couplings`` channel couplings there, then ``2c`` channels factored out to the base and
    ``(h/2, w/2, 2c)`` passed on. The last scale is ``n_couplings`` checkerboard couplings (channel
    couplings once the image is a single pixel). With ``n_levels = 1`` it is checkerboard
    couplings only. ``8x8x1`` digits with ``n_levels = 3``: ``(8, 8, 1) -> (4, 4, 2) -> (2, 2, 4)``
    continue, and 32 + 16 latents leave at the first two scales.

    Args:
        key: PRNG key (split over the conditioners).
        shape: ``(h, w, c)``; ``h`` and ``w`` divisible by ``2 ** (n_levels - 1)``.
        transformer: scalar template of every coupling, e.g. ``gf.Affine()``.
        n_levels: number of scales.
        n_couplings: couplings per stage (at least 2, so each stage transforms every coordinate).
        nn_width, nn_depth, init_scale: the conditioners (see :class:`~gauss_flows.Coupling`).

    Returns:
        ``Transformed(StandardNormal(shape), MultiScale(...))`` (or a ``Chain`` of couplings for
        one level); the latent has the image's shape, :meth:`MultiScale.latent_levels` says
        which scale each latent left at.
    """
    shape = tuple(shape)
    n_levels = _check_layers(n_levels, "multiscale_flow (n_levels)")
    if not isinstance(n_couplings, int) or isinstance(n_couplings, bool) or n_couplings < 2:
        raise ValueError(f"multiscale_flow needs an integer n_couplings >= 2 (a mask and its "
                         f"complement), but got {n_couplings!r}.")
    factor = 2 ** (n_levels - 1)
    if (len(shape) != 3 or any(not isinstance(s, (int, np.integer)) or s < 1 for s in shape)
            or shape[0] % factor or shape[1] % factor):
        raise ValueError(f"multiscale_flow with n_levels={n_levels} needs a channels-last image "
                         f"shape (h, w, c) with h and w divisible by {factor}, but got {shape}.")
    conditioner = dict(nn_width=nn_width, nn_depth=nn_depth, init_scale=init_scale)
    keys = jr.split(key, 3 * n_levels)

    def scale(level: int, level_shape: tuple[int, int, int]) -> Bijector:
        h, w, c = level_shape
        if level == n_levels - 1:                                      # the last layers
            mask = (masks_lib.checkerboard(level_shape) if h * w >= 2
                    else masks_lib.channel(level_shape))
            return _alternating_couplings(keys[3 * level], level_shape, mask, n_couplings,
                                          transformer, **conditioner)
        squeezed = (h // 2, w // 2, 4 * c)
        before = _alternating_couplings(keys[3 * level], level_shape,
                                        masks_lib.checkerboard(level_shape), n_couplings,
                                        transformer, **conditioner)
        after = _alternating_couplings(keys[3 * level + 1], squeezed, masks_lib.channel(squeezed),
                                       n_couplings, transformer, **conditioner)
        return MultiScale(before, after, scale(level + 1, (h // 2, w // 2, 2 * c)))

    return Transformed(StandardNormal(shape), scale(0, shape))
