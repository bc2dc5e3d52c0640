"""Explorer of Part 0 · 03: total correlation, marginal negentropy and the standard normal target.

A sample :math:`x = L s` is made from a standardised source :math:`s` with independent-looking
coordinates (Gaussian, uniform, or two moons whitened to zero correlation) and the Cholesky
factor :math:`L` of the correlation matrix :math:`\\begin{pmatrix}1 & \\rho\\\\ \\rho & 1\\end{pmatrix}`.
The frame shows the sample and four numbers (nats), all from :mod:`gauss_flows.diagnostics`:

* total correlation :math:`\\mathrm{TC} = \\sum_i H(x_i) - H(x)` (m-spacing marginals,
  Kozachenko-Leonenko joint), zero iff the coordinates are independent;
* its Gaussian part :math:`-\\tfrac12\\log\\det R` (sample correlation :math:`R`), exact for
  Gaussian data and :math:`-\\tfrac12\\log(1 - \\rho^2)` in closed form;
* the negentropy :math:`J(x_i) = \\tfrac12\\log(2\\pi e\\sigma_i^2) - H(x_i) \\ge 0` of each marginal.

Since :math:`\\mathrm{KL}(p\\,\\|\\,\\mathcal N(0, I)) = \\mathrm{TC} + \\sum_i \\mathrm{KL}(p_i\\,\\|\\,\\mathcal N(0,1))`
(Chen & Gopinath 2000; Laparra et al. 2011), a sample is standard normal exactly when TC and
every marginal's distance to N(0, 1) vanish. All states are computed once (n = 2000) and cached.
"""

from __future__ import annotations

import math
from functools import lru_cache

import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import diagnostics
from gauss_flows.datasets import TwoMoons
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

N_SAMPLES = 2000
SHAPES = ("Gaussian", "uniform", "two moons")
RHOS = (-0.5, 0.0, 0.3, 0.6, 0.9, 1.0)
#: Fixed vertical range of the bar chart (nats).
BAR_MAX = 2.4


@lru_cache(maxsize=None)
def source(shape: str) -> np.ndarray:
    """A standardised source sample (n, 2): zero mean, identity sample covariance."""
    key = jr.key(7)
    if shape == "Gaussian":
        s = np.asarray(jr.normal(key, (N_SAMPLES, 2)))
    elif shape == "uniform":
        s = np.asarray(jr.uniform(key, (N_SAMPLES, 2), minval=-math.sqrt(3), maxval=math.sqrt(3)))
    elif shape == "two moons":
        s = np.asarray(TwoMoons(noise=0.05).sample(key, N_SAMPLES))
    else:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}.")
    s = s - s.mean(0)
    # whiten: the sample covariance becomes exactly I, so rho below is the exact correlation
    return s @ np.linalg.inv(np.linalg.cholesky(np.cov(s, rowvar=False))).T


def mix(shape: str, rho: float) -> np.ndarray:
    """``x = L s`` with ``L L^T = [[1, rho], [rho, 1]]`` (ValueError for |rho| >= 1)."""
    if not abs(rho) < 1:
        raise ValueError(
            f"ρ = {rho:g}: the second coordinate is an exact copy of ±the first, so the sample lies "
            "on a line. It has no density on the plane, its joint entropy is −∞ and its total "
            "correlation +∞ (−½ log(1 − ρ²) = +∞). Pick |ρ| < 1.")
    L = np.array([[1.0, 0.0], [rho, math.sqrt(1.0 - rho**2)]])
    return source(shape) @ L.T


@lru_cache(maxsize=None)
def measures(shape: str, rho: float) -> dict:
    """The diagnostics of ``mix(shape, rho)``, in nats (cached)."""
    x = mix(shape, rho)
    marginal = np.asarray(diagnostics.marginal_entropy(x))
    joint = float(diagnostics.joint_entropy(x))
    return dict(
        tc=float(np.sum(marginal) - joint),
        tc_gaussian=float(diagnostics.gaussian_total_correlation(x)) + 0.0,  # no "-0.000"
        tc_closed_form=-0.5 * math.log(1.0 - rho**2) + 0.0,
        marginal_entropy=marginal,
        joint_entropy=joint,
        negentropy=np.asarray(diagnostics.negentropy(x)),
        kl=float(diagnostics.kl_to_standard_normal(x, joint=joint)),
    )


def _render(shape: str, rho: float):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, MODEL, NEUTRAL, PASSIVE, style_ax

    from gauss_flows.presentation import viz

    x = mix(shape, rho)  # ValueError for |rho| = 1: shown as a message
    m = measures(shape, rho)
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    ax_data = fig.add_axes((0.05, 0.12, 0.36, 0.76))
    ax_bars = fig.add_axes((0.54, 0.17, 0.44, 0.71))
    viz.samples_panel(x, ax=ax_data, lim=(-4, 4), s=3, alpha=0.4,
                      title=f"{shape} source, ρ = {rho:g} (n = {N_SAMPLES})")
    ax_data.set_xticks([-3, 0, 3])
    ax_data.set_yticks([-3, 0, 3])

    labels = ["TC\n(kNN)", "TC Gaussian\n−½ log det R", "J(x₁)", "J(x₂)"]
    values = [m["tc"], m["tc_gaussian"], *m["negentropy"]]
    ax_bars.bar(range(4), values, color=[PASSIVE, MODEL, DATA, DATA], width=0.6, zorder=2)
    ax_bars.hlines(m["tc_closed_form"], -0.35, 1.35, color=ACCENT, ls="--", lw=1.6,
                   label=f"−½ log(1 − ρ²) = {m['tc_closed_form']:.3f}")
    for k, v in enumerate(values):
        ax_bars.text(k, max(v, 0) + 0.02, f"{v:+.3f}", ha="center", va="bottom", fontsize=9.5)
    ax_bars.axhline(0.0, color=NEUTRAL, lw=0.8)
    ax_bars.set_xticks(range(4), labels, fontsize=9.5)
    ax_bars.set_ylim(-0.1, BAR_MAX)
    style_ax(ax_bars, "what is left to remove (nats)", ylabel="nats", legend=False)
    ax_bars.legend(loc="upper right", fontsize=9)
    readout = (
        f"{shape}, ρ = {rho:g}: TC (kNN) = {m['tc']:.3f}, Gaussian part −½ log det R = "
        f"{m['tc_gaussian']:.3f} (closed form −½ log(1 − ρ²) = {m['tc_closed_form']:.3f}); "
        f"negentropies J = {m['negentropy'][0]:.3f}, {m['negentropy'][1]:.3f}; "
        f"H(x₁) + H(x₂) = {m['marginal_entropy'].sum():.3f}, H(x) = {m['joint_entropy']:.3f}; "
        f"KL(p ‖ N(0, I)) ≈ {m['kl']:.3f}")
    return fig, readout


def standard_normal_explorer(**kwargs) -> Explorer:
    """Shape dropdown x correlation slider: 3 x 6 = 18 states (ρ = 1 is a message)."""
    controls = {"shape": Dropdown("source", list(SHAPES)),
                "rho": Slider("correlation ρ", RHOS, default=0.0, fmt="{:g}")}
    return Explorer(_render, controls, title="x = L s: how far from a standard normal?", **kwargs)


def moons_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`standard_normal_explorer`."""
    m = measures("two moons", 0.0)
    return Prediction(
        "The two-moons sample has been whitened: at ρ = 0 its two coordinates have correlation "
        "exactly 0 and variance 1. Is its total correlation zero?",
        ["yes, zero", "no, clearly positive"], answer="no, clearly positive",
        explanation=f"Zero correlation only removes the Gaussian part: −½ log det R = "
                    f"{m['tc_gaussian']:.3f}, but the kNN estimate of TC is {m['tc']:.3f} nats. The "
                    "moons are curved: knowing x₁ still tells you a lot about x₂. Only for Gaussian "
                    "data does zero correlation mean independence.")
