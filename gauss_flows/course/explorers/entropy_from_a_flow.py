"""Explorer of Part 14 · 00, entropy from a flow: a flow's held-out cross-entropy against the exact entropy.

A flow :math:`q` fitted to samples of :math:`p` gives, on held-out samples,

.. math::  \\hat H_q = -\\frac1m\\sum_j \\log q(x_j) \\approx H(p) + \\mathrm{KL}(p\\,\\|\\,q) \\ge H(p),

so its estimates sit above the exact entropy by the fit's KL, up to their standard error. The
explorer shows the estimates recorded over independent seeds (a flow fit per seed, done once in
the notebook) next to the Kozachenko-Leonenko k-NN estimate on the same training samples, for
one distribution and one training-set size at a time, against the exact value.
"""

from __future__ import annotations

from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["entropy_explorer", "above_or_below"]


def _render(distribution: str, n: float, *, results, exact):
    from gauss_flows.presentation.viz import estimates_frame

    n = int(round(n))
    if (distribution, n) not in results:
        raise ValueError(f"No estimates were recorded for ({distribution!r}, n = {n}); "
                         f"recorded: {sorted(results)}.")
    truth = exact[distribution]
    return estimates_frame(results[distribution, n], truth,
                           heading=f"{distribution}, n = {n}: exact H = {truth:.3f} nats",
                           title=f"{distribution}, n = {n} training points", ylabel="entropy (nats)")


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
