"""Explorer of Part 7 · 02, amortised posteriors: slide the observation, compare the flow's
posterior with the exact one.

One conditional flow :math:`q(\\theta \\mid x)`, trained once on pairs from the joint
:math:`p(\\theta)\\,p(x \\mid \\theta)`, answers every observation; the exact posterior
:math:`p(\\theta \\mid x)` is known for the simulators of ``gf.conditional_data``. The observation
slides along a line through the bulk of the prior predictive,

.. math::  x(s) = s\\,\\sigma_x, \\qquad \\sigma_x = \\sqrt{\\operatorname{diag}\\operatorname{Cov}[x]},

so :math:`s` counts prior-predictive standard deviations: at :math:`|s| = 3` few training pairs
were anywhere near. Each frame shows both densities on a grid and the KL
:math:`\\mathrm{KL}(p(\\cdot \\mid x)\\,\\|\\,q(\\cdot \\mid x))` along the line. The notebook trains
the flows and precomputes every frame (:func:`posterior_grids`); the explorer only looks them up.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from gauss_flows import jit_log_prob
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["posterior_grids", "posterior_explorer", "where_is_it_worst"]

_NEEDED = {"positions", "observations", "extent", "exact", "flow", "kl", "kl_se"}


def posterior_grids(model, posterior, observations, extent, n_grid: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The flow's and the exact posterior density on an ``n_grid x n_grid`` grid over ``extent =
    (theta1 min, theta1 max, theta2 min, theta2 max)``, one image per observation.

    Args:
        model: a conditional flow of 2-D parameters (``log_prob(theta, x)``).
        posterior: the exact posterior (``gf.conditional_data``'s ``.posterior``).
        observations: ``(k, *observation_shape)``.

    Returns:
        ``(flow, exact)``, each ``(k, n_grid, n_grid)`` (rows = theta2).
    """
    observations = jnp.asarray(observations)
    t1, t2 = np.linspace(*extent[:2], n_grid), np.linspace(*extent[2:], n_grid)
    grid = jnp.asarray(np.stack(np.meshgrid(t1, t2), -1).reshape(-1, 2), observations.dtype)
    flow, exact = [], []
    for x in observations:
        context = jnp.broadcast_to(x, (grid.shape[0],) + x.shape)
        flow.append(np.exp(np.asarray(jit_log_prob(model, grid, context))).reshape(n_grid, n_grid))
        exact.append(np.exp(np.asarray(posterior.log_prob(grid, context))).reshape(n_grid, n_grid))
    return np.stack(flow), np.stack(exact)


def _check(records: dict) -> None:
    if not records:
        raise ValueError("posterior_explorer needs at least one simulator's records.")
    for name, r in records.items():
        missing = _NEEDED - set(r)
        if missing:
            raise ValueError(f"posterior_explorer: the records of {name!r} miss {sorted(missing)}.")
        k = len(r["positions"])
        for key in ("observations", "exact", "flow", "kl", "kl_se"):
            if len(r[key]) != k:
                raise ValueError(f"posterior_explorer: {name!r} has {k} positions but {len(r[key])} "
                                 f"entries in {key!r}: one per position.")
        if np.shape(r["exact"]) != np.shape(r["flow"]):
            raise ValueError(f"posterior_explorer: {name!r}'s exact and flow grids differ in shape: "
                             f"{np.shape(r['exact'])} and {np.shape(r['flow'])}.")
    positions = [list(r["positions"]) for r in records.values()]
    if any(p != positions[0] for p in positions):
        raise ValueError(f"posterior_explorer: every simulator must use the same positions, got {positions}.")


def posterior_explorer(records: dict, **kwargs) -> Explorer:
    """Controls: the simulator (a key of ``records``) x the observation's position ``s``.

    ``records[name]``: ``positions`` (the values of ``s``), ``observations`` ``(k, obs_dim)``,
    ``extent``, ``exact`` and ``flow`` ``(k, n, n)`` (:func:`posterior_grids`), ``kl`` and
    ``kl_se`` ``(k,)``: the KL at each position and its standard error (over seeds, or Monte
    Carlo for one flow). ``kwargs`` go to ``Explorer`` (e.g. ``dpi``)."""
    _check(records)
    positions = [float(s) for s in next(iter(records.values()))["positions"]]

    def render(simulator, s):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, DENSITY_CMAP, MODEL, FIGSIZE, style_ax

        r = records[simulator]
        k = int(np.argmin(np.abs(np.asarray(positions) - s)))
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        axes = [fig.add_axes((0.04 + 0.33 * i, 0.15, 0.26, 0.72)) for i in range(3)]
        top = float(max(np.max(r["exact"][k]), np.max(r["flow"][k])))
        for ax, image, title in [(axes[0], r["exact"][k], "exact posterior p(θ | x)"),
                                 (axes[1], r["flow"][k], "flow q(θ | x), one network")]:
            ax.imshow(image, origin="lower", extent=r["extent"], cmap=DENSITY_CMAP, vmin=0.0, vmax=top,
                      aspect="auto")
            style_ax(ax, title, "θ₁", "θ₂", grid=False, legend=False)
        kl, se = np.asarray(r["kl"]), np.asarray(r["kl_se"])
        axes[2].errorbar(positions, kl, yerr=2 * se, fmt="o-", color=MODEL, capsize=3)
        axes[2].plot([positions[k]], [kl[k]], "o", ms=12, color=ACCENT, zorder=3)
        axes[2].set_yscale("log")
        style_ax(axes[2], "KL(p || q) along the line (±2 SE)", "observation s (prior-predictive SDs)",
                 "nats", legend=False)
        x = np.atleast_1d(np.asarray(r["observations"][k]))
        shown = ", ".join(f"{v:+.2f}" for v in x)
        return fig, (f"{simulator}, s = {positions[k]:+g}: x = ({shown}); "
                     f"KL(p || q) = {kl[k]:.3f} ± {se[k]:.3f} nats")

    controls = {"simulator": Dropdown("simulator", list(records)),
                "s": Slider("observation s", positions, default=0.0 if 0.0 in positions else positions[0],
                            fmt="{:+g}")}
    return Explorer(render, controls, title="One flow, every observation: amortised against exact", **kwargs)


def where_is_it_worst() -> Prediction:
    """The "predict first" prompt shown before :func:`posterior_explorer`."""
    return Prediction(
        "The flow was trained on pairs (θ, x) from the joint, so most of its training observations "
        "lie within a standard deviation or two of the prior predictive's centre. Where along the "
        "line is its posterior furthest from the exact one?",
        ["at the centre, s = 0", "far out, |s| = 3", "nowhere in particular: one network fits all x equally"],
        answer="far out, |s| = 3",
        explanation="The loss is an average over the joint: observations the simulator rarely makes "
                    "weigh little in it, so the network is least constrained there. Amortisation is "
                    "cheap at every x, but only as good as the training pairs near that x.")
