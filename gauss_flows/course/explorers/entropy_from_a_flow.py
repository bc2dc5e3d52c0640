"""Explorer of Part 14 · 00, entropy from a flow: a flow's held-out cross-entropy against the exact entropy.

A flow :math:`q` fitted to samples of :math:`p` gives, on held-out samples,

.. math::  \\hat H_q = -\\frac1m\\sum_j \\log q(x_j) \\approx H(p) + \\mathrm{KL}(p\\,\\|\\,q) \\ge H(p),

so its estimates sit above the exact entropy by the fit's KL, up to their standard error. The
explorer shows the estimates recorded over independent seeds (a flow fit per seed, done once in
the notebook) next to the Kozachenko-Leonenko k-NN estimate on the same training samples, for
one distribution and one training-set size at a time, against the exact value.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["entropy_explorer", "above_or_below", "summary"]

ESTIMATORS = ("flow", "k-NN")


def summary(values) -> tuple[float, float]:
    """Mean and standard error (``std / sqrt(n)``, ``ddof=1``) of estimates over seeds."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size < 2:
        raise ValueError(f"need a 1-D array of at least 2 estimates, got shape {values.shape}.")
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def _render(distribution: str, n: float, *, results, exact):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, PASSIVE, style_ax

    n = int(round(n))
    if (distribution, n) not in results:
        raise ValueError(f"No estimates were recorded for ({distribution!r}, n = {n}); "
                         f"recorded: {sorted(results)}.")
    fig = Figure(figsize=FIGSIZE["single"], layout="none")
    ax = fig.add_axes((0.14, 0.15, 0.82, 0.72))
    truth = exact[distribution]
    lines = [f"{distribution}, n = {n}: exact H = {truth:.3f} nats"]
    for position, (name, colour) in enumerate(zip(ESTIMATORS, (ACCENT, PASSIVE))):
        values = np.asarray(results[distribution, n][name], dtype=float)
        mean, error = summary(values)
        ax.plot(np.full(values.size, position) + np.linspace(-0.08, 0.08, values.size), values, "o",
                color=colour, alpha=0.6, ms=5)
        ax.errorbar(position + 0.25, mean, yerr=2 * error, fmt="s", color=colour, capsize=4, ms=6)
        lines.append(f"{name}: {mean:.3f} ± {error:.3f} (bias {mean - truth:+.3f})")
    ax.axhline(truth, color="0.2", lw=1.2, ls="--", label="exact")
    ax.set_xticks(range(len(ESTIMATORS)), [f"{e} (seeds, mean ± 2 SE)" for e in ESTIMATORS])
    ax.set_xlim(-0.5, len(ESTIMATORS) - 0.3)
    ax.legend(loc="upper right")
    style_ax(ax, f"{distribution}, n = {n} training points", "", "entropy (nats)")
    return fig, "; ".join(lines)


def entropy_explorer(results: dict, exact: dict, **kwargs) -> Explorer:
    """``results[(distribution, n)] = {"flow": [...], "k-NN": [...]}``: estimates over seeds;
    ``exact[distribution]``: its exact entropy. Controls: distribution x training-set size."""
    distributions = list(exact)
    sizes = sorted({n for _, n in results})
    missing = [(d, n) for d in distributions for n in sizes if (d, n) not in results]
    if missing:
        raise ValueError(f"entropy_explorer needs estimates for every distribution and size; missing {missing}.")
    controls = {"distribution": Dropdown("distribution", distributions),
                "n": Slider("training points n", sizes, default=sizes[0], fmt="{:.0f}")}

    def render(distribution, n):
        return _render(distribution, n, results=results, exact=exact)

    return Explorer(render, controls, title="Entropy from a flow against the exact value", **kwargs)


def above_or_below() -> Prediction:
    """The "predict first" prompt shown before :func:`entropy_explorer`."""
    return Prediction(
        "A flow is fitted to n training points and its average -log q(x) is taken on fresh points. "
        "Averaged over seeds, where does this estimate land relative to the exact entropy?",
        ["above it (or on it, within the noise)", "below it", "either side, at random"],
        answer="above it (or on it, within the noise)",
        explanation="On fresh points the average of -log q estimates the cross-entropy "
                    "H(p) + KL(p || q), and a KL divergence is never negative. Only the sampling noise "
                    "of the average can put one seed below; the mean over seeds stays above, and the "
                    "gap is what the flow has not learned.")
