"""Checkers for Part 1 · 03, a learnable mixture-CDF layer.

Exercise 1: the baseline. The maximum-likelihood Gaussian fit of a 1-D sample has
:math:`\\hat\\mu = \\bar x`, :math:`\\hat\\sigma^2 = \\frac1n\\sum_i (x_i - \\bar x)^2`, and its mean
negative log-likelihood per sample is

.. math::  \\mathrm{NLL} = \\tfrac12\\log(2\\pi\\hat\\sigma^2) + \\tfrac12 .

Write ``gaussian_nll(x)`` for a sample ``x`` of shape ``(n,)``.

Exercise 2: a warm start. Write ``warm_start(data, n_components)``: fit a Gaussian mixture by EM
(``gf.marginal_fit.fit_gaussian_mixture``) to ``data`` of shape ``(n, 1)`` and return the
``MixtureGaussianCDF`` of shape ``(1,)`` with those weights, means and scales
(``MixtureGaussianCDF.from_mixture``). The checker compares the map :math:`x \\mapsto z` of the
returned layer with the reference on a grid.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from gauss_flows import batched
from gauss_flows.bijectors import MixtureGaussianCDF
from gauss_flows.marginal_fit import fit_gaussian_mixture
from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)

# ---- exercise 1 ----------------------------------------------------------------------------


def _gaussian_nll(x):
    x = np.asarray(x, float)
    return 0.5 * np.log(2 * np.pi * np.var(x)) + 0.5


_rng = np.random.default_rng(3)
GAUSSIAN_INPUTS = [np.array([0.0, 1.0]), np.array([-2.0, 0.5, 0.7, 3.0, 1.2]),
                   np.array([10.0, 10.5, 9.0]), _rng.standard_normal(50) * 0.1,
                   _rng.gamma(2.0, size=200)]
GAUSSIAN_MISTAKES = [
    Mistake(lambda x: 0.5 * np.log(2 * np.pi * np.var(x, ddof=1)) + 0.5,
            "You used the unbiased variance (ddof=1, dividing by n - 1). The MAXIMUM-LIKELIHOOD "
            "variance divides by n (np.var's default); only then is the +1/2 term exact, because "
            "the mean of (x - mean)^2 / sigma^2 is then exactly 1."),
    Mistake(lambda x: np.log(2 * np.pi * np.var(x)) + 0.5,
            "You dropped the 1/2 in front of the log: the Gaussian's log-density is "
            "-1/2 log(2 pi sigma^2) - (x - mu)^2 / (2 sigma^2), i.e. -log(sigma), not -log(sigma^2)."),
    Mistake(lambda x: 0.5 * np.log(2 * np.pi * np.std(x)) + 0.5,
            "You put the standard deviation where the variance goes: 1/2 log(2 pi sigma^2), "
            "with sigma^2 = np.var(x)."),
]


def check_gaussian_nll(gaussian_nll) -> None:
    """Exercise 1: ``gaussian_nll(x)`` = mean NLL per sample of the ML Gaussian fit."""
    check_function(gaussian_nll, _gaussian_nll, GAUSSIAN_INPUTS, name="gaussian_nll",
                   exercise=1, mistakes=GAUSSIAN_MISTAKES, rtol=1e-8, atol=1e-10)


# ---- exercise 2 ----------------------------------------------------------------------------

GRID = np.linspace(-4.0, 6.0, 41)


def _warm_start(data, n_components):
    weights, means, scales = fit_gaussian_mixture(jnp.asarray(data)[:, 0], n_components)
    return MixtureGaussianCDF.from_mixture(weights[None], means[None], scales[None])


def _z_on_grid(layer):
    return np.asarray(batched.transform(layer, jnp.asarray(GRID)[:, None])[:, 0])


def _sample(seed, n):
    """The page's kind of data (narrow bump + log-normal tail), in NumPy: cheap to build."""
    rng = np.random.default_rng(seed)
    bump = -1.5 + 0.45 * rng.standard_normal(n)
    tail = np.exp(0.5 * rng.standard_normal(n))
    return np.where(rng.uniform(size=n) < 0.6, bump, tail)[:, None]


# one data size and two component counts: few compilations of EM and of the map
WARM_INPUTS = [(_sample(11, 500), 3), (_sample(12, 500), 3),
               (2.0 + 0.5 * np.random.default_rng(13).standard_normal((500, 1)), 2)]


def _em(data, n_components):
    return fit_gaussian_mixture(jnp.asarray(data)[:, 0], n_components)


WARM_MISTAKES = [
    Mistake(lambda d, k: _z_on_grid(MixtureGaussianCDF.from_mixture(
        *(a[None] for a in (_em(d, k)[0], _em(d, k)[1], _em(d, k)[2] ** 2)))),
        "Your components are too wide or too narrow: from_mixture expects SCALES (standard "
        "deviations), and you passed variances (scale**2)."),
    Mistake(lambda d, k: _z_on_grid(MixtureGaussianCDF(k, shape=(1,))),
            "That is the default initialisation (a mixture close to N(0, 1)), not the EM fit. Call "
            "gf.marginal_fit.fit_gaussian_mixture on the data and pass its weights, means and scales "
            "to MixtureGaussianCDF.from_mixture."),
    Mistake(lambda d, k: _z_on_grid(MixtureGaussianCDF.from_mixture(
        *(a[None] for a in (_em(d, k)[0], _em(d, k)[2], _em(d, k)[1])))),
        "Means and scales are swapped: from_mixture(weights, means, scales), in that order, and "
        "fit_gaussian_mixture returns (weights, means, scales)."),
]


def check_warm_start(warm_start) -> None:
    """Exercise 2: ``warm_start(data, n_components)`` returns the EM-fitted layer of shape (1,)."""
    if not callable(warm_start):
        raise ExerciseError("Exercise 2: `warm_start` should be a function "
                            "(def warm_start(data, n_components): ...).")

    def student(data, n_components):
        layer = warm_start(data, n_components)
        if layer is None:
            raise ExerciseError("Exercise 2: `warm_start` returned None: did you forget `return`?")
        if not isinstance(layer, MixtureGaussianCDF):
            raise ExerciseError(f"Exercise 2: `warm_start` should return a gf.MixtureGaussianCDF, "
                                f"got {type(layer).__name__}.")
        if tuple(layer.shape) != (1,) or layer.n_components != n_components:
            raise ExerciseError(
                f"Exercise 2: the layer has shape {tuple(layer.shape)} and {layer.n_components} "
                f"components; the flow needs shape (1,) and n_components = {n_components}. For data "
                "of shape (n, 1), take the column data[:, 0] for fit_gaussian_mixture and add a "
                "leading axis to its results (weights[None], ...).")
        return _z_on_grid(layer)

    check_function(student, lambda d, k: _z_on_grid(_warm_start(d, k)), WARM_INPUTS,
                   name="warm_start", exercise=2, mistakes=WARM_MISTAKES, rtol=1e-6, atol=1e-8)
