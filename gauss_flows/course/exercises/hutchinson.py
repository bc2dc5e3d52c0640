"""Checkers for Part 6 · 02, Hutchinson's trace estimator.

Exercise 1: ``one_probe_estimate(f, z, eps)`` -> :math:`\\varepsilon^\\top J_f(z)\\, \\varepsilon`,
one probe's estimate of :math:`\\operatorname{tr} J_f(z)`, with one Jacobian-vector product.
Exercise 2: ``hutchinson_variances(J)`` -> ``(V_gauss, V_rademacher)``, the variances of one
probe's estimate, :math:`2\\lVert J_s\\rVert_F^2` and :math:`2(\\lVert J_s\\rVert_F^2 - \\sum_i J_{ii}^2)`
with :math:`J_s = (J + J^\\top)/2`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows.trace import exact_trace, hutchinson_variance
from gauss_flows.course.exercises.core import Mistake, call_for_number, check_function, check_value, fail

__all__ = ["check_one_probe_estimate", "check_hutchinson_variances"]


def _fields():
    """Three fields of R^3 with non-symmetric Jacobians that change from point to point."""
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    return {"f1": lambda z: jnp.tanh(a @ z) + 0.3 * z,
            "f2": lambda z: b @ z + 0.5 * jnp.sin(z) * z[::-1],
            "f3": lambda z: jnp.array([z[0] * z[1], jnp.exp(-z[2] ** 2) + z[0], z[1] ** 3 - z[2]])}


def _cases():
    """(name, f, z, eps): points away from 0, Gaussian and Rademacher probes, and a zero probe."""
    rng = np.random.default_rng(8)
    cases = []
    for name, f in _fields().items():
        for z, eps in [(rng.normal(size=3), rng.normal(size=3)),
                       (rng.normal(size=3), rng.choice([-1.0, 1.0], size=3)),
                       (rng.normal(size=3), np.zeros(3))]:
            cases.append((name, f, jnp.asarray(z), jnp.asarray(eps)))
    return cases


def _reference(f, z, eps):
    return float(eps @ jax.jvp(f, (z,), (eps,))[1])


def _estimate_mistakes(cases):
    def value(fn):
        return np.array([fn(f, z, eps) for _, f, z, eps in cases], dtype=float)

    return [
        (value(lambda f, z, eps: float(eps @ eps)),
         "Your estimate does not depend on f: eps^T eps is the estimate for J = I. The product needs "
         "J eps, the tangent output of jax.jvp(f, (z,), (eps,))."),
        (value(lambda f, z, eps: float(jnp.sum(jax.jvp(f, (z,), (eps,))[1]))),
         "You summed the entries of J eps (that is 1^T J eps); take its dot product with the probe: "
         "eps^T (J eps)."),
        (value(lambda f, z, eps: float(eps @ f(z))),
         "You used f(z), the field's VALUE (the first output of jax.jvp). The estimate needs its "
         "derivative along eps, J eps: the SECOND output."),
        (value(lambda f, z, eps: float(exact_trace(f, z)[1])),
         "That is the exact trace tr J (d Jacobian-vector products). The exercise asks for ONE probe's "
         "estimate, eps^T J eps, which varies with eps and is right only on average."),
        (value(lambda f, z, eps: float(eps @ jax.jvp(f, (z,), (jnp.ones_like(z),))[1])),
         "You pushed a vector of ones through jax.jvp; push the probe itself: J eps."),
    ]


def check_one_probe_estimate(one_probe_estimate) -> None:
    """Exercise 1: ``one_probe_estimate(f, z, eps)`` -> eps^T J_f(z) eps (a number)."""
    if not callable(one_probe_estimate):
        raise fail(1, "`one_probe_estimate` should be a function (def one_probe_estimate(f, z, eps): ...), "
                      f"but it is a {type(one_probe_estimate).__name__}.")
    cases = _cases()
    got = []
    for name, f, z, eps in cases:
        call = f"one_probe_estimate({name}, z, eps)"
        got.append(call_for_number(one_probe_estimate, f, z, eps, exercise=1, call=call,
                                   context=f" (z = {np.round(np.asarray(z), 3)}, eps = {np.round(np.asarray(eps), 3)})",
                                   what="a single number, the scalar eps^T J eps"))
    want = np.array([_reference(f, z, eps) for _, f, z, eps in cases])
    check_value(np.array(got), want, name="one_probe_estimate (over the checker's fields, points and probes)",
                exercise=1, mistakes=_estimate_mistakes(cases), rtol=1e-6, atol=1e-9)


def _matrices():
    rng = np.random.default_rng(9)
    dense = rng.normal(size=(4, 4))
    symmetric = dense + dense.T
    skew = dense - dense.T
    return [dense, symmetric, np.diag([1.0, -2.0, 0.5]), np.diag([3.0, 1.0]) + np.array([[0.0, 1.0], [-1.0, 0.0]]),
            rng.normal(size=(3, 3)), np.array([[2.5]]), np.zeros((3, 3)), skew + np.eye(4)]


def _variances(J):
    J = jnp.asarray(J, dtype=float)
    return np.array([float(hutchinson_variance(J, "gaussian")), float(hutchinson_variance(J, "rademacher"))])


def _both(J, use):
    """``(2 ||M||_F^2, 2 (||M||_F^2 - sum diag(M)^2))`` for ``M = use(J)``."""
    m = use(np.asarray(J, dtype=float))
    frobenius = float(np.sum(m ** 2))
    return np.array([2 * frobenius, 2 * (frobenius - float(np.sum(np.diag(m) ** 2)))])


VARIANCE_MISTAKES = [
    Mistake(lambda J: _both(J, lambda m: m),
            "Right for a symmetric J only: eps^T J eps = eps^T J_s eps with J_s = (J + J^T)/2, so the "
            "formulas need the Frobenius norm of the SYMMETRIC part, not of J."),
    Mistake(lambda J: _both(J, lambda m: 0.5 * (m + m.T)) / 2,
            "Each variance is missing a factor 2: for Gaussian probes Var(sum_i lambda_i g_i^2) = "
            "sum_i lambda_i^2 Var(g^2) and Var(g^2) = 2."),
    Mistake(lambda J: np.repeat(_both(J, lambda m: 0.5 * (m + m.T))[:1], 2),
            "The Rademacher variance is smaller: eps_i^2 = 1 exactly, so the diagonal of J contributes "
            "no noise. Subtract sum_i J_ii^2 inside the bracket."),
    Mistake(lambda J: np.array([2 * float(np.trace(np.asarray(J) @ np.asarray(J))),
                                2 * float(np.trace(np.asarray(J) @ np.asarray(J)) - np.sum(np.diag(J) ** 2))]),
            "tr(J J) is ||J_s||_F^2 - ||J_a||_F^2 (J_a the antisymmetric part): equal to the squared Frobenius "
            "norm only for a symmetric J. Use sum_ij of (J_s)_ij^2."),
]


def check_hutchinson_variances(hutchinson_variances) -> None:
    """Exercise 2: ``hutchinson_variances(J)`` -> ``[V_gauss, V_rademacher]`` of one probe."""
    check_function(hutchinson_variances, _variances, _matrices(), name="hutchinson_variances", exercise=2,
                   mistakes=VARIANCE_MISTAKES)
