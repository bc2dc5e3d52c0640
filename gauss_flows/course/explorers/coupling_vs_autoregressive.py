"""Explorer of Part 5 · 08, coupling vs autoregressive layers (MADE, MAF, IAF).

Three layers on vectors of size ``d``: a MAF layer (``gf.MaskedAutoregressive``, Papamakarios
et al. 2017), the IAF layer ``gf.Invert`` of it (Kingma et al. 2016) and an affine coupling
(Dinh et al. 2017). For the chosen direction (density: data -> latent; sampling: latent ->
data) each state shows the Jacobian's non-zero pattern of that direction's map, sorted by the
MAF's order, and the number of conditioner passes the direction needs, COUNTED while it runs:
the conditioner is wrapped in :class:`CountingConditioner`, which reports every call from
inside the compiled loop.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from matplotlib.figure import Figure

import gauss_flows as gf
from gauss_flows.presentation import viz
from gauss_flows.presentation.style import ACCENT, CYCLE, style_ax
from gauss_flows.presentation.widgets import Dropdown, Explorer, Slider

D_VALUES = (2, 4, 8)  # the passes grow with d: three values a factor 2 apart show it (each adds two static states)
DIRECTIONS = ("density", "sampling")
MODELS = ("MAF", "IAF", "coupling")
# every layer here is written data -> latent: a density needs the forward map, a sample the inverse
METHODS = {"density": "transform_and_log_det", "sampling": "inverse"}
FIGSIZE = (12.0, 3.9)


class CountingConditioner(eqx.Module):
    """Calls ``inner`` and adds one to ``counter[0]`` every time it is evaluated (also inside a
    compiled loop, through ``jax.debug.callback``)."""

    inner: Any
    counter: list = eqx.field(static=True)

    def __call__(self, x):
        jax.debug.callback(lambda: self.counter.__setitem__(0, self.counter[0] + 1))
        return self.inner(x)


def _core(layer):
    return layer.bijector if isinstance(layer, gf.Invert) else layer


def count_passes(layer: gf.Bijector, direction: str, x) -> int:
    """Conditioner evaluations of ONE sample in ``direction`` ("density" = ``transform_and_log_det``
    of a MAF or coupling, the inverse for an IAF; "sampling" the other way)."""
    counter = [0]
    core = _core(layer)
    wrapped = eqx.tree_at(lambda b: b.conditioner, core, CountingConditioner(core.conditioner, counter))
    if isinstance(layer, gf.Invert):
        wrapped = gf.Invert(wrapped)
    _check_direction(direction)
    jax.block_until_ready(getattr(wrapped, METHODS[direction])(x))
    jax.effects_barrier()
    return counter[0]


def _check_direction(direction):
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}.")


def make_layers(d: int, key=None, width: int = 32) -> dict[str, gf.Bijector]:
    """The three layers of size ``d`` (perturbed away from the identity), all written data -> latent."""
    key = jr.key(0) if key is None else key
    k_maf, k_coupling, k_perturb = jr.split(key, 3)
    maf = gf.perturb(gf.MaskedAutoregressive(k_maf, shape=(d,), nn_width=width, nn_depth=1), k_perturb, 0.3)
    coupling = gf.perturb(gf.AffineCoupling(k_coupling, shape=(d,), nn_width=width, nn_depth=1), k_perturb, 0.3)
    # the IAF here is the inverse of a MAF: its data -> latent map is the MAF's inverse
    return {"MAF": maf, "IAF": gf.Invert(maf), "coupling": coupling}


def time_direction(layer: gf.Bijector, direction: str, points, repeats: int = 7) -> float:
    """Shortest wall time (seconds) of ``repeats`` compiled, vmapped passes over ``points`` in
    ``direction`` (the minimum: other processes on the machine only ever add time)."""
    _check_direction(direction)
    run = eqx.filter_jit(lambda b, xs: jax.vmap(getattr(b, METHODS[direction]))(xs))
    jax.block_until_ready(run(layer, points))  # compile
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(run(layer, points))
        times.append(time.perf_counter() - start)
    return float(np.min(times))


@lru_cache(maxsize=None)
def _state(d: int, direction: str) -> dict:
    layers = make_layers(d)
    x = jr.normal(jr.key(1), (d,))
    out = {}
    for name, layer in layers.items():
        fn = layer.transform if direction == "density" else layer.inverse
        out[name] = dict(jacobian=np.asarray(jax.jacfwd(fn)(x)), passes=count_passes(layer, direction, x))
    return out


def explorer() -> Explorer:
    """d slider and direction dropdown -> the three Jacobian patterns and the passes they cost."""

    def render(d, direction):
        _check_direction(direction)
        state = _state(int(d), direction)
        fig = Figure(figsize=FIGSIZE, facecolor="white", layout="constrained")
        axes = fig.subplots(1, 4, width_ratios=[1, 1, 1, 1.1])
        for ax, name in zip(axes[:3], MODELS):
            viz.jacobian_heatmap(state[name]["jacobian"], ax=ax, tol=1e-12, annotate=False, colorbar=False,
                                 title=f"{name}, {direction}: {state[name]['passes']} pass"
                                       f"{'es' if state[name]['passes'] != 1 else ''}")
        passes = [state[name]["passes"] for name in MODELS]
        axes[3].bar(MODELS, passes, color=[CYCLE[0], CYCLE[1], CYCLE[2]])
        axes[3].axhline(int(d), color=ACCENT, lw=1, ls="--", label=f"d = {d}")
        axes[3].set_ylim(0, max(D_VALUES) + 1)
        style_ax(axes[3], f"conditioner passes ({direction})", None, "passes per sample")
        readout = (f"d = {d}, {direction}: " + ", ".join(f"{n} {p} pass{'es' if p != 1 else ''}"
                                                         for n, p in zip(MODELS, passes)) + ".")
        return fig, readout

    controls = {
        "d": Slider("d (dimension)", list(D_VALUES), default=4, fmt="{:d}"),
        "direction": Dropdown("direction", list(DIRECTIONS), default="density"),
    }
    return Explorer(render, controls, title="Coupling vs autoregressive: Jacobian pattern and cost",
                    max_states=20)
