"""Explorer of Part 14 · 03, estimators under the microscope: bias and spread against d and n.

The data are an equicorrelated Gaussian in :math:`d` dimensions (correlation 0.5 between every
pair) with every coordinate pushed through :math:`x \\mapsto x + x^3/3`. Its exact entropy is
known by quadrature, its total correlation and the mutual information between the first
:math:`\\lfloor d/2 \\rfloor` coordinates and the rest are those of the Gaussian. For one
dimension and one sample size at a time the explorer shows the estimates recorded over seeds
in the notebook, one panel per quantity: the Kozachenko-Leonenko entropy, total correlation by
k-NN and by RBIG, and KSG mutual information, each against its exact value.
"""

from __future__ import annotations

from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["microscope_explorer", "too_high_or_too_low"]


def _render(d: float, n: float, *, results, exact):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import FIGSIZE
    from gauss_flows.presentation.viz import estimates_panel

    d, n = int(round(d)), int(round(n))
    if (d, n) not in results:
        raise ValueError(f"No estimates were recorded for d = {d}, n = {n}; recorded: {sorted(results)}.")
    quantities = results[d, n]
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    width = 0.86 / len(quantities)
    lines = [f"d = {d}, n = {n}"]
    for i, (quantity, estimates) in enumerate(quantities.items()):
        ax = fig.add_axes((0.07 + i * width, 0.2, width - 0.06, 0.66))
        truth = exact[d][quantity]
        _, stats = estimates_panel(estimates, truth, ax=ax, ylabel="nats" if i == 0 else None, title=quantity)
        lines += [f"{quantity}, {name}: {mean:.3f} ± {se:.3f} (exact {truth:.3f}, bias {mean - truth:+.3f})"
                  for name, (mean, se) in stats.items()]
    return fig, "; ".join(lines)


def microscope_explorer(results: dict, exact: dict, **kwargs) -> Explorer:
    """``results[(d, n)] = {quantity: {estimator: [...]}}``: estimates over seeds (the same
    quantities and estimators in every state); ``exact[d] = {quantity: value}``.
    Sliders: dimension x sample size."""
    dims, sizes = sorted({d for d, _ in results}), sorted({n for _, n in results})
    missing = [(d, n) for d in dims for n in sizes if (d, n) not in results]
    if missing:
        raise ValueError(f"microscope_explorer needs estimates for every dimension and sample size; "
                         f"missing {missing}.")
    lacking = [(d, q) for d in dims for q in results[d, sizes[0]] if q not in exact.get(d, {})]
    if lacking:
        raise ValueError(f"microscope_explorer needs the exact value of every quantity; missing {lacking}.")
    controls = {"d": Slider("dimension d", dims, default=dims[0], fmt="{:.0f}"),
                "n": Slider("sample size n", sizes, default=sizes[0], fmt="{:.0f}")}

    def render(d, n):
        return _render(d, n, results=results, exact=exact)

    return Explorer(render, controls, title="Estimators under the microscope: bias and spread", **kwargs)


def too_high_or_too_low() -> Prediction:
    """The "predict first" prompt shown before :func:`microscope_explorer`."""
    return Prediction(
        "In d = 8 dimensions with only 250 points, k-NN and RBIG estimate the same total correlation "
        "and err on opposite sides. Which one is too high?",
        ["RBIG", "k-NN", "neither: both are too low"], answer="RBIG",
        explanation="k-NN subtracts a joint entropy that its neighbour distances over-estimate in high "
                    "dimension (the neighbours are far in 8-D with 250 points), so its TC comes out low. "
                    "RBIG adds up what each layer removes, and each layer's marginal fits and rotation are fitted "
                    "to the same few points on which the removal is measured: every layer finds a "
                    "little dependence that is only sampling noise, and over many layers these small "
                    "amounts add up, so its TC comes out high.")
