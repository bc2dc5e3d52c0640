"""Explorer of Part 3 · 02, which rotation: PCA or random rotations, and the dimension.

The toy density is a rotated product of non-Gaussian marginals, :math:`x = Q s` with independent
uniform sources of different scales, so its total correlation is known up to 1-D entropies:
:math:`\\mathrm{TC}(x) = \\sum_i H(x_i) - \\sum_i \\log(2\\sqrt3\\,\\sigma_i)` (a rotation keeps the joint
entropy). After RBIG layer :math:`k` the total correlation left is
:math:`\\mathrm{TC}(x) - \\sum_{\\ell \\le k} \\Delta\\mathrm{TC}_\\ell` (Laparra, Camps-Valls & Malo 2011).
The explorer shows that curve for PCA and random rotations at one dimension and marks the
first layer at which it falls below a chosen fraction of :math:`\\mathrm{TC}(x)`.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.diagnostics import layers_needed
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["layers_needed", "rotation_explorer", "pca_or_random", "FRACTIONS"]

FRACTIONS = [0.25, 0.5, 0.75]


def _render(d: float, fraction: float, *, runs, tc):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, PASSIVE, style_ax

    d = int(round(d))
    if d not in tc:
        raise ValueError(f"No runs were recorded for d = {d}; recorded: {sorted(tc)}.")
    fig = Figure(figsize=FIGSIZE["single"], layout="none")
    ax = fig.add_axes((0.14, 0.15, 0.82, 0.72))
    lines = []
    for rotation, colour in [("pca", ACCENT), ("random", PASSIVE)]:
        curve = tc[d] - np.cumsum(runs[d, rotation])
        layers = np.arange(len(curve) + 1)
        ax.plot(layers, np.concatenate([[tc[d]], curve]), color=colour, marker="o", ms=3, label=rotation)
        need = layers_needed(tc[d], runs[d, rotation], fraction)
        if need is not None:
            ax.plot(need, curve[need - 1], "o", color=colour, ms=10, mfc="none", mew=2)
        lines.append(f"{rotation}: {need if need is not None else f'more than {len(curve)}'} layers")
    ax.axhline(fraction * tc[d], color="0.3", lw=1, ls="--")
    ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    style_ax(ax, f"d = {d}: total correlation left (TC(x) = {tc[d]:.2f} nats)", "layers", "nats")
    readout = (f"d = {d}, target: at most {100 * fraction:.0f} % of TC(x) left ({fraction * tc[d]:.3f} nats); "
               + "; ".join(lines))
    return fig, readout


def rotation_explorer(runs: dict, tc: dict, **kwargs) -> Explorer:
    """``runs[(d, "pca" | "random")]``: recorded ``tc_reduction`` curves; ``tc[d]``: TC(x) of the
    toy data in dimension ``d``. Sliders: dimension x target fraction (``len(tc) * 3`` states)."""
    dims = sorted(tc)
    missing = [(d, r) for d in dims for r in ("pca", "random") if (d, r) not in runs]
    if missing:
        raise ValueError(f"rotation_explorer needs a recorded curve for every dimension and rotation; "
                         f"missing {missing}.")
    controls = {"d": Slider("dimension d", dims, default=dims[0], fmt="{:.0f}"),
                "fraction": Slider("TC left (fraction)", FRACTIONS, default=0.5, fmt="{:.0%}")}

    def render(d, fraction):
        return _render(d, fraction, runs=runs, tc=tc)

    return Explorer(render, controls, title="PCA or random rotations: layers to reach a target", **kwargs)


def pca_or_random() -> Prediction:
    """The "predict first" prompt shown before :func:`rotation_explorer`."""
    return Prediction(
        "On two moons in 2-D, random rotations caught up with PCA within 15 layers. In d = 8, with a rotated "
        "product of uniform marginals, which rotation reaches half of TC(x) in fewer layers?",
        ["PCA, by far", "random rotations", "about the same"], answer="PCA, by far",
        explanation="A random rotation in d dimensions rarely lines up with the directions in which the "
                    "data are still non-Gaussian, and there are many more wrong directions in 8-D than in "
                    "2-D. PCA picks the principal axes, which here are the source axes (the sources have "
                    "different variances), so the next marginal step removes most of the dependence at once.")
