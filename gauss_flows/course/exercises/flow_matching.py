"""Checkers for Part 6 · 04, flow matching.

Exercise 1: ``cfm_loss(field, x, z, t)`` -> the conditional flow-matching loss
:math:`\\frac1n\\sum_i \\lVert f(t_i, (1-t_i)x_i + t_i z_i) - (z_i - x_i)\\rVert^2`
(:func:`gauss_flows.flow_matching.conditional_flow_matching_loss`).
Exercise 2: ``marginal_field(t, y, points)`` -> the field that minimises that loss when the data
are the equally weighted ``points`` :math:`x_k` and :math:`z \\sim \\mathcal N(0, I)`:

.. math::  f^*(t, y) = \\mathbb E[z - x \\mid z_t = y] = \\sum_k \\pi_k(y)\\, \\frac{y - x_k}{t},
           \\qquad \\pi_k(y) \\propto \\exp\\Big(-\\frac{\\lVert y - (1-t)x_k\\rVert^2}{2t^2}\\Big),

since given :math:`x = x_k` and :math:`z_t = y` the noise is :math:`z = (y - (1-t)x_k)/t`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import logsumexp

from gauss_flows.flow_matching import conditional_flow_matching_loss
from gauss_flows.course.exercises.core import Mistake, call_for_number, check_function, check_value, fail

__all__ = ["check_cfm_loss", "check_marginal_field", "marginal_field_reference"]


def _fields():
    """Three time-dependent fields on R^2 (any callable ``field(t, y)`` will do)."""
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(2, 2)), rng.normal(size=2)
    return {"field_a": lambda t, y: a @ y + t * b,
            "field_b": lambda t, y: jnp.tanh(y[::-1]) * (1.0 + t) - 0.5 * y,
            "field_c": lambda t, y: jnp.sin(3.0 * t) * y + jnp.array([y[1] ** 2, -t])}


def _batches():
    rng = np.random.default_rng(12)
    return [(jnp.asarray(rng.normal(size=(n, 2)) + [1.0, -0.5]), jnp.asarray(rng.normal(size=(n, 2))),
             jnp.asarray(rng.uniform(size=n))) for n in (5, 17)]


def _loss_mistakes(cases):
    def value(loss):
        return np.array([float(loss(field, x, z, t)) for _, field, x, z, t in cases])

    def per_point(field, x, z, t, path, target, time=lambda t: t):
        zt = path(x, z, t[:, None])
        predicted = jax.vmap(field)(time(t), zt)
        return jnp.mean(jnp.sum((predicted - target(x, z)) ** 2, axis=1))

    line = lambda x, z, s: (1 - s) * x + s * z
    return [
        (value(lambda f, x, z, t: per_point(f, x, z, t, line, lambda x, z: x - z)),
         "The target velocity points the wrong way: along z_t = (1-t)x + tz the velocity is dz_t/dt = z - x "
         "(from the data at t = 0 to the noise at t = 1)."),
        (value(lambda f, x, z, t: per_point(f, x, z, t, lambda x, z, s: s * x + (1 - s) * z, lambda x, z: z - x)),
         "The path's ends are swapped: at t = 0 the point must be the data x and at t = 1 the noise z, "
         "z_t = (1 - t) x + t z."),
        (value(lambda f, x, z, t: per_point(f, x, z, t, line, lambda x, z: z - x) / 2),
         "You averaged over the coordinates too (or halved): the loss sums the squared error over the "
         "coordinates of each point and averages over the points only."),
        (value(lambda f, x, z, t: jnp.mean(jnp.sum((jax.vmap(f)(t, x) - (z - x)) ** 2, axis=1))),
         "The field is evaluated at the data x; evaluate it at the point on the path, z_t = (1-t)x + tz."),
        (value(lambda f, x, z, t: jnp.mean(jnp.sum(jnp.abs(jax.vmap(f)(t, line(x, z, t[:, None])) - (z - x)), axis=1))),
         "The loss is a mean of SQUARED errors (its minimiser is the conditional mean E[z - x | z_t]); "
         "you took absolute values."),
        (value(lambda f, x, z, t: per_point(f, x, z, t, line, lambda x, z: z - x, time=lambda t: 1 - t)),
         "The field gets the wrong time: call it at t, the time of the point z_t, not 1 - t."),
    ]


def check_cfm_loss(cfm_loss) -> None:
    """Exercise 1: ``cfm_loss(field, x, z, t)`` -> mean_i ||field(t_i, z_t,i) - (z_i - x_i)||^2."""
    if not callable(cfm_loss):
        raise fail(1, "`cfm_loss` should be a function (def cfm_loss(field, x, z, t): ...), but it is a "
                      f"{type(cfm_loss).__name__}.")
    cases = [(name, field, x, z, t) for name, field in _fields().items() for x, z, t in _batches()]
    got = []
    for name, field, x, z, t in cases:
        call = f"cfm_loss({name}, x, z, t) with {x.shape[0]} points"
        got.append(call_for_number(cfm_loss, field, x, z, t, exercise=1, call=call,
                                   what="a single number (the loss is the mean over the points)"))
    want = np.array([float(conditional_flow_matching_loss(field, x, z, t)) for _, field, x, z, t in cases])
    check_value(np.array(got), want, name="cfm_loss (over the checker's fields and batches)", exercise=1,
                mistakes=_loss_mistakes(cases), rtol=1e-6, atol=1e-9)


def marginal_field_reference(t, y, points):
    """:math:`f^*(t, y)` for equally weighted data ``points`` (shape ``(m, d)``), ``0 < t <= 1``."""
    y, points = jnp.asarray(y, dtype=float), jnp.asarray(points, dtype=float)
    logits = -jnp.sum((y - (1 - t) * points) ** 2, axis=1) / (2 * t ** 2)
    weights = jnp.exp(logits - logsumexp(logits))
    return np.asarray(weights @ ((y - points) / t))


def _marginal_inputs():
    rng = np.random.default_rng(13)
    two = np.array([[-1.0, 0.0], [1.0, 0.5]])
    many = rng.normal(size=(6, 2)) * [1.5, 0.7]
    return [(0.5, np.array([0.2, -0.1]), two), (0.9, np.array([1.0, 1.0]), two), (0.2, np.array([-0.7, 0.3]), two),
            (1.0, np.array([0.4, -1.2]), many), (0.35, np.array([0.0, 0.5]), many), (0.6, np.zeros(2), many),
            (0.5, np.array([0.3, 0.3]), np.array([[0.1, -0.2]]))]


def _weights(t, y, points, logits):
    logits = np.asarray(logits, dtype=float)
    w = np.exp(logits - logits.max())
    return w / w.sum()


def _mistake(weights_of, velocity_of):
    def field(t, y, points):
        points, y = np.asarray(points, dtype=float), np.asarray(y, dtype=float)
        return weights_of(t, y, points) @ velocity_of(t, y, points)
    return field


_right_weights = lambda t, y, p: _weights(t, y, p, -np.sum((y - (1 - t) * p) ** 2, axis=1) / (2 * t ** 2))
_right_velocity = lambda t, y, p: (y - p) / t

MARGINAL_MISTAKES = [
    Mistake(_mistake(_right_weights, lambda t, y, p: y - p),
            "The velocity of the pair is z - x = (y - (1-t) x_k)/t - x_k = (y - x_k)/t: divide by t."),
    Mistake(_mistake(lambda t, y, p: np.full(len(p), 1.0 / len(p)), _right_velocity),
            "Every data point got the same weight. Given z_t = y, the data point x_k is likely only if the "
            "noise z = (y - (1-t) x_k)/t is likely: weight it by exp(-|y - (1-t) x_k|^2 / (2 t^2))."),
    Mistake(_mistake(lambda t, y, p: _weights(t, y, p, -np.sum((y - p) ** 2, axis=1) / (2 * t ** 2)), _right_velocity),
            "In the weights, compare y with (1-t) x_k, the part of z_t that comes from the data, not with x_k."),
    Mistake(_mistake(lambda t, y, p: _weights(t, y, p, -np.sum((y - (1 - t) * p) ** 2, axis=1) / 2), _right_velocity),
            "z_t = (1-t) x + t z has noise of standard deviation t, so the weights are exp(-|y - (1-t)x_k|^2 / (2 t^2)): "
            "the t^2 is missing."),
    Mistake(_mistake(_right_weights, lambda t, y, p: (p - y) / t),
            "The velocity points from the data towards the noise, z - x = (y - x_k)/t, not back to the data."),
]


def check_marginal_field(marginal_field) -> None:
    """Exercise 2: ``marginal_field(t, y, points)`` -> E[z - x | z_t = y] for equally weighted points."""
    check_function(marginal_field, marginal_field_reference, _marginal_inputs(), name="marginal_field", exercise=2,
                   mistakes=MARGINAL_MISTAKES, rtol=1e-6, atol=1e-9)
