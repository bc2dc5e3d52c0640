"""Explorer of Part 4 · 02: two flow families at equal parameter budgets.

For each budget the notebook trains one flow of each family with the same optimiser and number
of steps: a *diagonal* flow (marginal mixture-CDF layers and Householder rotations,
:func:`gauss_flows.gaussianization_flow`) and a coupling flow (:func:`gauss_flows.coupling_flow`,
used as a black box). A budget slider picks one pair; the frame shows both densities and the
held-out log-likelihood against the number of trainable parameters
(:func:`gauss_flows.count_parameters`) for all budgets, with the current one marked.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.parameters import count_parameters
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider
from gauss_flows.distributions import jit_log_prob

WINDOW = (-2.5, 3.0)
DENSITY_MAX = 1.0
FAMILIES = ("diagonal", "coupling")


def likelihood_table(results, test_data) -> dict:
    """Parameter counts and mean held-out log-likelihoods, one row per budget, per family."""
    return {family: (np.array([count_parameters(r[family]) for r in results]),
                     np.array([float(np.mean(jit_log_prob(r[family], test_data))) for r in results]))
            for family in FAMILIES}


def budget_explorer(results, test_data, **kwargs) -> Explorer:
    """``results``: a list (one per budget, increasing) of dicts with keys ``"budget"`` (a
    nominal parameter count), ``"diagonal"`` and ``"coupling"`` (trained flows). A budget
    slider over at most 30 budgets. ``kwargs`` go to the Explorer."""
    if not 1 <= len(results) <= 30 or any(set(FAMILIES) - set(r) for r in results):
        raise ValueError("budget_explorer needs 1 to 30 results, each with a 'budget', a "
                         "'diagonal' and a 'coupling' flow.")
    budgets = [int(r["budget"]) for r in results]
    test_data = np.asarray(test_data)
    table = likelihood_table(results, test_data)

    def render(budget):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, PASSIVE

        from gauss_flows.presentation import viz

        k = budgets.index(int(budget))
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        axes = [fig.add_axes((0.03 + 0.31 * j, 0.12, 0.27, 0.76)) for j in range(2)]
        ax_curve = fig.add_axes((0.70, 0.14, 0.28, 0.74))
        for ax, family in zip(axes, FAMILIES):
            flow = results[k][family]
            n_params, loglik = table[family][0][k], table[family][1][k]
            viz.density_panel(lambda x, flow=flow: jit_log_prob(flow, x), batched=True, xlim=WINDOW,
                              ylim=WINDOW, n=60, ax=ax,
                              title=f"{family}: {n_params} parameters")
            ax.images[-1].set_clim(0.0, DENSITY_MAX)
            ax.tick_params(labelsize=9)
        for family, colour in zip(FAMILIES, (PASSIVE, MODEL)):
            n_params, loglik = table[family]
            ax_curve.plot(n_params, loglik, color=colour, marker="o", label=family)
            ax_curve.plot(n_params[k], loglik[k], "o", color=ACCENT, ms=9, zorder=5, mfc="none",
                          mew=2)
        ax_curve.set_xlabel("trainable parameters")
        ax_curve.set_ylabel("held-out mean log q(x)")
        ax_curve.set_title("log-likelihood vs parameters")
        ax_curve.legend(fontsize=9)
        d_ll = table["coupling"][1][k] - table["diagonal"][1][k]
        readout = (f"budget ≈ {budgets[k]}: diagonal {table['diagonal'][0][k]} parameters, "
                   f"log q = {table['diagonal'][1][k]:.3f}; coupling {table['coupling'][0][k]} "
                   f"parameters, log q = {table['coupling'][1][k]:.3f} (coupling {d_ll:+.3f} nats)")
        return fig, readout

    controls = {"budget": Slider("parameter budget", budgets, default=budgets[0], fmt="{:d}")}
    return Explorer(render, controls, title="diagonal vs coupling at equal parameter budgets",
                    **kwargs)


def which_family() -> Prediction:
    """The "predict first" prompt shown before :func:`budget_explorer`."""
    return Prediction(
        "At the same number of trainable parameters and the same training budget, which family "
        "fits the two moons better (higher held-out log-likelihood)?",
        ["diagonal (marginals + rotations)", "coupling", "no clear difference"],
        answer="diagonal (marginals + rotations)",
        explanation="In two dimensions a trainable rotation and two 1-D splines per layer go a long "
                    "way: nearly every parameter of a diagonal flow is a knot of a spline that acts "
                    "on the data directly. A coupling layer spends most of its parameters on the "
                    "conditioner network that computes the knots, so at these budgets and this "
                    "short training it gets less fit per parameter.")
