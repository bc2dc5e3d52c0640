"""Explorer of Part 0 · 00: a 2-D linear flow, its warped grid and its density.

The reader moves entries of :math:`A` in the sampling map :math:`x = A z + b`,
:math:`z \\sim \\mathcal N(0, I_2)`, and watches two panels: the latent square
:math:`[-2, 2]^2` pushed through the map (coloured by the volume change, with the images
:math:`Ae_1, Ae_2` of the basis vectors), and the density

.. math::  \\log p(x) = \\log \\mathcal N\\big(A^{-1}(x - b)\\big) - \\log\\lvert\\det A\\rvert

(Rezende & Mohamed 2015, eq. 1). One latent point :math:`z^\\star` and its image
:math:`x^\\star = A z^\\star + b` are marked, so that "denser or thinner here?" has one answer:
:math:`p(x^\\star) = \\mathcal N(z^\\star) / \\lvert\\det A\\rvert`, whatever the shape of the grid.

In gauss_flows ``transform`` is the normalising direction (data -> latent), so the flow is
``Transformed(StandardNormal((2,)), Invert(Linear(A, b)))``: ``Linear(A, b)`` is
:math:`v \\mapsto A v + b` and its inverse :math:`x \\mapsto A^{-1}(x - b)` is what maps data to
the latent space. A singular :math:`A` (:math:`\\det A = 0`) flattens the plane onto a line; it
has no inverse and no density, and the explorer says so instead of drawing.
"""

from __future__ import annotations

import numpy as np

from gauss_flows import batched
from gauss_flows.bijectors import Invert, Linear
from gauss_flows.distributions import StandardNormal, Transformed
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

#: The entry of A that stays fixed (so that det A is not just the product of the diagonal).
A21 = 0.5
#: The shift b (fixed: moving it only translates the picture).
SHIFT = np.array([0.5, -0.5])
#: The marked latent point z* and the window shown in data space.
Z_STAR = np.array([1.0, 0.5])
WINDOW = (-4.5, 4.5)
#: Fixed colour scales, so that frames can be compared: p(x) in [0, DENSITY_MAX] and
#: log|det| in [-LOG_DET_MAX, LOG_DET_MAX] (beyond them the colour saturates).
DENSITY_MAX = 0.35
LOG_DET_MAX = 1.6

# Slider grids: 4 x 3 x 4 = 48 states (6 of them singular, on purpose). Every state is one
# precomputed image on the website, so the grids stay coarse.
A11_VALUES = [-1.0, 0.0, 1.0, 2.0]
A12_VALUES = [-1.0, 0.0, 1.0]
A22_VALUES = [0.5, 1.0, 1.5, 2.0]


def _show(value: float) -> str:
    """A factor in a printed product: "1·(−1)", not "1·-1"."""
    return f"({value:g})" if value < 0 else f"{value:g}"


def linear_flow(matrix, shift) -> Transformed:
    """The flow whose samples are ``x = matrix @ z + shift``, ``z ~ N(0, I)``.

    Raises ``ValueError`` (in words) when ``matrix`` is singular.
    """
    matrix = np.asarray(matrix, dtype=float)
    det = float(np.linalg.det(matrix))
    if abs(det) < 1e-12:
        raise ValueError(
            f"det A = a₁₁a₂₂ − a₁₂a₂₁ = {_show(matrix[0, 0])}·{_show(matrix[1, 1])} − "
            f"{_show(matrix[0, 1])}·{_show(matrix[1, 0])} = 0: "
            "A flattens the whole plane onto a line. No z maps to most x, so A has no inverse "
            "and x has no density on the plane (all the mass sits on a set of zero area). "
            "Move a slider so that a11·a22 ≠ a12·a21.")
    return Transformed(StandardNormal((2,)), Invert(Linear(matrix, shift)))


# Compiled once for every state: the flow is a traced argument, so a new A does not recompile.
def _render(a11: float, a12: float, a22: float):
    from matplotlib.collections import QuadMesh
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, SIGNED_CMAP

    from gauss_flows.presentation import viz

    A = np.array([[a11, a12], [A21, a22]])
    flow = linear_flow(A, SHIFT)  # ValueError for a singular A: shown as a message
    det = a11 * a22 - a12 * A21
    x_star = A @ Z_STAR + SHIFT
    log_p_base = float(batched.log_prob(flow.base, Z_STAR))
    log_p_star = float(batched.log_prob(flow, x_star))

    # Fixed axes positions (no constrained layout): frames do not jump and draw fast. The
    # latent panel is the same in every state, so the notebook shows it once, not here.
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    axes = [fig.add_axes((0.04 + 0.5 * k, 0.08, 0.36, 0.8)) for k in range(2)]
    bars = [fig.add_axes((0.04 + 0.5 * k + 0.37, 0.08, 0.012, 0.8)) for k in range(2)]
    # 1. the latent grid [-2, 2]^2 after x = A z + b, coloured by log|det dx/dz| = log|det A|
    # the sampling direction x = A z + b, on a grid of latent points
    viz.warped_grid(lambda z: batched.inverse(flow.bijection, z), batched=True, xlim=(-2, 2), ylim=(-2, 2),
                    n_lines=9, n_points=2, ax=axes[0], color_by_log_det=True, colorbar=False,
                    title="the square [−2, 2]² after x = A z + b")
    mesh = next(c for c in axes[0].collections if isinstance(c, QuadMesh))
    mesh.set_norm(TwoSlopeNorm(0.0, -LOG_DET_MAX, LOG_DET_MAX))  # one scale for every frame
    mesh.set_cmap(SIGNED_CMAP)
    fig.colorbar(mesh, cax=bars[0], ticks=[-1.5, 0, 1.5], label="log|det A|")
    for k, name in enumerate(["A e₁", "A e₂"]):  # the columns of A: a flip swaps their turning order
        _arrow(axes[0], SHIFT, SHIFT + A[:, k], name, "0.1")
    # 2. the density of x, on a fixed colour scale (the peak of N(0, I) is 0.159)
    viz.density_panel(lambda x: batched.log_prob(flow, x), batched=True, xlim=WINDOW, ylim=WINDOW,
                      n=72, ax=axes[1], title="density p(x)")
    image = axes[1].images[-1]
    image.set_clim(0.0, DENSITY_MAX)
    fig.colorbar(image, cax=bars[1], ticks=[0, 0.1, 0.2, 0.3], label="p(x)")
    for ax, colour in zip(axes, ["0.1", "white"]):
        ax.plot(*x_star, "o", color=ACCENT, ms=8, mec="white", zorder=5)
        ax.text(0.03, 0.04, "orange dot: x* = A z* + b", transform=ax.transAxes,
                color=colour, fontsize=9)
        ax.set_xlim(*WINDOW)
        ax.set_ylim(*WINDOW)
        ax.set_xticks([-4, 0, 4])  # few labels: text is most of the drawing time
        ax.set_yticks([-4, 0, 4])
        ax.tick_params(labelsize=9)

    change = ("thinner than" if abs(det) > 1 else "denser than" if abs(det) < 1 else "the same as")
    readout = (
        f"A = [[{a11:g}, {a12:g}], [{A21:g}, {a22:g}]], b = ({SHIFT[0]:g}, {SHIFT[1]:g})\n"
        f"det A = {_show(a11)}·{_show(a22)} − {_show(a12)}·{_show(A21)} = {det:g}   |det A| = {abs(det):g}"
        f"   log|det A| = {np.log(abs(det)):+.3f}\n"
        # always a line of its own, so the readout keeps its height when det changes sign
        + ("orientation: flipped (det < 0: the map also flips orientation; the density only sees |det A|)"
           if det < 0 else "orientation: kept (det > 0)") + "\n"
        f"at the marked point: p(x*) = N(z*) / |det A| = {np.exp(log_p_base):.4f} / {abs(det):g}"
        f" = {np.exp(log_p_star):.4f}  ({change} N(z*))")
    return fig, readout


def _arrow(ax, start, end, label: str, colour: str) -> None:
    ax.annotate("", xy=end, xytext=start, zorder=4,
                arrowprops=dict(arrowstyle="-|>", color=colour, lw=2.0, mutation_scale=14))
    ax.text(*(start + 1.15 * (end - start)), label, color=colour, fontsize=10, ha="center",
            va="center", zorder=4)


def linear_flow_explorer(**kwargs) -> Explorer:
    """Sliders for a11, a12, a22 of ``x = A z + b`` (a21 and b fixed): 48 states.

    ``kwargs`` go to :class:`~gauss_flows.presentation.widgets.Explorer` (e.g. ``dpi``).
    """
    controls = {
        "a11": Slider("a₁₁", A11_VALUES, default=1.0, fmt="{:g}"),
        "a12": Slider("a₁₂", A12_VALUES, default=0.0, fmt="{:g}"),
        "a22": Slider("a₂₂", A22_VALUES, default=1.0, fmt="{:g}"),
    }
    title = f"x = A z + b with a₂₁ = {A21:g}, b = ({SHIFT[0]:g}, {SHIFT[1]:g})"
    return Explorer(_render, controls, title=title, **kwargs)


def denser_or_thinner() -> Prediction:
    """The "predict first" prompt shown before :func:`linear_flow_explorer`."""
    return Prediction(
        "The explorer starts at a₁₁ = 1, a₁₂ = 0, a₂₂ = 1, where det A = 1. Slide a₁₁ from 1 "
        "to 2. At the orange point x* (the image of the same latent point z*), is the density "
        "denser, thinner, or unchanged?",
        ["denser", "thinner", "unchanged"], answer="thinner",
        explanation="det A = a₁₁a₂₂ − a₁₂a₂₁ goes from 1 to 2: the map doubles every area, so "
                    "the probability that was in a small patch around z* is spread over twice "
                    "the area around x*, and p(x*) = N(z*) / |det A| halves. The shape of the "
                    "grid does not matter, only its area factor.")
