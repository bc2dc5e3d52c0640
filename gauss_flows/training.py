"""Maximum-likelihood training of a flow with optax.

Fitting a flow :math:`q_\\theta` to samples :math:`x_1, \\dots, x_n` minimises the negative
log-likelihood, which by the change of variables is

.. math::  \\mathcal L(\\theta) = -\\frac1n \\sum_i \\log q_\\theta(x_i)
           = -\\frac1n \\sum_i \\Big[\\log \\mathcal N\\big(T_\\theta(x_i); 0, I\\big)
           + \\log\\Big\\lvert\\det \\frac{\\partial T_\\theta}{\\partial x}(x_i)\\Big\\rvert\\Big],

and equals :math:`\\mathrm{KL}(p\\,\\|\\,q_\\theta) + H(p)` in expectation: the data's entropy is a
constant, so lower loss is a smaller forward KL (Papamakarios et al. 2021, sec. 2.3.1).

:func:`fit` runs minibatch Adam (Kingma & Ba 2015) on the trainable leaves only
(:func:`~gauss_flows.split_trainable`: frozen rotations and the like stay put). One whole
epoch (shuffle, then a ``lax.scan`` over equal-sized minibatches) is one compiled call,
compiled once per architecture and data size (a second fit of the same architecture reuses
it): the few samples that do not fill a last batch are left out of that epoch (a different
few each time, as the order is reshuffled). The validation loss after each epoch goes through
:func:`~gauss_flows.jit_log_prob`, the compiled log-density that KL estimates and density
pictures of the same flow reuse. Early stopping keeps the parameters with the best
validation loss.
"""

from __future__ import annotations

import functools
import math
import sys
import time

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jax import Array
import tqdm.auto
import tqdm.std

from .runtime import static_mode
from .distributions import jit_log_prob
from .parameters import split_trainable

__all__ = ["fit", "fit_ensemble", "TrainingDivergedError", "adam", "warmup_cosine_adam", "nll_loss",
           "training_data", "training_step", "DEFAULT_PEAK_LEARNING_RATE"]

#: The peak step size of :func:`fit`'s default schedule (:func:`warmup_cosine_adam`). Measured
#: (benchmarks/fit_quality.py, spline couplings on standardised data): 1e-2 beat 3e-3 on all
#: four densities; 2e-2 diverged.
DEFAULT_PEAK_LEARNING_RATE = 1e-2


@functools.lru_cache(maxsize=32)
def adam(learning_rate: float) -> optax.GradientTransformation:
    """``optax.adam(learning_rate)``, one object per learning rate: jit keys on the identity of
    the optimizer's functions, so repeated fits (and trajectories) reuse their compilations."""
    return optax.adam(learning_rate)


@functools.lru_cache(maxsize=32)
def warmup_cosine_adam(peak: float, steps_per_epoch: int, n_epochs: int) -> optax.GradientTransformation:
    """Adam on the schedule :func:`fit` uses by default: the step size rises linearly from 0
    to ``peak`` over the first epoch (at most a fifth of the run, :math:`W` steps), then falls
    along a cosine to ``peak / 100`` at the end of the :math:`T` steps of ``n_epochs`` epochs,

    .. math::  \\eta_t = \\eta_{\\max}\\, \\frac{t}{W} \\ (t < W), \\qquad
               \\eta_t = \\eta_{\\max}\\Big(0.01 + 0.99\\cdot\\tfrac12\\big(1 + \\cos\\pi\\,
               \\tfrac{t - W}{T - W}\\big)\\Big) \\ (t \\ge W).

    Large steps while the flow is far from the data, small ones to settle at the end: no step
    size to tune (measured: two moons KL 0.056 with Adam 1e-3, 0.022 with this schedule).
    One object per setting, as :func:`adam`, so repeated fits reuse their compilations."""
    steps = max(1, int(steps_per_epoch) * int(n_epochs))
    warmup = max(1, min(int(steps_per_epoch), steps // 5))
    return optax.adam(optax.warmup_cosine_decay_schedule(0.0, peak, warmup, max(steps, warmup + 1),
                                                         0.01 * peak))


def nll_loss(params, static, batch) -> Array:
    """The mean negative log-likelihood :math:`-\\frac1n\\sum_i \\log q_\\theta(x_i)` of ``batch``
    under the flow ``eqx.combine(params, static)``: the loss of maximum-likelihood training.
    For a conditional flow ``batch`` is a pair ``(x, condition)`` and the loss is
    :math:`-\\frac1n\\sum_i \\log q_\\theta(x_i \\mid c_i)`."""
    flow = eqx.combine(params, static)
    if isinstance(batch, tuple):
        return -jnp.mean(flow.log_prob(*batch))
    return -jnp.mean(flow.log_prob(batch))


def _n_samples(data) -> int:
    """Samples in ``data``: an array, or a pair ``(x, condition)`` with one row per sample."""
    return jax.tree_util.tree_leaves(data)[0].shape[0]


def _rows(data, index):
    """``data[index]`` for an array or for every member of a pair ``(x, condition)``: the points
    and their contexts are always selected, split and shuffled together."""
    return jax.tree_util.tree_map(lambda array: array[index], data)


def training_step(params, static, optimizer: optax.GradientTransformation, opt_state, batch,
                  loss=nll_loss):
    """One optimiser step: the loss and its gradient at ``params``, then the optax update.

    ``loss(params, static, batch)`` is :func:`nll_loss` unless given. Returns
    ``(params, opt_state, loss_value, grads)``: the updated parameters and optimiser state, the
    loss *before* the step and its gradient. The one step of :func:`fit`, of
    :func:`~gauss_flows.trajectory.fit_trajectory` and of the book's explorers that train.
    """
    value, grads = jax.value_and_grad(loss)(params, static, batch)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, value, grads


def _progress_bar(n_epochs: int, disable: bool):
    """tqdm's widget bar in a live notebook; a plain text bar on stdout when the book is built
    (GAUSS_FLOWS_STATIC=1): a published page cannot show a live widget, and stderr output
    would be shown as an error."""
    if static_mode():
        return tqdm.std.trange(n_epochs, disable=disable, desc="fit", leave=True, file=sys.stdout,
                               ascii=True, mininterval=1e9, ncols=80)
    return tqdm.auto.trange(n_epochs, disable=disable, desc="fit", leave=True)


@eqx.filter_jit
def _run_epoch(params, static, optimizer, opt_state, key, train, batch_size: int):
    """One epoch: reshuffle, then a ``lax.scan`` of minibatch steps.

    Module-level and jitted on the flow's structure, the optimizer and the data shapes, so a
    second ``fit`` of a flow of the same architecture on data of the same size reuses the
    compiled epoch (notebooks that compare seeds or initialisations pay one compilation).
    """
    n_train = _n_samples(train)
    n_batches = n_train // batch_size
    order = jr.permutation(key, n_train)[: n_batches * batch_size].reshape(n_batches, batch_size)

    def step(carry, batch_index):
        params, opt_state = carry
        params, opt_state, loss, _ = training_step(params, static, optimizer, opt_state,
                                                   _rows(train, batch_index))
        return (params, opt_state), loss

    (params, opt_state), losses = jax.lax.scan(step, (params, opt_state), order)
    return params, opt_state, jnp.mean(losses)


class TrainingDivergedError(FloatingPointError):
    """The training or validation loss became NaN or infinite."""


def training_data(data, shape: tuple[int, ...], where: str, model: str = "flow") -> Array:
    """``data`` as a floating array of samples ``(n_samples, *shape)``, or a ValueError that says
    what ``where`` (e.g. ``"fit"``) expected: the check every trainer runs first."""
    data = jnp.asarray(data)
    if data.ndim != len(shape) + 1 or tuple(data.shape[1:]) != tuple(shape):
        raise ValueError(f"{where} expects data of shape (n_samples, {', '.join(map(str, shape))}) "
                         f"for a {model} of event shape {tuple(shape)}, but got data of shape {data.shape}.")
    if not jnp.issubdtype(data.dtype, jnp.floating):
        data = data.astype(jnp.result_type(float))
    if not bool(jnp.all(jnp.isfinite(data))):
        raise ValueError(f"{where} got data with NaN or infinite values.")
    return data


def _check_condition(flow, data, condition):
    """``condition`` as an array ``(n_samples, *flow.condition_shape)``, or None for an
    unconditional flow; raises for a missing, superfluous or misshapen condition."""
    condition_shape = getattr(flow, "condition_shape", None)
    if condition_shape is None:
        if condition is not None:
            raise ValueError(f"fit got a condition of shape {jnp.shape(condition)}, but the flow is "
                             "unconditional (condition_shape=None); build it with a condition_shape.")
        return None
    if condition is None:
        raise ValueError(f"fit: the flow is conditional (condition_shape={tuple(condition_shape)}): "
                         f"pass condition= an array of shape ({data.shape[0]}, "
                         f"{', '.join(map(str, condition_shape))}), one context per sample.")
    condition = jnp.asarray(condition)
    expected = (data.shape[0],) + tuple(condition_shape)
    if condition.shape != expected:
        raise ValueError(f"fit expects condition of shape {expected} (one context of shape "
                         f"{tuple(condition_shape)} per sample of data), but got shape {condition.shape}.")
    if not jnp.issubdtype(condition.dtype, jnp.floating):
        condition = condition.astype(jnp.result_type(float))
    if not bool(jnp.all(jnp.isfinite(condition))):
        raise ValueError("fit got a condition with NaN or infinite values.")
    return condition


def _check_inputs(flow, data, batch_size, max_epochs, val_fraction, patience):
    shape = tuple(getattr(flow, "shape", ()))
    if not hasattr(flow, "log_prob"):
        raise ValueError(f"fit expects a flow with a log_prob method (e.g. gf.Transformed), "
                         f"got a {type(flow).__name__}.")
    data = training_data(data, shape, "fit")
    if int(batch_size) < 1 or int(max_epochs) < 1:
        raise ValueError(f"fit expects batch_size >= 1 and max_epochs >= 1, got "
                         f"{batch_size} and {max_epochs}.")
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"fit expects 0 <= val_fraction < 1, got {val_fraction}.")
    if patience is not None and int(patience) < 1:
        raise ValueError(f"fit expects patience >= 1 (or None: no early stopping), got {patience}.")
    return data


def _split(key, data, val_fraction):
    n = _n_samples(data)
    n_val = int(round(val_fraction * n)) if val_fraction > 0 else 0
    n_val = max(n_val, 1) if val_fraction > 0 else 0
    if n - n_val < 1:
        raise ValueError(f"fit needs at least one training sample after holding out "
                         f"val_fraction={val_fraction} of {n} samples.")
    order = jr.permutation(key, n)
    return _rows(data, order[n_val:]), _rows(data, order[:n_val])


def fit(key: Array, flow, data, *, condition=None, learning_rate: float | None = None, max_epochs: int = 30,
        batch_size: int = 256, val_fraction: float = 0.1, patience: int | None = None,
        optimizer: optax.GradientTransformation | None = None,
        show_progress: bool = True, on_epoch=None) -> tuple[object, dict]:
    """Train ``flow`` on ``data`` by maximum likelihood; return ``(best_flow, history)``.

    Args:
        key: PRNG key for the validation split and the per-epoch shuffling.
        flow: a distribution with a batched ``log_prob`` and a ``shape`` (e.g. a flow built by
            :func:`~gauss_flows.coupling_flow`).
        data: samples of shape ``(n_samples, *flow.shape)``.
        condition: for a conditional flow, the context of every sample, shape
            ``(n_samples, *flow.condition_shape)``; the pairs ``(data[i], condition[i])`` are split,
            shuffled and batched together and the loss is :math:`-\\frac1n\\sum_i \\log q(x_i \\mid c_i)`.
            ``None`` (default) for an unconditional flow.
        learning_rate: ``None`` (default): Adam on the warm-up/cosine schedule of
            :func:`warmup_cosine_adam`, peak :data:`DEFAULT_PEAK_LEARNING_RATE`, decaying over
            ``max_epochs``; a number: Adam with that constant step size. Ignored when
            ``optimizer`` is given. (Train on data of any scale by standardising it first:
            ``coupling_flow(..., data=data)``.)
        max_epochs: the most passes over the training samples (default 30; the default
            schedule ends at the last one).
        batch_size: samples per gradient step (capped at the number of training samples).
        val_fraction: fraction held out to monitor overfitting; with 0 the training loss is
            monitored instead.
        patience: stop after this many epochs without a new best validation loss;
            ``None`` (default): always run ``max_epochs`` (a schedule runs to its end; the best
            validation epoch is returned all the same). Measured: with patience 10 the default
            schedule stopped a conditional fit at epoch 15 of 30, its step size still high,
            mean KL 0.043 against 0.013 run to the end.
        optimizer: any optax transformation, e.g. ``optax.adamw(1e-3)`` or a chain with
            gradient clipping.
        show_progress: show a tqdm progress bar with the current losses.
        on_epoch: called as ``on_epoch(flow, train_loss, val_loss)`` after every epoch (e.g.
            to keep every epoch's flow, as :func:`~gauss_flows.trajectory.replay_fit` does).

    Returns:
        ``best_flow``, the flow with the parameters of the best validation epoch, and
        ``history``: ``train_loss`` and ``val_loss`` (lists, one entry per epoch run: mean
        minibatch loss during the epoch and validation loss after it), ``best_epoch`` (an
        index into those lists), ``best_val_loss``, ``n_epochs``, ``stopped_early``,
        ``seconds`` and ``steps_per_epoch`` (optimiser steps in one epoch).

    Raises:
        ValueError: data of the wrong shape, or bad settings.
        TrainingDivergedError: the loss became NaN or infinite (the epoch is named).
    """
    data = _check_inputs(flow, data, batch_size, max_epochs, val_fraction, patience)
    condition = _check_condition(flow, data, condition)
    params, static = split_trainable(flow)
    floating = jax.tree_util.tree_leaves(params)
    if not floating:
        raise ValueError("fit: the flow has no trainable parameters.")
    data = data.astype(floating[0].dtype)  # train in the flow's precision
    if condition is not None:  # a conditional flow trains on pairs (x_i, c_i), kept together
        data = (data, condition.astype(floating[0].dtype))
    split_key, shuffle_key = jr.split(key)
    train, val = _split(split_key, data, val_fraction)
    n_train, n_val = _n_samples(train), _n_samples(val)
    batch_size = min(int(batch_size), n_train)
    optimizer_given = optimizer is not None
    if optimizer is None:
        optimizer = (adam(float(learning_rate)) if learning_rate is not None else
                     warmup_cosine_adam(DEFAULT_PEAK_LEARNING_RATE, n_train // batch_size, int(max_epochs)))
    opt_state = optimizer.init(params)
    epoch_keys = jr.split(shuffle_key, int(max_epochs))

    best_flow, history = flow, {"train_loss": [], "val_loss": [], "best_epoch": -1,
                                "best_val_loss": float("inf"), "n_epochs": 0,
                                "stopped_early": False, "seconds": 0.0,
                                "steps_per_epoch": n_train // batch_size}
    epochs_without_progress = 0
    start = time.perf_counter()
    with _progress_bar(int(max_epochs), disable=not show_progress) as bar:
        for epoch in bar:
            # one epoch: reshuffle, then every minibatch's training_step (one compiled scan)
            params, opt_state, train_loss = _run_epoch(params, static, optimizer, opt_state,
                                                       epoch_keys[epoch], train, batch_size)
            trained, train_loss = eqx.combine(params, static), float(train_loss)
            # the validation loss through the shared compiled log_prob (compiled once per
            # architecture, reused by KL estimates and density pictures of the same flow)
            if n_val == 0:
                val_loss = train_loss
            elif condition is None:
                val_loss = float(-jnp.mean(jit_log_prob(trained, val)))
            else:
                val_loss = float(-jnp.mean(jit_log_prob(trained, *val)))
            for name, value in (("training", train_loss), ("validation", val_loss)):
                if not math.isfinite(value):
                    raise TrainingDivergedError(
                        f"fit: the {name} loss became {value} at epoch {epoch + 1}. The parameters "
                        f"diverged; try a smaller learning rate (learning_rate={learning_rate}"
                        f"{': the default schedule, peak ' + str(DEFAULT_PEAK_LEARNING_RATE) if learning_rate is None else ''}"
                        f"{' was ignored: an optimizer was given' if optimizer_given else ''}), "
                        "gradient clipping (optax.clip_by_global_norm) or standardised data.")
            history["train_loss"].append(train_loss)
            history["val_loss"].append(val_loss)
            if on_epoch is not None:
                on_epoch(trained, train_loss, val_loss)
            # early stopping: keep the best validation epoch, stop after `patience` without a better one
            if val_loss < history["best_val_loss"]:
                history["best_val_loss"], history["best_epoch"] = val_loss, epoch
                best_flow, epochs_without_progress = trained, 0
            else:
                epochs_without_progress += 1
            bar.set_postfix(train=f"{train_loss:.4f}", val=f"{val_loss:.4f}",
                            best=history["best_epoch"] + 1, refresh=False)
            if patience is not None and epochs_without_progress >= int(patience):
                history["stopped_early"] = True
                break
    history["n_epochs"] = len(history["train_loss"])
    history["seconds"] = time.perf_counter() - start
    return best_flow, history


@eqx.filter_jit
def _ensemble_epoch(state, static, optimizer, keys, train, val, batch_size: int):
    """One epoch of every member (``jax.vmap``), then each member's validation loss and its
    best-so-far parameters; compiled once per architecture, optimizer and data shapes."""

    def one(state, key, train, val):
        params, opt_state, best, best_val = state
        params, opt_state, train_loss = _run_epoch(params, static, optimizer, opt_state, key, train,
                                                   batch_size)
        val_loss = nll_loss(params, static, val) if _n_samples(val) else train_loss
        improved = val_loss < best_val
        best = jax.tree_util.tree_map(lambda new, old: jnp.where(improved, new, old), params, best)
        return (params, opt_state, best, jnp.minimum(val_loss, best_val)), train_loss, val_loss

    return eqx.filter_vmap(one)(state, keys, train, val)


def _ensemble_condition(one, data, condition, n_members: int) -> Array:
    """The members' contexts ``(S, n, *condition_shape)`` from a per-member or a shared array;
    raises (through :func:`_check_condition`) when missing, superfluous or misshapen."""
    if condition is None or getattr(one, "condition_shape", None) is None:
        return _check_condition(one, data[0], condition)
    condition = jnp.asarray(condition)
    n_axes = len(one.condition_shape)
    if condition.ndim == n_axes + 1:            # (n, *condition_shape): shared by all members
        condition = jnp.broadcast_to(condition, (n_members,) + condition.shape)
    if condition.ndim != n_axes + 2 or condition.shape[0] != n_members:
        context = ", ".join(map(str, one.condition_shape))
        raise ValueError(f"fit_ensemble expects condition of shape ({n_members}, {data.shape[1]}, "
                         f"{context}) or ({data.shape[1]}, {context}), but got {condition.shape}.")
    for member in range(n_members):
        _check_condition(one, data[member], condition[member])
    return condition


def fit_ensemble(key: Array, flows, data, *, condition=None, learning_rate: float = 1e-3, max_epochs: int = 100,
                 batch_size: int = 256, val_fraction: float = 0.1, patience: int | None = 10,
                 optimizer: optax.GradientTransformation | None = None) -> tuple[object, dict]:
    """Train ``S`` flows of one architecture side by side (one compiled, vmapped program).

    Comparisons over seeds train the same architecture ``S`` times; run one by one, each fit
    pays the dispatch of every epoch, and each architecture its compilation, ``S`` times less
    often than needed. Here member :math:`s` runs exactly the loop of :func:`fit` (Adam on
    its own validation split and its own minibatch order, keeping the parameters of its best
    validation epoch) on its own data, all members in one ``jax.vmap``.

    Args:
        key: PRNG key, split into one key per member (validation split and shuffling).
        flows: ``S`` flows stacked along a leading axis of every array leaf, e.g.
            ``eqx.filter_vmap(lambda k: gf.coupling_flow(k, ...))(jr.split(key, S))``.
        data: ``(S, n, *shape)``, one data set per member, or ``(n, *shape)`` shared by all.
        condition: for conditional flows, the contexts: ``(S, n, *condition_shape)`` or
            ``(n, *condition_shape)``, paired with ``data`` as in :func:`fit`.
        learning_rate, max_epochs, batch_size, val_fraction, optimizer: as in :func:`fit`.
        patience: stop when NO member has improved its validation loss for this many epochs
            (``None``: run ``max_epochs``). A member that stopped improving earlier keeps
            training, but what is returned for it is its best epoch, as :func:`fit` returns.

    Returns:
        ``(best_flows, history)``: the stacked flows at each member's best validation epoch and
        ``history`` with ``train_loss`` and ``val_loss`` (numpy arrays ``(n_epochs, S)``),
        ``best_epoch`` and ``best_val_loss`` (``(S,)``) and ``n_epochs``.

    Raises:
        ValueError: flows without a leading member axis, data of the wrong shape, bad settings.
        TrainingDivergedError: a member's loss became NaN or infinite (member and epoch named).
    """
    params, static = split_trainable(flows)
    leaves = jax.tree_util.tree_leaves(params)
    if not leaves:
        raise ValueError("fit_ensemble: the flows have no trainable parameters.")
    n_members = leaves[0].shape[0] if leaves[0].ndim else 0
    if n_members < 1 or any(leaf.ndim == 0 or leaf.shape[0] != n_members for leaf in leaves):
        raise ValueError("fit_ensemble expects flows stacked along a leading member axis on every "
                         "parameter (build them with eqx.filter_vmap over keys).")
    shape = tuple(getattr(flows, "shape", ()))
    data = jnp.asarray(data)
    if data.ndim == len(shape) + 1:
        data = jnp.broadcast_to(data, (n_members,) + data.shape)
    if data.ndim != len(shape) + 2 or data.shape[0] != n_members or tuple(data.shape[2:]) != shape:
        raise ValueError(f"fit_ensemble expects data of shape ({n_members}, n_samples, "
                         f"{', '.join(map(str, shape))}) or (n_samples, {', '.join(map(str, shape))}) "
                         f"for {n_members} flows of event shape {shape}, but got {data.shape}.")
    one = eqx.combine(jax.tree_util.tree_map(lambda leaf: leaf[0], params), static)
    _check_inputs(one, data[0], batch_size, max_epochs, val_fraction, patience)
    data = data.astype(leaves[0].dtype)
    if condition is not None or getattr(one, "condition_shape", None) is not None:
        condition = _ensemble_condition(one, data, condition, n_members)
        data = (data, condition.astype(leaves[0].dtype))   # pairs, split and shuffled together
    split_keys, shuffle_keys = jnp.swapaxes(jax.vmap(jr.split)(jr.split(key, n_members)), 0, 1)
    train, val = jax.vmap(lambda k, x: _split(k, x, val_fraction))(split_keys, data)
    batch_size = min(int(batch_size), jax.tree_util.tree_leaves(train)[0].shape[1])
    optimizer = adam(float(learning_rate)) if optimizer is None else optimizer
    opt_state = eqx.filter_vmap(optimizer.init)(params)
    state = (params, opt_state, params, jnp.full(n_members, jnp.inf, leaves[0].dtype))
    epoch_keys = jax.vmap(lambda k: jr.split(k, int(max_epochs)))(shuffle_keys)  # (S, epochs)
    train_losses, val_losses = [], []
    since_best = np.zeros(n_members, dtype=int)
    for epoch in range(int(max_epochs)):
        previous_best = np.asarray(state[3])
        state, train_loss, val_loss = _ensemble_epoch(state, static, optimizer, epoch_keys[:, epoch],
                                                      train, val, batch_size)
        train_loss, val_loss = np.asarray(train_loss), np.asarray(val_loss)
        for name, values in (("training", train_loss), ("validation", val_loss)):
            if not np.all(np.isfinite(values)):
                member = int(np.flatnonzero(~np.isfinite(values))[0])
                raise TrainingDivergedError(
                    f"fit_ensemble: the {name} loss of member {member} became {values[member]} at "
                    f"epoch {epoch + 1}; try a smaller learning rate or gradient clipping.")
        train_losses.append(train_loss)
        val_losses.append(val_loss)
        since_best = np.where(val_loss < previous_best, 0, since_best + 1)
        if patience is not None and np.all(since_best >= int(patience)):
            break
    val_history = np.stack(val_losses)
    history = {"train_loss": np.stack(train_losses), "val_loss": val_history,
               "best_epoch": np.argmin(val_history, axis=0), "best_val_loss": np.asarray(state[3]),
               "n_epochs": len(val_losses)}
    return eqx.combine(state[2], static), history
