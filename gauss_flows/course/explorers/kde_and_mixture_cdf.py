"""Explorers of Part 1 · 01: smooth CDFs (a kernel density estimate, a Gaussian mixture) as
marginal Gaussianizers, :math:`z = \\Phi^{-1}(\\hat F(x))`.

* :func:`kde_explorer`: the bandwidth of the KDE
  :math:`\\hat F(x) = \\frac1n\\sum_i\\Phi((x - x_i)/h)`, as a multiple of Silverman's rule.
* :func:`mixture_explorer`: the number of components :math:`K` of the EM mixture
  :math:`\\hat F(x) = \\sum_k\\pi_k\\Phi((x - \\mu_k)/\\sigma_k)`, with the BIC of each fit.

Each frame has three panels: the estimated density against the truth (over a histogram of the
data), the CDF error :math:`\\hat F - F`, and the histogram of :math:`z` on held-out points
against :math:`\\mathcal N(0, 1)`. All fits are computed once, when the explorer is built; a
frame only draws. The data are those of Part 1 · 00 (:mod:`gauss_flows.course.explorers.empirical_cdf`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import norm

from gauss_flows.marginal_fit import (fit_gaussian_mixture, gaussianize_kde, kde_cdf, kde_log_pdf, mixture_bic,
                            mixture_log_pdf, silverman_bandwidth)
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider
from gauss_flows.course.explorers.empirical_cdf import WINDOW
from gauss_flows.datasets import sample_skewed_bimodal as sample_truth
from gauss_flows.datasets import skewed_bimodal_cdf as true_cdf
from gauss_flows.datasets import skewed_bimodal_pdf as true_pdf

BANDWIDTH_FACTORS = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0]
COMPONENTS = [1, 2, 3, 4, 5, 6]
N_TRAIN, N_TEST = 1000, 2000


def fit_mixtures(data, components=COMPONENTS, n_iterations: int = 300) -> dict:
    """``{K: (weights, means, scales)}``: one EM fit per number of components."""
    return {k: tuple(np.asarray(a) for a in fit_gaussian_mixture(data, k, n_iterations=n_iterations))
            for k in components}


def _panels(title: str):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import FIGSIZE

    fig = Figure(figsize=FIGSIZE["triple"], layout="none")
    axes = [fig.add_axes((0.05 + 0.33 * k, 0.14, 0.27, 0.72)) for k in range(3)]
    return fig, axes


def _draw(axes, data, grid, density, cdf_error, z, label):
    from gauss_flows.presentation.style import DATA, GAUSS_KW, MODEL, NEUTRAL, style_ax

    axes[0].hist(data, bins=40, range=WINDOW, density=True, color=DATA, alpha=0.35)
    axes[0].plot(grid, true_pdf(grid), color=NEUTRAL, lw=1.4, ls="--", label="truth")
    axes[0].plot(grid, density, color=MODEL, label=label)
    style_ax(axes[0], "density", "$x$", "density", ylim=(0, 0.7), legend=True)
    axes[1].axhline(0.0, color="0.6", lw=0.8)
    axes[1].plot(grid, cdf_error, color=MODEL)
    style_ax(axes[1], r"CDF error $\hat F(x) - F(x)$", "$x$", None, ylim=(-0.14, 0.14))
    zs = np.linspace(-4, 4, 200)
    axes[2].hist(z, bins=np.linspace(-4, 4, 33), density=True, color=MODEL, alpha=0.5,
                 label="held-out z")
    axes[2].plot(zs, norm.pdf(zs), **GAUSS_KW)
    style_ax(axes[2], r"$z = \Phi^{-1}(\hat F(x))$", "$z$", "density", ylim=(0, 0.55), legend=True)
    for ax in axes:
        ax.tick_params(labelsize=9)


def _z_summary(z) -> str:
    return f"held-out z: mean {np.mean(z):+.3f}, std {np.std(z):.3f}"


def kde_explorer(seed: int = 0, **kwargs) -> Explorer:
    """Bandwidth slider (0 to 4 times Silverman's h): 6 states, h = 0 refused with a message."""
    data = sample_truth(seed, N_TRAIN)
    test = sample_truth(seed + 1, N_TEST)
    grid = np.linspace(*WINDOW, 400)
    h_silverman = float(silverman_bandwidth(data))

    def render(factor):
        if factor == 0:
            raise ValueError("h = 0: every kernel shrinks to a point and the KDE's CDF becomes the "
                             "empirical CDF, a staircase with no density (Part 1 · 00). Any h > 0 "
                             "gives a smooth, strictly increasing CDF.")
        h = factor * h_silverman
        fig, axes = _panels("KDE")
        density = np.exp(np.asarray(kde_log_pdf(data, grid, h)))
        cdf_error = np.asarray(kde_cdf(data, grid, h)) - true_cdf(grid)
        z = np.asarray(gaussianize_kde(data, test, h))
        _draw(axes, data, grid, density, cdf_error, z, f"KDE, h = {h:.3f}")
        held_out = float(jnp.mean(kde_log_pdf(data, test, h)))
        readout = (f"h = {factor:g} × Silverman ({h_silverman:.4f}) = {h:.4f}\n"
                   f"held-out mean log-likelihood {held_out:.4f} "
                   f"(truth: {np.mean(np.log(true_pdf(test))):.4f})   "
                   f"max |F̂ − F| on the grid {np.abs(cdf_error).max():.4f}\n{_z_summary(z)}")
        return fig, readout

    controls = {"factor": Slider("h / Silverman's h", BANDWIDTH_FACTORS, default=1.0, fmt="{:g}")}
    return Explorer(render, controls, title=f"KDE CDF on n = {N_TRAIN} points", **kwargs)


def mixture_explorer(seed: int = 0, fits: dict | None = None, **kwargs) -> Explorer:
    """Slider for the number of mixture components K (EM fits precomputed): 7 states."""
    data = sample_truth(seed, N_TRAIN)
    test = sample_truth(seed + 1, N_TEST)
    grid = np.linspace(*WINDOW, 400)
    fits = fit_mixtures(data) if fits is None else fits
    missing = [k for k in COMPONENTS if k not in fits]
    if missing:
        raise ValueError(f"mixture_explorer needs fits for K = {COMPONENTS}; missing {missing}.")
    bics = {k: float(mixture_bic(data, *fits[k])) for k in COMPONENTS}
    best = min(bics, key=bics.get)
    drawn = {}  # K -> (density on the grid, CDF on the grid, held-out z): computed once
    for K in COMPONENTS:
        # drawn with scipy (one compiled library layer per K would cost seconds): the same
        # z = Phi^-1(F(x)) that MixtureGaussianCDF computes, accurate for held-out points, whose
        # F stays well inside (0, 1); the notebook checks the layer against this formula
        weights, means, scales = fits[K]
        drawn[K] = (np.exp(np.asarray(mixture_log_pdf(grid, weights, means, scales))),
                    np.sum(weights * norm.cdf((grid[:, None] - means) / scales), axis=1),
                    norm.ppf(np.sum(weights * norm.cdf((test[:, None] - means) / scales), axis=1)))

    def render(K):
        K = int(K)
        weights, means, scales = fits[K]
        fig, axes = _panels("mixture")
        density, cdf, z = drawn[K]
        _draw(axes, data, grid, density, cdf - true_cdf(grid), z, f"mixture, K = {K}")
        for m in means:
            axes[0].axvline(m, color="0.75", lw=0.8, zorder=0)
        held_out = float(jnp.mean(mixture_log_pdf(test, weights, means, scales)))
        readout = (f"K = {K}: {3 * K - 1} parameters (K means, K scales, K − 1 free weights)\n"
                   f"BIC = {bics[K]:.1f}  (ΔBIC to the best, K = {best}: {bics[K] - bics[best]:+.1f})   "
                   f"held-out mean log-likelihood {held_out:.4f}\n{_z_summary(z)}")
        return fig, readout

    controls = {"K": Slider("components K", COMPONENTS, default=2, fmt="{:g}")}
    return Explorer(render, controls, title=f"EM Gaussian mixture on n = {N_TRAIN} points", **kwargs)


def bandwidth_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`kde_explorer`."""
    return Prediction(
        "The data have a tall narrow mode and a flat second bump. If you make the KDE bandwidth "
        "four times Silverman's, which part of the CDF error grows most?",
        ["around the tall narrow mode", "far out in the tails", "nowhere: the CDF barely changes"],
        answer="around the tall narrow mode",
        explanation="A wide kernel flattens the density where it changes fastest, so the estimated "
                    "CDF climbs too slowly through the narrow mode and then catches up: its error "
                    "swings around the mode. The held-out log-likelihood drops with it.")
