"""Explorer of Part 7 · 03, calibration of a conditional flow: credible regions at one observation,
and their coverage over many.

A model :math:`q(\\theta \\mid x)`'s :math:`\\alpha`-highest-density region is
:math:`R_\\alpha(x) = \\{\\theta : q(\\theta \\mid x) \\ge t_\\alpha(x)\\}`, the threshold chosen so
that :math:`q` puts mass :math:`\\alpha` inside; from :math:`n` draws of the model,
:math:`\\log t_\\alpha` is the :math:`(1-\\alpha)`-quantile of :math:`\\log q` at the draws. Two
numbers judge the region:

* at one observation, the EXACT posterior's mass inside it,
  :math:`p(R_\\alpha(x) \\mid x)` (known here, never in practice);
* over :math:`m` pairs :math:`(\\theta_i, x_i)` from the joint, the coverage
  :math:`\\frac1m\\sum_i \\mathbb 1[\\theta_i \\in R_\\alpha(x_i)]` (``gf.calibration``), which needs
  no exact posterior and equals :math:`\\alpha` on average for a calibrated model.

:func:`region_at` precomputes the first for the notebook; the explorer only looks frames up.
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import jit_log_prob
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["region_at", "calibration_explorer", "too_narrow_or_too_wide"]


def region_at(key, model, posterior, x, levels, extent, *, n_draws: int = 4000, n_grid: int = 60) -> dict:
    """The model's HDRs at one observation ``x`` (shape ``observation_shape``), and the exact
    posterior's mass inside each.

    Returns ``{"log_q": (n_grid, n_grid) model log-density on the grid over extent,
    "threshold": (L,) log t_alpha per level, "inside": (L,) exact posterior mass inside}``.
    """
    k_model, k_exact = jr.split(key)
    x = jnp.asarray(x)
    levels = np.asarray(levels, dtype=float)
    _, log_q_draws = model.sample_and_log_prob(k_model, (n_draws,), condition=x)
    threshold = np.quantile(np.asarray(log_q_draws), 1.0 - levels)
    exact = posterior.sample_given(k_exact, x[None], n_draws)[:, 0]                      # (n, d)
    log_q_exact = np.asarray(jit_log_prob(model, exact, jnp.broadcast_to(x, (n_draws,) + x.shape)))
    inside = np.mean(log_q_exact[:, None] >= threshold[None, :], axis=0)
    t1, t2 = np.linspace(*extent[:2], n_grid), np.linspace(*extent[2:], n_grid)
    grid = jnp.asarray(np.stack(np.meshgrid(t1, t2), -1).reshape(-1, 2), x.dtype)
    log_q = np.asarray(jit_log_prob(model, grid, jnp.broadcast_to(x, (grid.shape[0],) + x.shape)))
    return {"log_q": log_q.reshape(n_grid, n_grid), "threshold": threshold, "inside": inside}


def _check(records: dict) -> None:
    needed = {"levels", "extent", "exact", "models", "curve_levels", "band", "n_pairs"}
    missing = needed - set(records)
    if missing:
        raise ValueError(f"calibration_explorer: the records miss {sorted(missing)}.")
    L, C = len(records["levels"]), len(records["curve_levels"])
    for name, m in records["models"].items():
        if set(m["regions"]) != set(records["exact"]):
            raise ValueError(f"calibration_explorer: model {name!r} has regions at {sorted(m['regions'])}, "
                             f"the exact posterior at {sorted(records['exact'])}: they must match.")
        if len(m["curve"]) != C:
            raise ValueError(f"calibration_explorer: model {name!r} has {len(m['curve'])} coverage values "
                             f"for {C} curve levels.")
        for obs, r in m["regions"].items():
            if len(r["threshold"]) != L or len(r["inside"]) != L:
                raise ValueError(f"calibration_explorer: {name!r} at {obs!r} needs one threshold and one "
                                 f"mass per level ({L}).")
    if any(len(b) != C for b in records["band"]):
        raise ValueError("calibration_explorer: the band needs a lower and an upper value per curve level.")


def calibration_explorer(records: dict, **kwargs) -> Explorer:
    """Controls: the model x the observation x the credible level.

    ``records``: ``levels`` (the slider's levels), ``extent``, ``exact`` ``{observation name:
    (n, n) exact posterior density}``, ``models`` ``{name: {"regions": {observation name:
    region_at(...)}, "curve": coverage at each of curve_levels}}``, ``curve_levels``, ``band``
    ``(lower, upper)`` at the curve levels, ``n_pairs``. ``kwargs`` go to ``Explorer``."""
    _check(records)
    levels = [float(a) for a in records["levels"]]
    curve_levels = np.asarray(records["curve_levels"], dtype=float)
    lower, upper = (np.asarray(b, dtype=float) for b in records["band"])

    def render(model, observation, level):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, DENSITY_CMAP, FIGSIZE, MODEL, NEUTRAL, style_ax

        k = levels.index(min(levels, key=lambda a: abs(a - level)))
        m, region = records["models"][model], records["models"][model]["regions"][observation]
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        left, right = fig.add_axes((0.06, 0.15, 0.38, 0.72)), fig.add_axes((0.57, 0.15, 0.38, 0.72))
        extent = records["extent"]
        left.imshow(records["exact"][observation], origin="lower", extent=extent, cmap=DENSITY_CMAP,
                    aspect="auto")
        t1 = np.linspace(*extent[:2], region["log_q"].shape[1])
        t2 = np.linspace(*extent[2:], region["log_q"].shape[0])
        left.contour(t1, t2, region["log_q"], levels=[region["threshold"][k]], colors=[ACCENT], linewidths=2.2)
        style_ax(left, f"exact posterior; model's {levels[k]:.0%} region", "θ₁", "θ₂", grid=False, legend=False)
        right.fill_between(curve_levels, lower, upper, color=NEUTRAL, alpha=0.2, lw=0,
                           label=f"95% band, calibrated, {records['n_pairs']} pairs")
        right.plot([0, 1], [0, 1], color=NEUTRAL, lw=1, ls="--")
        right.plot(curve_levels, m["curve"], "o-", color=MODEL, ms=3, label=model)
        j = int(np.argmin(np.abs(curve_levels - levels[k])))
        right.plot([curve_levels[j]], [m["curve"][j]], "o", ms=10, color=ACCENT, zorder=3)
        right.set_xlim(0, 1)
        right.set_ylim(0, 1)
        style_ax(right, "coverage over simulated pairs", "nominal level α", "fraction of truths inside",
                 legend=True)
        return fig, (f"{model}, {observation} observation, α = {levels[k]:.2f}: the exact posterior puts "
                     f"{region['inside'][k]:.3f} of its mass in the model's region; over "
                     f"{records['n_pairs']} simulated pairs the region holds the truth "
                     f"{m['curve'][j]:.3f} of the time (calibrated: {lower[j]:.3f} to {upper[j]:.3f})")

    controls = {"model": Dropdown("model", list(records["models"])),
                "observation": Dropdown("observation", list(records["exact"])),
                "level": Slider("credible level α", levels, default=levels[len(levels) // 2], fmt="{:.2f}")}
    return Explorer(render, controls, title="Credible regions and their coverage", **kwargs)


def too_narrow_or_too_wide() -> Prediction:
    """The "predict first" prompt shown before :func:`calibration_explorer`."""
    return Prediction(
        "The overconfident model samples its latent with temperature 0.7: every region it draws is "
        "30% smaller in each direction than the trained flow's. Over many simulated pairs, how often "
        "does its 80% region hold the true parameter?",
        ["more than 80% of the time", "about 80% of the time", "less than 80% of the time"],
        answer="less than 80% of the time",
        explanation="A region that is too small misses the truth more often than it claims: the "
                    "coverage curve falls below the diagonal. A model that is too wide errs the other "
                    "way: its curve lies above.")
