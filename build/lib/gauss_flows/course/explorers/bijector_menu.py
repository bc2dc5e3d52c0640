"""Explorer of Part 5 · 01, the bijector menu: affine, mixture-CDF, deep sigmoid, RQ spline.

A coupling's conditioner chooses the parameters :math:`\\theta` of a scalar transformer
:math:`\\tau(\\cdot;\\theta)` for every active coordinate. What the layer can express is what
the family :math:`\\{\\tau(\\cdot;\\theta)\\}_\\theta` contains. The explorer draws that family:
random parameter vectors :math:`\\theta = \\theta_0 + \\sigma\\varepsilon` around the template
:math:`\\theta_0` (the same standard normal :math:`\\varepsilon` for every spread :math:`\\sigma`;
one row of ``NOISE_SIZE`` normals per draw, cut into the template's parameter leaves, so one
compiled random-number program serves all four transformers), and shows

1. the maps :math:`x \\mapsto \\tau(x;\\theta)`;
2. their derivatives :math:`\\tau'(x;\\theta) = \\exp(\\log\\text{-det})`, on a log axis;
3. the density of a small coupling flow built with that transformer and fitted to two moons
   (fitted once per transformer, outside the explorer, and passed in).

The readout counts how many drawn maps, fed a standard normal, give a density with two or
more modes: :math:`p(x) = \\varphi(\\tau(x))\\,\\tau'(x)`. For an affine :math:`\\tau` that density
is always a Gaussian, so the count is always zero (Dinh et al. 2017); the other three can
split one mode into several (Ho et al. 2019, Huang et al. 2018, Durkan et al. 2019).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from matplotlib.figure import Figure

import gauss_flows as gf
from gauss_flows.presentation.viz import density_panel
from gauss_flows.presentation.widgets import Dropdown, Explorer, Slider
from gauss_flows.presentation.style import CYCLE, NEUTRAL, style_ax

#: The scalar transformers of the menu (templates of shape ()), built with their defaults.
TRANSFORMERS = {
    "affine": lambda: gf.Affine(),
    "mixture-CDF": lambda: gf.MixtureGaussianCDF(n_components=8),
    "deep sigmoid": lambda: gf.DeepSigmoid(n_hidden=8),
    "RQ spline": lambda: gf.RationalQuadraticSpline(knots=8, interval=4.0),
}
SPREADS = (0.5, 2.5)  # standard deviation of the parameter noise, on the explorer's slider
N_DRAWS = 5  # maps drawn in the explorer
N_FAMILY = 200  # draws behind the statistics (and the first N_DRAWS of them are drawn)
NOISE_SIZE = 32  # >= the parameters of every template: one noise program for the whole menu
N_POINTS = 601  # same length for both ranges: one compilation per transformer
RANGES = {False: 4.0, True: 30.0}  # half-width of the x axis: body / tails
DENSITY_XLIM, DENSITY_YLIM, DENSITY_N = (-2.0, 2.0), (-1.5, 1.5), 100
FIGSIZE = (13.0, 4.0)


def template(name: str) -> gf.Bijector:
    """The scalar template ``name`` of the menu (ValueError naming the menu otherwise)."""
    if name not in TRANSFORMERS:
        raise ValueError(f"transformer must be one of {list(TRANSFORMERS)}, got {name!r}.")
    return TRANSFORMERS[name]()


def draws(name: str, spread: float, n: int = N_DRAWS, *, seed: int = 0) -> list[gf.Bijector]:
    """``n`` transformers with parameters ``template + spread * noise`` (noise fixed by ``seed``):
    with ``seed=0`` the first ``n`` draws behind :func:`family`."""
    if not spread >= 0:
        raise ValueError(f"spread must be a non-negative number, got {spread}.")
    base = template(name)
    rows = _noise(jr.split(jr.key(seed), max(n, N_FAMILY)))[:n]
    return [_moved(base, row, float(spread)) for row in rows]


@jax.jit
def _noise(keys):
    """One row of ``NOISE_SIZE`` standard normals per key: the same program (and the same
    compilation) for every transformer, whatever the shapes of its parameters."""
    return jax.vmap(lambda key: jr.normal(key, (NOISE_SIZE,)))(keys)


def _moved(base: gf.Bijector, noise, spread):
    """``base`` with its trainable leaves moved by ``spread`` times consecutive slices of the
    row ``noise`` (leaf order of ``split_trainable``)."""
    params, static = gf.split_trainable(base)
    leaves, treedef = jax.tree_util.tree_flatten(params)
    ends = np.cumsum([leaf.size for leaf in leaves])
    if ends[-1] > NOISE_SIZE:
        raise ValueError(f"{type(base).__name__} has {ends[-1]} parameters; the noise rows have "
                         f"NOISE_SIZE = {NOISE_SIZE}.")
    moved = [leaf + spread * noise[end - leaf.size:end].reshape(leaf.shape).astype(leaf.dtype)
             for leaf, end in zip(leaves, ends)]
    return eqx.combine(jax.tree_util.tree_unflatten(treedef, moved), static)


@eqx.filter_jit
def _family_curves(base: gf.Bijector, noise, spread, x):
    """``tau(x)`` and ``log tau'(x)`` for every draw ``_moved(base, row, spread)`` (a row of
    ``noise`` per draw), shape ``(n_draws, n_points)``; one compilation per transformer and
    number of draws, with no random-number generation inside."""
    def one(row):
        return jax.vmap(_moved(base, row, spread).transform_and_log_det)(x)

    return jax.vmap(one)(noise)


def count_modes(log_density, prominence: float = 0.05) -> int:
    """Number of modes of a density sampled on a grid (given as its log, up to a constant).

    A mode is a local maximum that stands out by at least ``prominence`` times the highest
    value (``scipy.signal.find_peaks``), so that ripples of a spline's derivative do not count.
    """
    from scipy.signal import find_peaks

    p = np.exp(np.asarray(log_density) - np.max(log_density))
    # pad with zeros so that a maximum at the edge of the grid counts too
    peaks, _ = find_peaks(np.concatenate([[0.0], p, [0.0]]), prominence=prominence)
    return len(peaks)


@lru_cache(maxsize=None)
def family(name: str, spread: float, tails: bool = False, n: int = N_FAMILY) -> dict[str, np.ndarray]:
    """``n`` drawn maps on the chosen range: x, tau(x), log tau'(x) (rows: draws), and the
    number of modes of phi(tau(x)) tau'(x) per draw (counted on the body range |x| <= 4).

    All ranges and spreads share one compilation per transformer (same shapes)."""
    if not spread >= 0:
        raise ValueError(f"spread must be a non-negative number, got {spread}.")
    x = jnp.linspace(-RANGES[tails], RANGES[tails], N_POINTS)
    noise = _noise(jr.split(jr.key(0), max(n, N_FAMILY)))[:n]  # the same draws as ``draws``
    ys, log_slopes = (np.asarray(a) for a in _family_curves(template(name), noise, jnp.asarray(float(spread)), x))
    modes = [count_modes(-0.5 * y**2 + log_slope) for y, log_slope in zip(ys, log_slopes)]
    if not np.all(np.isfinite(ys)) or not np.all(np.isfinite(log_slopes)):
        raise ValueError(f"{name}: a drawn map is not finite on [-{RANGES[tails]:g}, {RANGES[tails]:g}].")
    if tails:  # count modes where they live, on the finer grid of the body
        modes = family(name, spread, False, n)["modes"]
    return {"x": np.asarray(x), "y": ys, "log_slope": log_slopes, "modes": np.asarray(modes)}


class _FittedDensities:
    """Log-density grids of the fitted flows, computed on first use and kept."""

    def __init__(self, flows: Mapping[str, gf.Transformed]):
        self.flows = dict(flows)
        self.grids: dict[str, np.ndarray] = {}

    def log_prob(self, name: str):
        """A batched log-density for ``density_panel`` that evaluates the flow once."""
        def cached(points):
            if name not in self.grids:
                self.grids[name] = np.asarray(gf.jit_log_prob(self.flows[name], jnp.asarray(points)))
            return self.grids[name]
        return cached


def _maps_panels(ax_map, ax_slope, numbers, name, spread):
    x = numbers["x"]
    ax_map.plot(x, x, color="0.75", lw=1, ls=":", label="identity")
    for y, log_slope, colour in zip(numbers["y"][:N_DRAWS], numbers["log_slope"][:N_DRAWS], CYCLE):
        ax_map.plot(x, y, color=colour, lw=1.6)
        ax_slope.plot(x, np.exp(log_slope), color=colour, lw=1.6)
    if name == "RQ spline":  # where the spline acts; identity outside
        for ax in (ax_map, ax_slope):
            for edge in (-4.0, 4.0):
                ax.axvline(edge, color=NEUTRAL, lw=0.8, ls="--")
    ax_slope.set_yscale("log")
    ax_slope.axhline(1.0, color="0.75", lw=1, ls=":")
    style_ax(ax_map, f"{name}: {N_DRAWS} draws, spread {spread:g}", "$x$",
             r"$\tau(x;\theta)$", legend=False)
    style_ax(ax_slope, "derivatives (log axis)", "$x$", r"$\tau'(x;\theta)$", legend=False)


def bijector_menu_explorer(flows: Mapping[str, gf.Transformed],
                           kl: Mapping[str, tuple[float, float]] | None = None) -> Explorer:
    """Transformer dropdown and parameter-spread slider: 4 x 2 = 8 states.

    Args:
        flows: ``{menu name: fitted 2-D flow}``; a name of the menu without a flow shows a
            message instead of a picture.
        kl: optional ``{menu name: (KL, standard error)}`` of each flow to the data, printed.
    """
    unknown = set(flows) - set(TRANSFORMERS)
    if unknown:
        raise ValueError(f"flows has names outside the menu {list(TRANSFORMERS)}: {sorted(unknown)}.")
    densities, kl = _FittedDensities(flows), dict(kl or {})

    def render(transformer, spread):
        if transformer not in flows:
            raise ValueError(f"No fitted flow was given for {transformer!r}: fit one and pass it "
                             "in flows={...}.")
        numbers = family(transformer, float(spread))
        fig = Figure(figsize=FIGSIZE, facecolor="white", layout="constrained")
        ax_map, ax_slope, ax_density = fig.subplots(1, 3)
        _maps_panels(ax_map, ax_slope, numbers, transformer, spread)
        density_panel(densities.log_prob(transformer), xlim=DENSITY_XLIM, ylim=DENSITY_YLIM,
                      n=DENSITY_N, batched=True, ax=ax_density,
                      title=f"coupling flow with {transformer}, fitted")
        per_coordinate = gf.count_parameters(template(transformer))
        readout = [f"{transformer}: {per_coordinate} parameters per active coordinate; the fitted "
                   f"flow has {gf.count_parameters(flows[transformer])} in all."]
        if transformer in kl:
            value, error = kl[transformer]
            readout.append(f"KL(two moons || flow) = {value:.3f} ± {error:.3f} nats.")
        modes = numbers["modes"]
        readout.append(f"Fed N(0, 1), the drawn maps give densities with {', '.join(map(str, modes[:N_DRAWS]))} "
                       f"modes; over {len(modes)} draws at this spread, {np.mean(modes >= 2):.0%} are "
                       "bimodal or more.")
        return fig, "\n".join(readout)

    controls = {
        "transformer": Dropdown("transformer", list(TRANSFORMERS)),
        "spread": Slider("parameter spread σ", list(SPREADS), default=1.0),
    }
    return Explorer(render, controls, title="The bijector menu: one family of maps per transformer",
                    max_states=60)
