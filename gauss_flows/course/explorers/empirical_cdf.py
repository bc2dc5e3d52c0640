"""Explorer of Part 1 · 00: histogram, empirical CDF with its DKW band, and the Gaussianized sample.

The data come from a known skewed, bimodal mixture (``gf.datasets.SKEWED_BIMODAL``), so every estimate can be
compared with the true density and CDF. The reader picks the sample size :math:`n` and the
number of histogram bins and sees three panels:

* the histogram against the true density (bins trade bias for variance);
* the empirical CDF :math:`\\hat F_n(x) = \\frac1n\\#\\{i: x_i \\le x\\}` with the
  Dvoretzky-Kiefer-Wolfowitz band :math:`\\hat F_n \\pm \\varepsilon_n`,
  :math:`\\varepsilon_n = \\sqrt{\\log(2/\\alpha)/2n}`, which holds the true CDF with probability at
  least :math:`1 - \\alpha` (Massart's constant);
* the histogram of :math:`z = \\Phi^{-1}\\big((n\\hat F_n(x) + \\tfrac12)/(n + 1)\\big)` against
  :math:`\\mathcal N(0, 1)` (``gf.marginal_fit.gaussianize_empirical``).

The nested samples (the first :math:`n` of one seeded draw of 5000) make the frames comparable.
More bins than points is refused with a message.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

# The data of Part 1 (a skewed, bimodal mixture with a known density and CDF), under this page's names
from gauss_flows.datasets import sample_skewed_bimodal as sample_truth
from gauss_flows.datasets import skewed_bimodal_cdf as true_cdf
from gauss_flows.datasets import skewed_bimodal_pdf as true_pdf
from gauss_flows.marginal_fit import dkw_epsilon, empirical_cdf, gaussianize_empirical
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

WINDOW = (-3.0, 5.5)
SIZES = [20, 100, 500, 2500]
BINS = [5, 20, 80]
ALPHA = 0.05


def sup_distance(sample, cdf=true_cdf) -> float:
    """Kolmogorov distance :math:`\\sup_x|\\hat F_n(x) - F(x)|`, checked on both sides of each jump."""
    ordered = np.sort(np.asarray(sample, dtype=float))
    n = ordered.size
    at = cdf(ordered)
    return float(max(np.max(np.arange(1, n + 1) / n - at), np.max(at - np.arange(n) / n)))


def _render(n: float, bins: float, *, sample: np.ndarray):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, GAUSS_KW, MODEL, NEUTRAL, style_ax

    n, bins = int(n), int(bins)
    if bins > n:
        raise ValueError(f"{bins} bins for {n} points: most bins would hold no point or one, and the "
                         "histogram would be a comb of spikes, not a density estimate. Choose at most "
                         "as many bins as points (a common rule of thumb is about the square root of n).")
    x = sample[:n]
    grid = np.linspace(*WINDOW, 400)
    eps = dkw_epsilon(n, ALPHA)
    ecdf = np.asarray(empirical_cdf(x, grid))
    distance = sup_distance(x)
    z = np.asarray(gaussianize_empirical(x))

    fig = Figure(figsize=FIGSIZE["triple"], layout="none")
    axes = [fig.add_axes((0.05 + 0.33 * k, 0.14, 0.27, 0.72)) for k in range(3)]
    heights, edges, _ = axes[0].hist(x, bins=np.linspace(*WINDOW, bins + 1), density=True,
                                     color=DATA, alpha=0.55, label="histogram")
    axes[0].plot(grid, true_pdf(grid), color=MODEL, label="true density")
    style_ax(axes[0], f"{n} points, {bins} bins", "$x$", "density", ylim=(0, 0.75), legend=True)

    axes[1].fill_between(grid, np.clip(ecdf - eps, 0, 1), np.clip(ecdf + eps, 0, 1), step="post",
                         color=DATA, alpha=0.25, lw=0, label=f"DKW band, ε = {eps:.3f}")
    axes[1].step(grid, ecdf, where="post", color=DATA, label=r"$\hat F_n$")
    axes[1].plot(grid, true_cdf(grid), color=MODEL, lw=1.5, label="true $F$")
    style_ax(axes[1], f"empirical CDF, {100 * (1 - ALPHA):.0f} % band", "$x$", "CDF", ylim=(-0.02, 1.02),
             legend=True)

    axes[2].hist(z, bins=np.linspace(-3.5, 3.5, min(bins, 40) + 1), density=True, color=DATA, alpha=0.55,
                 label=r"$z = \Phi^{-1}(\cdot)$")
    axes[2].plot(np.linspace(-3.5, 3.5, 200), norm.pdf(np.linspace(-3.5, 3.5, 200)), **GAUSS_KW)
    style_ax(axes[2], "Gaussianized sample", "$z$", "density", ylim=(0, 0.75), legend=True)
    for ax in axes:
        ax.tick_params(labelsize=9)

    inside = "inside" if distance <= eps else "OUTSIDE"
    readout = (f"n = {n}, bins = {bins} (bin width {edges[1] - edges[0]:.2f})\n"
               f"DKW half-width ε = sqrt(log(2/α)/2n) = {eps:.4f} (α = {ALPHA})   "
               f"sup|F̂ₙ − F| = {distance:.4f}: the true CDF is {inside} the band\n"
               f"Gaussianized sample: mean {z.mean():+.3f}, std {z.std():.3f}, "
               f"min {z.min():+.2f}, max {z.max():+.2f}")
    return fig, readout


def empirical_cdf_explorer(seed: int = 0, **kwargs) -> Explorer:
    """Sliders for the sample size and the number of bins: 4 x 3 = 12 states (1 refused)."""
    sample = sample_truth(seed, max(SIZES))

    def render(n, bins):
        return _render(n, bins, sample=sample)

    controls = {"n": Slider("sample size n", SIZES, default=100, fmt="{:g}"),
                "bins": Slider("bins", BINS, default=20, fmt="{:g}")}
    return Explorer(render, controls, title="Histogram, empirical CDF and Gaussianization", **kwargs)


def band_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`empirical_cdf_explorer`."""
    return Prediction(
        "Going from n = 100 to n = 2500 points (25 times more), how much narrower does the "
        "DKW band around the empirical CDF get?",
        ["about 25 times narrower", "about 5 times narrower", "it stays the same width"],
        answer="about 5 times narrower",
        explanation="The half-width is ε = sqrt(log(2/α)/(2n)): it shrinks like 1/√n, so 25 times "
                    "more data buy a band 5 times narrower (0.136 → 0.027 at α = 0.05). The number "
                    "of bins does not enter the band at all: the ECDF needs no smoothing choice.")
