"""Explorer of Part 0 · 04: step through the destruction of a 2-D sample's structure.

A Gaussianization destructor (Chen & Gopinath 2000; Inouye & Ravikumar 2018) alternates a
marginal Gaussianization :math:`u_i = \\Phi^{-1}(F_i(z_i))` and a rotation :math:`z' = Ru`.
The explorer takes a fitted flow (``gf.rbig_fit``) and its training sample, runs the sample
through the flow one HALF-step at a time (:func:`gauss_flows.destructors.destruction_path`)
and shows, for the chosen step: the sample, its two marginal histograms against
:math:`\\mathcal N(0, 1)`, and the curves of the structure left (total correlation and summed
marginal negentropy) over all steps. Everything is computed once when the explorer is built;
``render`` only draws.

What to see: a marginal step sends the summed negentropy to (almost) 0 and leaves the total
correlation untouched (a coordinate-wise map cannot change dependence); the rotation after it
keeps the joint entropy but mixes the coordinates, which turns part of the dependence back into
non-Gaussian marginals, for the next marginal step to remove.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.destructors import destruction_path, structure_left
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

#: the window of the scatter panel and of the histograms
LIMIT = 4.0
#: at most this many layers are shown (two half-steps each: 2 * MAX_LAYERS + 1 states)
MAX_LAYERS = 6


def describe_step(step: int) -> str:
    """"the data", "layer 2: after the marginal Gaussianization", "layer 2: after the rotation"."""
    if step == 0:
        return "the data (no step yet)"
    layer, half = (step + 1) // 2, "marginal Gaussianization" if step % 2 else "rotation"
    return f"layer {layer}: after the {half}"


def destruction_states(flow, data, *, max_layers: int = MAX_LAYERS) -> dict:
    """Run ``data`` through the first ``max_layers`` layers of ``flow``, half-step by half-step.

    Returns ``{"samples": [...], "log_dets": [...], "readouts": [structure_left(...)]}``.
    """
    samples, log_dets = destruction_path(flow.bijection, data, half_steps=True,
                                         max_steps=2 * max_layers)
    samples = [np.asarray(s) for s in samples]
    readouts = [structure_left(s) for s in samples]
    return {"samples": samples, "log_dets": [np.asarray(v) for v in log_dets], "readouts": readouts}


def destructor_explorer(flow, data, *, max_layers: int = MAX_LAYERS, states: dict | None = None,
                        **kwargs) -> Explorer:
    """A step slider (0 .. 2 x layers) over the destruction of ``data`` by ``flow``.

    ``flow``: a fitted Gaussianization flow whose bijection is a ``Chain`` of
    ``Chain([marginal, rotation])`` layers (``gf.rbig_fit``); ``data``: its sample (n, 2).
    ``states``: the output of :func:`destruction_states`, if already computed.
    """
    from matplotlib.figure import Figure
    from scipy.stats import norm

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, GAUSS_KW, MODEL, NEUTRAL, PASSIVE

    if np.ndim(data) != 2 or np.shape(data)[1] != 2:
        raise ValueError(f"destructor_explorer shows 2-D samples, got shape {np.shape(data)}.")
    states = states or destruction_states(flow, data, max_layers=max_layers)
    samples, readouts = states["samples"], states["readouts"]
    n_steps = len(samples) - 1
    tc = np.array([r["total_correlation"] for r in readouts])
    neg = np.array([r["negentropy"] for r in readouts])
    bins = np.linspace(-LIMIT, LIMIT, 41)
    grid = np.linspace(-LIMIT, LIMIT, 200)
    top = 1.05 * max(tc.max(), neg.max())

    def render(step: float):
        step = int(round(step))
        z = samples[step]
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        ax_s = fig.add_axes((0.04, 0.13, 0.25, 0.75))
        ax_h = fig.add_axes((0.37, 0.13, 0.26, 0.75))
        ax_c = fig.add_axes((0.71, 0.13, 0.27, 0.75))
        ax_s.scatter(z[:, 0], z[:, 1], s=3, alpha=0.4, color=DATA, linewidths=0, rasterized=True)
        ax_s.set_xlim(-LIMIT, LIMIT)
        ax_s.set_ylim(-LIMIT, LIMIT)
        ax_s.set_aspect("equal")
        ax_s.set_title(f"step {step}: the sample")
        for i, colour in enumerate([PASSIVE, MODEL]):
            ax_h.hist(np.clip(z[:, i], -LIMIT, LIMIT), bins=bins, density=True, histtype="step",
                      lw=1.8, color=colour, label=f"$z_{i + 1}$")
        ax_h.plot(grid, norm.pdf(grid), **GAUSS_KW)
        ax_h.set_ylim(0, 0.9)
        ax_h.set_title("marginal histograms")
        ax_h.legend(loc="upper right", fontsize=9)
        steps = np.arange(n_steps + 1)
        ax_c.plot(steps, tc, "-o", ms=3, color=PASSIVE, label="total correlation")
        ax_c.plot(steps, neg, "-o", ms=3, color=MODEL, label="Σ negentropy")
        ax_c.axvline(step, color=ACCENT, lw=1.5)
        ax_c.axhline(0, color=NEUTRAL, lw=0.8)
        ax_c.set_ylim(-0.05, top)
        ax_c.set_xlabel("step (odd: marginal, even: rotation)")
        ax_c.set_ylabel("nats")
        ax_c.set_title("structure left")
        ax_c.legend(loc="upper right", fontsize=9)
        for ax in (ax_s, ax_h, ax_c):
            ax.tick_params(labelsize=9)
        r = readouts[step]
        readout = (f"step {step} = {describe_step(step)}\n"
                   f"total correlation {r['total_correlation']:.3f} nats   "
                   f"Σ marginal negentropy {r['negentropy']:.3f} nats   "
                   f"structure left {r['structure']:.3f} nats")
        if step > 0:
            before = readouts[step - 1]
            readout += (f"\nthis step changed TC by {r['total_correlation'] - before['total_correlation']:+.3f}"
                        f" and Σ negentropy by {r['negentropy'] - before['negentropy']:+.3f}")
        return fig, readout

    controls = {"step": Slider("step", np.arange(n_steps + 1), default=0, fmt="{:.0f}")}
    return Explorer(render, controls, title="destroying the structure of two moons", **kwargs)


def marginal_step_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`destructor_explorer`."""
    return Prediction(
        "Step 1 Gaussianizes each coordinate of the two moons separately. What happens to the "
        "total correlation (the dependence between the two coordinates) in that step?",
        ["it drops to about 0", "it stays the same", "it grows"], answer="it stays the same",
        explanation="Total correlation is invariant under any invertible map of each coordinate "
                    "by itself: the marginal step makes both histograms Gaussian, yet the "
                    "moons are still there (bent, but there). Only the rotation in the next "
                    "step lets the following marginal step bite into the dependence.")
