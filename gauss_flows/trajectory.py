"""Training with snapshots: the parameters of a flow along its maximum-likelihood trajectory.

:func:`gauss_flows.fit` returns the best flow and the loss per epoch. To *watch* training
(the density after 0, 20, 40, ... steps) we also need the parameters along the way.
:func:`fit_trajectory` runs the same minibatch optax loop as :func:`~gauss_flows.fit` (Adam on
the trainable leaves, :func:`~gauss_flows.split_trainable`), without validation or early
stopping, and keeps a copy of the flow every ``steps_per_snapshot`` steps. The steps between
two snapshots are one compiled ``lax.scan``, compiled once per flow structure (and reused
by later calls with a flow of the same structure, e.g. another seed). Two flows that differ
only in how their layers are grouped (RBIG's per-layer ``Chain([marginal, rotation])`` or one
flat chain) or in the kind of fixed rotation (PCA or random) train and evaluate through one
:func:`canonical_form`, so they share those compilations too. :func:`replay_fit` reruns
:func:`~gauss_flows.fit` itself epoch by epoch (same split, shuffles and compiled epoch) and
keeps the flow after every epoch.

:func:`nll_terms` splits the negative log-likelihood into the two terms of the change of
variables,

.. math::  -\\frac1n\\sum_i \\log q(x_i)
           = \\underbrace{-\\frac1n\\sum_i \\log \\mathcal N(T(x_i); 0, I)}_{\\text{base term}}
           \\ \\underbrace{-\\ \\frac1n\\sum_i \\log\\lvert\\det \\partial T/\\partial x(x_i)\\rvert}_{\\text{log-det term}},

and :func:`layer_outputs` passes data through a flow's chain one layer at a time;
:func:`layer_report` turns that into per-layer KL, total correlation and negentropy.
"""

from __future__ import annotations


import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jax import Array

from . import batched
from .bijectors.chain import Chain
from .bijectors.rotations import FixedRotation
from .distributions import Transformed, jit_log_prob
from .parameters import split_trainable
# the same optimizer objects and training step as fit: shared compilations
from .training import adam, fit, training_step

__all__ = ["fit_trajectory", "replay_fit", "nll_terms", "latent_and_log_det", "canonical_form",
           "layer_outputs", "layer_report"]


def _flat_layers(bijector) -> list:
    if isinstance(bijector, Chain):
        return [layer for member in bijector.bijectors for layer in _flat_layers(member)]
    if isinstance(bijector, FixedRotation) and type(bijector) is not FixedRotation:
        return [FixedRotation(bijector.rotation.value, bijector.mean.value)]
    return [bijector]


def canonical_form(flow):
    """The same density in one standard pytree layout, for compiled code to share.

    Nested chains are flattened into one ``Chain`` (the maths of a chain of chains is the
    chain of their members), fixed rotations of every kind (PCA, random) become one class,
    and weakly typed arrays get their full dtype (a template's ``jnp.full`` is weakly typed,
    its trained copy is not, and jit would compile both). A flow that is not a
    ``Transformed`` with a ``Chain`` keeps its layout; its weak types are still removed.
    Flows with equal canonical layouts (an RBIG fit and ``gaussianization_flow(...,
    rotation="random")`` of the same size, or any two snapshots of one run) then share one
    compilation of every jitted function they pass through; the leaves of the trainable
    parameters keep their order.
    """
    if isinstance(flow, Transformed) and isinstance(flow.bijection, Chain):
        flow = Transformed(flow.base, Chain(_flat_layers(flow.bijection)))
    return jax.tree_util.tree_map(
        lambda leaf: jnp.asarray(leaf, dtype=leaf.dtype) if getattr(leaf, "weak_type", False) else leaf,
        flow)


def latent_and_log_det(flow, x) -> tuple[Array, Array]:
    """``(T(x), log|det dT/dx|)`` for a batch ``x`` (n, *shape): compiled once per canonical
    layout (:func:`canonical_form`) and batch shape, and shared by every snapshot of a run."""
    return batched.transform_and_log_det(canonical_form(flow).bijection, jnp.asarray(x))


def nll_terms(flow, x) -> tuple[float, float]:
    """``(base_term, log_det_term)`` of the mean NLL of ``x`` (n, *shape) under ``flow``;
    their sum is ``-mean(flow.log_prob(x))``."""
    z, log_det = latent_and_log_det(flow, x)
    log_base = flow.base.log_prob(z)
    return float(-jnp.mean(log_base)), float(-jnp.mean(log_det))


def layer_outputs(flow, x) -> tuple[list[Array], list[Array]]:
    """``(outputs, log_dets)``: ``outputs[k]`` is the data after the first ``k`` layers of
    ``flow.bijection`` (``outputs[0] = x``) and ``log_dets[k]`` the summed log-determinant of
    those ``k`` layers at every point (``log_dets[0] = 0``)."""
    x = jnp.asarray(x)
    outputs, log_dets = [x], [jnp.zeros(x.shape[0], x.dtype)]
    for layer in flow.bijection:
        y, log_det = jax.vmap(layer.transform_and_log_det)(outputs[-1])
        outputs.append(y)
        log_dets.append(log_dets[-1] + log_det)
    return outputs, log_dets


@eqx.filter_jit
def _run(params, opt_state, keys, data, static, optimizer, batch_size):
    """``len(keys)`` Adam steps on random minibatches; compiled once per flow structure,
    optimizer and batch size (the same structure with new parameters is not recompiled)."""
    n = data.shape[0]

    def step(carry, step_key):
        params, opt_state = carry
        batch = data[jr.choice(step_key, n, (batch_size,), replace=False)]
        params, opt_state, loss, _ = training_step(params, static, optimizer, opt_state, batch)
        return (params, opt_state), loss

    (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), keys)
    return params, opt_state, losses


def fit_trajectory(key: Array, flow, data, *, n_snapshots: int = 10, steps_per_snapshot: int = 20,
                   learning_rate: float = 1e-2, batch_size: int = 256,
                   optimizer: optax.GradientTransformation | None = None) -> tuple[list, dict]:
    """Train ``flow`` on ``data`` by minibatch maximum likelihood, keeping snapshots.

    Args:
        key: PRNG key for the minibatches (each step draws ``batch_size`` distinct
            samples at random).
        flow: a flow with ``log_prob`` (e.g. from :func:`~gauss_flows.coupling_flow`).
        data: training samples, shape ``(n, *flow.shape)``.
        n_snapshots: number of snapshots after the initial one.
        steps_per_snapshot: optimiser steps between two snapshots.
        learning_rate: Adam's step size (ignored when ``optimizer`` is given).
        batch_size: samples per step (capped at ``n``).

    Returns:
        ``flows``: ``n_snapshots + 1`` flows, ``flows[0]`` the initial one and ``flows[k]``
        the flow after ``k * steps_per_snapshot`` steps; ``history``: ``step`` (the step of
        each snapshot), ``loss`` (the minibatch NLL of every step, a numpy array) and
        ``data_nll`` (the NLL of all of ``data`` at every snapshot).
    """
    for name, value in (("n_snapshots", n_snapshots), ("steps_per_snapshot", steps_per_snapshot),
                        ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"fit_trajectory expects a positive integer {name}, got {value!r}.")
    data = jnp.asarray(data)
    shape = tuple(flow.shape)
    if data.ndim != len(shape) + 1 or tuple(data.shape[1:]) != shape:
        raise ValueError(f"fit_trajectory expects data of shape (n, {', '.join(map(str, shape))}), "
                         f"got {data.shape}.")
    own_params, own_static = split_trainable(flow)
    # train in the canonical layout (shared compilations); snapshots keep the flow's own layout
    params, static = split_trainable(canonical_form(flow))
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("fit_trajectory: the flow has no trainable parameters.")
    own_tree = jax.tree_util.tree_structure(own_params)
    data = data.astype(leaves[0].dtype)
    n = data.shape[0]
    batch_size = min(int(batch_size), n)
    optimizer = adam(float(learning_rate)) if optimizer is None else optimizer
    opt_state = optimizer.init(params)
    # The NLL of all of data goes through jit_log_prob: compiled once per architecture and
    # shared with every later evaluation of the snapshots (test NLL, density grids).
    def data_nll_of(params):
        return -float(jnp.mean(jit_log_prob(eqx.combine(params, static), data)))

    flows, losses, data_nll = [flow], [], [data_nll_of(params)]
    for snapshot_key in jr.split(key, int(n_snapshots)):
        keys = jr.split(snapshot_key, int(steps_per_snapshot))
        params, opt_state, step_losses = _run(params, opt_state, keys, data, static,
                                              optimizer, batch_size)
        if not bool(jnp.all(jnp.isfinite(step_losses))):
            raise FloatingPointError("fit_trajectory: the loss became NaN or infinite; try a "
                                     f"smaller learning rate (learning_rate={learning_rate}).")
        own = jax.tree_util.tree_unflatten(own_tree, jax.tree_util.tree_leaves(params))
        flows.append(eqx.combine(own, own_static))
        losses.append(np.asarray(step_losses))
        data_nll.append(data_nll_of(params))
    history = {"step": [k * int(steps_per_snapshot) for k in range(int(n_snapshots) + 1)],
               "loss": np.concatenate(losses), "data_nll": data_nll}
    return flows, history


def replay_fit(key: Array, flow, data, *, learning_rate: float = 1e-3, max_epochs: int = 100,
               batch_size: int = 256, val_fraction: float = 0.1,
               optimizer: optax.GradientTransformation | None = None) -> tuple[list, dict]:
    """The run of ``gf.fit(key, flow, data, ..., patience=None)``, epoch by epoch.

    Same arguments as :func:`~gauss_flows.fit` (without early stopping), the same validation
    split, shuffles and compiled epoch: after a ``fit`` with these arguments nothing is
    compiled again, and ``flows[history["best_epoch"] + 1]`` of ``fit`` is the flow it returned.

    Returns:
        ``flows``: ``max_epochs + 1`` flows, ``flows[0]`` the initial one and ``flows[k]`` the
        flow after ``k`` epochs; ``history``: ``step`` (optimiser steps before each snapshot),
        ``train_loss`` and ``val_loss`` (one per epoch, as in ``fit``'s history).
    """
    flows, history = [flow], {"step": [0], "train_loss": [], "val_loss": []}

    def keep(trained, train_loss, val_loss):
        flows.append(trained)
        history["train_loss"].append(train_loss)
        history["val_loss"].append(val_loss)

    _, run = fit(key, flow, data, learning_rate=learning_rate, max_epochs=max_epochs,
                 batch_size=batch_size, val_fraction=val_fraction, patience=None,
                 optimizer=optimizer, show_progress=False, on_epoch=keep)
    history["step"] = [epoch * run["steps_per_epoch"] for epoch in range(len(flows))]
    return flows, history


def layer_report(flow, x, entropy: float) -> dict:
    """Per-layer diagnostics of ``flow`` on samples ``x`` (n, d) whose entropy :math:`H(x)` is known.

    A bijection changes the joint entropy by the mean log-determinant, so after the first
    ``k`` layers :math:`H(z_k) = H(x) + \\overline{\\log\\lvert\\det\\rvert}_{\\le k}`: no
    nearest-neighbour estimate is needed. With it, for ``k = 0, ..., L`` (lists of ``L + 1``
    numbers, in nats):

    * ``kl``: :math:`\\mathrm{KL}(p_k\\,\\|\\,\\mathcal N(0, I))` of the data after ``k`` layers
      (:func:`~gauss_flows.diagnostics.kl_to_standard_normal`); ``kl[L]`` is the flow's
      :math:`\\mathrm{KL}(p\\,\\|\\,q)` up to the entropy estimate;
    * ``total_correlation``: :math:`\\mathrm{TC}(z_k)` (dependence between the coordinates);
    * ``marginal_kl``: ``kl - total_correlation``, the KL of the marginals to
      :math:`\\mathcal N(0, 1)` summed over coordinates;
    * ``negentropy``: :math:`\\sum_i J(z_{k,i})`, the non-Gaussianity of the marginal shapes
      (spacing estimate), the part of ``marginal_kl`` that shifting and scaling cannot remove.

    ``entropy``: :math:`H(x)`, e.g. ``-mean(target.log_prob(x))`` for a toy density.
    Also returns ``outputs`` (the data after each layer, from :func:`layer_outputs`).
    """
    from . import diagnostics

    outputs, log_dets = layer_outputs(flow, x)
    report = {"kl": [], "total_correlation": [], "marginal_kl": [], "negentropy": [],
              "outputs": outputs}
    for z, log_det in zip(outputs, log_dets):
        joint = float(entropy) + float(jnp.mean(log_det))
        kl = float(diagnostics.kl_to_standard_normal(z, joint=joint))
        tc = float(diagnostics.total_correlation(z, joint=joint))
        report["kl"].append(kl)
        report["total_correlation"].append(tc)
        report["marginal_kl"].append(kl - tc)
        report["negentropy"].append(float(jnp.sum(diagnostics.negentropy(z))))
    return report
