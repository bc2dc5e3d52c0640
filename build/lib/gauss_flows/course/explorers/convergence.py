"""Explorer of Part 3 · 01, convergence and stopping: how many RBIG layers a tolerance keeps.

RBIG (Laparra, Camps-Valls & Malo 2011) removes :math:`\\Delta\\mathrm{TC}_\\ell` nats of total
correlation at layer :math:`\\ell`; the estimates are noisy, so :func:`gauss_flows.rbig_fit`
stops when the average of the last ``patience`` reductions falls below ``tol`` and drops
those layers. :func:`gauss_flows.rbig.layers_kept` replays that rule on one long recorded
curve, so every (tolerance, patience) state is drawn without refitting.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.rbig import layers_kept
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["stopping_explorer", "more_or_fewer_layers", "TOLERANCES", "PATIENCES"]

TOLERANCES = [0.0, 0.005, 0.01, 0.02, 0.04, 0.08]
PATIENCES = [1, 3, 5]


def _render(tol: float, patience: float, *, curve, log_likelihood, noise):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, NEUTRAL, style_ax

    patience = int(round(patience))
    kept = layers_kept(curve, tol, patience)
    layers = np.arange(1, curve.size + 1)
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    bars_ax = fig.add_axes((0.07, 0.14, 0.4, 0.72))
    sum_ax = fig.add_axes((0.57, 0.14, 0.4, 0.72))
    colours = [DATA if layer <= kept else "0.75" for layer in layers]
    bars_ax.bar(layers, curve, color=colours, width=0.8)
    bars_ax.axhspan(-noise, noise, color=NEUTRAL, alpha=0.15, lw=0)
    bars_ax.axhline(tol, color=ACCENT, lw=1.5, ls="--")
    bars_ax.text(curve.size, tol, f" tol = {tol:g}", color=ACCENT, va="bottom", ha="right", fontsize=9)
    style_ax(bars_ax, "TC removed per layer (grey band: ±1 sd of noise)", "layer", "nats")
    bars_ax.set_ylim(-0.08, max(0.35, curve.max() * 1.05))
    cumulative = np.cumsum(curve)
    sum_ax.plot(layers, cumulative, color=NEUTRAL, lw=1.5, label="TC removed so far")
    sum_ax.plot(layers[:kept], cumulative[:kept], color=DATA, lw=3)
    sum_ax.axvline(kept, color=ACCENT, lw=1.5, ls="--")
    sum_ax.text(kept, 0.05, f" {kept} kept", color=ACCENT, fontsize=9)
    style_ax(sum_ax, "TC removed so far (nats)", "layer", None)
    sum_ax.set_ylim(0, cumulative.max() * 1.1)
    fired = kept < curve.size or np.mean(curve[-patience:]) < tol
    readout = (f"tol = {tol:g} nats, patience = {patience}: "
               + (f"the rule fires after layer {min(kept + patience, curve.size) if kept > 1 else 'the first ' + str(patience)} "
                  f"and keeps {kept} layer{'s' * (kept != 1)}" if fired else
                  f"the rule never fires; all {kept} recorded layers are kept")
               + f"\nTC removed by the kept layers: {cumulative[kept - 1]:.3f} of {cumulative[-1]:.3f} nats "
               f"({100 * cumulative[kept - 1] / cumulative[-1]:.0f} %); mean log-likelihood "
               f"{log_likelihood[kept - 1]:+.3f} (all layers: {log_likelihood[-1]:+.3f})")
    return fig, readout


def stopping_explorer(info: dict, noise: float = 0.02, **kwargs) -> Explorer:
    """Sliders for ``tol`` and ``patience`` over the curve ``info["tc_reduction"]`` of a long
    RBIG fit without a tolerance (6 x 3 = 18 states). ``noise``: the per-layer estimator's
    standard deviation, drawn as a band. ``kwargs`` go to :class:`Explorer`.
    """
    curve = np.asarray(info["tc_reduction"], dtype=float)
    log_likelihood = np.asarray(info["log_likelihood"], dtype=float)
    if curve.size < max(PATIENCES) + 1:
        raise ValueError(f"stopping_explorer needs a recorded curve of more than {max(PATIENCES)} layers, "
                         f"got {curve.size}.")
    controls = {"tol": Slider("tolerance (nats)", TOLERANCES, default=0.01, fmt="{:g}"),
                "patience": Slider("patience", PATIENCES, default=5, fmt="{:.0f}")}

    def render(tol, patience):
        return _render(tol, patience, curve=curve, log_likelihood=log_likelihood, noise=noise)

    return Explorer(render, controls, title="RBIG stopping rule: tolerance and patience", **kwargs)


def more_or_fewer_layers() -> Prediction:
    """The "predict first" prompt shown before :func:`stopping_explorer`."""
    return Prediction(
        "Keep the tolerance at 0.01 nats and lower the patience from 5 to 1 (stop at the first "
        "single layer that removes less than 0.01). Will RBIG keep more layers, fewer, or the same?",
        ["more", "fewer", "the same"], answer="fewer",
        explanation="A single per-layer estimate is noisy (about ±0.02 nats), so one of the early "
                    "layers soon comes out below 0.01, or even negative, by chance, and a patience "
                    "of 1 stops there. Averaging over 5 layers shrinks the noise by about √5, so "
                    "the rule fires only once the layers really remove little.")
