"""Explorer of Part 12 · 00, dequantization and bits per dimension: the likelihood, term by term.

The model is the simplest flow on images that still has every term: independent pixels, each
a Gaussian in the modelling space, i.e. the elementwise affine flow
:math:`z_d = (y_d - m_d)/\\sigma_d` to a standard normal. The modelling space is the logit
space :math:`y = \\operatorname{logit}(\\alpha + (1 - 2\\alpha)v)` or the unit cube itself
(:math:`y = v`). For an image :math:`x` with :math:`D = 64` pixels of :math:`K = 17` levels,

.. math::  \\log P(x) \\ \\ge\\ \\underbrace{\\textstyle\\sum_d \\log\\mathcal N(z_d)}_{\\text{base}}
           \\underbrace{- \\textstyle\\sum_d \\log \\sigma_d}_{\\text{flow log-det}}
           + \\underbrace{\\log\\lvert\\partial y/\\partial v\\rvert}_{\\text{logit log-det}}
           \\underbrace{- D \\log K}_{1/K \\text{ scale}}
           \\underbrace{- \\log q(u \\mid x)}_{\\text{dequantization}},
           \\qquad v = (x + u)/K ,

averaged over :math:`u \\sim q`. Because the pixels are independent, each expectation is a sum
of one-dimensional integrals over a pixel's cell, computed here by a midpoint rule (no random
draws): :func:`accounting` returns every term, averaged over the test images.

* ``"none"``: :math:`v = x/K`, no noise; the model is fitted to the spikes, and the sum is a
  log-DENSITY, not a bound on a log-probability (it can exceed 0);
* ``"uniform"``: :math:`q = \\mathcal U[0, 1)`, the dequantization term is 0;
* ``"variational"``: for this fixed model the best :math:`q(u_d \\mid x_d)` is the model's own
  density on the cell, :math:`q^*(u) \\propto p_V((x + u)/K)`; with it the bound is the exact
  discrete log-likelihood :math:`\\log P(x) = \\sum_d \\log \\int_0^1 p_V\\big(\\tfrac{x_d + u}{K}\\big) \\tfrac1K\\, du`.
  (A trained variational dequantizer, ``gf.dequantization.VariationalDequantizer``, approaches
  :math:`q^*` from a family of flows.)
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_ndtr

from gauss_flows.images import N_LEVELS
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction

__all__ = ["DEQUANTIZATIONS", "TERMS", "SD_FLOOR", "modelling_space", "fit_pixel_gaussians", "accounting",
           "exact_log_likelihood", "bits_per_dim_terms", "accounting_explorer", "which_term_is_largest"]

DEQUANTIZATIONS = ("none", "uniform", "variational")
TERMS = ("base log-prob", "flow log-det", "logit log-det", "1/K scale", "dequantization")
#: the smallest standard deviation a pixel's Gaussian may have (a pixel constant in the data
#: would otherwise have a density of +infinity at its value)
SD_FLOOR = 1e-3


def modelling_space(v, alpha):
    """``(y, log|dy/dv|)`` elementwise: the logit pre-transform (``alpha`` a number) or the
    identity (``alpha=None``)."""
    v = np.asarray(v, dtype=float)
    if alpha is None:
        return v, np.zeros_like(v)
    s = alpha + (1.0 - 2.0 * alpha) * v
    return np.log(s) - np.log1p(-s), math.log1p(-2.0 * alpha) - np.log(s) - np.log1p(-s)


def fit_pixel_gaussians(v_train, alpha, sd_floor: float = SD_FLOOR):
    """Per-pixel maximum-likelihood Gaussian in the modelling space of ``v_train`` ``(n, D)``:
    ``(means (D,), standard deviations (D,))``, the latter at least ``sd_floor``."""
    if not sd_floor > 0:
        raise ValueError(f"sd_floor must be positive, but got {sd_floor!r}.")
    y, _ = modelling_space(v_train, alpha)
    return y.mean(axis=0), np.maximum(y.std(axis=0), sd_floor)


def _cell_tables(mean, sd, alpha, n_levels, n_nodes):
    """Every term at the midpoint nodes of every (pixel, level) cell: arrays ``(D, K, M)``."""
    u = (np.arange(n_nodes) + 0.5) / n_nodes
    v = (np.arange(n_levels)[:, None] + u[None, :]) / n_levels                  # (K, M)
    y, logit_log_det = modelling_space(v, alpha)
    z = (y[None] - mean[:, None, None]) / sd[:, None, None]                     # (D, K, M)
    base = -0.5 * z ** 2 - 0.5 * math.log(2 * math.pi)
    flow = -np.log(sd)[:, None, None] * np.ones_like(z)
    return base, flow, np.broadcast_to(logit_log_det, z.shape)


def accounting(train_images, test_images, dequantization: str, alpha, *, n_nodes: int = 64,
               seed: int = 0, sd_floor: float = SD_FLOOR, n_levels: int = N_LEVELS) -> dict:
    """Fit the independent-pixel Gaussian flow and account for the test images' likelihood.

    Args:
        train_images, test_images: integer images ``(n, ...)`` (flattened to ``D`` pixels).
        dequantization: ``"none"``, ``"uniform"`` or ``"variational"`` (see the module docstring).
        alpha: the logit margin, or ``None`` for no logit pre-transform.
        n_nodes: midpoint-rule nodes per cell; seed: the uniform noise of the training set;
        sd_floor: the smallest standard deviation of a pixel's Gaussian.

    Returns ``{"terms": {term: mean over test images, nats}, "total": their sum,
    "bits_per_dim": -total / (D ln 2), "mean", "sd": the fitted model, "q": (D, K, M) the
    dequantization density at the nodes (None for "none")}``.
    """
    if dequantization not in DEQUANTIZATIONS:
        raise ValueError(f"dequantization must be one of {DEQUANTIZATIONS}, but got {dequantization!r}.")
    train = np.asarray(train_images).reshape(len(train_images), -1)
    test = np.asarray(test_images).reshape(len(test_images), -1)
    if train.shape[1] != test.shape[1]:
        raise ValueError(f"accounting: training images have {train.shape[1]} pixels, test images "
                         f"{test.shape[1]}: they must match.")
    n_dims = train.shape[1]
    counts = np.stack([(test == k).sum(axis=0) for k in range(n_levels)], axis=1) / len(test)   # (D, K)
    scale = -n_dims * math.log(n_levels)
    if dequantization == "none":
        mean, sd = fit_pixel_gaussians(train / n_levels, alpha, sd_floor)
        y, logit_at = modelling_space(np.arange(n_levels) / n_levels, alpha)   # the spikes, u = 0
        z = (y[None] - mean[:, None]) / sd[:, None]                              # (D, K)
        base = (-0.5 * z ** 2 - 0.5 * math.log(2 * math.pi))[..., None]
        flow = np.broadcast_to(-np.log(sd)[:, None, None], base.shape)
        logit = np.broadcast_to(logit_at[None, :, None], base.shape)
        weights, log_q = np.ones(base.shape), np.zeros(base.shape)
        q = None
    else:
        noise = np.random.default_rng(seed).uniform(size=train.shape)
        mean, sd = fit_pixel_gaussians((train + noise) / n_levels, alpha, sd_floor)
        base, flow, logit = _cell_tables(mean, sd, alpha, n_levels, n_nodes)
        if dequantization == "uniform":
            weights = np.full(base.shape, 1.0 / n_nodes)
        else:
            log_p = base + flow + logit                                              # log p_V at the nodes
            weights = np.exp(log_p - log_p.max(axis=-1, keepdims=True))
            weights /= weights.sum(axis=-1, keepdims=True)
        log_q = np.log(weights * n_nodes)                                            # density on [0, 1)
        q = weights * n_nodes

    def expect(table):
        return float(np.sum(counts * np.sum(weights * table, axis=-1)))

    terms = {"base log-prob": expect(base), "flow log-det": expect(flow), "logit log-det": expect(logit),
             "1/K scale": scale, "dequantization": -expect(log_q)}
    total = sum(terms.values())
    return {"terms": terms, "total": total, "bits_per_dim": -total / (n_dims * math.log(2)),
            "mean": mean, "sd": sd, "q": q, "n_dims": n_dims, "counts": counts}


def exact_log_likelihood(mean, sd, alpha, test_images, *, n_levels: int = N_LEVELS) -> float:
    """The exact discrete log-likelihood of the independent-pixel Gaussian model, mean over
    ``test_images``: a cell's probability is a difference of normal CDFs (the map from ``v`` to
    the modelling space is increasing), no quadrature."""
    edges = np.arange(n_levels + 1) / n_levels
    y_edges, _ = modelling_space(edges, alpha)
    lo = (y_edges[None, :-1] - mean[:, None]) / sd[:, None]
    hi = (y_edges[None, 1:] - mean[:, None]) / sd[:, None]
    # log(Phi(hi) - Phi(lo)) without cancellation: on the right of the mean use 1 - Phi
    right = lo > 0
    upper = np.where(right, log_ndtr(-lo), log_ndtr(hi))
    lower = np.where(right, log_ndtr(-hi), log_ndtr(lo))
    with np.errstate(divide="ignore"):
        log_cell = upper + np.log1p(-np.exp(lower - upper))                       # (D, K)
    test = np.asarray(test_images).reshape(len(test_images), -1)
    return float(np.mean(np.take_along_axis(log_cell.T, test, axis=0).sum(axis=1)))


def bits_per_dim_terms(result: dict) -> dict:
    """Each term's share of the bits per dimension, :math:`-\\text{term}/(D \\ln 2)`; they add up
    to ``result["bits_per_dim"]``."""
    return {name: -value / (result["n_dims"] * math.log(2)) for name, value in result["terms"].items()}


def accounting_explorer(train_images, test_images, *, alphas=(0.01, 0.05, 0.2), pixel: int = 36,
                        **kwargs) -> Explorer:
    """Controls: dequantization x pre-transform (none, or the logit with each alpha). Left: each term's share of the bits per
    dimension and the total; right: the dequantized values of one ``pixel`` (flat index) in the
    unit interval, with the model's density there. All states are computed up front (cheap)."""
    transforms = {"none": None, **{f"logit, α = {float(a):g}": float(a) for a in alphas}}
    results = {(d, t): accounting(train_images, test_images, d, a)
               for d in DEQUANTIZATIONS for t, a in transforms.items()}
    n_levels = N_LEVELS
    grid_v = (np.arange(n_levels * 16) + 0.5) / (n_levels * 16)

    def render(dequantization, transform):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, ACTIVE, DATA, FIGSIZE, MODEL, NEUTRAL, PASSIVE, style_ax

        result = results[(dequantization, transform)]
        shares = bits_per_dim_terms(result)
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        left, right = fig.add_axes((0.25, 0.16, 0.3, 0.72)), fig.add_axes((0.64, 0.16, 0.34, 0.72))
        names = list(shares) + ["total"]
        values = list(shares.values()) + [result["bits_per_dim"]]
        colours = [PASSIVE, MODEL, ACTIVE, NEUTRAL, DATA, ACCENT]
        left.barh(range(len(names))[::-1], values, color=colours)
        left.set_yticks(list(range(len(names))[::-1]), names)
        left.axvline(0.0, color=NEUTRAL, lw=0.8)
        left.axvline(math.log2(n_levels), color=NEUTRAL, lw=0.8, ls="--")
        style_ax(left, "bits per dimension, term by term", "bits/dim (dashed: uniform, log₂ 17)", None,
                 grid=False, legend=False)
        y, log_det = modelling_space(grid_v, transforms[transform])
        mean, sd = result["mean"][pixel], result["sd"][pixel]
        p_v = np.exp(-0.5 * ((y - mean) / sd) ** 2 - 0.5 * math.log(2 * math.pi) - math.log(sd) + log_det)
        counts = result["counts"][pixel]
        if result["q"] is None:
            right.vlines(np.arange(n_levels) / n_levels, 0, counts * n_levels, color=DATA, lw=3,
                         label="data (spikes, height = frequency × K)")
        else:
            q = result["q"][pixel]                                                 # (K, M)
            m = q.shape[1]
            v_nodes = (np.arange(n_levels)[:, None] + (np.arange(m) + 0.5)[None, :] / m) / n_levels
            right.fill_between(v_nodes.ravel(), (counts[:, None] * q).ravel() * n_levels, color=DATA,
                               alpha=0.5, lw=0, label="dequantized data")
        right.plot(grid_v, p_v, color=MODEL, lw=1.5, label="model p_V")
        if result["q"] is None:
            right.set_ylim(0, 1.15 * max(float(np.max(counts)) * n_levels, float(np.max(p_v))))
        style_ax(right, f"pixel {divmod(pixel, 8)}: its values v in [0, 1)", "v", "density", legend=True)
        bound = "a bound on log P(x)" if result["q"] is not None else "a DENSITY at the spikes, not a bound"
        readout = (f"dequantization {dequantization}, pre-transform {transform}: "
                   + ", ".join(f"{n} {v + 0.0:+.3f}" for n, v in shares.items())
                   + f" → total {result['bits_per_dim']:.3f} bits/dim ({bound}).")
        return fig, readout

    controls = {"dequantization": Dropdown("dequantization", list(DEQUANTIZATIONS), default="uniform"),
                "transform": Dropdown("pre-transform", list(transforms), default=f"logit, α = {0.05:g}")}
    return Explorer(render, controls, title="Bits per dimension, term by term", **kwargs)


def which_term_is_largest() -> Prediction:
    """The "predict first" prompt shown before :func:`accounting_explorer`."""
    return Prediction(
        "Switch the dequantization from uniform to none (the same model fitted to the raw levels). "
        "What happens to the number of bits per dimension it reports?",
        ["it rises: the model is worse", "it barely moves", "it drops: the number looks better"],
        answer="it drops: the number looks better",
        explanation="Without noise the model is fitted to spikes: the pixels that are always 0 get a "
                    "Gaussian as narrow as it is allowed, and a density (not a probability) there grows "
                    "without bound. The number drops, but it is no code length: integrated over each "
                    "pixel's cell, the same model is a worse discrete model than the dequantized one.")
