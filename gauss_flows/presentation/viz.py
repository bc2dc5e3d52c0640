"""Plotting panels of the book: Jacobians, warped grids, densities, samples, masks.

Each helper draws ONE panel on a matplotlib ``Axes`` (a new one when ``ax=None``) and
returns it, so notebooks and explorers compose them freely::

    fig, axes = plt.subplots(1, 3, figsize=FIGSIZE["triple"])
    warped_grid(flow_map, ax=axes[0], color_by_log_det=True)
    density_panel(log_prob, ax=axes[1])
    jacobian_heatmap(jax.jacfwd(coupling.transform)(x), mask=mask, ax=axes[2])

Functions of points follow the library's convention: they act on ONE point (shape
``(2,)`` or a scalar) and are batched here with ``jax.vmap``; pass ``batched=True`` for a
function that already takes a batch. Colours come from ``_style`` (``PASSIVE`` blue,
``ACTIVE`` orange) so a mask means the same picture everywhere. No widgets here.
"""

from __future__ import annotations

from typing import Callable, Mapping

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.patches import Patch, Rectangle

from gauss_flows.masks import coverage
from gauss_flows.presentation.style import (ACCENT, ACTIVE, CYCLE, DATA, DENSITY_CMAP, FIGSIZE, GAUSS_KW, NEUTRAL, PASSIVE,
                    SIGNED_CMAP, ZERO, style_ax)

ROLE_CMAP = ListedColormap([PASSIVE, ACTIVE])  # False -> passive, True -> active


def _axes(ax):
    return plt.subplots()[1] if ax is None else ax


def _grid(xlim, ylim, n):
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, np.stack([X.ravel(), Y.ravel()], axis=-1)


def _apply(fn: Callable, points, batched: bool) -> np.ndarray:
    points = jnp.asarray(points)
    return np.asarray(fn(points) if batched else jax.vmap(fn)(points))


def jacobian_heatmap(J, *, mask=None, ax=None, sort_by_mask: bool = False, tol: float = 0.0,
                     annotate: bool | None = None, title: str = r"Jacobian $|\partial z_i/\partial x_j|$",
                     colorbar: bool = True):
    """Heatmap of ``|J|`` with exact zeros shown blank (``ZERO``) so sparsity is visible.

    With a boolean ``mask`` (True = active) the tick labels are coloured passive/active;
    ``sort_by_mask=True`` reorders coordinates passive-first, so a coupling's Jacobian
    shows its block-triangular form and the zero block (passive outputs x active inputs)
    is outlined. Entries with ``|J| <= tol`` count as zero.
    """
    J = np.abs(np.asarray(J, dtype=float))
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"jacobian_heatmap expects a square matrix, got shape {J.shape}.")
    d = J.shape[0]
    order = np.arange(d)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool).ravel()
        if mask.shape != (d,):
            raise ValueError(f"mask must have {d} entries (one per coordinate), got {mask.size}.")
        if sort_by_mask:
            order = np.concatenate([np.flatnonzero(~mask), np.flatnonzero(mask)])
    J = J[np.ix_(order, order)]
    ax = _axes(ax)
    cmap = plt.get_cmap(DENSITY_CMAP).with_extremes(bad=ZERO)
    image = ax.imshow(np.ma.masked_where(J <= tol, J), cmap=cmap, vmin=0.0,
                      vmax=max(float(J.max()), 1e-12))
    if annotate if annotate is not None else d <= 6:
        vmax = max(float(J.max()), 1e-12)
        for i in range(d):
            for j in range(d):
                zero, bright = J[i, j] <= tol, J[i, j] > 0.6 * vmax  # dark text on yellow cells
                ax.text(j, i, "0" if zero else f"{J[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="0.45" if zero else ("0.1" if bright else "white"))
    ax.set_xticks(range(d), [f"$x_{{{k}}}$" for k in order])
    ax.set_yticks(range(d), [f"$z_{{{k}}}$" for k in order])
    if mask is not None:
        roles = mask[order]
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            for label, active in zip(labels, roles):
                label.set_color(ACTIVE if active else PASSIVE)
                label.set_fontweight("bold")
        n_passive = int((~mask).sum())
        if sort_by_mask and 0 < n_passive < d:  # rows: passive outputs, columns: active inputs
            ax.add_patch(Rectangle((n_passive - 0.5, -0.5), d - n_passive, n_passive, fill=False,
                                   ec=ACCENT, lw=2, ls="--", label="zero block"))
        handles = [Patch(color=PASSIVE, label="passive"), Patch(color=ACTIVE, label="active")]
        if sort_by_mask and 0 < n_passive < d:
            handles.append(Patch(fill=False, ec=ACCENT, ls="--", label="zero block"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3,
                  frameon=False, fontsize=9)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title(title)
    ax.order = order  # the displayed coordinate order, for callers and tests
    return ax


def warped_grid(fn: Callable, *, xlim=(-3, 3), ylim=(-3, 3), n_lines: int = 13,
                n_points: int = 120, ax=None, color_by_log_det: bool = False, batched: bool = False,
                color=NEUTRAL, title: str | None = None, colorbar: bool = True):
    """Draw the image of a square grid under a 2-D map ``fn``.

    With ``color_by_log_det=True`` each warped cell is filled by the local volume change
    ``log|det J_fn|`` at its centre (autodiff ``jax.jacfwd``; diverging colours: red
    stretches space, blue squeezes it, white keeps volume).
    """
    ax = _axes(ax)
    t = np.linspace(0.0, 1.0, n_points)
    for value in np.linspace(*xlim, n_lines):  # vertical then horizontal lines
        line = np.stack([np.full_like(t, value), ylim[0] + t * (ylim[1] - ylim[0])], -1)
        out = _apply(fn, line, batched)
        ax.plot(out[:, 0], out[:, 1], color=color, lw=1.0, zorder=2)
    for value in np.linspace(*ylim, n_lines):
        line = np.stack([xlim[0] + t * (xlim[1] - xlim[0]), np.full_like(t, value)], -1)
        out = _apply(fn, line, batched)
        ax.plot(out[:, 0], out[:, 1], color=color, lw=1.0, zorder=2)
    if color_by_log_det:
        X, Y, corners = _grid(xlim, ylim, n_lines)
        warped = _apply(fn, corners, batched).reshape(n_lines, n_lines, 2)
        C = corners.reshape(n_lines, n_lines, 2)
        centres = 0.25 * (C[:-1, :-1] + C[1:, 1:] + C[:-1, 1:] + C[1:, :-1])
        one_point = (lambda p: fn(p[None])[0]) if batched else fn
        log_det = np.asarray(jax.vmap(lambda p: jnp.linalg.slogdet(jax.jacfwd(one_point)(p))[1])(
            jnp.asarray(centres.reshape(-1, 2)))).reshape(n_lines - 1, n_lines - 1)
        bound = max(float(np.abs(log_det).max()), 1e-3)
        mesh = ax.pcolormesh(warped[..., 0], warped[..., 1], log_det, cmap=SIGNED_CMAP, shading="flat",
                             norm=TwoSlopeNorm(0.0, -bound, bound), alpha=0.85, zorder=1)
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label=r"$\log|\det J|$")
    return style_ax(ax, title, grid=False, equal=True, legend=False)


def density_panel(log_prob: Callable, *, xlim=(-4, 4), ylim=(-4, 4), n: int = 120, ax=None,
                  log: bool = False, batched: bool = False, cmap=DENSITY_CMAP,
                  title: str | None = None, colorbar: bool = False):
    """Image of ``exp(log_prob)`` (or of ``log_prob`` itself with ``log=True``) on a grid."""
    X, Y, points = _grid(xlim, ylim, n)
    values = _apply(log_prob, points, batched).reshape(n, n)
    if not np.all(np.isfinite(values) | (values == -np.inf)):
        raise ValueError("log_prob returned NaN or +inf on the plotting grid.")
    shown = values if log else np.exp(values)
    if log:  # -inf (outside the support) would wreck the colour scale
        shown = np.where(np.isfinite(shown), shown, np.nan)
    ax = _axes(ax)
    image = ax.imshow(shown, origin="lower", extent=(*xlim, *ylim), cmap=cmap, aspect="equal")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                           label=r"$\log p$" if log else r"$p$")
    return style_ax(ax, title, grid=False, equal=True, legend=False)


def samples_panel(samples, *, ax=None, color=DATA, s: float = 4.0, alpha: float = 0.5,
                  label: str | None = None, lim=None, max_points: int = 5000,
                  title: str | None = None):
    """Scatter of 2-D samples (at most ``max_points`` of them, to keep frames light)."""
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"samples_panel expects an array of shape (n, 2), got {samples.shape}.")
    samples = samples[:max_points]
    ax = _axes(ax)
    ax.scatter(samples[:, 0], samples[:, 1], s=s, alpha=alpha, color=color, label=label,
               linewidths=0, rasterized=True)
    if lim is not None:
        ax.set_xlim(*lim)
        ax.set_ylim(*lim)
    return style_ax(ax, title, equal=True)


def map_1d_panel(fns: Callable | Mapping[str, Callable], *, xlim=(-4, 4), n: int = 400, axes=None,
                 derivative: bool = True, identity: bool = True):
    """Plot 1-D maps ``y = T(x)`` and, on a second axis, their derivatives ``T'(x)``.

    ``fns`` is one scalar function or ``{label: function}``; derivatives come from
    ``jax.grad``. Returns ``(map_ax, derivative_ax)`` (the second is None without it).
    """
    fns = {"T": fns} if callable(fns) else dict(fns)
    if axes is None:
        axes = plt.subplots(1, 2 if derivative else 1, figsize=(9.6, 3.6))[1]
    axes = list(np.atleast_1d(axes))
    x = jnp.linspace(*xlim, n)
    if identity:
        axes[0].plot(x, x, color="0.75", lw=1, ls=":", label="identity")
    for (label, fn), colour in zip(fns.items(), CYCLE):
        axes[0].plot(x, np.asarray(jax.vmap(fn)(x)), color=colour, label=label)
        if derivative:
            axes[1].plot(x, np.asarray(jax.vmap(jax.grad(fn))(x)), color=colour, label=label)
    style_ax(axes[0], "map", "$x$", "$T(x)$")
    if derivative:
        axes[1].axhline(0.0, color="0.6", lw=0.8)
        style_ax(axes[1], "derivative", "$x$", "$T'(x)$")
        return axes[0], axes[1]
    return axes[0], None


def gaussian_curve(ax, lim=(-4, 4), n: int = 300, **kwargs):
    """Overlay the standard normal density with the book's ``GAUSS_KW`` look."""
    x = np.linspace(*lim, n)
    ax.plot(x, np.exp(-0.5 * x**2) / np.sqrt(2 * np.pi), **{**GAUSS_KW, **kwargs})
    return ax


def mask_panel(mask, *, ax=None, title: str | None = "mask", show_index: bool = True):
    """A vector (``(d,)``) or image (``(h, w)``) mask as cells: orange active, blue passive."""
    mask = np.asarray(mask)
    if mask.ndim not in (1, 2) or not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"mask_panel expects a boolean vector or image, got shape {mask.shape}.")
    grid = np.atleast_2d(mask.astype(bool))
    ax = _axes(ax)
    ax.imshow(grid, cmap=ROLE_CMAP, vmin=0, vmax=1)
    h, w = grid.shape
    ax.set_xticks(np.arange(w + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(h + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks([])
    ax.set_yticks([])
    if show_index and grid.size <= 64:
        for k in range(grid.size):
            ax.text(k % w, k // w, str(k), ha="center", va="center", color="white", fontsize=9)
    ax.legend(handles=[Patch(color=PASSIVE, label="passive"), Patch(color=ACTIVE, label="active")],
              loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, frameon=False)
    if title:
        ax.set_title(title)
    return ax


def coverage_panel(masks, *, ax=None, title: str | None = "coverage after each layer"):
    """Layers x coordinates: each cell coloured by its role in that layer, with the running
    count of coordinates transformed and used as context written beside each row."""
    stack = np.asarray([np.asarray(m, dtype=bool).ravel() for m in masks])
    if stack.ndim != 2 or stack.shape[0] == 0:
        raise ValueError("coverage_panel expects a non-empty list of masks of equal size.")
    transformed, context = coverage(stack)  # gf.masks.coverage: the one implementation
    n_layers, d = stack.shape
    ax = _axes(ax)
    ax.imshow(stack, cmap=ROLE_CMAP, vmin=0, vmax=1, aspect="auto")
    for layer in range(n_layers):
        done = transformed[layer].all() and context[layer].all()
        ax.text(d - 0.3, layer, f"  transformed {transformed[layer].sum()}/{d}, "
                f"context {context[layer].sum()}/{d}" + ("  \u2713" if done else ""),
                va="center", fontsize=9, color="0.15")
    ax.set_xticks(range(d))
    ax.set_yticks(range(n_layers), [f"layer {k + 1}" for k in range(n_layers)])
    ax.set_xticks(np.arange(d + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_layers + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("coordinate")
    ax.set_xlim(-0.5, d - 0.5)
    if title:
        ax.set_title(title)
    return ax


def estimates_panel(estimates: Mapping[str, np.ndarray], exact: float, *, ax=None,
                    colors=(ACCENT, PASSIVE, ACTIVE), title: str | None = None, ylabel: str = "nats"):
    """Estimates over seeds against the exact value: one column of dots per estimator, its mean
    ± 2 standard errors beside it, the exact value dashed. Returns ``(ax, {name: (mean, se)})``,
    ``se = std(ddof=1) / sqrt(seeds)``, so a readout can print what the picture shows."""
    ax = _axes(ax)
    stats = {}
    for position, ((name, values), colour) in enumerate(zip(estimates.items(), colors)):
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or values.size < 2:
            raise ValueError(f"estimates_panel needs at least 2 estimates per estimator; {name!r} has shape "
                             f"{values.shape}.")
        mean, se = float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))
        stats[name] = (mean, se)
        ax.plot(position + np.linspace(-0.08, 0.08, values.size), values, "o", color=colour, alpha=0.6, ms=5)
        ax.errorbar(position + 0.25, mean, yerr=2 * se, fmt="s", color=colour, capsize=4, ms=6)
    ax.axhline(exact, color="0.2", lw=1.2, ls="--", label=f"exact: {exact:.3f}")
    ax.set_xticks(range(len(stats)), [f"{name}\n(seeds, mean ± 2 SE)" for name in stats])
    ax.set_xlim(-0.5, len(stats) - 0.3)
    ax.legend(loc="upper right")
    style_ax(ax, title, None, ylabel)
    return ax, stats


def estimates_frame(estimates: Mapping[str, np.ndarray], exact: float, *, heading: str, title: str,
                    ylabel: str):
    """An explorer frame of :func:`estimates_panel`: a fixed-size figure with the one panel, and
    its readout ``"{heading}; {name}: {mean} ± {se} (bias {mean - exact}); ..."``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE["single"], layout="none")
    ax = fig.add_axes((0.14, 0.18, 0.82, 0.7))
    _, stats = estimates_panel(estimates, exact, ax=ax, ylabel=ylabel, title=title)
    lines = [heading] + [f"{name}: {mean:.3f} ± {se:.3f} (bias {mean - exact:+.3f})" for name, (mean, se) in stats.items()]
    return fig, "; ".join(lines)
