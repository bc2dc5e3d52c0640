"""Explorer of Part 4 · 01: the same Gaussianization flow trained from two starting points.

Both runs train a flow of (marginal mixture-CDF layer, fixed rotation) pairs with the same
number of trainable parameters, the same optimiser and the same number of steps; one starts
from the template (every marginal map close to the identity, random rotations), the other from
an RBIG fit (Laparra et al. 2011; trained further as in Meng et al. 2020). A step slider
indexes the stored snapshots of both runs (from
:func:`gauss_flows.trajectory.fit_trajectory`); each frame shows both densities at that step
and both NLL curves, with the step marked. All the work happens when the explorer is built.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.trajectory import canonical_form, nll_terms
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider
from gauss_flows.distributions import jit_log_prob

WINDOW = (-2.5, 3.0)
DENSITY_MAX = 1.0
RUNS = ("random", "RBIG")


def warm_start_explorer(runs: dict, steps, data, **kwargs) -> Explorer:
    """``runs`` maps ``"random"`` and ``"RBIG"`` to lists of snapshots (one per entry of
    ``steps``). A step slider (at most 30 states). ``kwargs`` go to the Explorer."""
    steps = [int(s) for s in steps]
    if set(runs) != set(RUNS):
        raise ValueError(f"warm_start_explorer needs the runs {RUNS}, got {sorted(runs)}.")
    if any(len(runs[name]) != len(steps) for name in RUNS) or not 2 <= len(steps) <= 30:
        raise ValueError(f"warm_start_explorer needs 2 to 30 snapshots per run, one per step; got "
                         f"{[len(runs[name]) for name in RUNS]} snapshots and {len(steps)} steps.")
    data = np.asarray(data)
    # one canonical layout for both runs (RBIG's nested chain and PCA rotations, the template's
    # flat chain and random rotations): every snapshot shares one compiled NLL and density
    runs = {name: [canonical_form(flow) for flow in runs[name]] for name in RUNS}
    nll = {name: np.array([sum(nll_terms(flow, data)) for flow in runs[name]]) for name in RUNS}
    by_step = {s: k for k, s in enumerate(steps)}

    def render(step):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, PASSIVE

        from gauss_flows.presentation import viz

        k = by_step[int(step)]
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        axes = [fig.add_axes((0.03 + 0.31 * j, 0.12, 0.27, 0.76)) for j in range(2)]
        ax_curve = fig.add_axes((0.70, 0.14, 0.28, 0.74))
        for ax, name in zip(axes, RUNS):
            flow = runs[name][k]
            viz.density_panel(lambda x, flow=flow: jit_log_prob(flow, x), batched=True, xlim=WINDOW,
                              ylim=WINDOW, n=60, ax=ax,
                              title=f"{name} start, step {steps[k]}: NLL {nll[name][k]:.2f}")
            ax.images[-1].set_clim(0.0, DENSITY_MAX)
            ax.plot(data[:300, 0], data[:300, 1], ".", color="white", ms=1.5, alpha=0.5)
            ax.tick_params(labelsize=9)
        for name, colour in zip(RUNS, (PASSIVE, MODEL)):
            ax_curve.plot(steps, nll[name], color=colour, marker=".", label=f"{name} start")
            ax_curve.plot(steps[k], nll[name][k], "o", color=ACCENT, ms=7, zorder=5)
        ax_curve.set_xlabel("optimiser step")
        ax_curve.set_ylabel("NLL (nats)")
        ax_curve.set_title("same flow, same budget")
        ax_curve.legend(fontsize=9)
        gap = nll["random"][k] - nll["RBIG"][k]
        readout = (f"step {steps[k]}: NLL random start {nll['random'][k]:.3f}, RBIG start "
                   f"{nll['RBIG'][k]:.3f} nats (gap {gap:+.3f})")
        return fig, readout

    controls = {"step": Slider("training step", steps, default=steps[0], fmt="{:d}")}
    return Explorer(render, controls, title="random vs RBIG initialisation", **kwargs)


def does_the_gap_close() -> Prediction:
    """The "predict first" prompt shown before :func:`warm_start_explorer`."""
    return Prediction(
        "Both runs train flows with the same trainable parameters and the same optimiser. At step 0 the RBIG start "
        "is far ahead. After the full budget of steps, where will the gap be?",
        ["closed: both reach the same NLL", "smaller, but RBIG still ahead",
         "larger than at step 0"],
        answer="smaller, but RBIG still ahead",
        explanation="The random start improves fastest at first (it has the most to gain), so the "
                    "gap shrinks; but within a short budget it does not catch up. Each RBIG layer "
                    "was fitted to the data that actually reach it, a good solution the gradient "
                    "does not have to find; the greedy fit is not optimal for the NLL, which is why "
                    "training still improves it.")
