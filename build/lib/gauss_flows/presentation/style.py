"""The book's plotting look: colours, figure sizes and the Gaussian reference curve.

Every figure in the book goes through this module so that one colour means one thing
on every page:

* ``PASSIVE`` (blue): coordinates a coupling layer copies and its conditioner reads;
* ``ACTIVE`` (orange): coordinates a coupling layer transforms;
* ``DATA`` (green): samples and histograms of the data;
* ``MODEL`` (purple): what a fitted flow says (its density, its samples);
* ``GAUSS_KW``: the standard normal reference curve, dashed and dark.

The colours come from the Okabe-Ito palette, which stays distinguishable for the
common forms of colour blindness and on a washed-out projector. Figures keep a WHITE
background (``figure.facecolor``) so that they stay legible when the book is read in
the theme's dark mode: a dark-on-white picture framed by a dark page reads well, a
transparent one with black text does not.

Usage in a notebook (the repository's top-level ``_style`` re-exports this module)::

    from _style import ACTIVE, PASSIVE, GAUSS_KW, FIGSIZE, style_ax, use_book_style
    use_book_style()
    fig, ax = plt.subplots(figsize=FIGSIZE["single"])
    ax.plot(x, norm_pdf(x), **GAUSS_KW)
    style_ax(ax, title="A Gaussian", xlabel="$x$", ylabel="$p(x)$")
"""

from __future__ import annotations

from typing import Any

__all__ = ["PASSIVE", "ACTIVE", "DATA", "MODEL", "ACCENT", "NEUTRAL", "ZERO", "CYCLE", "DENSITY_CMAP",
           "SIGNED_CMAP", "GAUSS_KW", "FIGSIZE", "RC", "use_book_style", "style_ax"]

# Okabe & Ito (2008), "Color universal design": safe for deuteranopia and protanopia.
PASSIVE = "#0072B2"  # blue: copied / conditioning coordinates
ACTIVE = "#E69F00"  # orange: transformed coordinates
DATA = "#009E73"  # bluish green: data samples
MODEL = "#CC79A7"  # reddish purple: the model's density and samples
ACCENT = "#D55E00"  # vermillion: a highlighted point, an error, "you are here"
NEUTRAL = "0.35"  # dark grey: guides, arrows, annotations
ZERO = "#F2F2F2"  # near-white: structural zeros in Jacobian heatmaps

#: Colour cycle for lines that have no role colour (several bijectors on one axis).
CYCLE = [PASSIVE, ACTIVE, DATA, MODEL, ACCENT, "#56B4E9", "#F0E442", "0.2"]

#: Sequential colour map for densities; diverging one for signed quantities (log|det|).
DENSITY_CMAP = "viridis"
SIGNED_CMAP = "RdBu_r"

#: The standard normal reference curve: ``ax.plot(x, phi(x), **GAUSS_KW)``.
GAUSS_KW: dict[str, Any] = dict(color="0.15", ls="--", lw=1.8, label=r"$\mathcal{N}(0, 1)$", zorder=3)

#: Figure sizes in inches. At the book's font sizes these read on a laptop screen and
#: from the back of a room on a projector (about 9-10 pt text per inch of width).
FIGSIZE: dict[str, tuple[float, float]] = {
    "single": (5.0, 3.6),  # one panel
    "square": (4.4, 4.2),  # one panel with equal axes (densities, grids, heatmaps)
    "wide": (9.6, 3.6),  # two panels side by side
    "triple": (12.0, 3.8),  # three panels: an explorer's usual frame
    "tall": (9.6, 6.6),  # a 2 x 2 grid
}

#: rcParams of the book; applied by :func:`use_book_style`.
RC: dict[str, Any] = {
    "figure.facecolor": "white",  # stays white on a dark page
    "savefig.facecolor": "white",
    "axes.facecolor": "white",
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.constrained_layout.use": True,
    "font.size": 11.5,
    "axes.titlesize": 12.5,
    "axes.labelsize": 12,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "legend.fontsize": 10.5,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.color": "0.88",
    "grid.linewidth": 0.8,
    "lines.linewidth": 2.0,
    "image.cmap": DENSITY_CMAP,
    "text.color": "0.1",
    "axes.labelcolor": "0.1",
    "xtick.color": "0.2",
    "ytick.color": "0.2",
}


def use_book_style() -> None:
    """Apply the book's rcParams (white background, readable fonts, colour cycle)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(RC)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=CYCLE)


def style_ax(ax, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None,
             *, grid: bool = True, equal: bool = False, legend: bool | None = None,
             xlim=None, ylim=None):
    """Give one axis the book's look and return it.

    Args:
        ax: a matplotlib ``Axes``.
        title, xlabel, ylabel: text (MathTeX allowed), skipped when ``None``.
        grid: a light grid behind the data.
        equal: equal aspect ratio (use for 2-D densities, warped grids, samples).
        legend: draw a legend; ``None`` draws one only if some artist has a label.
        xlim, ylim: optional axis limits.
    """
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if grid:
        ax.grid(True, color=RC["grid.color"], lw=RC["grid.linewidth"], zorder=0)
        ax.set_axisbelow(True)
    if equal:
        ax.set_aspect("equal", adjustable="box")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if legend is None:
        handles, labels = ax.get_legend_handles_labels()
        legend = any(label and not label.startswith("_") for label in labels)
    if legend:
        ax.legend(frameon=False)
    return ax
