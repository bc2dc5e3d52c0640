"""Checkers for Part 5 · 01, the bijector menu.

Exercise 1 (parameter budgets): a coupling's conditioner outputs, for every active
coordinate, the unconstrained parameters of one scalar transformer. With the library's
templates these are

* ``Affine()``: a shift and a log-scale, 2;
* ``MixtureGaussianCDF(K)``: K logits, K means, K log-scales, :math:`3K` (Ho et al. 2019);
* ``DeepSigmoid(H)``: H raw slopes, H offsets, H logits, :math:`3H` (Huang et al. 2018);
* ``RationalQuadraticSpline(knots=k)``: k + 1 bins, so k + 1 widths, k + 1 heights and k
  interior derivatives (the two boundary derivatives are fixed to 1), :math:`3k + 2`, which
  is Durkan et al.'s (2019) :math:`3B - 1` for :math:`B = k + 1` bins.

The reference is read off the library's templates (``count_parameters``), not typed in.

Exercise 2: the inverse of the affine map :math:`y = e^{s} x + b` and its log-det,
:math:`x = e^{-s}(y - b)`, :math:`\\log|dx/dy| = -s`.

Exercise 3: the log-derivative of the mixture-CDF transformer
:math:`z = \\Phi^{-1}(F(x))`, :math:`F(x) = \\sum_k \\pi_k \\Phi((x - \\mu_k)/\\sigma_k)`:

.. math::  \\log\\frac{dz}{dx} = \\log f(x) - \\log\\varphi(z), \\qquad
           f(x) = \\sum_k \\frac{\\pi_k}{\\sigma_k}\\varphi\\Big(\\frac{x - \\mu_k}{\\sigma_k}\\Big).
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
from scipy.special import logsumexp, ndtri

from gauss_flows.bijectors import Affine, DeepSigmoid, MixtureGaussianCDF, RationalQuadraticSpline
from gauss_flows.parameters import count_parameters
from gauss_flows.course.exercises.core import ExerciseError, Mistake, call_student, check_function
from gauss_flows.course.exercises.core import fail as _fail

HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)
MENU = ("affine", "mixture", "deep sigmoid", "spline")


# --------------------------------------------------------------- Exercise 1: parameter budgets
def _conditioner_outputs(n_components, n_hidden, knots):
    """Per active coordinate: [affine, mixture CDF, deep sigmoid, spline], from the templates."""
    templates = (Affine(), MixtureGaussianCDF(n_components=int(n_components)),
                 DeepSigmoid(n_hidden=int(n_hidden)), RationalQuadraticSpline(knots=int(knots)))
    return np.array([count_parameters(t) for t in templates], dtype=float)


BUDGET_INPUTS = [(8, 8, 8), (1, 1, 1), (4, 6, 5), (16, 3, 10)]

#: Wrong counts per entry of the answer, each with the hint it deserves.
BUDGET_MISTAKES = {
    0: [Mistake(lambda K, H, k: 1.0, "An affine map y = e^s x + b has TWO numbers per coordinate: the "
                                     "shift b and the log-scale s."),
        Mistake(lambda K, H, k: 4.0, "An affine coupling in 1-D is y = e^s x + b: two numbers (s, b), not "
                                     "a 2x2 matrix. Each active coordinate gets its own scalar map.")],
    1: [Mistake(lambda K, H, k: 2.0 * K, "The mixture also needs its weights: K logits (softmax gives the "
                                         "weights), K means and K log-scales, so 3K."),
        Mistake(lambda K, H, k: 3.0 * K - 1, "3K - 1 counts weights that sum to one, but the library stores "
                                             "all K logits (softmax is shift-invariant, it keeps one spare): "
                                             "count the template, 3K.")],
    2: [Mistake(lambda K, H, k: 2.0 * H, "A deep-sigmoid unit has a slope and an offset, AND a mixing "
                                         "weight (a logit): 3 numbers per hidden unit, 3H."),
        Mistake(lambda K, H, k: 3.0 * H - 1, "The library keeps all H mixing logits (softmax is "
                                             "shift-invariant): 3H.")],
    3: [Mistake(lambda K, H, k: 3.0 * k, "`knots` counts the INTERIOR knots, so there are knots + 1 bins: "
                                         "knots + 1 widths, knots + 1 heights and knots interior "
                                         "derivatives, 3 knots + 2."),
        Mistake(lambda K, H, k: 3.0 * k - 1, "3K - 1 is Durkan et al.'s count for K BINS; here `knots` are "
                                             "interior knots and there are knots + 1 bins: 3(knots + 1) - 1."),
        Mistake(lambda K, H, k: 3.0 * k + 4, "The derivatives at the two ends of the interval are fixed to 1 "
                                             "(so the spline joins the identity tails smoothly): only the "
                                             "knots interior derivatives are parameters, 3 knots + 2."),
        Mistake(lambda K, H, k: 2.0 * k + 2, "Widths and heights are not enough: the spline also has a "
                                             "derivative at every interior knot, 3 knots + 2.")],
}


def check_conditioner_outputs(conditioner_outputs) -> None:
    """Exercise 1: ``conditioner_outputs(n_components, n_hidden, knots)`` returns the numbers the
    conditioner outputs per active coordinate, ``[affine, mixture, deep sigmoid, spline]``."""
    name = "conditioner_outputs"
    if not callable(conditioner_outputs):
        raise _fail(1, f"`{name}` should be a function, but it is a {type(conditioner_outputs).__name__}.")
    for args in BUDGET_INPUTS:
        out = call_student(conditioner_outputs, *args, exercise=1, call=f"{name}{args}")
        if out is None:
            raise _fail(1, f"`{name}{args}` returned None: did you forget the `return` statement?")
        try:
            shape = np.shape(np.asarray(out, dtype=float))
        except (TypeError, ValueError) as err:
            raise _fail(1, f"`{name}{args}` should return four numbers, got {out!r}.") from err
        if shape != (4,):
            raise _fail(1, f"`{name}{args}` should return four numbers [affine, mixture, deep sigmoid, "
                           f"spline], got shape {shape}.")
    for entry, label in enumerate(MENU):
        with contextlib.redirect_stdout(io.StringIO()):  # one "Correct" line for the whole menu
            check_function(lambda *args, i=entry: np.asarray(conditioner_outputs(*args), dtype=float)[i],
                           lambda *args, i=entry: _conditioner_outputs(*args)[i], BUDGET_INPUTS,
                           name=f"{name}(...)[{entry}] ({label})", exercise=1,
                           mistakes=BUDGET_MISTAKES[entry], atol=1e-9)
    print("Correct: the whole menu, [2, 3K, 3H, 3 knots + 2] outputs per active coordinate.")


# ---------------------------------------------------------------- Exercise 2: affine inverse
def _affine_inverse_and_log_det(y, shift, log_scale):
    return np.array([np.exp(-log_scale) * (y - shift), -log_scale])


AFFINE_INPUTS = [(0.0, 0.0, 0.0), (1.5, 0.0, 0.0), (2.0, 0.5, 0.7), (-1.0, 0.3, -1.2),
                 (0.4, -2.0, 1.5), (3.0, 1.0, -0.4)]
AFFINE_MISTAKES = [
    Mistake(lambda y, b, s: np.array([np.exp(-s) * (y - b), s]),
            "x is right, but the log-det has the wrong sign: the inverse SHRINKS where the forward map "
            "stretches, log|dx/dy| = -s."),
    Mistake(lambda y, b, s: np.array([np.exp(s) * y + b, s]),
            "That is the forward map y = e^s x + b and its log-det. Undo it in reverse order: first "
            "subtract the shift, then divide by the scale."),
    Mistake(lambda y, b, s: np.array([np.exp(-s) * y - b, -s]),
            "The shift is undone at the wrong time: y = e^s x + b, so x = (y - b) / e^s. Subtract b BEFORE "
            "dividing by the scale."),
    Mistake(lambda y, b, s: np.array([(y - b) * np.exp(s), -s]),
            "You multiplied by the scale e^s instead of dividing by it: x = e^{-s} (y - b)."),
    Mistake(lambda y, b, s: np.array([np.exp(-s) * (y - b), -np.exp(s)]),
            "The log-det is a LOG: log|dx/dy| = log e^{-s} = -s."),
]


def check_affine_inverse(affine_inverse_and_log_det) -> None:
    """Exercise 2: ``affine_inverse_and_log_det(y, shift, log_scale)`` returns ``(x, log|dx/dy|)``
    for the map ``y = exp(log_scale) * x + shift``."""
    check_function(affine_inverse_and_log_det, _affine_inverse_and_log_det, AFFINE_INPUTS,
                   name="affine_inverse_and_log_det", exercise=2, mistakes=AFFINE_MISTAKES)


# ------------------------------------------------------------ Exercise 3: mixture-CDF log-det
def _log_normal_pdf(u):
    return -0.5 * np.square(u) - HALF_LOG_2PI


def _mixture_parts(x, weights, means, scales):
    """``z`` and ``log f(x)`` in float64, in log space (scipy), for one scalar ``x``."""
    from scipy.special import log_ndtr

    weights, means, scales = (np.asarray(a, dtype=float) for a in (weights, means, scales))
    u = (float(x) - means) / scales
    log_w = np.log(weights / weights.sum())
    log_cdf, log_survival = logsumexp(log_w + log_ndtr(u)), logsumexp(log_w + log_ndtr(-u))
    # take the smaller tail, as the library does, so z stays accurate when F rounds to 1
    z = ndtri(np.exp(log_cdf)) if log_cdf <= log_survival else -ndtri(np.exp(log_survival))
    log_f = logsumexp(log_w + _log_normal_pdf(u) - np.log(scales))
    return z, log_f, u, log_w


def _mixture_cdf_log_det(x, weights, means, scales):
    z, log_f, _, _ = _mixture_parts(x, weights, means, scales)
    return log_f - _log_normal_pdf(z)


_W, _M, _S = np.array([0.5, 0.3, 0.2]), np.array([-1.5, 0.4, 2.0]), np.array([0.5, 1.0, 0.3])
MIXTURE_INPUTS = [(0.0, _W, _M, _S), (-1.5, _W, _M, _S), (0.7, _W, _M, _S), (2.2, _W, _M, _S),
                  (-3.0, _W, _M, _S), (1.0, np.array([0.25, 0.75]), np.array([1.0, -1.0]),
                                           np.array([2.0, 0.5]))]


def _without_log_phi(x, w, m, s):
    return _mixture_parts(x, w, m, s)[1]


def _plus_log_phi(x, w, m, s):
    z, log_f, _, _ = _mixture_parts(x, w, m, s)
    return log_f + _log_normal_pdf(z)


def _log_phi_at_x(x, w, m, s):
    return _mixture_parts(x, w, m, s)[1] - _log_normal_pdf(x)


def _no_one_over_sigma(x, w, m, s):
    z, _, u, log_w = _mixture_parts(x, w, m, s)
    return logsumexp(log_w + _log_normal_pdf(u)) - _log_normal_pdf(z)


def _log_of_cdf(x, w, m, s):
    z, _, _, _ = _mixture_parts(x, w, m, s)
    return z - _log_normal_pdf(z)


MIXTURE_MISTAKES = [
    Mistake(_without_log_phi,
            "You returned log f(x), the mixture's log-density: that is the log-derivative of u = F(x), "
            "which maps to (0, 1). The transformer also applies Phi^-1, whose derivative is "
            "1 / phi(z): subtract log phi(z)."),
    Mistake(_plus_log_phi,
            "The log phi(z) term has the wrong sign. d Phi^-1(u)/du = 1 / phi(z), so "
            "log dz/dx = log f(x) - log phi(z)."),
    Mistake(_log_phi_at_x,
            "phi is evaluated at the wrong point: the derivative of Phi^-1 is 1 / phi(z) at the OUTPUT "
            "z = Phi^-1(F(x)), not at x."),
    Mistake(_no_one_over_sigma,
            "The mixture density misses the 1/sigma_k of each component: "
            "f(x) = sum_k pi_k phi((x - mu_k)/sigma_k) / sigma_k (chain rule on (x - mu_k)/sigma_k)."),
    Mistake(_log_of_cdf,
            "You used z where log f(x) belongs: the derivative of F is the mixture DENSITY f(x), not F "
            "or z."),
]


def check_mixture_cdf_log_det(mixture_cdf_log_det) -> None:
    """Exercise 3: ``mixture_cdf_log_det(x, weights, means, scales)`` = log dz/dx for
    ``z = Phi^-1(sum_k weights_k Phi((x - means_k) / scales_k))``, one scalar ``x``."""
    check_function(mixture_cdf_log_det, _mixture_cdf_log_det, MIXTURE_INPUTS,
                   name="mixture_cdf_log_det", exercise=3, mistakes=MIXTURE_MISTAKES,
                   rtol=1e-6, atol=1e-8)


__all__ = ["check_conditioner_outputs", "check_affine_inverse", "check_mixture_cdf_log_det",
           "ExerciseError"]
