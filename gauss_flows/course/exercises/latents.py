"""Checkers for Part 12 · 04, what the latents mean.

Exercise 1: ``latent_interpolation(bijection, y0, y1, ts)`` -> ``(len(ts), *shape)``: the straight
line between the latents of two images, mapped back to data space,

.. math::  y^{(z)}_t = f^{-1}\\big((1-t)\\, f(y_0) + t\\, f(y_1)\\big)

(``gf.latents.latent_path``).

Exercise 2: ``log_density_terms(bijection, vs)`` -> ``(n, 3)``: for each image :math:`v` of the
batch (in the unit cube), the three terms of its log-density under a flow of logit space,

.. math::  \\log p_V(v) = \\underbrace{\\log\\mathcal N(f(y);\\, 0, I)}_{\\text{base}}
           + \\underbrace{\\log|\\det \\partial f/\\partial y|}_{\\text{flow}}
           + \\underbrace{\\log|\\det \\partial y/\\partial v|}_{\\text{logit}},
           \\qquad y = \\operatorname{logit}(\\alpha + (1 - 2\\alpha) v),

with the book's :math:`\\alpha` (``gf.dequantization.ALPHA``).

Both are checked on a nonlinear bijection of small images, on random images of its shape.
"""

from __future__ import annotations

import math
from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
from gauss_flows import Chain, Logit, NormalCDF
from gauss_flows.dequantization import ALPHA
from gauss_flows.course.exercises.core import Mistake, check_function
from gauss_flows.latents import latent_path, linear_path, log_density_terms

__all__ = ["check_latent_interpolation", "check_log_density_terms"]

SHAPE = (4, 4, 1)


@lru_cache(maxsize=1)
def checking_flow():
    """A bijection of 4x4x1 images far from the identity and cheap to call,
    :math:`f(y) = \\operatorname{logit}\\Phi(y)` on every pixel (the answers are written for any
    bijection; this one keeps the checks quick)."""
    return Chain([NormalCDF(SHAPE), Logit(SHAPE, alpha=0.0)])


def _interpolation_inputs():
    bijection = checking_flow()
    keys = jr.split(jr.key(4), 4)
    # one length of ts and one batch size throughout: every call then reuses the compiled operations
    ts = [jnp.linspace(0.0, 1.0, 4), jnp.array([0.3, 0.5, 0.6, 0.95]), jnp.array([0.0, 0.25, 0.9, 1.0])]
    return [(bijection, 1.5 * jr.normal(a, SHAPE), 1.5 * jr.normal(b, SHAPE), t)
            for (a, b), t in zip([keys[:2], keys[1:3], keys[2:]], ts)]


def _forward(bijection, ys):
    return jax.vmap(bijection.transform)(jnp.asarray(ys))


def _backward(bijection, zs):
    return jax.vmap(bijection.inverse)(jnp.asarray(zs))


INTERPOLATION_MISTAKES = [
    Mistake(lambda b, y0, y1, ts: linear_path(y0, y1, ts),
            "That is the straight line between the IMAGES (a cross-fade): interpolated in the wrong space. "
            "Map both ends to latents with bijection.transform, interpolate there, and map the path back."),
    Mistake(lambda b, y0, y1, ts: linear_path(b.transform(y0), b.transform(y1), ts),
            "Those are the interpolated LATENTS: you forgot to map the path back to data space with "
            "bijection.inverse (vmap it over the path)."),
    Mistake(lambda b, y0, y1, ts: latent_path(b, y1, y0, ts),
            "The endpoints are swapped: at t = 0 the path must start at y0, at t = 1 end at y1, "
            "so z_t = (1 - t) f(y0) + t f(y1)."),
    Mistake(lambda b, y0, y1, ts: _forward(b, linear_path(b.inverse(y0), b.inverse(y1), ts)),
            "Forward and inverse are swapped: transform maps data to latents (z = f(y)) and inverse "
            "maps latents back to data."),
    Mistake(lambda b, y0, y1, ts: _backward(b, linear_path(y0, y1, ts)),
            "You mapped the straight line between the IMAGES through the inverse: encode the ends "
            "first (z0 = f(y0), z1 = f(y1)), interpolate the latents, then decode."),
]


def check_latent_interpolation(latent_interpolation) -> None:
    """Exercise 1: ``latent_interpolation(bijection, y0, y1, ts)`` -> ``(len(ts), *shape)``."""
    check_function(latent_interpolation, latent_path, _interpolation_inputs(), name="latent_interpolation",
                   exercise=1, mistakes=INTERPOLATION_MISTAKES, rtol=1e-6, atol=1e-8)


def _base(z):
    """log N(z; 0, I) of each row of a batch."""
    flat = z.reshape(z.shape[0], -1)
    return -0.5 * jnp.sum(flat ** 2, axis=1) - 0.5 * flat.shape[1] * math.log(2 * math.pi)


def _terms(bijection, vs, alpha, *, flow_input=None):
    """The three terms; ``flow_input`` replaces y as what the flow is applied to (a mistake)."""
    vs = jnp.asarray(vs)
    y, logit_log_det = jax.vmap(Logit(vs.shape[1:], alpha=alpha).transform_and_log_det)(vs)
    z, log_det = jax.vmap(bijection.transform_and_log_det)(y if flow_input is None else flow_input)
    return jnp.stack([_base(z), log_det, logit_log_det], axis=1)


def _terms_inputs():
    bijection = checking_flow()
    keys = jr.split(jr.key(5), 3)
    return [(bijection, jr.uniform(k, (n,) + SHAPE, minval=0.01, maxval=0.99)) for k, n in zip(keys, (4, 4, 4))]


def _base_at_y(b, vs):
    right = log_density_terms(b, vs)
    y = jax.vmap(Logit(SHAPE, alpha=ALPHA).transform)(jnp.asarray(vs))
    return right.at[:, 0].set(_base(y))


TERMS_MISTAKES = [
    Mistake(lambda b, vs: log_density_terms(b, vs)[:, jnp.array([1, 0, 2])],
            "The first two columns are swapped: column 0 is the base term log N(f(y)), column 1 the flow's "
            "log-det, column 2 the logit's."),
    Mistake(lambda b, vs: log_density_terms(b, vs) * jnp.array([1.0, -1.0, 1.0]),
            "The flow's log-det has the wrong sign: it is log|det df/dy| of the map from data to latents, the "
            "second output of bijection.transform_and_log_det (the inverse's log-det is its negative)."),
    Mistake(lambda b, vs: log_density_terms(b, vs) * jnp.array([1.0, 1.0, -1.0]),
            "The logit's log-det has the wrong sign: the density of v gains log|det dy/dv|, it does not "
            "lose it (the logit stretches the ends of [0, 1] most)."),
    Mistake(lambda b, vs: log_density_terms(b, vs).at[:, 2].set(0.0),
            "The logit's log-det is missing (column 2 is zero): the density of the image v is the density "
            "of y = logit(v) times |det dy/dv|; gf.Logit(shape, alpha).transform_and_log_det gives both."),
    Mistake(lambda b, vs: _terms(b, vs, 0.0),
            "That is the plain logit (alpha = 0). The flow was trained on y = logit(alpha + (1 - 2 alpha) v) "
            "with the book's margin alpha = gf.dequantization.ALPHA."),
    Mistake(lambda b, vs: log_density_terms(b, vs) + jnp.array([0.5 * math.prod(SHAPE) * math.log(2 * math.pi), 0, 0]),
            "The base term misses the normalising constant: log N(z; 0, I) = -|z|²/2 - (D/2) log(2π), "
            "with D the number of coordinates of one image."),
    Mistake(_base_at_y,
            "The base term is evaluated at the image y = logit(v); it belongs at the latent z = f(y)."),
    Mistake(lambda b, vs: _terms(b, vs, ALPHA, flow_input=jnp.asarray(vs)),
            "The flow was applied to v itself; it models y = logit(v): transform the image with the logit first."),
]


def check_log_density_terms(log_density_terms_fn) -> None:
    """Exercise 2: ``log_density_terms(bijection, vs)`` -> ``(n, 3)``."""
    check_function(log_density_terms_fn, log_density_terms, _terms_inputs(), name="log_density_terms", exercise=2,
                   mistakes=TERMS_MISTAKES, rtol=1e-6, atol=1e-8)
