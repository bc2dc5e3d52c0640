"""Explorer of Part 14 · 02, mutual information: KSG, RBIG and a flow against the exact MI.

The data are a bivariate Gaussian with correlation :math:`\\rho`, its first coordinate pushed
through :math:`x \\mapsto x + x^3/3` and its second through :math:`y \\mapsto e^{y}`. Mutual
information does not change under an invertible map of each block, so the exact value stays
that of the Gaussian,

.. math::  I(x; y) = -\\tfrac12\\log(1 - \\rho^2),

while the pair is far from Gaussian. The explorer shows, for one correlation and one sample
size at a time, the estimates recorded over seeds in the notebook: KSG (Kraskov et al. 2004),
RBIG (Gaussianize each block, then the total correlation of the pair; Laparra et al. 2020) and
a flow (three fitted flows, the mean log-density ratio on held-out points).
"""

from __future__ import annotations

from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["mi_explorer", "same_or_not"]


def _render(rho: float, n: float, *, results, exact):
    from gauss_flows.presentation.viz import estimates_frame

    n = int(round(n))
    if (rho, n) not in results:
        raise ValueError(f"No estimates were recorded for rho = {rho}, n = {n}; recorded: {sorted(results)}.")
    truth = exact[rho]
    return estimates_frame(results[rho, n], truth, heading=f"rho = {rho}, n = {n}: exact MI = {truth:.3f} nats",
                           title=f"ρ = {rho}, n = {n} points", ylabel="mutual information (nats)")


def mi_explorer(results: dict, exact: dict, **kwargs) -> Explorer:
    """``results[(rho, n)] = {"KSG": [...], "RBIG": [...], "flow": [...]}``: estimates over seeds;
    ``exact[rho]``: the exact MI. Sliders: correlation x sample size."""
    rhos, sizes = sorted(exact), sorted({n for _, n in results})
    missing = [(r, n) for r in rhos for n in sizes if (r, n) not in results]
    if missing:
        raise ValueError(f"mi_explorer needs estimates for every correlation and sample size; missing {missing}.")
    controls = {"rho": Slider("correlation ρ", rhos, default=rhos[0], fmt="{:.1f}"),
                "n": Slider("sample size n", sizes, default=sizes[0], fmt="{:.0f}")}

    def render(rho, n):
        return _render(rho, n, results=results, exact=exact)

    return Explorer(render, controls, title="Mutual information: three estimators against the exact value",
                    **kwargs)


def same_or_not() -> Prediction:
    """The "predict first" prompt shown before :func:`mi_explorer`."""
    return Prediction(
        "Take a correlated Gaussian pair (x, y) and replace x by x + x³/3 and y by exp(y). "
        "What happens to the exact mutual information between the two coordinates?",
        ["it stays the same", "it grows", "it shrinks", "it depends on ρ"], answer="it stays the same",
        explanation="Each map is a bijection of one block. It rescales the joint density and the "
                    "marginal density of its block by the same Jacobian factor, so the ratio "
                    "p(x, y) / (p(x) p(y)), whose mean log is the MI, does not change: knowing one "
                    "coordinate tells exactly as much about the other as before.")
