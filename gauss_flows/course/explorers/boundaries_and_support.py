"""Explorer of Part 3 · 03, boundaries and support: what happens at the edges of a marginal CDF.

Marginal Gaussianization maps :math:`z = \\Phi^{-1}(\\hat F(x))`. An empirical CDF fitted on
training points is 0 below their minimum and 1 above their maximum, and
:math:`\\Phi^{-1}(0) = -\\infty`, :math:`\\Phi^{-1}(1) = +\\infty`: held-out points beyond the training
range are thrown to infinity. Two fixes (Laparra, Camps-Valls & Malo 2011):

* **clip**: :math:`z = \\Phi^{-1}(\\mathrm{clip}(\\hat F, \\varepsilon, 1 - \\varepsilon))`; every point
  beyond the range lands on :math:`\\pm\\Phi^{-1}(1 - \\varepsilon)`, a pile-up at the edge;
* **extend the support**: add the end points :math:`\\min - \\delta R` and :math:`\\max + \\delta R`
  (:math:`R` the range) with CDF 0 and 1, interpolate linearly between the order statistics, so
  points a little beyond the range get small but positive CDF values and finite tails.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from gauss_flows.marginal_fit import clipped_gaussianize, extended_cdf
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["clipped_gaussianize", "extended_cdf", "support_explorer", "what_happens_at_the_edge",
           "AMOUNTS", "METHODS"]

AMOUNTS = [0.0, 1e-6, 1e-4, 1e-2, 0.05, 0.2]
METHODS = ["clip", "extend support"]


def _gaussianize(method, amount, train, test):
    if method == "clip":
        from gauss_flows.marginal_fit import empirical_cdf

        u = np.asarray(empirical_cdf(train, test))
        if amount == 0:
            outside = int(np.sum((u == 0) | (u == 1)))
            raise ValueError(
                f"ε = 0: {outside} of the {test.size} held-out points lie outside the training range, "
                "where the empirical CDF is exactly 0 or 1, and Φ⁻¹(0) = −∞, Φ⁻¹(1) = +∞. No finite "
                "z exists for them: choose ε > 0 (clip) or extend the support.")
        return clipped_gaussianize(u, amount), float(-ndtri(amount))
    if amount == 0:
        raise ValueError(
            "δ = 0: the support is not extended, so the interpolated CDF still hits 0 at the training "
            "minimum and 1 at the maximum, and every held-out point beyond them gets z = ±∞. Choose δ > 0.")
    return clipped_gaussianize(extended_cdf(train, test, amount), 0.0), None


def _render(method: str, amount: float, *, train, test):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, GAUSS_KW, style_ax

    z, edge = _gaussianize(method, amount, train, test)
    beyond = int(np.sum(~np.isfinite(z)))  # beyond the extended support: still infinite
    z = z[np.isfinite(z)]
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    hist_ax = fig.add_axes((0.07, 0.14, 0.4, 0.72))
    qq_ax = fig.add_axes((0.57, 0.14, 0.4, 0.72))
    bins = np.linspace(-6, 6, 61)
    hist_ax.hist(np.clip(z, -6, 6), bins=bins, density=True, color=DATA, alpha=0.7, log=True)
    grid = np.linspace(-6, 6, 300)
    hist_ax.plot(grid, np.exp(-0.5 * grid**2) / np.sqrt(2 * np.pi), **GAUSS_KW)
    hist_ax.set_ylim(1e-4, 1)
    style_ax(hist_ax, "held-out z (log scale)", "z", "density", legend=False)
    # the QQ coordinates of gauss_flows.diagnostics.qq_data, in numpy (no JAX dispatch per frame),
    # and without standardising: z itself is compared with N(0, 1)
    sample = np.sort(z)
    theoretical = ndtri((np.arange(1, z.size + 1) - 0.5) / z.size)
    qq_ax.plot([-4.5, 4.5], [-4.5, 4.5], color="0.3", lw=1, ls="--")
    qq_ax.plot(theoretical, np.clip(sample, -8, 8), ".", color=DATA, ms=3, rasterized=True)
    style_ax(qq_ax, "normal QQ plot of z", "N(0, 1) quantile", "z quantile", legend=False)
    qq_ax.set_ylim(-8, 8)
    outside = int(np.sum((test < train.min()) | (test > train.max())))
    text = (f"{method}, {'ε' if method == 'clip' else 'δ'} = {amount:g}: {outside} of {test.size} held-out "
            f"points lie outside the training range; max |z| = {np.abs(z).max():.2f}")
    if edge is not None:
        piled = int(np.sum(np.abs(z) >= edge - 1e-12))
        text += f"; {piled} points sit exactly on the clip edge ±{edge:.2f}"
        hist_ax.axvline(edge, color=ACCENT, lw=1, ls=":")
        hist_ax.axvline(-edge, color=ACCENT, lw=1, ls=":")
    if beyond:
        text += f"; {beyond} points lie beyond the extended support (z = ±∞, not drawn)"
    kurtosis = np.mean(((z - z.mean()) / z.std()) ** 4) - 3.0
    text += f"\nstd of z {np.std(z):.3f}, excess kurtosis {kurtosis:+.3f} (0 for a Gaussian)"
    return fig, text


def support_explorer(train, test, **kwargs) -> Explorer:
    """Method (clip / extend support) x amount (ε or δ, 6 values): 12 states.

    ``train``: 1-D training sample that defines the CDF; ``test``: held-out points that are
    Gaussianized and drawn. ``kwargs`` go to :class:`Explorer`.
    """
    train, test = np.asarray(train, dtype=float).ravel(), np.asarray(test, dtype=float).ravel()
    controls = {"method": Dropdown("method", METHODS),
                "amount": Slider("ε (clip) or δ (extension)", AMOUNTS, default=1e-2, fmt="{:g}")}

    def render(method, amount):
        return _render(method, amount, train=train, test=test)

    return Explorer(render, controls, title="Φ⁻¹ of an empirical CDF at the edges of the data", **kwargs)


def what_happens_at_the_edge() -> Prediction:
    """The "predict first" prompt shown before :func:`support_explorer`."""
    return Prediction(
        "With clipping at ε = 0.01, where do the held-out points beyond the training range end up?",
        ["at ±∞", "on two spikes at ±2.33", "in smooth Gaussian tails"],
        answer="on two spikes at ±2.33",
        explanation="Beyond the range the empirical CDF is 0 or 1; clipping replaces it by 0.01 or 0.99, "
                    "and Φ⁻¹(0.99) = 2.33. All those points (and every training point whose CDF value is "
                    "within ε of 0 or 1) share that one value: a spike instead of a tail.")
