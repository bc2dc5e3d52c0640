"""Flow matching: training a continuous flow by regression, without solving its ODE.

Maximum likelihood for a :class:`~gauss_flows.bijectors.continuous.ContinuousFlow` solves the
ODE (with its trace) at every step. Conditional flow matching (Lipman et al. 2023; Liu et al.
2023, "rectified flow"; Tong et al. 2024) instead picks, for each data point :math:`x` and
noise draw :math:`z \\sim \\mathcal N(0, I)`, the straight path between them and its velocity,

.. math::  z_t = (1 - t)\\, x + t\\, z, \\qquad u_t = \\frac{d z_t}{dt} = z - x ,

and regresses the field on those velocities at random times :math:`t \\sim U(0, 1)`:

.. math::  \\mathcal L(\\theta) = \\mathbb E_{t, x, z}\\, \\big\\lVert f_\\theta(t, z_t) - (z - x) \\big\\rVert^2 .

Its minimiser is the marginal field :math:`f^*(t, y) = \\mathbb E[z - x \\mid z_t = y]`, whose
flow carries the data distribution (:math:`t = 0`) to :math:`\\mathcal N(0, I)` (:math:`t = 1`):
the library's direction, data to latent, so the trained field goes into a ``ContinuousFlow``
and :class:`~gauss_flows.Transformed` as it is, with an exact ``log_prob`` from the ODE. The
loss is an ordinary mean of squares, each step costs one field evaluation per point, and the
loss never reaches zero (different pairs cross at the same :math:`z_t`): its floor is the
conditional variance of :math:`z - x` given :math:`z_t`, not a sign of failure.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import optax
from jax import Array

from .parameters import split_trainable
from .training import TrainingDivergedError, adam, training_data, training_step

__all__ = ["conditional_flow_matching_loss", "straight_path", "fit_flow_matching"]


def straight_path(x: Array, z: Array, t: Array) -> tuple[Array, Array]:
    """``(z_t, u_t)``: the point :math:`(1-t)x + tz` on the straight path from data ``x`` to
    noise ``z`` at times ``t`` (one per point), and the path's velocity :math:`z - x`."""
    t = t.reshape(t.shape + (1,) * (x.ndim - t.ndim))
    return (1.0 - t) * x + t * z, z - x


def conditional_flow_matching_loss(field, x: Array, z: Array, t: Array) -> Array:
    """:math:`\\frac1n \\sum_i \\lVert f(t_i, z_{t_i}) - (z_i - x_i)\\rVert^2` for a batch of data
    ``x``, noise ``z`` (same shape) and times ``t`` (shape ``(n,)``)."""
    if x.shape != z.shape or t.shape != x.shape[:1]:
        raise ValueError(f"conditional_flow_matching_loss needs x and z of one shape (n, ...) and t of "
                         f"shape (n,), but got {x.shape}, {z.shape} and {t.shape}.")
    zt, velocity = straight_path(x, z, t)
    predicted = jax.vmap(field)(t, zt)
    return jnp.mean(jnp.sum((predicted - velocity).reshape(x.shape[0], -1) ** 2, axis=1))


def _loss(params, static, batch):
    return conditional_flow_matching_loss(eqx.combine(params, static), *batch)


@eqx.filter_jit
def _steps(params, static, optimizer, opt_state, key, data, batch_size: int, n_steps: int):
    def step(carry, key):
        params, opt_state = carry
        k_data, k_noise, k_time = jr.split(key, 3)
        x = data[jr.randint(k_data, (batch_size,), 0, data.shape[0])]
        batch = (x, jr.normal(k_noise, x.shape, x.dtype), jr.uniform(k_time, (batch_size,), x.dtype))
        params, opt_state, value, _ = training_step(params, static, optimizer, opt_state, batch, loss=_loss)
        return (params, opt_state), value

    (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), jr.split(key, n_steps))
    return params, opt_state, losses


def fit_flow_matching(key: Array, field, data, *, learning_rate: float = 1e-3, n_steps: int = 2000,
                      batch_size: int = 256, log_every: int = 100,
                      optimizer: optax.GradientTransformation | None = None):
    """Train the vector field ``field`` (``field(t, z)``) by conditional flow matching.

    Steps run ``log_every`` at a time in one compiled scan; the mean loss of each chunk is
    recorded. Returns ``(field, history)`` with ``history["loss"]`` (one entry per chunk) and
    ``history["steps"]`` (the step count at the end of each chunk). ``optimizer`` (any optax
    transformation, e.g. with a schedule over ``n_steps``) replaces Adam at ``learning_rate``. Raises
    :class:`~gauss_flows.training.TrainingDivergedError` if the loss turns NaN or infinite.
    """
    shape = tuple(getattr(field, "shape", jnp.shape(data)[1:]))
    data = training_data(data, shape, "fit_flow_matching", model="field")
    if int(n_steps) < 1 or int(batch_size) < 1 or int(log_every) < 1:
        raise ValueError(f"fit_flow_matching expects n_steps, batch_size and log_every >= 1, got "
                         f"{n_steps}, {batch_size} and {log_every}.")
    optimizer = adam(float(learning_rate)) if optimizer is None else optimizer
    params, static = split_trainable(field)
    opt_state = optimizer.init(params)
    history = {"loss": [], "steps": []}
    done = 0
    for chunk, k in enumerate(jr.split(key, math.ceil(n_steps / log_every))):
        size = min(int(log_every), int(n_steps) - done)
        params, opt_state, losses = _steps(params, static, optimizer, opt_state, k, data,
                                           int(batch_size), size)
        value = float(jnp.mean(losses))
        if not math.isfinite(value):
            raise TrainingDivergedError(f"fit_flow_matching: the loss became {value} within steps "
                                        f"{done + 1}-{done + size}; lower the learning rate.")
        done += size
        history["loss"].append(value)
        history["steps"].append(done)
    return eqx.combine(params, static), history
