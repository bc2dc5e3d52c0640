"""Explorer of Part 0 · 02: which direction of a layer is cheap, and what each direction is for.

A flow :math:`p(x) = \\mathcal N(T(x))\\,\\lvert\\det \\partial T/\\partial x\\rvert` uses
``transform`` (data -> latent, :math:`T`) to evaluate densities and ``inverse``
(:math:`T^{-1}`) to sample, :math:`x = T^{-1}(z)`, :math:`z \\sim \\mathcal N(0, I)`
(Papamakarios et al. 2021, sec. 2.1). For an affine map or an affine coupling layer both
directions are closed formulas. A mixture-Gaussian CDF or a deep sigmoid has no formula for
its inverse: ``inverse`` solves :math:`T(x) = z` coordinate by coordinate with
:func:`gauss_flows.numerics.solve_monotone` (safeguarded Newton), which evaluates the layer
many times. So with these layers sampling costs a multiple of density evaluation.

:func:`measure_costs` times both directions ONCE per layer (compiled, 1 000 points, fastest
of a few runs) and counts the solver's sweeps; the explorer only draws those numbers next to
the layer's 1-D map and, on request, its inverse.
"""

from __future__ import annotations

import time
from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import batched
from gauss_flows.bijectors.monotone import MonotoneElementwise
from gauss_flows.numerics import solve_monotone
from gauss_flows.course.examples import forward_vs_inverse_layers as example_layers
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Toggle

#: Batch size of the timings and of the curves.
N_POINTS = 1_000
#: Timed runs per direction (the fastest is reported: on a shared machine, the least disturbed).
N_RUNS = 3
#: The value of the passive coordinate x₁ while the map of x₂ is drawn.
PASSIVE_VALUE = 0.5
#: The choice that is not a layer (shown as a message).
NOT_INVERTIBLE = "x ↦ x² (not monotone)"


#: What ``log_prob`` needs for a batch: ``(T(x), log|det|)``, data -> latent.
density_direction = batched.transform_and_log_det
#: What ``sample`` needs for a batch of latent draws: ``(T⁻¹(z), log|det|)``.
sampling_direction = batched.inverse_and_log_det


def _fastest_seconds(function, *args) -> float:
    jax.block_until_ready(function(*args))  # compile first, outside the timing
    times = []
    for _ in range(N_RUNS):
        start = time.perf_counter()
        jax.block_until_ready(function(*args))
        times.append(time.perf_counter() - start)
    return float(np.min(times))


def solver_sweeps(bijector: MonotoneElementwise, z) -> int:
    """How many times ``solve_monotone`` evaluates the layer to invert the batch ``z`` (n, 2).

    The solver runs on the whole batch at once until every point has converged, so this is
    the number of full passes over the batch (a host callback counts them). Returns 0 for a
    layer with a closed-form inverse.
    """
    if not isinstance(bijector, MonotoneElementwise):
        return 0
    calls = []

    def value_and_slope(x):
        jax.debug.callback(lambda: calls.append(1))
        value, log_slope = bijector._forward_elementwise(x)
        return value, jnp.exp(log_slope)

    jax.block_until_ready(jax.jit(lambda t: solve_monotone(value_and_slope, t,
                                                           has_derivative=True))(z))
    return len(calls) - 1  # the last call is the gradient correction at the solution


@lru_cache(maxsize=1)
def measure_costs() -> dict:
    """Time both directions of every layer once; ``{name: {...}}`` with seconds and curves.

    Entries: ``density_s``, ``sampling_s`` (fastest of ``N_RUNS`` runs, seconds, ``N_POINTS`` points),
    ``sweeps`` (solver passes, 0 if closed form), ``x``/``z_of_x`` (the map of coordinate 2 at
    x₁ = ``PASSIVE_VALUE``), ``z``/``x_of_z`` (its inverse, computed by ``inverse``),
    ``round_trip`` = max |T(T⁻¹(z)) − z| and ``log_p_gap``, the largest difference between
    log p of the samples from the sampling direction and from the density direction.
    """
    z = jr.normal(jr.key(0), (N_POINTS, 2))
    grid = np.linspace(-4.0, 4.0, N_POINTS)
    line = jnp.stack([jnp.full(N_POINTS, PASSIVE_VALUE), jnp.asarray(grid)], -1)
    results = {}
    for name, layer in example_layers().items():
        density_s = _fastest_seconds(density_direction, layer, z)
        sampling_s = _fastest_seconds(sampling_direction, layer, z)
        z_of_x = np.asarray(density_direction(layer, line)[0][:, 1])
        x_of_z = np.asarray(sampling_direction(layer, line)[0][:, 1])
        x, inverse_log_det = sampling_direction(layer, z)    # samples ...
        z_back, log_det = density_direction(layer, x)        # ... mapped back to the latent draws
        log_normal = lambda v: -0.5 * jnp.sum(v**2, -1) - jnp.log(2 * jnp.pi)
        log_p_sampling = log_normal(z) - inverse_log_det     # log p from the sampling direction
        log_p_density = log_normal(z_back) + log_det         # log p from the density direction
        results[name] = dict(density_s=density_s, sampling_s=sampling_s,
                             sweeps=solver_sweeps(layer, z), x=grid, z_of_x=z_of_x,
                             z=grid, x_of_z=x_of_z,
                             round_trip=float(jnp.abs(z_back - z).max()),
                             log_p_gap=float(jnp.abs(log_p_sampling - log_p_density).max()))
    return results


def _render(layer: str, inverse: bool):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, NEUTRAL, PASSIVE, style_ax

    if layer == NOT_INVERTIBLE:
        raise ValueError(
            "x ↦ x² sends x and −x to the same value, so it has no inverse: a sample z has two "
            "preimages and the change of variables breaks (its derivative is 0 at x = 0, so "
            "log|det| = −∞ there). A flow layer must be strictly monotone in each transformed "
            "coordinate. Pick one of the four layers.")
    costs = measure_costs()
    cost = costs[layer]
    slowest = max(max(c["density_s"], c["sampling_s"]) for c in costs.values()) * 1e3

    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    ax_map = fig.add_axes((0.07, 0.14, 0.36, 0.74))
    ax_bars = fig.add_axes((0.58, 0.14, 0.39, 0.74))
    ax_map.plot([-4, 4], [-4, 4], color="0.8", lw=1, ls=":")
    ax_map.plot(cost["x"], cost["z_of_x"], color=PASSIVE, label="transform T (density)")
    if inverse:
        ax_map.plot(cost["z"], cost["x_of_z"], color=ACCENT, ls="--",
                    label="inverse T⁻¹ (sampling)")
    ax_map.set_xlim(-4, 4)
    ax_map.set_ylim(-4, 4)
    style_ax(ax_map, f"{layer}: coordinate 2 at x₁ = {PASSIVE_VALUE:g}", "input", "output")
    ax_map.legend(loc="upper left", fontsize=9)

    times = [cost["density_s"] * 1e3, cost["sampling_s"] * 1e3]
    ax_bars.barh([1, 0], times, color=[PASSIVE, MODEL], height=0.55, zorder=2)
    for y, t in zip([1, 0], times):
        ax_bars.text(t + 0.01 * slowest, y, f"{t:.2f} ms", va="center", fontsize=10)
    ax_bars.set_yticks([1, 0], ["log_prob\n(transform)", "sample\n(inverse)"])
    ax_bars.set_xlim(0, 1.3 * slowest)
    style_ax(ax_bars, f"time for {N_POINTS:,} points (fastest of {N_RUNS})", "milliseconds")
    ratio = cost["sampling_s"] / cost["density_s"]
    how = (f"inverse solved numerically: {cost['sweeps']} solver passes over the batch"
           if cost["sweeps"] else "inverse in closed form")
    ax_bars.text(0.98, 0.04, f"sample / log_prob = {ratio:.1f}×\n{how}", transform=ax_bars.transAxes,
                 ha="right", va="bottom", fontsize=9.5, color=NEUTRAL)
    readout = (f"{layer}: log_prob direction {times[0]:.2f} ms, sampling direction {times[1]:.2f} ms "
               f"for {N_POINTS:,} points (ratio {ratio:.1f}); {how}; "
               f"max round-trip error |T(T⁻¹(z)) − z| = {cost['round_trip']:.1e}")
    return fig, readout


def cost_explorer(**kwargs) -> Explorer:
    """A dropdown of layers (plus one that is not invertible) and an inverse toggle: 10 states.

    The timings are measured once, by :func:`measure_costs`, when the explorer is built.
    """
    measure_costs()
    names = list(example_layers()) + [NOT_INVERTIBLE]
    controls = {"layer": Dropdown("layer", names, default=names[2]),
                "inverse": Toggle("show the inverse", default=True)}
    return Explorer(_render, controls, title="density uses transform, sampling uses inverse",
                    **kwargs)


def cost_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`cost_explorer`."""
    costs = measure_costs()
    mixture = costs["mixture-CDF (elementwise)"]
    coupling = costs["affine coupling"]
    return Prediction(
        "For the mixture-CDF layer, how does the cost of drawing 1 000 samples compare with "
        "evaluating log p at 1 000 points?",
        ["about the same", "a few times more", "ten times more or worse"],
        answer=("ten times more or worse" if mixture["sampling_s"] > 10 * mixture["density_s"]
                else "a few times more" if mixture["sampling_s"] > 1.5 * mixture["density_s"]
                else "about the same"),
        explanation=f"Measured here: sampling takes {mixture['sampling_s'] / mixture['density_s']:.1f} "
                    f"times as long as log_prob. The inverse has no formula: the solver needed "
                    f"{mixture['sweeps']} passes over the batch, each one evaluation of the layer "
                    f"and its slope. For the affine coupling layer, whose inverse is a formula, "
                    f"the ratio is {coupling['sampling_s'] / coupling['density_s']:.1f}.")
