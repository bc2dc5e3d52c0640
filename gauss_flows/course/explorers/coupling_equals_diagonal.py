"""Part 5 · 06: a zero-kernel coupling pair equals a diagonal flow, until training moves the kernel.

Two flows start as the same map: a one-layer diagonal spline flow ``D`` and the complementary
pair of zero-kernel spline couplings built from it (``gf.coupling_equivalence.matched_coupling_flow``).
Both train on two moons with the same optimiser and the same minibatches
(``gf.trajectory.fit_trajectory`` with one key). The pair's kernels are free: their gradient at
zero is not zero, so the pair starts to read its passive coordinates and leaves the diagonal
flow. A step slider shows the two densities and the distances between the flows at that step.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

N_TRAIN = 2000
N_SNAPSHOTS = 12
STEPS_PER_SNAPSHOT = 10
LEARNING_RATE = 1e-2
KNOTS = 8
INTERVAL = 3.0
NN_WIDTH = 16
GRID_N = 50
WINDOW = (-2.0, 2.0)


def matched_pair(key=jr.key(0)):
    """``(diagonal, pair)``: a one-layer diagonal spline flow and the zero-kernel pair equal to it."""
    diagonal = gf.diagonal_flow(key, shape=(2,), transformer=gf.RationalQuadraticSpline(
        knots=KNOTS, interval=INTERVAL), n_layers=1)
    pair = gf.coupling_equivalence.matched_coupling_flow(key, diagonal, nn_width=NN_WIDTH, nn_depth=1)
    return diagonal, pair


def distances(pair, diagonal, x) -> dict:
    """How far apart two flows are on the points ``x``: latent and log-density, plus the kernel."""
    # compiled once per flow structure and shared by every snapshot of a run
    z_pair, ld_pair = gf.trajectory.latent_and_log_det(pair, x)
    z_diag, ld_diag = gf.trajectory.latent_and_log_det(diagonal, x)
    log_q_pair, log_q_diag = gf.jit_log_prob(pair, x), gf.jit_log_prob(diagonal, x)
    return {"max_latent": float(jnp.max(jnp.abs(z_pair - z_diag))),
            "max_log_det": float(jnp.max(jnp.abs(ld_pair - ld_diag))),
            "mean_log_q": float(jnp.mean(jnp.abs(log_q_pair - log_q_diag))),
            "kernel": max(float(gf.coupling_equivalence.kernel_norm(c)) for c in pair.bijection.bijectors),
            "nll_pair": -float(jnp.mean(log_q_pair)), "nll_diagonal": -float(jnp.mean(log_q_diag))}


@functools.cache
def trajectories() -> dict:
    """Train both flows with the same minibatches; distances and density grids at every snapshot."""
    moons = gf.datasets.TwoMoons()
    data = moons.sample(jr.key(1), N_TRAIN)
    test = moons.sample(jr.key(2), 2000)
    diagonal, pair = matched_pair()
    run = dict(n_snapshots=N_SNAPSHOTS, steps_per_snapshot=STEPS_PER_SNAPSHOT,
               learning_rate=LEARNING_RATE, batch_size=256)
    pairs, _ = gf.trajectory.fit_trajectory(jr.key(3), pair, data, **run)
    diagonals, history = gf.trajectory.fit_trajectory(jr.key(3), diagonal, data, **run)
    axis = np.linspace(*WINDOW, GRID_N)
    grid = jnp.asarray(np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2))
    rows = [distances(p, d, test) for p, d in zip(pairs, diagonals)]
    return {"steps": history["step"], "rows": rows, "pairs": pairs, "diagonals": diagonals,
            "grid_pair": [np.asarray(gf.jit_log_prob(p, grid)).reshape(GRID_N, GRID_N) for p in pairs],
            "grid_diagonal": [np.asarray(gf.jit_log_prob(d, grid)).reshape(GRID_N, GRID_N) for d in diagonals]}


def equivalence_explorer() -> Explorer:
    result = trajectories()
    steps = list(result["steps"])

    def render(step):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, PASSIVE, NEUTRAL, style_ax

        k = steps.index(int(step))
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        ax = fig.add_axes((0.06, 0.14, 0.28, 0.74))
        rows = result["rows"]
        floor = 1e-17
        for key, label, colour in (("max_latent", "max |z_pair - z_diag|", MODEL),
                                   ("mean_log_q", "mean |Δ log q|", PASSIVE),
                                   ("kernel", "max |W| (kernels)", NEUTRAL)):
            values = np.maximum([r[key] for r in rows], floor)
            ax.plot(steps, values, marker=".", color=colour, label=label)
            ax.plot(steps[k], values[k], "o", color=ACCENT, ms=9, mfc="none", mew=2)
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, 10)
        ax.set_xlabel("training step")
        style_ax(ax, "distance pair - diagonal")
        ax.legend(fontsize=8, loc="lower right")
        for j, (name, grids) in enumerate((("zero-kernel pair, kernels free", result["grid_pair"]),
                                           ("diagonal flow", result["grid_diagonal"]))):
            panel = fig.add_axes((0.40 + 0.3 * j, 0.12, 0.27, 0.76))
            panel.imshow(np.exp(grids[k]), origin="lower", extent=(*WINDOW, *WINDOW), cmap="viridis",
                         vmin=0.0, vmax=0.8)
            panel.set_xticks([])
            panel.set_yticks([])
            panel.set_title(f"{name}\nstep {steps[k]}", fontsize=10)
        r = rows[k]
        readout = (f"step {steps[k]}: max |Δz| = {r['max_latent']:.2e}, mean |Δ log q| = "
                   f"{r['mean_log_q']:.2e}, max |W| = {r['kernel']:.2e}; held-out NLL pair "
                   f"{r['nll_pair']:.3f}, diagonal {r['nll_diagonal']:.3f}")
        return fig, readout

    controls = {"step": Slider("training step", steps, default=steps[0], fmt="{:d}")}
    return Explorer(render, controls, title="zero-kernel pair vs matched diagonal flow during training")


def when_does_it_break() -> Prediction:
    return Prediction(
        "The pair and the diagonal flow are the same function at step 0 and see the same "
        "minibatches. After how many steps do they differ by more than round-off?",
        ["after the first step", "after many steps, once the fit is good", "never"],
        answer="after the first step",
        explanation="The loss's gradient with respect to a zero kernel is not zero: it is the "
                    "gradient with respect to the parameters times the hidden features h(x_p), "
                    "which vary with the passive coordinate. The first Adam step moves every kernel "
                    "entry, so from then on the pair's parameters depend on x_p.")
