"""The trace of a Jacobian, exactly or by Hutchinson's estimator.

A continuous-time flow's log-density changes at the rate :math:`-\\operatorname{tr}
\\partial f/\\partial z` (the instantaneous change of variables), so every step of its ODE
needs the trace of the vector field's Jacobian :math:`J`.

* Exactly: :math:`\\operatorname{tr} J = \\sum_i e_i^\\top J e_i`, one Jacobian-vector product
  per dimension (:func:`exact_trace`): :math:`d` products, fine in low dimension.
* Hutchinson (1989): for a random probe :math:`\\varepsilon` with :math:`\\mathbb E[\\varepsilon]
  = 0` and :math:`\\mathbb E[\\varepsilon\\varepsilon^\\top] = I`,

  .. math::  \\mathbb E\\big[\\varepsilon^\\top J \\varepsilon\\big] = \\operatorname{tr}\\big(J\\,
             \\mathbb E[\\varepsilon\\varepsilon^\\top]\\big) = \\operatorname{tr} J ,

  unbiased at the cost of ONE product per probe, whatever :math:`d` (FFJORD, Grathwohl et al.
  2019). Its variance is :math:`2\\lVert J_s\\rVert_F^2` for Gaussian probes and
  :math:`2(\\lVert J_s\\rVert_F^2 - \\sum_i J_{ii}^2)` for Rademacher (:math:`\\pm 1`) probes,
  :math:`J_s = (J + J^\\top)/2`: Rademacher probes never do worse (:func:`hutchinson_variance`).
"""

from __future__ import annotations

from typing import Callable

import jax
import jax.numpy as jnp
import jax.random as jr
from jax import Array

__all__ = ["PROBES", "exact_trace", "hutchinson_trace", "hutchinson_variance", "probes"]

PROBES = ("rademacher", "gaussian")


def _flat(f: Callable[[Array], Array], z: Array) -> tuple[Callable[[Array], Array], Array]:
    """``f`` as a map of flat vectors (a trace is over all coordinates of an event)."""
    shape = z.shape
    return (lambda v: f(v.reshape(shape)).ravel()), z.ravel()


def exact_trace(f: Callable[[Array], Array], z: Array) -> tuple[Array, Array]:
    """``(f(z), tr df/dz)`` exactly: the Jacobian by forward mode, then its diagonal."""
    g, v = _flat(f, z)
    value, jvp = jax.linearize(g, v)
    jacobian = jax.vmap(jvp, out_axes=1)(jnp.eye(v.size, dtype=v.dtype))
    return value.reshape(z.shape), jnp.trace(jacobian)


def probes(key: Array, n_probes: int, size: int, kind: str = "rademacher", dtype=None) -> Array:
    """``(n_probes, size)`` random vectors with mean 0 and identity covariance."""
    if kind not in PROBES:
        raise ValueError(f"probe kind must be one of {PROBES}, but got {kind!r}.")
    if not isinstance(n_probes, int) or n_probes < 1:
        raise ValueError(f"n_probes must be a positive integer, but got {n_probes!r}.")
    dtype = dtype or jnp.result_type(float)
    if kind == "gaussian":
        return jr.normal(key, (n_probes, size), dtype)
    return jr.rademacher(key, (n_probes, size), dtype)


def hutchinson_trace(f: Callable[[Array], Array], z: Array, eps: Array) -> tuple[Array, Array]:
    """``(f(z), mean_k eps_k^T (df/dz) eps_k)`` for probes ``eps`` of shape ``(n_probes, z.size)``:
    one Jacobian-vector product per probe, an unbiased estimate of the trace."""
    g, v = _flat(f, z)
    if eps.ndim != 2 or eps.shape[1] != v.size:
        raise ValueError(f"probes must have shape (n_probes, {v.size}) for a point of shape "
                         f"{z.shape}, but have shape {eps.shape}.")
    value, jvp = jax.linearize(g, v)
    products = jax.vmap(lambda e: e @ jvp(e))(eps.astype(v.dtype))
    return value.reshape(z.shape), jnp.mean(products)


def hutchinson_variance(jacobian: Array, kind: str = "rademacher") -> Array:
    """The variance of ONE probe's estimate :math:`\\varepsilon^\\top J\\varepsilon` (exact)."""
    if kind not in PROBES:
        raise ValueError(f"probe kind must be one of {PROBES}, but got {kind!r}.")
    sym = 0.5 * (jacobian + jacobian.T)
    if kind == "gaussian":
        return 2.0 * jnp.sum(sym ** 2)                     # 2 ||S||_F^2
    # 2 * (sum of squared OFF-diagonal entries of S): summed directly, not as ||S||_F^2 minus the
    # diagonal, whose cancellation left -1e-17 for a diagonal J (a NaN standard deviation)
    off_diagonal = sym - jnp.diag(jnp.diag(sym))
    return 2.0 * jnp.sum(off_diagonal ** 2)
