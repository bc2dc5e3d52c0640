"""Checkers for Part 6 · 03, training a continuous flow.

Exercise 1: ``kl_estimate(log_p, log_q)`` -> ``(mean, standard error)`` of :math:`\\log p(x_j) -
\\log q(x_j)` over test points :math:`x_j \\sim p`: the Monte Carlo estimate of
:math:`\\mathrm{KL}(p\\,\\|\\,q) = \\mathbb E_p[\\log p - \\log q]` and its standard error
:math:`s/\\sqrt m` (:math:`s` the sample standard deviation, ``ddof=1``).
Exercise 2: ``log_density(flow, x)`` -> :math:`\\log q(x)` of a continuous flow at one point, by the
change of variables through its ODE: :math:`\\log \\mathcal N(z(1)) + \\log|\\det \\partial z(1)/\\partial x|`
with :math:`(z(1), \\log|\\det|)` = ``flow.bijection.transform_and_log_det(x)``.
"""

from __future__ import annotations

from functools import lru_cache

import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_kl_estimate", "check_log_density"]


def _kl(log_p, log_q):
    d = np.asarray(log_p, dtype=float) - np.asarray(log_q, dtype=float)
    return np.array([d.mean(), d.std(ddof=1) / np.sqrt(d.size)])


def _kl_inputs():
    rng = np.random.default_rng(6)
    inputs = []
    for m, shift, spread in [(40, 0.3, 0.5), (200, 0.05, 1.0), (1000, 1.2, 2.0)]:
        log_p = rng.normal(-2.0, 1.0, m)
        inputs.append((log_p, log_p - shift - spread * rng.standard_normal(m) ** 2))
    return inputs


KL_MISTAKES = [
    Mistake(lambda p, q: _kl(q, p),
            "The difference runs the wrong way: KL(p || q) = E_p[log p - log q], the truth's "
            "log-density minus the model's (it is >= 0 for any model q)."),
    Mistake(lambda p, q: np.array([_kl(p, q)[0], np.std(np.asarray(p) - np.asarray(q), ddof=1)]),
            "The second number is the spread of ONE term, not the standard error of their mean: "
            "divide the standard deviation by sqrt(m), m the number of test points."),
    Mistake(lambda p, q: np.array([_kl(p, q)[0], np.std(np.asarray(p) - np.asarray(q), ddof=1) / np.size(p)]),
            "The standard error of a mean is s / sqrt(m), not s / m."),
    Mistake(lambda p, q: np.array([_kl(p, q)[0], np.std(np.asarray(p) - np.asarray(q)) / np.sqrt(np.size(p))]),
            "Use the sample standard deviation (ddof=1): np.std(..., ddof=1). The mean was estimated "
            "from the same numbers, which costs one degree of freedom."),
    Mistake(lambda p, q: np.array([np.mean(np.exp(p) - np.exp(q)), _kl(p, q)[1]]),
            "KL compares log-densities, not densities: average log p - log q."),
]


def check_kl_estimate(kl_estimate) -> None:
    """Exercise 1: ``kl_estimate(log_p, log_q)`` -> ``(mean, standard error)`` of log p - log q."""
    check_function(kl_estimate, _kl, _kl_inputs(), name="kl_estimate", exercise=1, mistakes=KL_MISTAKES)


@lru_cache(maxsize=2)
def _flow(dtype_name: str):
    dtype = jnp.dtype(dtype_name)
    field = gf.perturb(gf.VectorField(jr.key(60), (2,), width=8, depth=1, dtype=dtype), jr.key(61), scale=0.6)
    return gf.Transformed(gf.StandardNormal((2,)), gf.ContinuousFlow(field))


def _log_density_inputs():
    flow = _flow(str(jnp.zeros(()).dtype))  # the session's precision (float64 when x64 is on)
    points = [jnp.zeros(2), jnp.array([1.0, -0.5]), jnp.array([-1.5, 2.0]), jnp.array([0.3, 0.8])]
    return [(flow, x.astype(jnp.zeros(()).dtype)) for x in points]


def _log_density(flow, x):
    # as Transformed.log_prob computes it for one point, without its batching (one compilation
    # fewer in the notebook; the tests compare it with flow.log_prob)
    z, log_det = flow.bijection.transform_and_log_det(x)
    return flow.base._log_prob(z) + log_det


def _base(flow, z):
    return flow.base.log_prob(z)


LOG_DENSITY_MISTAKES = [
    Mistake(lambda f, x: _base(f, f.bijection.transform(x)),
            "The log-determinant is missing: the ODE moves the point AND changes the volume around it; "
            "add log|det dz(1)/dx|, the second output of transform_and_log_det (the integral of the trace)."),
    Mistake(lambda f, x: _base(f, f.bijection.transform(x)) - f.bijection.transform_and_log_det(x)[1],
            "The log-determinant has the wrong sign: log q(x) = log N(z(1)) + log|det dz(1)/dx|, "
            "with the forward (data -> latent) map's log-det added, as in every flow of the book."),
    Mistake(lambda f, x: _base(f, f.bijection.inverse(x)) + f.bijection.inverse_and_log_det(x)[1],
            "You ran the ODE backwards (inverse): that is the sampling direction. The density of a "
            "data point needs the normalising direction, transform_and_log_det(x): from x at t = 0 to z at t = 1."),
    Mistake(lambda f, x: _base(f, x) + f.bijection.transform_and_log_det(x)[1],
            "The base density must be evaluated at z(1) = T(x), the end of the ODE, not at x itself."),
]


def check_log_density(log_density) -> None:
    """Exercise 2: ``log_density(flow, x)`` -> log q(x) of a continuous flow, through its ODE."""
    check_function(log_density, _log_density, _log_density_inputs(), name="log_density", exercise=2,
                   mistakes=LOG_DENSITY_MISTAKES, rtol=1e-6, atol=1e-8)
