"""Checkers for Part 1 · 02, the monotone rational-quadratic spline (Durkan et al. 2019).

In a bin with left knot :math:`(x_k, y_k)`, width :math:`w`, height :math:`h`, slope
:math:`s = h/w`, knot derivatives :math:`d_k, d_{k+1}` and :math:`\\xi = (x - x_k)/w`:

.. math::  y = y_k + \\frac{h\\,[s\\xi^2 + d_k\\xi(1-\\xi)]}{s + \\beta\\,\\xi(1-\\xi)}, \\qquad
           \\beta = d_{k+1} + d_k - 2s.

Exercise 1: the inverse in one bin, ``rq_inverse_in_bin(y, x_k, y_k, width, height, d_k, d_next)``:
with :math:`\\delta = y - y_k`, the quadratic :math:`a\\xi^2 + b\\xi + c = 0` has
:math:`a = h(s - d_k) + \\delta\\beta`, :math:`b = hd_k - \\delta\\beta`, :math:`c = -s\\delta`, and
the root in :math:`[0, 1]` is :math:`\\xi = 2c/(-b - \\sqrt{b^2 - 4ac})` (no division by
:math:`a`, which vanishes for a straight bin). Return :math:`x = x_k + w\\xi`.

Exercise 2: the derivative in one bin, ``rq_derivative_in_bin(x, x_k, y_k, width, height, d_k, d_next)``:

.. math::  \\frac{dy}{dx} = \\frac{s^2\\,[d_{k+1}\\xi^2 + 2s\\xi(1-\\xi) + d_k(1-\\xi)^2]}{[s + \\beta\\xi(1-\\xi)]^2}.

The test inputs are bins of a library spline (``gf.RationalQuadraticSpline`` with seeded
parameters), plus a straight bin (:math:`d_k = d_{k+1} = s`, so :math:`a = 0`); the references
agree with the library's ``inverse`` and with ``jax.grad`` of its ``transform`` (see the tests).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows.bijectors import RationalQuadraticSpline
from gauss_flows.course.exercises.core import Mistake, check_function


def library_spline() -> RationalQuadraticSpline:
    """The spline the checkers take their bins from: 5 interior knots on [-3, 3], seeded."""
    spline = RationalQuadraticSpline(knots=5, interval=3.0)
    rng = np.random.default_rng(3)
    return eqx.tree_at(lambda s: (s.widths, s.heights, s.derivatives), spline,
                       tuple(jnp.asarray(rng.normal(scale=0.5, size=a.shape))
                             for a in (spline.widths, spline.heights, spline.derivatives)))


def bin_of(spline: RationalQuadraticSpline, value: float, along: str = "x"):
    """``(x_k, y_k, width, height, d_k, d_next)`` of the bin holding ``value`` (an x or a y)."""
    xs, ys, ds = (np.asarray(a, dtype=float) for a in spline._spline())
    knots = xs if along == "x" else ys
    k = int(np.clip(np.searchsorted(knots, value, side="right") - 1, 0, len(knots) - 2))
    return xs[k], ys[k], xs[k + 1] - xs[k], ys[k + 1] - ys[k], ds[k], ds[k + 1]


def _coefficients(y, y_k, width, height, d_k, d_next):
    slope = height / width
    delta = y - y_k
    beta = d_next + d_k - 2 * slope
    return height * (slope - d_k) + delta * beta, height * d_k - delta * beta, -slope * delta


def _rq_inverse(y, x_k, y_k, width, height, d_k, d_next):
    a, b, c = _coefficients(y, y_k, width, height, d_k, d_next)
    xi = 2 * c / (-b - np.sqrt(max(b * b - 4 * a * c, 0.0)))
    return x_k + width * xi


def _rq_derivative(x, x_k, y_k, width, height, d_k, d_next):
    slope = height / width
    xi = (x - x_k) / width
    mix = xi * (1 - xi)
    numerator = slope**2 * (d_next * xi**2 + 2 * slope * mix + d_k * (1 - xi) ** 2)
    return numerator / (slope + (d_next + d_k - 2 * slope) * mix) ** 2


def _inputs(along: str):
    spline = library_spline()
    knots = np.asarray(spline._spline()[0 if along == "x" else 1], dtype=float)
    # two points in every bin, at 30 % and 85 % of it, and one exactly on an interior knot
    points = [float(lo + f * (hi - lo)) for lo, hi in zip(knots[:-1], knots[1:]) for f in (0.3, 0.85)]
    points.append(float(knots[2]))
    straight = (0.0, 0.0, 1.0, 2.0, 2.0, 2.0)  # d_k = d_next = slope: a straight bin, a = 0
    return ([(p, *bin_of(spline, p, along)) for p in points]
            + [(0.7 if along == "y" else 0.35, *straight), (1e-12, *straight)])


INVERSE_INPUTS = _inputs("y")
DERIVATIVE_INPUTS = _inputs("x")


def _unclipped_inverse(y, x_k, y_k, width, height, d_k, d_next):
    a, b, c = _coefficients(y, y_k, width, height, d_k, d_next)
    with np.errstate(all="ignore"):
        return x_k + width * 2 * c / (-b - np.sqrt(b * b - 4 * a * c))


def _naive_inverse(y, x_k, y_k, width, height, d_k, d_next):
    a, b, c = _coefficients(y, y_k, width, height, d_k, d_next)
    with np.errstate(all="ignore"):
        xi = (-b + np.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)
    return x_k + width * xi


INVERSE_MISTAKES = [
    Mistake(_naive_inverse,
            "You used the textbook root (-b + sqrt(b^2 - 4ac)) / (2a). It is the right root, but it "
            "divides by a, which is 0 in a straight bin (d_k = d_next = s) and tiny near one: 0/0 or "
            "cancellation. Multiply top and bottom by (-b - sqrt(...)): xi = 2c / (-b - sqrt(b^2 - 4ac))."),
    Mistake(lambda y, x_k, y_k, w, h, dk, dn: x_k + w * 2 * _coefficients(y, y_k, w, h, dk, dn)[2] / (
        -_coefficients(y, y_k, w, h, dk, dn)[1]
        + np.sqrt(max(_coefficients(y, y_k, w, h, dk, dn)[1] ** 2
                      - 4 * _coefficients(y, y_k, w, h, dk, dn)[0] * _coefficients(y, y_k, w, h, dk, dn)[2], 0.0))),
            "That is the OTHER root of the quadratic (the one outside [0, 1]): the stable form of the "
            "root you want is xi = 2c / (-b - sqrt(b^2 - 4ac)), with a minus before the square root."),
    Mistake(lambda y, x_k, y_k, w, h, dk, dn: (_rq_inverse(y, x_k, y_k, w, h, dk, dn) - x_k) / w,
            "You returned xi, the position inside the bin as a fraction of its width. Return "
            "x = x_k + width * xi."),
    Mistake(lambda y, x_k, y_k, w, h, dk, dn: _unclipped_inverse(y, x_k, 0.0, w, h, dk, dn),
            "delta must be measured from the bottom of the bin: delta = y - y_k."),
]


def check_rq_inverse_in_bin(rq_inverse_in_bin) -> None:
    """Exercise 1: the rational-quadratic inverse in one bin (the stable quadratic root)."""
    check_function(rq_inverse_in_bin, _rq_inverse, INVERSE_INPUTS, name="rq_inverse_in_bin", exercise=1,
                   mistakes=INVERSE_MISTAKES, rtol=1e-9, atol=1e-12)


DERIVATIVE_MISTAKES = [
    Mistake(lambda x, x_k, y_k, w, h, dk, dn: _rq_derivative(x, x_k, y_k, w, h, dk, dn)
            * (h / w + (dn + dk - 2 * h / w) * ((x - x_k) / w) * (1 - (x - x_k) / w)),
            "The denominator must be SQUARED: [s + beta xi(1 - xi)]^2 (quotient rule)."),
    Mistake(lambda x, x_k, y_k, w, h, dk, dn: _rq_derivative(x, x_k, y_k, w, h, dk, dn) * w,
            "You differentiated with respect to xi. The chain rule adds d xi / dx = 1 / width."),
    Mistake(lambda x, x_k, y_k, w, h, dk, dn: _rq_derivative(x, x_k, y_k, w, h, dn, dk),
            "d_k and d_next are swapped: at the left end of the bin (xi = 0) the slope must be d_k, at the "
            "right end (xi = 1) d_next."),
    Mistake(lambda x, x_k, y_k, w, h, dk, dn: _rq_derivative(x, x_k, y_k, w, h, dk, dn) / (h / w) ** 2,
            "The factor s^2 in front of the bracket is missing (check: at xi = 0 the slope must be d_k)."),
]


def check_rq_derivative_in_bin(rq_derivative_in_bin) -> None:
    """Exercise 2: dy/dx of the rational-quadratic spline in one bin."""
    check_function(rq_derivative_in_bin, _rq_derivative, DERIVATIVE_INPUTS, name="rq_derivative_in_bin",
                   exercise=2, mistakes=DERIVATIVE_MISTAKES, rtol=1e-9, atol=1e-12)


def _rq_forward(x, x_k, y_k, width, height, d_k, d_next):
    slope, xi = height / width, (x - x_k) / width
    mix = xi * (1 - xi)
    return y_k + height * (slope * xi**2 + d_k * mix) / (slope + (d_next + d_k - 2 * slope) * mix)


def root_residuals(rq_inverse_in_bin, y: float = 0.7, wiggles=(1e-2, 1e-6, 1e-10, 0.0)):
    """How well two roots solve :math:`T(x) = y` in bins that get straighter and straighter.

    For each ``wiggle`` the bin is ``(0, 0, 1, 2, 2 + wiggle, 2 - wiggle)`` (slopes around
    :math:`s = 2`, so :math:`a \\to 0`); returns ``(wiggle, stable, textbook)`` rows with the
    residuals :math:`|T(x) - y|` of ``rq_inverse_in_bin(y, *bin)`` (the student's root) and of
    the textbook root :math:`(-b + \\sqrt{b^2 - 4ac})/2a` (NaN when it is 0/0). Kept here, not in
    the notebook, so that the notebook's student edition does not show the coefficients.
    """
    rows = []
    for wiggle in wiggles:
        bin_ = (0.0, 0.0, 1.0, 2.0, 2.0 + wiggle, 2.0 - wiggle)
        with np.errstate(invalid="ignore", divide="ignore"):
            stable, textbook = (abs(float(_rq_forward(root(y, *bin_), *bin_)) - y)
                                for root in (rq_inverse_in_bin, _naive_inverse))
        rows.append((wiggle, stable, textbook))
    return rows
