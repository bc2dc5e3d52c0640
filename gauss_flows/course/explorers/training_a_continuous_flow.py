"""Explorers of Part 6 · 03, training a continuous flow: its density through training, and what the
solver's tolerance costs.

The continuous flow's density at any point comes from one ODE solve with the trace,

.. math::  \\log q(x) = \\log \\mathcal N\\big(z(1); 0, I\\big) + \\int_0^1 \\operatorname{tr}
           \\frac{\\partial f}{\\partial z}\\big(t, z(t)\\big)\\, dt, \\qquad z(0) = x,

so every frame here is precomputed by the notebook (densities on a grid, solver statistics); the
explorers only look them up.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["snapshot_explorer", "tolerance_explorer", "cheaper_or_dearer"]


def _density_image(ax, density, extent, title):
    from gauss_flows.presentation.style import DENSITY_CMAP, style_ax

    ax.imshow(density, origin="lower", extent=extent, cmap=DENSITY_CMAP, aspect="equal",
              vmin=0.0, vmax=float(np.max(density)))
    style_ax(ax, title, "x₁", "x₂", grid=False, equal=True, legend=False)


def snapshot_explorer(densities: dict, kls: dict, exact: np.ndarray, extent: tuple, **kwargs) -> Explorer:
    """``densities[epoch]``: the model's density on a grid (an ``(n, n)`` array, rows = x₂) after
    that many epochs; ``kls[epoch]``: its KL to the truth; ``exact``: the true density on the same
    grid, ``extent = (x₁ min, x₁ max, x₂ min, x₂ max)``. Control: the epoch."""
    epochs = sorted(densities)
    if set(kls) != set(epochs) or not epochs:
        raise ValueError(f"snapshot_explorer needs a KL for every snapshot: densities at {epochs}, "
                         f"KLs at {sorted(kls)}.")
    for epoch in epochs:
        if np.shape(densities[epoch]) != np.shape(exact):
            raise ValueError(f"the density at epoch {epoch} has shape {np.shape(densities[epoch])}, "
                             f"the exact one {np.shape(exact)}: they must share the grid.")

    def render(epoch):
        from matplotlib.figure import Figure
        from gauss_flows.presentation.style import FIGSIZE

        epoch = int(round(epoch))
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        left, right = fig.add_axes((0.06, 0.14, 0.4, 0.74)), fig.add_axes((0.55, 0.14, 0.4, 0.74))
        _density_image(left, exact, extent, "exact density p")
        _density_image(right, densities[epoch], extent, f"continuous flow after {epoch} epochs")
        return fig, f"epoch {epoch}: KL(p || q) = {kls[epoch]:.3f} nats"

    controls = {"epoch": Slider("epochs trained", epochs, default=epochs[-1], fmt="{:.0f}")}
    return Explorer(render, controls, title="The continuous flow's density during training", **kwargs)


def tolerance_explorer(records: list[dict], **kwargs) -> Explorer:
    """``records``: one dict per tolerance with ``rtol``, ``evaluations`` (field evaluations per
    log-density, mean over points) and ``error`` (mean |log q - log q at the tightest tolerance|).
    Control: the tolerance (its exponent)."""
    records = sorted(records, key=lambda r: r["rtol"])
    if not records or any(not (r["rtol"] > 0 and r["evaluations"] > 0 and r["error"] >= 0) for r in records):
        raise ValueError("tolerance_explorer needs records with rtol > 0, evaluations > 0 and error >= 0.")
    exponents = [float(np.log10(r["rtol"])) for r in records]
    by_exponent = dict(zip(exponents, records))

    def render(log10_rtol):
        from matplotlib.figure import Figure
        from gauss_flows.presentation.style import ACCENT, FIGSIZE, PASSIVE, style_ax

        current = by_exponent[min(by_exponent, key=lambda e: abs(e - log10_rtol))]
        rtols = np.array([r["rtol"] for r in records])
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        left, right = fig.add_axes((0.08, 0.16, 0.38, 0.7)), fig.add_axes((0.58, 0.16, 0.38, 0.7))
        left.plot(rtols, [r["evaluations"] for r in records], "o-", color=PASSIVE)
        left.plot([current["rtol"]], [current["evaluations"]], "o", ms=11, color=ACCENT)
        left.set_xscale("log")
        style_ax(left, "cost of one log-density", "solver tolerance rtol", "field evaluations", legend=False)
        floor = max(1e-16, min(r["error"] for r in records if r["error"] > 0) / 10) if any(r["error"] > 0 for r in records) else 1e-16
        right.plot(rtols, [max(r["error"], floor) for r in records], "o-", color=PASSIVE)
        right.plot([current["rtol"]], [max(current["error"], floor)], "o", ms=11, color=ACCENT)
        right.set_xscale("log"); right.set_yscale("log")
        style_ax(right, "error of log q", "solver tolerance rtol", "mean |error| (nats)", legend=False)
        return fig, (f"rtol = {current['rtol']:.0e}: {current['evaluations']:.0f} field evaluations per point, "
                     f"log q off by {current['error']:.1e} nats on average")

    controls = {"log10_rtol": Slider("log₁₀ rtol", exponents, default=exponents[len(exponents) // 2], fmt="{:.0f}")}
    return Explorer(render, controls, title="Solver tolerance against function evaluations", **kwargs)


def cheaper_or_dearer() -> Prediction:
    """The "predict first" prompt shown before :func:`tolerance_explorer`."""
    return Prediction(
        "Tighten the solver's tolerance from 1e-3 to 1e-6 (a thousand times smaller). How do the "
        "field evaluations per log-density change?",
        ["about a thousand times more", "a few times more", "no change: the field is the same"],
        answer="a few times more",
        explanation="An adaptive Runge-Kutta method of order 5 makes a local error of order h^5 per "
                    "step, so shrinking the tolerance a thousandfold shrinks the steps by about "
                    "1000^(1/5), roughly 4: the number of steps, and of evaluations, grows by a few "
                    "times, not a thousand.")
