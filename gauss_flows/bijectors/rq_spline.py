"""Monotone rational-quadratic spline (Durkan et al. 2019, "Neural Spline Flows").

On :math:`[-B, B]` the map is a monotone spline through knots :math:`(x_k, y_k)`,
:math:`k = 0..K`, with derivatives :math:`d_k > 0` at the knots (:math:`d_0 = d_K = 1`);
outside it is the identity, so the tails are linear with unit slope and the map is
:math:`C^1` everywhere. In bin :math:`k`, with width :math:`w_k`, height :math:`h_k`,
slope :math:`s_k = h_k / w_k` and :math:`\\xi = (x - x_k)/w_k \\in [0, 1]`:

.. math::

    y = y_k + \\frac{h_k\\,[s_k \\xi^2 + d_k \\xi(1-\\xi)]}{s_k + (d_{k+1} + d_k - 2 s_k)\\,\\xi(1-\\xi)},

.. math::

    \\log\\frac{dy}{dx} = \\log\\big(s_k^2 [d_{k+1}\\xi^2 + 2 s_k \\xi(1-\\xi) + d_k (1-\\xi)^2]\\big)
        - 2 \\log\\big(s_k + (d_{k+1} + d_k - 2 s_k)\\,\\xi(1-\\xi)\\big).

The inverse solves the quadratic :math:`a\\xi^2 + b\\xi + c = 0` with, for
:math:`\\delta = y - y_k` and :math:`\\beta = d_{k+1} + d_k - 2s_k`,
:math:`a = h_k(s_k - d_k) + \\delta\\beta`, :math:`b = h_k d_k - \\delta\\beta`,
:math:`c = -s_k \\delta`, through the cancellation-free root
:math:`\\xi = 2c / (-b - \\sqrt{b^2 - 4ac})`.

Parameters are unconstrained: bin widths and heights are ``softmax`` of ``widths`` /
``heights`` (with a floor), interior derivatives are a scaled ``softplus`` of ``derivatives``
(with a floor). All zeros gives equal bins and unit derivatives: exactly the identity.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.nn import softmax, softplus

from .base import Bijector

_MIN_BIN = 1e-3  # fraction of the interval; keeps bins from collapsing
_MIN_DERIVATIVE = 1e-3


def _knot_positions(raw: Array, interval: float) -> Array:
    """Increasing knots from -B to B (both exact) for unconstrained bin sizes ``raw``."""
    n_bins = raw.shape[-1]
    fractions = _MIN_BIN + (1.0 - _MIN_BIN * n_bins) * softmax(raw, axis=-1)
    inner = jnp.cumsum(fractions[..., :-1], axis=-1)
    edges = jnp.concatenate([jnp.zeros_like(inner[..., :1]), inner, jnp.ones_like(inner[..., :1])], axis=-1)
    return interval * (2.0 * edges - 1.0)


def _gather(values: Array, index: Array) -> Array:
    return jnp.take_along_axis(values, index[..., None], axis=-1)[..., 0]


class RationalQuadraticSpline(Bijector):
    """Monotone rational-quadratic spline on :math:`[-B, B]`, identity outside; elementwise.

    Args:
        knots: number of interior knots; the spline has ``knots + 1`` bins.
        interval: :math:`B`, the half-width of the interval where the spline acts.
        shape: event shape; ``widths`` and ``heights`` have shape ``shape + (knots + 1,)``,
            ``derivatives`` (at the interior knots) shape ``shape + (knots,)``.
    """

    widths: Array
    heights: Array
    derivatives: Array
    knots: int = eqx.field(static=True)
    interval: float = eqx.field(static=True)
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, knots: int = 8, interval: float = 4.0, shape: tuple[int, ...] = ()):
        if int(knots) < 1:
            raise ValueError(f"knots must be at least 1, got {knots}.")
        if not interval > 0:
            raise ValueError(f"interval must be positive, got {interval}.")
        self.knots = int(knots)
        self.interval = float(interval)
        self.shape = tuple(shape)
        self.widths = jnp.zeros(self.shape + (self.knots + 1,))
        self.heights = jnp.zeros(self.shape + (self.knots + 1,))
        self.derivatives = jnp.zeros(self.shape + (self.knots,))

    @classmethod
    def from_knots(cls, x_knots, y_knots, derivatives) -> "RationalQuadraticSpline":
        """A scalar spline through the knots ``(x_k, y_k)``: the inverse of the parameterisation.

        Args:
            x_knots, y_knots: ``K + 2`` increasing knots each, from ``-B`` to ``B`` (the same ``B``
                for both: outside ``[-B, B]`` the spline is the identity).
            derivatives: the ``K`` positive slopes at the interior knots (the end slopes are 1).

        Raises ``ValueError`` (in words) for knots that do not increase, mismatched ends or
        non-positive derivatives.
        """
        xs, ys, ds = (np.asarray(a, dtype=float) for a in (x_knots, y_knots, derivatives))
        if xs.shape != ys.shape or xs.ndim != 1 or xs.size < 3 or ds.shape != (xs.size - 2,):
            raise ValueError(f"RationalQuadraticSpline.from_knots needs K + 2 x- and y-knots and K derivatives, got "
                             f"{xs.shape}, {ys.shape} and {ds.shape}.")
        interval = float(xs[-1])
        if not (np.isclose(xs[0], -interval) and np.isclose(ys[0], -interval) and np.isclose(ys[-1], interval)):
            raise ValueError(f"the first and last knots must be (-B, -B) and (B, B), got ({xs[0]:g}, {ys[0]:g}) "
                             f"and ({xs[-1]:g}, {ys[-1]:g}).")
        n_bins = xs.size - 1
        for name, knots in (("x", xs), ("y", ys)):
            steps = np.diff(knots)
            if np.any(steps <= 2 * interval * _MIN_BIN):
                k = int(np.argmax(steps <= 2 * interval * _MIN_BIN))
                raise ValueError(f"the knot {name}-values must increase strictly: {name}{k} = {knots[k]:g} "
                                 f"and {name}{k + 1} = {knots[k + 1]:g} leave bin {k + 1} with "
                                 f"{'no width' if name == 'x' else 'no height'}, so the map would be "
                                 f"{'a jump' if name == 'x' else 'flat'} there and not invertible.")
        if np.any(ds <= _MIN_DERIVATIVE):
            raise ValueError(f"the derivatives at the knots must be positive (above {_MIN_DERIVATIVE:g}), "
                             f"got {ds.tolist()}.")

        def raw_sizes(knots):
            fractions = np.diff(knots) / (2 * interval)
            return np.log((fractions - _MIN_BIN) / (1 - _MIN_BIN * n_bins))

        softplus_value = (ds - _MIN_DERIVATIVE) * math.log(2.0) / (1 - _MIN_DERIVATIVE)
        raw_derivatives = np.log(np.expm1(softplus_value))
        spline = cls(knots=xs.size - 2, interval=interval)
        return eqx.tree_at(lambda s: (s.widths, s.heights, s.derivatives), spline,
                           (jnp.asarray(raw_sizes(xs)), jnp.asarray(raw_sizes(ys)), jnp.asarray(raw_derivatives)))

    def __check_init__(self):
        expected = {"widths": self.knots + 1, "heights": self.knots + 1, "derivatives": self.knots}
        for name, n in expected.items():
            if getattr(self, name).shape != self.shape + (n,):
                raise ValueError(f"RationalQuadraticSpline.{name} must have shape "
                                 f"{self.shape + (n,)}, got {getattr(self, name).shape}.")

    def _spline(self):
        """Knot positions ``(x_k, y_k)`` and knot derivatives ``d_k``, each ``shape + (K + 1,)``."""
        xs = _knot_positions(self.widths, self.interval)
        ys = _knot_positions(self.heights, self.interval)
        # scaled so that raw 0 gives derivative 1 (up to rounding), floored away from 0
        inner = _MIN_DERIVATIVE + (1.0 - _MIN_DERIVATIVE) * softplus(self.derivatives) / math.log(2.0)
        ones = jnp.ones_like(inner[..., :1])
        return xs, ys, jnp.concatenate([ones, inner, ones], axis=-1)

    def _bin(self, xs, ys, ds, position: Array, along: Array):
        """Everything about the bin of ``position`` along the knots ``along`` (xs or ys)."""
        index = jnp.sum(position[..., None] >= along[..., 1:-1], axis=-1)
        x_k, x_next = _gather(xs, index), _gather(xs, index + 1)
        y_k, y_next = _gather(ys, index), _gather(ys, index + 1)
        width, height = x_next - x_k, y_next - y_k
        return x_k, y_k, width, height, height / width, _gather(ds, index), _gather(ds, index + 1)

    @staticmethod
    def _log_slope(xi, slope, d_k, d_next):
        mix = xi * (1.0 - xi)
        numerator = jnp.square(slope) * (d_next * jnp.square(xi) + 2.0 * slope * mix
                                         + d_k * jnp.square(1.0 - xi))
        denominator = slope + (d_next + d_k - 2.0 * slope) * mix
        return jnp.log(numerator) - 2.0 * jnp.log(denominator)

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        inside = jnp.abs(x) < self.interval
        x_in = jnp.where(inside, x, 0.0)  # double-where: no NaN gradient from the unused branch
        xs, ys, ds = self._spline()
        x_k, y_k, width, height, slope, d_k, d_next = self._bin(xs, ys, ds, x_in, xs)
        xi = (x_in - x_k) / width
        mix = xi * (1.0 - xi)
        y_in = y_k + height * (slope * jnp.square(xi) + d_k * mix) / (
            slope + (d_next + d_k - 2.0 * slope) * mix)
        log_slope = self._log_slope(xi, slope, d_k, d_next)
        return jnp.where(inside, y_in, x), jnp.sum(jnp.where(inside, log_slope, 0.0))

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        inside = jnp.abs(y) < self.interval
        y_in = jnp.where(inside, y, 0.0)
        xs, ys, ds = self._spline()
        x_k, y_k, width, height, slope, d_k, d_next = self._bin(xs, ys, ds, y_in, ys)
        delta = y_in - y_k
        beta = d_next + d_k - 2.0 * slope
        a = height * (slope - d_k) + delta * beta
        b = height * d_k - delta * beta
        c = -slope * delta
        discriminant = jnp.maximum(jnp.square(b) - 4.0 * a * c, 0.0)  # >= 0 in exact arithmetic
        xi = 2.0 * c / (-b - jnp.sqrt(discriminant))
        xi = jnp.clip(xi, 0.0, 1.0)
        x_in = x_k + xi * width
        log_slope = self._log_slope(xi, slope, d_k, d_next)
        return jnp.where(inside, x_in, y), -jnp.sum(jnp.where(inside, log_slope, 0.0))
