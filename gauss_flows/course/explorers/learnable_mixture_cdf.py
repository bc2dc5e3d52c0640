"""Explorer of Part 1 · 03: replay the maximum-likelihood training of a mixture-CDF layer.

A one-coordinate flow :math:`q_\\theta(x) = \\mathcal N(T_\\theta(x); 0, 1)\\,T_\\theta'(x)` with
:math:`T_\\theta = \\Phi^{-1}\\circ F_\\theta` (:class:`~gauss_flows.MixtureGaussianCDF`, shape ``(1,)``)
is trained by full-batch Adam on the negative log-likelihood

.. math::  \\mathcal L(\\theta) = -\\frac1n\\sum_i \\big[\\log\\varphi(T_\\theta(x_i)) + \\log T_\\theta'(x_i)\\big].

:func:`record_training` runs the whole training once (one ``lax.scan``, compiled once) and keeps
the parameters every ``record_every`` steps; the explorer's slider indexes into that saved
trajectory, so moving it only draws. Four panels: the data histogram with the model density
(and, on request, its weighted components), the map :math:`x \\mapsto z` against the
empirical target :math:`\\Phi^{-1}(\\hat F_n(x))`, the histogram of :math:`z = T_\\theta(x)`
against :math:`\\mathcal N(0, 1)`, and the NLL curve.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from jax.scipy.special import ndtri

from gauss_flows.bijectors import MixtureGaussianCDF
from gauss_flows.distributions import StandardNormal, Transformed
from gauss_flows.parameters import split_trainable
from gauss_flows.training import training_step
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider, Toggle

#: The sample of the page: a narrow bump (weight 0.6) and a right-skewed log-normal bump.
BUMP_WEIGHT, BUMP_MEAN, BUMP_SCALE = 0.6, -1.5, 0.45
SKEW_SHIFT, SKEW_SIGMA = 0.0, 0.5
WINDOW = (-3.5, 6.0)
Z_BINS, X_BINS = 50, 60


def skewed_sample(key, n: int) -> jax.Array:
    """``n`` draws of shape ``(n, 1)``: 0.6 N(-1.5, 0.45^2) + 0.4 (shift + LogNormal(0, 0.5^2))."""
    k_pick, k_bump, k_skew = jr.split(key, 3)
    bump = BUMP_MEAN + BUMP_SCALE * jr.normal(k_bump, (n,))
    skew = SKEW_SHIFT + jnp.exp(SKEW_SIGMA * jr.normal(k_skew, (n,)))
    return jnp.where(jr.uniform(k_pick, (n,)) < BUMP_WEIGHT, bump, skew)[:, None]


def skewed_log_prob(x) -> jax.Array:
    """The exact log-density of :func:`skewed_sample` (any shape)."""
    x = jnp.asarray(x, float)
    log_bump = jax.scipy.stats.norm.logpdf(x, BUMP_MEAN, BUMP_SCALE)
    y = jnp.maximum(x - SKEW_SHIFT, 1e-300)
    log_skew = jnp.where(x > SKEW_SHIFT,
                         jax.scipy.stats.norm.logpdf(jnp.log(y), 0.0, SKEW_SIGMA) - jnp.log(y),
                         -jnp.inf)
    return jnp.logaddexp(jnp.log(BUMP_WEIGHT) + log_bump, jnp.log1p(-BUMP_WEIGHT) + log_skew)


def mixture_flow(layer: MixtureGaussianCDF | None = None, n_components: int = 4) -> Transformed:
    """``Transformed(StandardNormal((1,)), layer)``; by default a fresh ``MixtureGaussianCDF``."""
    layer = MixtureGaussianCDF(n_components, shape=(1,)) if layer is None else layer
    return Transformed(StandardNormal((1,)), layer)


def nll(flow: Transformed, data) -> jax.Array:
    """Mean negative log-likelihood per sample (nats)."""
    return -jnp.mean(flow.log_prob(data))


def record_training(flow: Transformed, data, *, n_records: int = 120, record_every: int = 5,
                    learning_rate: float = 0.05):
    """Full-batch Adam on :func:`nll`; keep the flow every ``record_every`` steps.

    Returns ``(snapshots, losses)``: ``snapshots`` is the flow with a leading axis of
    ``n_records + 1`` on every trainable array (index ``r`` = after ``r * record_every``
    steps; pick one with :func:`snapshot`), ``losses`` the NLL at those same points.
    One compiled call (an outer ``lax.scan`` over records, an inner one over steps), compiled
    once for every flow of the same structure (a warm start reuses it).
    """
    # strong float types everywhere, so that flows built differently share one compilation
    flow = jax.tree_util.tree_map(
        lambda a: jnp.array(a, dtype=a.dtype) if eqx.is_inexact_array(a) else a, flow)
    return _record_training(flow, jnp.asarray(data, float), n_records, record_every,
                            float(learning_rate))


@eqx.filter_jit
def _record_training(flow, data, n_records, record_every, learning_rate):
    params, static = split_trainable(flow)
    optimizer = optax.adam(learning_rate)

    def loss_fn(params):
        return nll(eqx.combine(params, static), data)

    def one_step(carry, _):
        params, state = carry
        params, state, _, _ = training_step(params, static, optimizer, state, data)  # full batch
        return (params, state), None

    def one_record(carry, _):
        carry, _ = jax.lax.scan(one_step, carry, None, length=record_every)
        return carry, (carry[0], loss_fn(carry[0]))

    _, (trail, losses) = jax.lax.scan(one_record, (params, optimizer.init(params)), None,
                                      length=n_records)
    trail = jax.tree_util.tree_map(lambda p0, p: jnp.concatenate([p0[None], p]), params, trail)
    losses = jnp.concatenate([loss_fn(params)[None], losses])
    return eqx.combine(trail, static), losses


def snapshot(snapshots: Transformed, index: int) -> Transformed:
    """The flow after ``index`` records of :func:`record_training`."""
    params, static = eqx.partition(snapshots, eqx.is_inexact_array)
    return eqx.combine(jax.tree_util.tree_map(lambda p: p[index], params), static)


@eqx.filter_jit
def _curves(flow: Transformed, grid, data):
    layer = flow.bijection
    log_density = flow.log_prob(grid[:, None])
    z_grid = jax.vmap(layer.transform)(grid[:, None])[:, 0]
    z_data = jax.vmap(layer.transform)(data)[:, 0]
    weights = jax.nn.softmax(layer.logits[0])
    scales = jnp.exp(layer.log_scales[0])
    components = weights * jax.scipy.stats.norm.pdf(grid[:, None], layer.means[0], scales)
    z_counts = jnp.histogram(z_data, bins=Z_BINS, range=(-4.0, 4.0))[0]
    return jnp.exp(log_density), z_grid, z_counts, jnp.mean(z_data), jnp.std(z_data), components


def precompute(snapshots: Transformed, losses, data, record_every: int, steps) -> dict:
    """Curves of every snapshot shown by the explorer (``steps``: training steps to show)."""
    data = jnp.asarray(data)
    grid = jnp.linspace(*WINDOW, 300)
    frames = {}
    for step in steps:
        index = int(step) // record_every
        frames[int(step)] = jax.tree_util.tree_map(
            np.asarray, _curves(snapshot(snapshots, index), grid, data))
    sorted_data = np.sort(np.asarray(data[:, 0]))
    n = sorted_data.size
    x_counts, x_edges = np.histogram(np.asarray(data[:, 0]), bins=X_BINS, range=WINDOW,
                                     density=True)
    return {"frames": frames, "grid": np.asarray(grid), "x_hist": (x_counts, x_edges),
            "ecdf_x": sorted_data, "ecdf_z": np.asarray(ndtri((np.arange(1, n + 1) - 0.5) / n)),
            "losses": np.asarray(losses), "record_every": int(record_every),
            "true_density": np.exp(np.asarray(skewed_log_prob(grid)))}


def _render(pre: dict, step: float, components: bool):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, GAUSS_KW, MODEL, NEUTRAL, style_ax

    step = int(step)
    if step not in pre["frames"]:
        raise ValueError(f"step {step} was not recorded; recorded steps: {sorted(pre['frames'])}.")
    density, z_grid, z_counts, z_mean, z_std, parts = pre["frames"][step]
    grid, losses, every = pre["grid"], pre["losses"], pre["record_every"]
    loss = float(losses[step // every])

    fig = Figure(figsize=FIGSIZE["tall"], layout="none")
    boxes = [(0.07, 0.57, 0.4, 0.36), (0.57, 0.57, 0.4, 0.36),
             (0.07, 0.08, 0.4, 0.36), (0.57, 0.08, 0.4, 0.36)]
    ax_density, ax_map, ax_z, ax_loss = (fig.add_axes(b) for b in boxes)
    # 1. data and model density
    ax_density.stairs(*pre["x_hist"], fill=True, color=DATA, alpha=0.45)
    ax_density.plot(grid, pre["true_density"], color=NEUTRAL, lw=1.2, ls=":", label="true")
    ax_density.plot(grid, density, color=MODEL, lw=2.2, label="model")
    if components:
        for part in parts.T:
            ax_density.plot(grid, part, color=ACCENT, lw=1.3, ls="--")
    style_ax(ax_density, f"density after {step} steps", "$x$", None, xlim=WINDOW, ylim=(0, 0.75),
             legend=True)
    # 2. the map against its target Phi^-1(ECDF)
    ax_map.plot(pre["ecdf_x"], pre["ecdf_z"], ".", color=DATA, ms=2, label=r"$\Phi^{-1}(\hat F_n(x))$")
    ax_map.plot(grid, z_grid, color=MODEL, lw=2.2, label=r"$T_\theta(x)$")
    style_ax(ax_map, "the map x → z", "$x$", "$z$", xlim=WINDOW, ylim=(-4, 4), legend=True)
    # 3. the latent histogram
    zs = np.linspace(-4, 4, 200)
    width = 8.0 / Z_BINS
    ax_z.stairs(z_counts / (z_counts.sum() * width), np.linspace(-4, 4, Z_BINS + 1), fill=True,
                color=MODEL, alpha=0.45)
    ax_z.plot(zs, np.exp(-0.5 * zs**2) / np.sqrt(2 * np.pi), **GAUSS_KW)
    style_ax(ax_z, r"histogram of $z = T_\theta(x)$", "$z$", None, xlim=(-4, 4), ylim=(0, 0.75))
    # 4. the loss curve
    steps = np.arange(losses.size) * every
    ax_loss.plot(steps + 1, losses, color=NEUTRAL, lw=1.6)
    ax_loss.plot(step + 1, loss, "o", color=ACCENT, ms=9, mec="white", zorder=4)
    ax_loss.set_xscale("log")
    style_ax(ax_loss, "NLL (nats per sample)", "Adam step + 1 (log scale)", None)
    readout = (f"step {step}: NLL = {loss:.4f} nats per sample"
               f" (start {losses[0]:.4f}, end of training {losses[-1]:.4f}); "
               f"z-sample mean {z_mean:+.3f}, std {z_std:.3f}")
    return fig, readout


#: Training steps the slider offers (multiples of the recording interval).
STEPS = (0, 5, 10, 20, 40, 80, 160, 600)


def training_replay_explorer(snapshots: Transformed, losses, data, *, record_every: int = 5,
                             steps=STEPS, **kwargs) -> Explorer:
    """Training-step slider x "show components": ``2 len(steps)`` states (16 by default)."""
    pre = precompute(snapshots, losses, data, record_every, steps)
    controls = {"step": Slider("training step", list(steps), default=0, fmt="{:.0f}"),
                "components": Toggle("show the weighted components")}
    return Explorer(lambda **v: _render(pre, **v), controls,
                    title="Replay the maximum-likelihood fit of a mixture-CDF layer", **kwargs)


def where_does_the_loss_end(true_nll: float) -> Prediction:
    """The "predict first" prompt shown before :func:`training_replay_explorer`."""
    return Prediction(
        f"The true density of the sample has an NLL of {true_nll:.3f} nats per sample on these "
        "data. Where will the NLL of the four-component layer end after 600 Adam steps?",
        [f"clearly below {true_nll:.3f}", f"slightly above {true_nll:.3f}",
         f"far above {true_nll:.3f} (more than 0.1 nats)"],
        answer=f"slightly above {true_nll:.3f}",
        explanation="The NLL estimates the cross-entropy H(p, q) = H(p) + KL(p || q), and the true "
                    "density's NLL estimates H(p): the gap is the KL divergence, which is never "
                    "negative. A mixture of four Gaussians fits the narrow bump well but can only "
                    "approximate the log-normal tail, so a small gap remains (on a finite sample "
                    "the estimate could dip below by chance; with 2000 samples and 12 parameters "
                    "it does not here).")
