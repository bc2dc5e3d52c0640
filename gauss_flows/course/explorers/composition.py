"""Explorer of Part 0 · 01: a chain of four 2-D layers whose log-determinants add.

The normalising map is the composition :math:`T = T_4 \\circ T_3 \\circ T_2 \\circ T_1`
(``gf.Chain``, applied in list order, data -> latent) of

1. ``mixture-CDF``: an elementwise Gaussian-mixture CDF followed by :math:`\\Phi^{-1}`;
2. ``rotation``: two Householder reflections, i.e. a rotation (:math:`\\log|\\det| = 0`);
3. ``coupling``: an affine coupling layer with a small random conditioner;
4. ``affine``: an elementwise scale and shift.

By the chain rule the Jacobian of the composition is the product of the layers' Jacobians,
each evaluated at the point the previous layers produced, so

.. math::  \\log\\lvert\\det \\partial T/\\partial x\\rvert (x)
           = \\sum_k \\log\\lvert\\det \\partial T_k/\\partial x_{k-1}\\rvert (x_{k-1}),
           \\qquad x_0 = x,\\ x_k = T_k(x_{k-1})

(Rezende & Mohamed 2015; Papamakarios et al. 2021, sec. 2.2). The reader switches layers on
and off; the frame shows the flow's density :math:`p(x)`, the data grid carried to the latent
space, and a bar per layer with its log-det at one marked point :math:`x^\\star`, the running
sum, and the log-det of the whole composition from autodiff (``jax.jacfwd`` + ``slogdet``).
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows.bijectors import Chain
from gauss_flows.distributions import StandardNormal
from gauss_flows.course.examples import composition_layers as example_layers
from gauss_flows.presentation.widgets import Explorer, Prediction, Toggle

#: Layer names, in the order the chain applies them (data -> latent).
LAYER_NAMES = ("mixture-CDF", "rotation", "coupling", "affine")
#: The marked data point x*.
X_STAR = np.array([0.6, -0.4])
#: Window of the density panel and of the data grid that is carried to the latent space.
WINDOW = (-3.0, 3.0)
GRID_LIM = (-2.0, 2.0)
#: Fixed vertical range of the bar chart, so that frames can be compared.
BAR_RANGE = (-1.4, 0.9)
DENSITY_N = 64


def _one_point(layers, x, on):
    """``(z, per-layer log-dets)`` at one point; a layer that is off passes ``x`` through.

    Every layer is evaluated and ``on`` (a boolean array, traced) selects: one compiled program
    serves all 16 on/off combinations.
    """
    log_dets = []
    for k, layer in enumerate(layers):
        y, log_det = layer.transform_and_log_det(x)
        x = jnp.where(on[k], y, x)
        log_dets.append(jnp.where(on[k], log_det, 0.0))
    return x, jnp.stack(log_dets)


@lru_cache(maxsize=1)
def _compiled():
    """The layers, the batched chain ``(x, on) -> (z, log_dets)`` and its autodiff log-det.

    Both are compiled once, for batches of ``BATCH`` points (``_padded`` pads to it).
    """
    layers = example_layers()

    def autodiff(x, on):  # the full 2x2 Jacobian of the composed map, never its log-det formulas
        return jnp.linalg.slogdet(jax.jacfwd(lambda p: _one_point(layers, p, on)[0])(x))[1]

    chain = jax.jit(jax.vmap(lambda x, on: _one_point(layers, x, on), in_axes=(0, None)))
    return layers, chain, jax.jit(jax.vmap(autodiff, in_axes=(0, None)))


#: Every batch is padded to this many points (one compiled shape).
BATCH = DENSITY_N**2


def _padded(function, x, on):
    """Apply a function compiled for ``(BATCH, 2)`` to any ``(n, 2)``, chunk by chunk."""
    x = jnp.asarray(x, dtype=float)
    on = jnp.asarray(on, dtype=bool)
    if on.shape != (len(LAYER_NAMES),):
        raise ValueError(f"on must say for each of the {len(LAYER_NAMES)} layers {LAYER_NAMES} "
                         f"whether it is on, got shape {on.shape}.")
    pieces = []
    for start in range(0, x.shape[0], BATCH):
        chunk = x[start:start + BATCH]
        keep = chunk.shape[0]
        out = function(jnp.pad(chunk, ((0, BATCH - keep), (0, 0))), on)
        pieces.append(jax.tree_util.tree_map(lambda a: a[:keep], out))
    return jax.tree_util.tree_map(lambda *a: jnp.concatenate(a), *pieces)


def run_chain(on, x):
    """Push a batch ``x`` (n, 2) through the switched-on layers (``on``: 4 booleans).

    Returns ``(z, log_dets)`` with ``log_dets`` of shape (n, 4): each layer's log-det at the
    point it received (0 for a layer that is off).
    """
    return _padded(_compiled()[1], x, on)


def autodiff_chain_log_det(on, x) -> np.ndarray:
    """log|det| of the whole composition at points ``x`` (n, 2): ``slogdet(jax.jacfwd(T))``."""
    return np.asarray(_padded(_compiled()[2], x, on))


def chain_of(on) -> Chain:
    """The ``gf.Chain`` of the switched-on layers (ValueError if none is on)."""
    layers = _compiled()[0]
    chosen = [layer for is_on, layer in zip(on, layers) if is_on]
    if not chosen:
        raise ValueError(
            "Every layer is off. An empty composition would be the identity map, with log|det| = 0 "
            "and p(x) = N(x; 0, I), but gf.Chain needs at least one layer: switch one on.")
    return Chain(chosen)


def grid_lines(n_lines: int = 11, n_points: int = 40) -> np.ndarray:
    """The lines of a square grid over ``GRID_LIM``², as an array (2 n_lines, n_points, 2)."""
    ticks, t = np.linspace(*GRID_LIM, n_lines), np.linspace(*GRID_LIM, n_points)
    vertical = [np.stack([np.full_like(t, v), t], -1) for v in ticks]
    horizontal = [np.stack([t, np.full_like(t, v)], -1) for v in ticks]
    return np.array(vertical + horizontal)


def _render(mixture: bool, rotation: bool, coupling: bool, affine: bool):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, NEUTRAL, PASSIVE, style_ax

    from gauss_flows.presentation import viz

    on = (mixture, rotation, coupling, affine)
    chain_of(on)  # ValueError when every layer is off: shown as a message
    base = StandardNormal((2,))
    z_star, parts = run_chain(on, X_STAR[None])
    parts = np.asarray(parts[0])
    running = np.cumsum(parts)
    autodiff = float(autodiff_chain_log_det(on, X_STAR[None])[0])

    def log_prob(x):
        z, log_dets = run_chain(on, x)
        return base.log_prob(z) + jnp.sum(log_dets, -1)

    fig = Figure(figsize=FIGSIZE["triple"], layout="none")
    ax_density = fig.add_axes((0.035, 0.12, 0.27, 0.76))
    ax_grid = fig.add_axes((0.36, 0.12, 0.27, 0.76))
    ax_bars = fig.add_axes((0.70, 0.15, 0.29, 0.73))
    viz.density_panel(log_prob, batched=True, xlim=WINDOW, ylim=WINDOW, n=DENSITY_N,
                      ax=ax_density, title="density p(x) of the flow")
    ax_density.images[-1].set_clim(0.0, 0.3)
    ax_density.plot(*X_STAR, "o", color=ACCENT, ms=8, mec="white", zorder=5)
    lines = grid_lines()  # (n_lines, n_points, 2), mapped in one batch
    mapped = np.asarray(run_chain(on, lines.reshape(-1, 2))[0]).reshape(lines.shape)
    for line in mapped:
        ax_grid.plot(line[:, 0], line[:, 1], color=NEUTRAL, lw=1.0)
    style_ax(ax_grid, "the square [−2, 2]² after z = T(x)", grid=False, equal=True, legend=False)
    ax_grid.plot(*np.asarray(z_star[0]), "o", color=ACCENT, ms=8, mec="white", zorder=5)
    ax_grid.set_xlim(-4, 4)
    ax_grid.set_ylim(-4, 4)
    for ax in (ax_density, ax_grid):
        ax.set_xticks([-2, 0, 2])
        ax.set_yticks([-2, 0, 2])
        ax.tick_params(labelsize=9)

    positions = np.arange(len(LAYER_NAMES))
    colours = [PASSIVE if is_on else "0.85" for is_on in on]
    ax_bars.bar(positions, parts, color=colours, width=0.6, zorder=2)
    ax_bars.step(np.append(positions, positions[-1] + 1) - 0.5, np.append(running, running[-1]),
                 where="post", color=NEUTRAL, lw=1.6, label="running sum")
    ax_bars.axhline(autodiff, color=ACCENT, ls="--", lw=1.6,
                    label=f"jacfwd + slogdet of T: {autodiff:+.3f}")
    ax_bars.axhline(0.0, color="0.6", lw=0.8)
    for k, (value, is_on) in enumerate(zip(parts, on)):
        text = f"{value:+.3f}" if is_on else "off"
        ax_bars.text(k, value + (0.05 if value >= 0 else -0.05), text, ha="center",
                     va="bottom" if value >= 0 else "top", fontsize=9, color="0.2")
    ax_bars.set_xticks(positions, ["mixture\nCDF", "rotation", "coupling", "affine"], fontsize=9)
    ax_bars.set_ylim(*BAR_RANGE)
    style_ax(ax_bars, "log|det| of each layer at x*", ylabel="log|det|", legend=False)
    ax_bars.legend(loc="lower left", fontsize=9)

    names = [name for name, is_on in zip(LAYER_NAMES, on) if is_on]
    terms = " + ".join(f"{p:+.4f}" for p, is_on in zip(parts, on) if is_on)
    readout = (
        f"T = {' ∘ '.join(reversed(names))}   (applied right to left: {' → '.join(names)})\n"
        f"at x* = ({X_STAR[0]:g}, {X_STAR[1]:g}): sum of the layers' log-dets = {terms} = "
        f"{running[-1]:+.6f}\n"
        f"jacfwd + slogdet of the whole composition = {autodiff:+.6f}   "
        f"(difference {abs(running[-1] - autodiff):.1e})")
    return fig, readout


def composition_explorer(**kwargs) -> Explorer:
    """Four toggles (one per layer of the chain): 16 states, one of them (all off) a message.

    ``kwargs`` go to :class:`~gauss_flows.presentation.widgets.Explorer` (e.g. ``dpi``).
    """
    controls = {
        "mixture": Toggle("mixture-CDF", default=True),
        "rotation": Toggle("rotation", default=True),
        "coupling": Toggle("coupling", default=True),
        "affine": Toggle("affine", default=True),
    }
    return Explorer(_render, controls, title="T = affine ∘ coupling ∘ rotation ∘ mixture-CDF",
                    **kwargs)


def rotation_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`composition_explorer`."""
    totals = [float(run_chain(on, X_STAR[None])[1].sum()) for on in ((True,) * 4,
                                                                       (True, False, True, True))]
    return Prediction(
        "All four layers are on. The rotation's own log|det| is 0. You switch the rotation off. "
        "What happens to the total log|det| at the marked point x*?",
        ["it stays the same", "it changes"], answer="it changes",
        explanation=f"The total goes from {totals[0]:+.3f} to {totals[1]:+.3f}. The rotation's own "
                    "bar is 0 (it keeps areas), but it changes WHERE the later layers are "
                    "evaluated: without it the coupling layer sees another point, and its "
                    "log-det there is different. A layer with log|det| = 0 still changes the "
                    "density: it changes which point the rest of the chain looks at.")
