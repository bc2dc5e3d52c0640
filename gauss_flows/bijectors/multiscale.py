"""One scale of a multi-scale flow: transform, squeeze, transform, factor out half.

RealNVP's multi-scale architecture (Dinh et al. 2017) on a channels-last image
:math:`x` of shape ``(h, w, c)``:

1. ``before``: layers on the full-resolution image (checkerboard couplings);
2. ``Squeeze``: ``(h, w, c) -> (h/2, w/2, 4c)`` (a permutation, log-det 0);
3. ``after``: layers on the squeezed image (channel couplings, which now mix neighbours);
4. **factor out**: the first ``2c`` channels are final latents :math:`z_{\\text{out}}`; the
   remaining ``2c`` go on to ``inner`` (the next, coarser scale, or the last layers).

Writing :math:`(y_{\\text{out}}, y_{\\text{in}}) = \\text{after}(\\text{squeeze}(\\text{before}(x)))`,
the map is :math:`T(x) = (y_{\\text{out}},\\ \\text{inner}(y_{\\text{in}}))`, triangular in the two
parts, so the log-dets add:

.. math::  \\log|\\det \\partial T/\\partial x| = \\log|\\det J_{\\text{before}}|
           + \\log|\\det J_{\\text{after}}| + \\log|\\det J_{\\text{inner}}| .

The factored-out latents go straight to the base: nothing after this scale touches them, so
later layers work on half as many numbers. Under a standard-normal base, which factorises
over coordinates,

.. math::  \\log p(x) = \\sum_{\\text{scales } l} \\Big[\\log \\mathcal N(z_{\\text{out}}^{(l)};\\, 0, I)
           + \\log|\\det J^{(l)}|\\Big] + \\log \\mathcal N(z_{\\text{last}};\\, 0, I)
           + \\log|\\det J_{\\text{last}}| ,

every scale's terms summed. To keep one event shape (so ``Transformed``, ``fit`` and sampling
work unchanged) the latent is returned in the image's own layout: the concatenated channels
are un-squeezed back to ``(h, w, c)``; :meth:`MultiScale.latent_levels` tells which scale
each latent coordinate left the flow at. :func:`gauss_flows.multiscale_flow` builds the
whole stack.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import Array

from .base import Bijector
from .squeeze import Squeeze, depth_to_space


class MultiScale(Bijector):
    """One scale: ``before`` on ``(h, w, c)``, squeeze, ``after`` on ``(h/2, w/2, 4c)``, then
    the first ``2c`` channels factored out and the other ``2c`` handed to ``inner`` (a bijector
    on ``(h/2, w/2, 2c)``: another ``MultiScale`` or the last layers)."""

    before: Bijector
    after: Bijector
    inner: Bijector
    squeeze: Squeeze

    def __init__(self, before: Bijector, after: Bijector, inner: Bijector):
        self.squeeze = Squeeze(before.output_shape)
        h, w, c4 = self.squeeze.output_shape
        expected = {"after": (self.squeeze.output_shape, after),
                    "inner": ((h, w, c4 // 2), inner)}
        for name, (shape, bijector) in expected.items():
            for what in ("shape", "output_shape"):
                if tuple(getattr(bijector, what)) != shape:
                    raise ValueError(f"MultiScale: {name} must act on shape {shape} (before has "
                                     f"shape {tuple(before.shape)}), but its {what} is "
                                     f"{tuple(getattr(bijector, what))}.")
        if tuple(before.shape) != tuple(before.output_shape):
            raise ValueError(f"MultiScale: before must keep its shape, but maps "
                             f"{tuple(before.shape)} to {tuple(before.output_shape)}.")
        if any(b.condition_shape is not None for b in (before, after, inner)):
            raise ValueError("MultiScale is unconditional: build it from unconditional layers.")
        self.before, self.after, self.inner = before, after, inner

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.before.shape)

    @property
    def n_factored(self) -> int:
        """Channels factored out at this scale (half of the squeezed image's)."""
        return self.squeeze.output_shape[-1] // 2

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        x, log_det_before = self.before.transform_and_log_det(x)
        y, log_det_after = self.after.transform_and_log_det(self.squeeze.transform(x))
        y_out, y_in = y[..., :self.n_factored], y[..., self.n_factored:]   # factor out
        z_in, log_det_inner = self.inner.transform_and_log_det(y_in)
        z = self.squeeze.inverse(jnp.concatenate([y_out, z_in], axis=-1))  # the image layout
        return z, log_det_before + log_det_after + log_det_inner

    def _inverse_and_log_det(self, z: Array) -> tuple[Array, Array]:
        y = self.squeeze.transform(z)
        y_out, z_in = y[..., :self.n_factored], y[..., self.n_factored:]
        y_in, log_det_inner = self.inner.inverse_and_log_det(z_in)
        y, log_det_after = self.after.inverse_and_log_det(jnp.concatenate([y_out, y_in], axis=-1))
        x, log_det_before = self.before.inverse_and_log_det(self.squeeze.inverse(y))
        return x, log_det_before + log_det_after + log_det_inner

    def latent_levels(self) -> np.ndarray:
        """Integers of the event shape: entry ``l`` where the latent coordinate was factored out
        at scale ``l`` (0 = this, the finest scale); the deepest value marks the last layers'."""
        h, w, c4 = self.squeeze.output_shape
        inner = (self.inner.latent_levels() if isinstance(self.inner, MultiScale)
                 else np.zeros((h, w, c4 // 2), dtype=int))
        levels = np.concatenate([np.zeros((h, w, self.n_factored), dtype=int), 1 + inner], axis=-1)
        return depth_to_space(levels)
