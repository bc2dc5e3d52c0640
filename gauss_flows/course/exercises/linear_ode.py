"""Checkers for Part 6 · 00, linear ODE flows (the matrix exponential).

Exercise 1: ``log_det_expm(A, t)`` -> :math:`\\log\\lvert\\det e^{tA}\\rvert`, computed numerically
(``slogdet`` of the matrix exponential); it must equal :math:`t \\operatorname{tr} A` (Jacobi's
formula), which is the reference.
Exercise 2: ``pushed_covariance(A, t)`` -> the covariance of :math:`e^{tA} z` for
:math:`z \\sim \\mathcal N(0, I)`: :math:`\\Sigma_t = e^{tA}\\, (e^{tA})^\\top = e^{tA} e^{tA^\\top}`.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import expm

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_log_det_expm", "check_pushed_covariance"]

# Generators with something to catch: non-symmetric, singular (shear, rank one), a rotation,
# 3 x 3, and times of both signs and zero. Non-normal ones (A A^T != A^T A) tell e^{tA} e^{tA^T}
# apart from e^{2tA} and from e^{tA^T} e^{tA}.
GENERATORS = [np.array([[0.0, -1.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 0.0]]),
              np.array([[0.5, -0.2], [0.25, -0.1]]), np.array([[-0.3, 0.8], [-0.4, 0.6]]),
              np.array([[0.2, 0.5, 0.0], [-0.3, -0.6, 0.4], [0.1, 0.0, 0.3]])]
INPUTS = [(GENERATORS[0], 0.7), (GENERATORS[1], 1.5), (GENERATORS[2], 2.0), (GENERATORS[3], -0.8),
          (GENERATORS[4], 1.2), (GENERATORS[3], 0.0), (GENERATORS[4], -0.5)]


def _log_abs_det(m) -> float:
    return float(np.linalg.slogdet(m)[1])


def _t_trace(A, t) -> float:
    return float(t) * float(np.trace(np.asarray(A, dtype=float)))


LOG_DET_MISTAKES = [
    Mistake(lambda A, t: _log_abs_det(np.exp(t * np.asarray(A))),
            "You exponentiated each ENTRY (np.exp(t * A)): that is not the matrix exponential. The flow of "
            "dz/dt = A z is e^{tA} = I + tA + (tA)^2/2! + ..., computed by jax.scipy.linalg.expm (or "
            "scipy.linalg.expm)."),
    Mistake(lambda A, t: float(np.linalg.slogdet(expm(t * np.asarray(A)))[0]),
            "slogdet returns a pair (sign, log|det|): you returned the sign. Take the second entry, "
            "np.linalg.slogdet(M)[1]."),
    Mistake(lambda A, t: _log_abs_det(np.eye(len(A)) + t * np.asarray(A)),
            "You used I + tA, the series of e^{tA} cut after its linear term: right only for tiny t. "
            "Use the whole matrix exponential (expm)."),
    Mistake(lambda A, t: float(t) * _log_abs_det(np.asarray(A, dtype=float)),
            "t log|det A| is the log-det of A^t, not of e^{tA}: the generator's own determinant does not "
            "enter (it may be 0, yet e^{tA} is invertible). Take slogdet of expm(t * A)."),
]


def check_log_det_expm(log_det_expm) -> None:
    """Exercise 1: ``log_det_expm(A, t)`` -> log|det expm(t A)|, which is t tr A."""
    check_function(log_det_expm, _t_trace, INPUTS, name="log_det_expm", exercise=1,
                   mistakes=LOG_DET_MISTAKES, rtol=1e-8, atol=1e-10)


def _covariance(A, t) -> np.ndarray:
    flow = expm(float(t) * np.asarray(A, dtype=float))
    return flow @ flow.T


COVARIANCE_MISTAKES = [
    Mistake(lambda A, t: expm(2.0 * t * np.asarray(A)),
            "e^{2tA} equals e^{tA} e^{tA^T} only when A commutes with its transpose (a symmetric A, a "
            "rotation): e^{tA^T} = (e^{tA})^T, not e^{tA}. Write Cov(Mz) = M Cov(z) M^T with M = e^{tA}."),
    Mistake(lambda A, t: expm(t * np.asarray(A)).T @ expm(t * np.asarray(A)),
            "The order is M M^T, not M^T M: for x = M z, Cov(x) = E[M z z^T M^T] = M M^T."),
    Mistake(lambda A, t: expm(t * np.asarray(A)),
            "You returned the map M = e^{tA} itself; the covariance of x = M z is M Cov(z) M^T = M M^T."),
    Mistake(lambda A, t: expm(t * (np.asarray(A) + np.asarray(A).T)),
            "e^{t(A + A^T)} is not e^{tA} e^{tA^T}: the exponential turns a sum into a product only for "
            "matrices that commute. Multiply the two exponentials instead."),
    Mistake(lambda A, t: np.exp(t * np.asarray(A)) @ np.exp(t * np.asarray(A)).T,
            "np.exp(t * A) exponentiates each entry: use the matrix exponential (expm)."),
]


def check_pushed_covariance(pushed_covariance) -> None:
    """Exercise 2: ``pushed_covariance(A, t)`` -> Cov(e^{tA} z) = e^{tA} e^{tA}^T for z ~ N(0, I)."""
    check_function(pushed_covariance, _covariance, INPUTS, name="pushed_covariance", exercise=2,
                   mistakes=COVARIANCE_MISTAKES, rtol=1e-8, atol=1e-10)
