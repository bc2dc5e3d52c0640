"""Checkers for Part 6 · 01, the instantaneous change of variables.

Exercise 1: ``log_density_along_path(A, t, x)`` -> :math:`\\log p_t(z(t))` for the particle that
starts at :math:`z(0) = x \\sim p_0 = \\mathcal N(0, I_d)` and moves along the linear field
:math:`f(z) = Az`. Integrating :math:`\\frac{d}{dt}\\log p_t(z(t)) = -\\operatorname{tr} A` from 0:
:math:`\\log p_t(z(t)) = \\log\\mathcal N(x;\\, 0, I) - t \\operatorname{tr} A`.
Exercise 2: ``field_divergence(f, t, z)`` -> :math:`\\operatorname{tr} \\frac{\\partial f}{\\partial z}(t, z)`
for a field ``f(t, z)`` of any dimension (the rate at which the log-density falls along a path).
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from scipy.linalg import expm

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_log_density_along_path", "check_field_divergence"]


def _log_normal(x) -> float:
    x = np.asarray(x, dtype=float)
    return float(-0.5 * x @ x - 0.5 * x.size * np.log(2 * np.pi))


def _along_path(A, t, x) -> float:
    return _log_normal(x) - float(t) * float(np.trace(np.asarray(A, dtype=float)))


def _moved(A, t, x):
    return expm(float(t) * np.asarray(A, dtype=float)) @ np.asarray(x, dtype=float)


PATH_INPUTS = [
    (np.array([[0.3, -1.0], [1.0, 0.2]]), 0.8, np.array([1.0, -0.5])),
    (np.array([[0.3, -1.0], [1.0, 0.2]]), 0.0, np.array([1.0, -0.5])),
    (np.array([[-0.5, 0.4], [0.1, -0.2]]), 1.5, np.array([0.0, 0.0])),
    (np.array([[-0.5, 0.4], [0.1, -0.2]]), -0.6, np.array([2.0, 1.0])),
    (np.array([[0.2, 0.5, 0.0], [-0.3, 0.4, 0.4], [0.1, 0.0, 0.3]]), 1.2, np.array([0.5, -1.0, 0.3])),
]

PATH_MISTAKES = [
    Mistake(lambda A, t, x: _log_normal(x) + float(t) * float(np.trace(A)),
            "The log-det term has the wrong sign. Along a path d log p/dt = -tr A: where the field spreads "
            "points out (tr A > 0) the density at the particle falls."),
    Mistake(lambda A, t, x: _log_normal(_moved(A, t, x)) - float(t) * float(np.trace(A)),
            "You evaluated p_0 at z(t) = e^{tA} x, where the particle IS. The particle carries the density "
            "it had where it STARTED, p_0(x), changed by the integral of -tr A along the way."),
    Mistake(lambda A, t, x: _log_normal(x) - float(np.trace(A)),
            "The rate -tr A acts for a time t: integrate it, log p_t = log p_0(x) - t tr A."),
    Mistake(lambda A, t, x: _log_normal(x),
            "You returned log p_0(x): a particle keeps its probability, not its density. The density "
            "changes at the rate -tr A along the path."),
    Mistake(lambda A, t, x: _log_normal(_moved(A, t, x)),
            "That is the standard normal at the moved point z(t), which is not the density of the moved "
            "particles: start from log p_0(x) and integrate d log p/dt = -tr A."),
    Mistake(lambda A, t, x: _log_normal(x) - float(t) * float(np.linalg.slogdet(np.asarray(A))[1]),
            "The rate is tr A (the sum of the eigenvalues of A), not log|det A| (the sum of their logs): "
            "the flow's Jacobian is e^{tA}, and log det e^{tA} = t tr A."),
]


def check_log_density_along_path(log_density_along_path) -> None:
    """Exercise 1: ``log_density_along_path(A, t, x)`` -> log N(x; 0, I) - t tr A."""
    check_function(log_density_along_path, _along_path, PATH_INPUTS, name="log_density_along_path",
                   exercise=1, mistakes=PATH_MISTAKES, rtol=1e-8, atol=1e-10)


# Fields of the checker (named: a message says "field_divergence(turning_2d, 0.5, [...])").
def linear_2d(t, z):
    return jnp.array([[0.4, -1.2], [0.9, -0.1]]) @ z


def turning_2d(t, z):  # time-dependent, its divergence changes in time
    return jnp.stack([jnp.sin(t) * z[0] ** 2 - z[1], jnp.cos(z[0] * z[1]) + t * z[1]])


def spreading_2d(t, z):
    return jnp.stack([jnp.tanh(3.0 * z[0]) + 0.5 * z[1] ** 2, -0.2 * z[1] + jnp.sin(z[0])])


def curling_3d(t, z):
    return jnp.stack([z[1] * z[2], z[0] ** 2 + jnp.tanh(z[1]), t * jnp.exp(-z[2]) - z[0]])


FIELDS = [linear_2d, turning_2d, spreading_2d, curling_3d]


def _jacobian(f, t, z):
    return _jacobian_cached(f, float(t), tuple(float(v) for v in np.ravel(z)))


@lru_cache(maxsize=256)  # the reference and every listed mistake need the same few Jacobians
def _jacobian_cached(f, t, z):
    return np.asarray(jax.jacfwd(lambda v: f(t, v))(jnp.asarray(z, dtype=float)))


def _divergence(f, t, z) -> float:
    return float(np.trace(_jacobian(f, t, z)))


DIVERGENCE_INPUTS = [
    (linear_2d, 0.3, np.array([0.7, -1.1])),
    (turning_2d, 0.0, np.array([0.0, 0.0])),
    (turning_2d, 1.3, np.array([0.8, -0.4])),
    (turning_2d, -0.7, np.array([-1.5, 0.6])),
    (spreading_2d, 0.5, np.array([0.1, 1.0])),
    (curling_3d, 0.9, np.array([0.4, -0.3, 0.2])),
    (curling_3d, 2.0, np.array([-1.0, 0.5, -0.8])),
]

DIVERGENCE_MISTAKES = [
    Mistake(lambda f, t, z: float(np.sum(_jacobian(f, t, z))),
            "You summed EVERY entry of the Jacobian. The divergence is the sum of its diagonal only, "
            "sum_i df_i/dz_i (the off-diagonal entries turn and shear, they do not change volume)."),
    Mistake(lambda f, t, z: float(np.linalg.det(_jacobian(f, t, z))),
            "That is the determinant of the field's Jacobian. The RATE of change of the log-volume is "
            "its trace: d/dt log det(dz(t)/dx) = tr(df/dz)."),
    Mistake(lambda f, t, z: float(np.linalg.slogdet(_jacobian(f, t, z))[1]),
            "log|det df/dz| is not the divergence: take the trace of the Jacobian, tr(df/dz)."),
    Mistake(lambda f, t, z: float(np.sum(np.asarray(f(t, jnp.asarray(z, dtype=float))))),
            "You summed the field's VALUES f_i(t, z); the divergence sums its DERIVATIVES df_i/dz_i."),
    Mistake(lambda f, t, z: _divergence(f, 0.0, z),
            "You evaluated the field at time 0: the field depends on t, pass it through, f(t, z)."),
]


def check_field_divergence(field_divergence) -> None:
    """Exercise 2: ``field_divergence(f, t, z)`` -> tr df/dz at (t, z), any dimension."""
    check_function(field_divergence, _divergence, DIVERGENCE_INPUTS, name="field_divergence",
                   exercise=2, mistakes=DIVERGENCE_MISTAKES, rtol=1e-8, atol=1e-10)
