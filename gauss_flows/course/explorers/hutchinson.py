"""Explorer of Part 6 · 02, Hutchinson's trace estimator: its spread against the exact trace.

For a probe :math:`\\varepsilon` with :math:`\\mathbb E[\\varepsilon\\varepsilon^\\top] = I`, the
estimate :math:`\\hat\\tau_n = \\frac1n\\sum_{k=1}^n \\varepsilon_k^\\top J \\varepsilon_k` has mean
:math:`\\operatorname{tr} J` and variance :math:`V/n`, with :math:`V = 2\\lVert J_s\\rVert_F^2`
(Gaussian probes) or :math:`2(\\lVert J_s\\rVert_F^2 - \\sum_i J_{ii}^2)` (Rademacher probes),
:math:`J_s = (J + J^\\top)/2` (:func:`gauss_flows.trace.hutchinson_variance`).

The explorer draws, once per Jacobian and probe kind, ``n_draws`` rows of ``max(N_PROBES)``
one-probe estimates; the estimate with ``n`` probes is the mean of a row's first ``n``. It shows
their histogram against the exact trace and the formula's standard deviation
:math:`\\sqrt{V/n}`, and counts the Jacobian-vector products each way.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.trace import PROBES, hutchinson_variance, probes
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["N_PROBES", "jacobian_family", "one_probe_estimates", "hutchinson_explorer", "predict_the_spread"]

#: the probe counts on the slider
N_PROBES = (1, 4, 16, 64)


def jacobian_family(d: int = 8, seed: int = 0) -> dict[str, np.ndarray]:
    """Three ``(d, d)`` matrices whose symmetric parts differ in where their mass sits:
    a dense random matrix, a diagonal one (all on the diagonal) and a diagonal plus an
    antisymmetric part (non-symmetric, yet its symmetric part is the diagonal)."""
    rng = np.random.default_rng(seed)
    dense = rng.normal(size=(d, d)) / np.sqrt(d)
    diagonal = np.diag(rng.normal(size=d))
    skew = rng.normal(size=(d, d))
    return {"dense random": dense, "diagonal": diagonal,
            "diagonal + antisymmetric": diagonal + (skew - skew.T) / 2}


def one_probe_estimates(jacobian, key, kind: str, n_draws: int, n_probes: int) -> np.ndarray:
    """``(n_draws, n_probes)`` independent one-probe estimates :math:`\\varepsilon^\\top J \\varepsilon`."""
    jacobian = np.asarray(jacobian, dtype=float)
    if jacobian.ndim != 2 or jacobian.shape[0] != jacobian.shape[1]:
        raise ValueError(f"a Jacobian must be a square matrix, but has shape {jacobian.shape}.")
    eps = np.asarray(probes(key, n_draws * n_probes, jacobian.shape[0], kind), dtype=float)
    return np.einsum("ki,ij,kj->k", eps, jacobian, eps).reshape(n_draws, n_probes)


def _render(jacobian: str, kind: str, n: float, *, records, jacobians):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, NEUTRAL, PASSIVE, style_ax

    n = int(round(n))
    if n not in N_PROBES:
        raise ValueError(f"the probe count must be one of {N_PROBES}, but got {n}.")
    J = jacobians[jacobian]
    d = J.shape[0]
    exact = float(np.trace(J))
    estimates = records[jacobian, kind][:, :n].mean(axis=1)
    sd_formula = float(np.sqrt(hutchinson_variance(J, kind) / n))
    # one x-range per Jacobian (the widest spread: one Gaussian probe), so moving n or the
    # probe kind shows the histogram narrowing on fixed axes
    half = 4.0 * max(float(np.sqrt(hutchinson_variance(J, "gaussian"))), 0.05)
    bins = np.linspace(exact - half, exact + half, 61)
    fig = Figure(figsize=FIGSIZE["wide"], layout="constrained")
    ax = fig.add_subplot()
    shown = np.clip(estimates, bins[0], bins[-1])  # the rare far draw lands in the edge bin
    ax.hist(shown, bins=bins, color=PASSIVE, alpha=0.8, label=f"{estimates.size} estimates")
    ax.axvline(exact, color="0.2", ls="--", lw=1.5, label=f"exact tr J = {exact:.3f}")
    ax.axvline(estimates.mean(), color=ACCENT, lw=2, label=f"their mean = {estimates.mean():.3f}")
    if sd_formula > 0:
        ax.axvspan(exact - sd_formula, exact + sd_formula, color=NEUTRAL, alpha=0.12,
                   label="exact ± √(V/n), the formula")
    ax.set_xlim(bins[0], bins[-1])
    ax.legend(fontsize=8, loc="upper right")
    style_ax(ax, f"{jacobian}, {kind} probes, n = {n}", "estimate of tr J", "count")
    se = estimates.std(ddof=1) / np.sqrt(estimates.size)
    readout = (f"{jacobian} (d = {d}), {kind} probes, n = {n}: mean {estimates.mean():.3f} ± {se:.3f} (SE) "
               f"against tr J = {exact:.3f}; spread (sd) measured {estimates.std(ddof=1):.3f}, "
               f"formula √(V/n) = {sd_formula:.3f}; cost {n} Jacobian-vector product{'s' if n > 1 else ''} "
               f"against {d} for the exact trace")
    return fig, readout


def hutchinson_explorer(jacobians: dict, key, *, n_draws: int = 2000, **kwargs) -> Explorer:
    """Controls: the Jacobian (a name of ``jacobians``, square matrices), the probe kind and
    the number of probes ``n``. The draws are made once here, from ``key``."""
    import jax.random as jr

    if not jacobians:
        raise ValueError("hutchinson_explorer needs at least one Jacobian.")
    jacobians = {name: np.asarray(J, dtype=float) for name, J in jacobians.items()}
    keys = jr.split(key, len(jacobians) * len(PROBES))
    records = {}
    for k, (name, kind) in zip(keys, [(name, kind) for name in jacobians for kind in PROBES]):
        records[name, kind] = one_probe_estimates(jacobians[name], k, kind, n_draws, max(N_PROBES))
    controls = {"jacobian": Dropdown("Jacobian", list(jacobians)),
                "kind": Dropdown("probes", list(PROBES)),
                "n": Slider("probes per estimate n", list(N_PROBES), default=1, fmt="{:.0f}")}

    def render(jacobian, kind, n):
        return _render(jacobian, kind, n, records=records, jacobians=jacobians)

    return Explorer(render, controls, title="Hutchinson's estimate of a trace, over many draws", **kwargs)


def predict_the_spread() -> Prediction:
    """The "predict first" prompt shown before :func:`hutchinson_explorer`."""
    return Prediction(
        "Pick the 'diagonal + antisymmetric' Jacobian with one Gaussian probe, then switch the probes "
        "to Rademacher (random ±1). What happens to the spread of the estimates?",
        ["it collapses: every estimate is the exact trace", "it halves", "it stays the same",
         "it grows: the off-diagonal part adds noise"],
        answer="it collapses: every estimate is the exact trace",
        explanation="Only the symmetric part counts, ε^T J ε = ε^T J_s ε, and here J_s is the diagonal. "
                    "With ±1 probes ε_i² = 1, so ε^T D ε = Σ D_ii = tr J whatever the signs: the "
                    "Rademacher variance 2(‖J_s‖_F² − Σ J_ii²) is zero. Gaussian probes still vary, "
                    "because ε_i² does.")
