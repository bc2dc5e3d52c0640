"""Explorer of Part 1 · 02: a monotone rational-quadratic spline (Durkan et al. 2019) as a
marginal Gaussianizer :math:`z = T(x)`.

The spline has 3 interior knots on :math:`[-3, 3]` (4 bins of equal width) and is the identity
outside. The reader moves the height :math:`y_2` of the middle knot and the derivative
:math:`d_2` there; the other knots stay on the diagonal with derivative 1, so
:math:`y_2 = 0, d_2 = 1` is exactly the identity. Three panels: the map with its knots, its
derivative (positive everywhere: the spline is monotone by construction), and the density the
spline pushes a standard normal to, :math:`p(x) = \\varphi(T(x))\\,T'(x)`, over a histogram of
:math:`x = T^{-1}(z)` for 20 000 normal :math:`z` (the library's analytic inverse).

:func:`spline_from_knots` (``gf.RationalQuadraticSpline.from_knots``) builds a spline through
given knots and derivatives by inverting its parameterisation (softmax bin sizes with a floor,
scaled softplus derivatives): the library stores unconstrained numbers, the explorer talks in knots.
"""

from __future__ import annotations


import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from scipy.stats import norm

from gauss_flows.bijectors import RationalQuadraticSpline
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

INTERVAL = 3.0
X_KNOTS = np.array([-3.0, -1.5, 0.0, 1.5, 3.0])
Y_FIXED = {1: -1.5, 3: 1.5}
HEIGHTS = [-1.5, -1.0, 0.0, 1.0]
DERIVATIVES = [0.2, 1.0, 5.0]


#: A scalar spline through given knots: the library's :meth:`RationalQuadraticSpline.from_knots`.
spline_from_knots = RationalQuadraticSpline.from_knots


def knots_for(y2: float, d2: float):
    """The explorer's knots: middle height ``y2`` and middle derivative ``d2``, the rest fixed."""
    ys = np.array([-INTERVAL, Y_FIXED[1], y2, Y_FIXED[3], INTERVAL])
    return X_KNOTS, ys, np.array([1.0, d2, 1.0])


@eqx.filter_jit
def _curves(spline, grid, z):
    values, log_slopes = jax.vmap(spline.transform_and_log_det)(grid)
    samples = jax.vmap(spline.inverse)(z)
    return values, jnp.exp(log_slopes), samples


def _render(y2: float, d2: float, *, z):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, ACTIVE, DATA, FIGSIZE, GAUSS_KW, MODEL, NEUTRAL, style_ax

    xs, ys, ds = knots_for(y2, d2)
    if y2 <= Y_FIXED[1]:
        raise ValueError(f"y₂ = {y2:g} is not above y₁ = {Y_FIXED[1]:g}: the knot heights must increase "
                         "strictly, or the bin between them has no height, the map is flat there and "
                         "cannot be inverted (and the density it implies is zero on a whole interval).")
    spline = spline_from_knots(xs, ys, ds)
    grid = jnp.linspace(-4.5, 4.5, 500)
    values, slopes, samples = (np.asarray(a) for a in _curves(spline, grid, z))
    grid = np.asarray(grid)

    fig = Figure(figsize=FIGSIZE["triple"], layout="none")
    axes = [fig.add_axes((0.05 + 0.33 * k, 0.14, 0.27, 0.72)) for k in range(3)]
    axes[0].plot(grid, grid, color="0.75", lw=1, ls=":")
    axes[0].plot(grid, values, color=ACTIVE, label="spline $T$")
    axes[0].plot(xs, ys, "o", color=ACCENT, ms=6, zorder=5, label="knots")
    for x_k in xs:
        axes[0].axvline(x_k, color="0.85", lw=0.8, zorder=0)
    style_ax(axes[0], "the map z = T(x)", "$x$", "$z$", xlim=(-4.5, 4.5), ylim=(-4.5, 4.5), legend=True)
    axes[1].axhline(0.0, color="0.6", lw=0.8)
    axes[1].plot(grid, slopes, color=ACTIVE)
    axes[1].plot(xs, np.concatenate([[1.0], ds, [1.0]]), "o", color=ACCENT, ms=6, zorder=5)
    style_ax(axes[1], "its derivative T′(x) > 0", "$x$", "$T'(x)$", xlim=(-4.5, 4.5), ylim=(0, 5.5))
    axes[2].hist(samples, bins=np.linspace(-4.5, 4.5, 61), density=True, color=DATA, alpha=0.45,
                 label="$T^{-1}(z)$, 20 000 z")
    axes[2].plot(grid, norm.pdf(values) * slopes, color=MODEL, label=r"$\varphi(T(x))\,T'(x)$")
    axes[2].plot(grid, norm.pdf(grid), **{**GAUSS_KW, "lw": 1.2})
    style_ax(axes[2], "the density it implies", "$x$", "density", xlim=(-4.5, 4.5), ylim=(0, 1.0),
             legend=True)
    for ax in axes:
        ax.tick_params(labelsize=9)

    s_left, s_right = (y2 - Y_FIXED[1]) / 1.5, (Y_FIXED[3] - y2) / 1.5
    mass_left = norm.cdf(y2)
    readout = (f"middle knot (0, {y2:g}) with derivative {d2:g}; bin slopes s = h/w next to it: "
               f"{s_left:.3g} and {s_right:.3g}\n"
               f"min T′ on [−4.5, 4.5] = {slopes.min():.3f} (> 0: monotone)   "
               f"P(x < 0) = Φ(T(0)) = Φ({y2:g}) = {mass_left:.3f}   "
               f"fraction of the 20 000 samples below 0: {np.mean(samples < 0):.3f}")
    return fig, readout


def spline_explorer(seed: int = 0, **kwargs) -> Explorer:
    """Sliders for the middle knot's height and derivative: 4 x 3 = 12 states (3 refused)."""
    z = jr.normal(jr.key(seed), (20_000,))

    def render(y2, d2):
        return _render(y2, d2, z=z)

    controls = {"y2": Slider("middle knot height y₂", HEIGHTS, default=0.0, fmt="{:g}"),
                "d2": Slider("derivative d₂ at the knot", DERIVATIVES, default=1.0, fmt="{:g}")}
    return Explorer(render, controls, title="A rational-quadratic spline as a Gaussianizer", **kwargs)


def knot_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`spline_explorer`."""
    return Prediction(
        "The explorer starts at the identity (y₂ = 0, d₂ = 1). Raise the middle knot to y₂ = 1, "
        "so the data point x = 0 is sent to z = 1. Does the implied density p(x) put more or less "
        "than half of its mass below x = 0?",
        ["more than half", "exactly half", "less than half"], answer="more than half",
        explanation="P(x < 0) = P(T(x) < T(0)) = Φ(T(0)) = Φ(1) ≈ 0.84: a map that pushes x = 0 up "
                    "to z = 1 says that 84 % of the data lie below 0. Gaussianizing reads the CDF off "
                    "the map: Φ(T(x)) is the CDF of the implied density.")
