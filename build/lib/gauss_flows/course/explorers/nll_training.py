"""Explorer of Part 4 · 00: a flow along its maximum-likelihood training trajectory.

A training-step slider indexes stored snapshots of the flow (from
:func:`gauss_flows.trajectory.fit_trajectory`); each frame shows the flow's density, the data
pushed to the latent space :math:`z = T(x)` over the standard normal's circles, and the NLL
split into its two terms along the whole trajectory,

.. math::  \\mathrm{NLL} = \\underbrace{-\\overline{\\log\\mathcal N(T(x))}}_{\\text{base term}}
           \\ \\underbrace{-\\ \\overline{\\log\\lvert\\det\\partial T/\\partial x\\rvert}}_{\\text{log-det term}}

with the current step marked. Nothing is trained in ``render``: all snapshots, their NLL terms
and latent points are computed once when the explorer is built.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.trajectory import latent_and_log_det
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider
from gauss_flows.distributions import jit_log_prob

WINDOW = (-2.5, 3.0)
LATENT = (-4.0, 4.0)
DENSITY_MAX = 1.0
GRID = 80  # density grid points per axis, as in the notebook's density pictures


def trajectory_summary(flows, data) -> dict:
    """NLL terms and latent points of every snapshot (numpy arrays, one row per snapshot),
    from one compiled pass per snapshot (:func:`~gauss_flows.trajectory.latent_and_log_det`)."""
    latent, base, log_det = [], [], []
    for flow in flows:
        z, flow_log_det = latent_and_log_det(flow, data)
        latent.append(np.asarray(z))
        base.append(-float(np.mean(np.asarray(flow.base.log_prob(z)))))
        log_det.append(-float(np.mean(np.asarray(flow_log_det))))
    base, log_det = np.array(base), np.array(log_det)
    return {"base": base, "log_det": log_det, "nll": base + log_det, "latent": latent}


def nll_training_explorer(flows, steps, data, **kwargs) -> Explorer:
    """A step slider over ``flows`` (snapshots after ``steps`` optimiser steps) fitted to ``data``.

    At most 30 snapshots (every one is an image on the website). ``kwargs`` go to
    :class:`~gauss_flows.presentation.widgets.Explorer`.
    """
    steps = [int(s) for s in steps]
    if len(flows) != len(steps) or not 2 <= len(flows) <= 30:
        raise ValueError(f"nll_training_explorer needs 2 to 30 snapshots with one step each, got "
                         f"{len(flows)} flows and {len(steps)} steps.")
    data = np.asarray(data)
    summary = trajectory_summary(flows, data)
    by_step = {s: k for k, s in enumerate(steps)}

    def render(step):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, MODEL, NEUTRAL, PASSIVE

        from gauss_flows.presentation import viz

        step = int(step)
        if step not in by_step:
            raise ValueError(f"no snapshot at step {step}; the stored steps are {steps}.")
        k = by_step[step]
        flow = flows[k]
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        ax_density = fig.add_axes((0.03, 0.12, 0.27, 0.76))
        ax_latent = fig.add_axes((0.35, 0.12, 0.27, 0.76))
        ax_curve = fig.add_axes((0.70, 0.14, 0.28, 0.74))
        viz.density_panel(lambda x: jit_log_prob(flow, x), batched=True, xlim=WINDOW, ylim=WINDOW,
                          n=GRID, ax=ax_density, title=f"density after {step} steps")
        ax_density.images[-1].set_clim(0.0, DENSITY_MAX)
        latent = summary["latent"][k]
        viz.samples_panel(latent, ax=ax_latent, color=DATA, s=3, alpha=0.5, lim=LATENT,
                          title="latent z = T(x)")
        angle = np.linspace(0, 2 * np.pi, 100)
        for radius in (1, 2, 3):  # circles of N(0, I): where the base term wants the points
            ax_latent.plot(radius * np.cos(angle), radius * np.sin(angle), color=NEUTRAL, lw=0.8)
        ax_curve.plot(steps, summary["nll"], color=MODEL, label="NLL")
        ax_curve.plot(steps, summary["base"], color=PASSIVE, ls="--", label="base term")
        ax_curve.plot(steps, summary["log_det"], color=DATA, ls=":", label="log-det term")
        for key in ("nll", "base", "log_det"):
            ax_curve.plot(step, summary[key][k], "o", color=ACCENT, ms=6, zorder=5)
        ax_curve.axhline(0.0, color=NEUTRAL, lw=0.6)
        ax_curve.set_xlabel("optimiser step")
        ax_curve.set_ylabel("nats")
        ax_curve.set_title("NLL = base term + log-det term")
        ax_curve.legend(loc="center right", fontsize=9)
        for ax in (ax_density, ax_latent):
            ax.tick_params(labelsize=9)
        readout = (f"step {step}: NLL = {summary['nll'][k]:.3f} = base term {summary['base'][k]:.3f}"
                   f" + log-det term {summary['log_det'][k]:+.3f} nats"
                   f"   (mean |z|² = {np.mean(np.sum(latent ** 2, 1)):.2f}; 2 for N(0, I₂))")
        return fig, readout

    controls = {"step": Slider("training step", steps, default=steps[-1], fmt="{:d}")}
    return Explorer(render, controls, title="a coupling flow along its training trajectory", **kwargs)


def which_term_rises() -> Prediction:
    """The "predict first" prompt shown before :func:`nll_training_explorer`."""
    return Prediction(
        "Training lowers the NLL = base term + log-det term. The data are narrower than N(0, I) "
        "(standard deviations about 0.9 and 0.5). While the NLL falls, what does the base term "
        "-mean log N(T(x)) do?",
        ["it falls too", "it rises", "it stays put"], answer="it rises",
        explanation="At the start T is close to the identity: the narrow data sit near the centre "
                    "of N(0, I), where the base density is high, so the base term is small, but the "
                    "density is far too wide. To concentrate the mass on the moons T must stretch "
                    "them (a large positive log-det, so a negative log-det term), which spreads the "
                    "latent points out to fill N(0, I): the base term goes UP while the log-det term "
                    "goes down by more. The NLL is a trade-off between the two.")
