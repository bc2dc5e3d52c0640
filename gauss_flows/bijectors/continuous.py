"""Continuous-time flows: a bijector that is the solution of an ODE.

A time-dependent vector field :math:`f(t, z)` moves every point along

.. math::  \\frac{dz}{dt} = f(t, z), \\qquad T(x) = z(1) \\text{ with } z(0) = x .

The map is invertible for any (Lipschitz) field: run the ODE backwards from :math:`t=1` to
:math:`t=0`. Its log-determinant follows the instantaneous change of variables (Chen et al.
2018, "Neural ODEs"):

.. math::  \\frac{d}{dt} \\log\\Big\\lvert\\det \\frac{\\partial z(t)}{\\partial x}\\Big\\rvert
           = \\operatorname{tr} \\frac{\\partial f}{\\partial z}(t, z(t)),

so the solver integrates the point and its log-det together, as one augmented state
:math:`(z, \\ell)` from :math:`(x, 0)`. Here :math:`t=0` is the data and :math:`t=1` the
latent, the library's direction (``transform`` normalises); flow-matching papers usually
run time the other way (noise at 0), which is the same flow read backwards.

The trace is exact by default (:func:`~gauss_flows.trace.exact_trace`, :math:`d`
Jacobian-vector products per evaluation); :meth:`ContinuousFlow.transform_and_log_det_estimate`
uses Hutchinson's estimator with probes held fixed along the solve (FFJORD, Grathwohl et
al. 2019). The ODE is solved by diffrax (Kidger 2021) with an adaptive Runge-Kutta method
(Tsitouras 5(4)) whose error control keeps each step's local error below
``atol + rtol * |z|``; ``rtol`` and ``atol`` are floored at 100 machine epsilons of the
state's precision, so float32 never asks for the impossible.
"""

from __future__ import annotations

import math
from typing import Callable

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from ..parameters import Frozen
from ..trace import exact_trace, hutchinson_trace, probes
from .base import Bijector


class VectorField(eqx.Module):
    """:math:`f(t, z)`: an MLP on the flattened point with the time appended, output reshaped.

    The output layer starts at exactly zero (``init_scale=0``), so a fresh flow is the
    identity, like a fresh coupling. The activation is smooth (``tanh``): an adaptive solver
    needs a smooth field, and the trace of a ReLU network's Jacobian is piecewise constant.
    """

    mlp: eqx.nn.MLP
    shape: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, key: Array, shape: tuple[int, ...], *, width: int = 64, depth: int = 2,
                 activation: Callable[[Array], Array] = jax.nn.tanh, init_scale: float = 0.0,
                 dtype=None):
        self.shape = tuple(int(s) for s in shape)
        if not self.shape or any(s < 1 for s in self.shape):
            raise ValueError(f"VectorField needs an event shape of positive sizes, but got {shape!r}.")
        if width < 1 or depth < 0:
            raise ValueError(f"need width >= 1 and depth >= 0, but got width={width}, depth={depth}.")
        size = math.prod(self.shape)
        dtype = dtype or jnp.result_type(float)
        mlp = eqx.nn.MLP(size + 1, size, width_size=width, depth=depth, activation=activation,
                         key=key, dtype=dtype)
        last = mlp.layers[-1]
        self.mlp = eqx.tree_at(lambda m: (m.layers[-1].weight, m.layers[-1].bias), mlp,
                               (init_scale * last.weight, init_scale * last.bias))

    def __call__(self, t: ArrayLike, z: Array) -> Array:
        if z.shape != self.shape:
            raise ValueError(f"VectorField expects a point of shape {self.shape}, but got shape {z.shape}.")
        t = jnp.asarray(t, z.dtype).reshape(1)
        return self.mlp(jnp.concatenate([z.ravel(), t])).reshape(self.shape)


class _Augmented(eqx.Module):
    r"""The right-hand side of the augmented ODE, :math:`(\dot z, \dot\ell) = (f(t, z),
    \operatorname{tr}\partial f/\partial z)`. A module (a pytree of the field), not a closure:
    diffrax compiles its solve once per structure, so a fresh closure at every call would compile
    the solver again at every eager call."""

    field: Callable
    trace: str = eqx.field(static=True)

    def __call__(self, t, state, eps):
        z, _ = state
        f = lambda v: self.field(t, v)
        dz, tr = exact_trace(f, z) if self.trace == "exact" else hutchinson_trace(f, z, eps)
        return dz, tr.astype(z.dtype)


def _floored(tolerance: Array, dtype) -> Array:
    return jnp.maximum(tolerance.astype(dtype), 100.0 * jnp.finfo(dtype).eps)


class ContinuousFlow(Bijector):
    """:math:`T(x) = z(1)`, :math:`\\dot z = f(t, z)`, :math:`z(0) = x`, with its exact log-det.

    Args:
        field: the vector field, any module called as ``field(t, z)`` with ``z`` of ``shape``
            (e.g. :class:`VectorField`).
        shape: the event shape (default: ``field.shape``).
        rtol, atol: the solver's relative and absolute error tolerances (per step).
        max_steps: the solver's step budget; exceeding it raises an error (a stiff or exploding
            field), never a silent wrong answer.
        differentiation: ``"reverse"`` (gradients for training, ``jax.grad`` / ``jax.jacrev``,
            by diffrax's checkpointed backpropagation through the solver) or ``"forward"``
            (``jax.jvp`` / ``jax.jacfwd``); JAX cannot do both through one solve.
    """

    field: Callable
    # (rtol, atol) as an array, not static numbers: flows that differ only in their tolerance
    # share every compiled function (a tolerance sweep compiles once); Frozen: never trained
    tolerances: Frozen
    shape: tuple[int, ...] = eqx.field(static=True)
    max_steps: int = eqx.field(static=True)
    differentiation: str = eqx.field(static=True)

    def __init__(self, field: Callable, shape: tuple[int, ...] | None = None, *,
                 rtol: float = 1e-5, atol: float = 1e-7, max_steps: int = 4096,
                 differentiation: str = "reverse"):
        if differentiation not in ("reverse", "forward"):
            raise ValueError(f"differentiation must be 'reverse' or 'forward', but got {differentiation!r}.")
        self.differentiation = differentiation
        shape = getattr(field, "shape", None) if shape is None else shape
        if shape is None:
            raise ValueError("ContinuousFlow needs shape= when the field has no .shape.")
        if not (rtol > 0 and atol > 0):
            raise ValueError(f"rtol and atol must be positive, but got rtol={rtol}, atol={atol}.")
        self.field, self.shape = field, tuple(int(s) for s in shape)
        self.tolerances = Frozen(jnp.array([rtol, atol], dtype=jnp.result_type(float)))
        self.max_steps = int(max_steps)

    @property
    def rtol(self) -> float:
        return float(self.tolerances.value[0])

    @property
    def atol(self) -> float:
        return float(self.tolerances.value[1])

    # ---- the solve -------------------------------------------------------------------------
    def solve(self, x: Array, t0: float = 0.0, t1: float = 1.0, *, trace: str = "exact",
              eps: Array | None = None, saveat: diffrax.SaveAt | None = None) -> diffrax.Solution:
        """The diffrax solution of the augmented ODE for :math:`(z, \\ell)` from ``(x, 0)`` at
        ``t0`` to ``t1`` (``t1 < t0`` runs backwards). ``trace`` is ``"exact"``, or
        ``"hutchinson"`` with probes ``eps`` of shape ``(n_probes, x.size)``; ``saveat``
        chooses what is kept (the end point by default; ``stats`` counts the steps)."""
        x = self._check(x, "solve")
        if trace not in ("exact", "hutchinson") or (trace == "hutchinson") != (eps is not None):
            raise ValueError("trace must be 'exact' (no probes) or 'hutchinson' (with probes eps).")
        dtype = x.dtype
        rtol, atol = self.tolerances.get()
        controller = diffrax.PIDController(rtol=_floored(rtol, dtype), atol=_floored(atol, dtype))
        return diffrax.diffeqsolve(
            diffrax.ODETerm(_Augmented(self.field, trace)), diffrax.Tsit5(), jnp.asarray(t0, dtype),
            jnp.asarray(t1, dtype), None, (x, jnp.zeros((), dtype)), args=eps,
            stepsize_controller=controller, max_steps=self.max_steps,
            saveat=saveat or diffrax.SaveAt(t1=True),
            adjoint=(diffrax.RecursiveCheckpointAdjoint() if self.differentiation == "reverse"
                     else diffrax.ForwardMode()))

    def _end(self, x: Array, t0: float, t1: float) -> tuple[Array, Array]:
        z, log_det = self.solve(x, t0, t1).ys
        return z[-1], log_det[-1]

    def _transform_and_log_det(self, x: Array) -> tuple[Array, Array]:
        return self._end(x, 0.0, 1.0)

    def _inverse_and_log_det(self, y: Array) -> tuple[Array, Array]:
        # backwards in time: the log-det integral runs from 1 to 0, i.e. it is minus the forward one
        return self._end(y, 1.0, 0.0)

    def transform_and_log_det_estimate(self, x: ArrayLike, key: Array, n_probes: int = 1,
                                       probe: str = "rademacher") -> tuple[Array, Array]:
        """``(T(x), estimate of log|det|)`` with Hutchinson's trace: ``n_probes`` probes drawn
        once from ``key`` and held along the whole solve, so the estimate is unbiased and is the
        integral of one smooth function of time (FFJORD's training estimator)."""
        x = self._check(x, "transform_and_log_det_estimate")
        eps = probes(key, n_probes, x.size, probe, x.dtype)
        z, log_det = self.solve(x, 0.0, 1.0, trace="hutchinson", eps=eps).ys
        return z[-1], log_det[-1]

    def n_steps(self, x: ArrayLike, t0: float = 0.0, t1: float = 1.0) -> Array:
        """Steps the adaptive solver takes from ``x`` (Tsit5 evaluates the augmented field
        6 times per step: 5 new stages and one reused, "first same as last")."""
        return self.solve(self._check(x, "n_steps"), t0, t1).stats["num_steps"]

    def solve_batch(self, x: ArrayLike, t0: float = 0.0, t1: float = 1.0,
                    times: ArrayLike | None = None) -> tuple[Array, Array, Array]:
        """Every point of a batch ``x``, shape ``(n, *shape)``, carried from ``t0`` to ``t1``
        (``t1 < t0`` runs backwards): ``(z, log_det, n_steps)``.

        By default ``z`` is the end point, shape ``(n, *shape)``, ``log_det`` is
        :math:`\\int_{t_0}^{t_1} \\operatorname{tr}\\,\\partial f/\\partial z\\,dt`, shape ``(n,)``
        (``(T(x), \\log|\\det J_T(x)|)`` for ``t0, t1 = 0, 1``), and ``n_steps`` the solver's steps
        per point. With ``times`` (ordered from ``t0`` towards ``t1``) the path is kept instead:
        ``z`` of shape ``(n, len(times), *shape)`` and ``log_det`` of ``(n, len(times))``, read
        from the solver's interpolation (keeping a time adds no step).

        One compiled program serves every call with the same structure: ``t0``, ``t1``, the times
        and the tolerances are data, so both directions and a tolerance sweep compile once.
        """
        x = jnp.asarray(x)
        if x.ndim != len(self.shape) + 1 or x.shape[1:] != self.shape:
            raise ValueError(f"ContinuousFlow.solve_batch expects a batch of shape (n, {', '.join(map(str, self.shape))}), "
                             f"but got an array of shape {x.shape}.")
        if not jnp.issubdtype(x.dtype, jnp.floating):
            x = x.astype(jnp.result_type(float))
        span = (jnp.asarray(t0, x.dtype), jnp.asarray(t1, x.dtype))
        if times is None:
            z, log_det, n_steps = _solve_batch(self, x, *span, None)
            return z[:, -1], log_det[:, -1], n_steps
        return _solve_batch(self, x, *span, jnp.asarray(times, x.dtype))


@eqx.filter_jit
def _solve_batch(flow: ContinuousFlow, x: Array, t0: Array, t1: Array, times: Array | None):
    saveat = diffrax.SaveAt(t1=True) if times is None else diffrax.SaveAt(ts=times)

    def one(point):
        solution = flow.solve(point, t0, t1, saveat=saveat)
        z, log_det = solution.ys
        return z, log_det, solution.stats["num_steps"]

    return jax.vmap(one)(x)
