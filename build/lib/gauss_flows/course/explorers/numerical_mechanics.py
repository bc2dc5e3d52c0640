"""Explorer of Part 0 · 05: float32 / float64 and the clipping epsilon of naive Gaussianization.

For standard normal data the exact Gaussianization is the identity, :math:`\\Phi^{-1}(\\Phi(x)) = x`,
so every deviation is round-off (:mod:`gauss_flows.precision`). The reader picks the float type
and the clipping :math:`\\varepsilon` of the naive route
:math:`z = \\Phi^{-1}(\\mathrm{clip}(\\Phi(x), \\varepsilon, 1-\\varepsilon))` and sees, over
:math:`x \\in [-30, 30]`, the output :math:`z` (it should be the diagonal) and the round-trip
error :math:`|z - x|` on a log scale, next to the log-space route, which has no :math:`\\varepsilon`.
All curves are computed once when the explorer is built.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from gauss_flows.precision import gaussianize_log_space, gaussianize_naive, round_trip_error
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

X = np.linspace(-30.0, 30.0, 1201)
#: log10 of the clipping epsilons offered by the slider
LOG10_EPSILONS = [-20, -16, -12, -10, -8, -7, -6, -4, -2]
DTYPES = {"float32": jnp.float32, "float64": jnp.float64}
#: an error below this is "accurate" in the read-out
TOLERANCE = 1e-3
#: errors are drawn on [FLOOR, CEILING]; exact zeros sit on the floor, infinities on the ceiling
FLOOR, CEILING = 1e-17, 1e3


def accurate_range(error, x=X, tolerance: float = TOLERANCE) -> tuple[float, float]:
    """The interval around 0 on which ``error <= tolerance`` (ends of the contiguous run)."""
    good = np.asarray(error) <= tolerance
    centre = int(np.argmin(np.abs(x)))
    if not good[centre]:
        return (np.nan, np.nan)
    lo = centre
    while lo > 0 and good[lo - 1]:
        lo -= 1
    hi = centre
    while hi < len(x) - 1 and good[hi + 1]:
        hi += 1
    return float(x[lo]), float(x[hi])


def precompute_curves() -> dict:
    """``{(dtype name, log10 eps): naive z}`` and ``{dtype name: log-space z}`` on :data:`X`."""
    naive = {(name, k): np.asarray(gaussianize_naive(X, 10.0**k, dtype), np.float64)
             for name, dtype in DTYPES.items() for k in LOG10_EPSILONS}
    log_space = {name: np.asarray(gaussianize_log_space(X, dtype), np.float64)
                 for name, dtype in DTYPES.items()}
    return {"naive": naive, "log_space": log_space}


def _shown(error):
    error = np.asarray(error)
    return np.clip(np.where(np.isfinite(error), error, CEILING), FLOOR, CEILING)


def precision_explorer(curves: dict | None = None, **kwargs) -> Explorer:
    """Float type x clipping epsilon (2 x 9 = 18 states)."""
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, NEUTRAL, PASSIVE

    curves = curves or precompute_curves()

    def render(dtype: str, log10_eps: float):
        k = int(round(log10_eps))
        z_naive = curves["naive"][(dtype, k)]
        z_log = curves["log_space"][dtype]
        err_naive = np.asarray(round_trip_error(z_naive, X))
        err_log = np.asarray(round_trip_error(z_log, X))
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        ax_z = fig.add_axes((0.07, 0.14, 0.38, 0.74))
        ax_e = fig.add_axes((0.57, 0.14, 0.40, 0.74))
        ax_z.plot(X, X, color="0.8", lw=4, label="exact: z = x")
        ax_z.plot(X, np.where(np.isfinite(z_log), z_log, np.nan), color=PASSIVE, lw=1.8,
                  label="log space")
        finite = np.isfinite(z_naive)
        ax_z.plot(X, np.where(finite, z_naive, np.nan), color=ACCENT, lw=1.8, label="naive, clipped")
        if not finite.all():
            ax_z.plot(X[~finite], np.full((~finite).sum(), 29.0), "^", color=ACCENT, ms=3,
                      label="naive = +inf")
        ax_z.set_xlim(-30, 30)
        ax_z.set_ylim(-31, 31)
        ax_z.set_xlabel("x")
        ax_z.set_ylabel("z = Φ⁻¹(Φ(x))")
        ax_z.set_title(f"Gaussianized value ({dtype}, ε = 1e{k})")
        ax_z.legend(loc="upper left", fontsize=8)
        ax_e.semilogy(X, _shown(err_log), color=PASSIVE, lw=1.8, label="log space")
        ax_e.semilogy(X, _shown(err_naive), color=ACCENT, lw=1.8, label="naive, clipped")
        ax_e.axhline(TOLERANCE, color=NEUTRAL, lw=0.8, ls=":")
        ax_e.set_ylim(FLOOR / 3, CEILING * 3)
        ax_e.set_xlim(-30, 30)
        ax_e.set_xlabel("x")
        ax_e.set_title("round-trip error |z − x| (0 at the bottom, ∞ at the top)")
        ax_e.legend(loc="lower left", fontsize=8)
        for ax in (ax_z, ax_e):
            ax.tick_params(labelsize=9)
        dt = DTYPES[dtype]
        eps = jnp.asarray(10.0**k, dt)
        one_minus = jnp.asarray(1, dt) - eps
        lo_n, hi_n = accurate_range(err_naive)
        lo_l, hi_l = accurate_range(err_log)
        if float(one_minus) == 1.0:
            clip_text = (f"1 − ε rounds to 1 in {dtype} (ε < epsneg = {np.finfo(dt).epsneg:.2g}): "
                         f"Φ⁻¹(1 − ε) = inf, the upper tail becomes infinite")
        else:
            clip_text = (f"naive z is confined to [Φ⁻¹(ε), Φ⁻¹(1 − ε)] = "
                         f"[{float(z_naive.min()):.2f}, {float(z_naive.max()):.2f}]")
        readout = (f"{dtype}, ε = 1e{k}: {clip_text}\n"
                   f"error ≤ {TOLERANCE:g} on x ∈ [{lo_n:.1f}, {hi_n:.1f}] (naive) and "
                   f"[{lo_l:.1f}, {hi_l:.1f}] (log space)")
        return fig, readout

    controls = {
        "dtype": Dropdown("float type", list(DTYPES), default="float64"),
        "log10_eps": Slider("log₁₀ ε", LOG10_EPSILONS, default=-6, fmt="1e{:.0f}"),
    }
    return Explorer(render, controls, title="Φ⁻¹(Φ(x)) should be x: naive vs log space", **kwargs)


def epsilon_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`precision_explorer`."""
    return Prediction(
        "In float32 with ε = 1e-6, naive Gaussianization clips Φ(x) into [ε, 1 − ε]. Make ε "
        "smaller, down to 1e-8. Does the naive method get better in the upper tail (x > 5)?",
        ["yes, the accurate range grows", "no change", "it breaks: z becomes infinite"],
        answer="it breaks: z becomes infinite",
        explanation="Below 1 float32 numbers are spaced 2⁻²⁴ ≈ 6e-8 apart, so 1 − 1e-8 rounds to "
                    "exactly 1 and Φ⁻¹(1) = ∞. A smaller ε helps the lower tail (floats are dense "
                    "near 0) but not the upper one. Log space avoids the problem altogether.")
