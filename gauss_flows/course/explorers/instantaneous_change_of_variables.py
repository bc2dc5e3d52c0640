"""Explorer of Part 6 · 01, the instantaneous change of variables: particles, field and density in time.

Particles of :math:`p_0 = \\mathcal N(0, I)` move along a smooth, hand-chosen, time-dependent field

.. math::  f(t, z) = \\begin{pmatrix} a \\tanh(2 z_1) - b z_1 - \\omega t\\, z_2 \\\\
                                      -c z_2 + s \\sin z_1 + \\omega t\\, z_1 \\end{pmatrix},
           \\qquad \\operatorname{tr}\\frac{\\partial f}{\\partial z} = \\frac{2a}{\\cosh^2(2 z_1)} - b - c ,

which pulls the Gaussian apart into two lumps (the :math:`\\tanh` term spreads points away from
:math:`z_1 = 0` and its divergence is positive there), bends them (:math:`\\sin z_1`) and turns
them ever faster (:math:`\\omega t`, which has zero divergence). A fixed field, not a trained one,
because its divergence is known in closed form: the notebook checks the solver's log-det against
it, and the reader can see where the field spreads (density falls) and where it squeezes.

The density along the way follows the instantaneous change of variables (Chen et al. 2018),

.. math::  \\log p_t(z(t)) = \\log p_0(x) - \\int_0^t \\operatorname{tr}\\frac{\\partial f}{\\partial z}(s, z(s))\\, ds ,

computed two ways: forward along each particle (``ContinuousFlow.solve`` integrates :math:`(z, \\ell)`
together) and backward from every point of a grid (:func:`density_until`, the flow up to time
:math:`t` inverted: ``Transformed(StandardNormal, Invert(flow_until(t)))``).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows import jit_log_prob
from gauss_flows.bijectors import ContinuousFlow, Invert
from gauss_flows.distributions import StandardNormal, Transformed
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider, Toggle

__all__ = ["SPREAD", "PULL", "SQUEEZE", "BEND", "TURN", "TIMES", "WINDOW", "RTOL", "ATOL", "field",
           "divergence", "flow_until", "density_until", "along_the_way", "flow_explorer",
           "where_does_density_fall"]

#: The field's constants: a (spread), b and c (pull back in z1 and z2), s (bend), omega (turn rate).
SPREAD, PULL, SQUEEZE, BEND, TURN = 1.2, 0.4, 0.3, 0.8, 0.6
#: The times of the explorer's slider and the window it shows.
TIMES = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5]
WINDOW = (-4.0, 4.0)
#: The solver's tolerances on this page.
RTOL, ATOL = 1e-7, 1e-9
#: One colour scale for every frame's density (it saturates above).
DENSITY_MAX = 0.3


def field(t, z):
    """:math:`f(t, z)`, the velocity of a particle at ``z`` (shape ``(2,)``) at time ``t``."""
    z1, z2 = z[0], z[1]
    turn = TURN * t
    return jnp.stack([SPREAD * jnp.tanh(2.0 * z1) - PULL * z1 - turn * z2,
                      -SQUEEZE * z2 + BEND * jnp.sin(z1) + turn * z1])


def divergence(t, z):
    """:math:`\\operatorname{tr} \\partial f/\\partial z` in closed form (the turn and the bend
    are off the diagonal of the Jacobian, so they do not enter)."""
    return 2.0 * SPREAD / jnp.cosh(2.0 * z[0]) ** 2 - PULL - SQUEEZE


class _UntilTime(eqx.Module):
    """The field on :math:`[0, t]` rescaled to :math:`[0, 1]`: :math:`g(s, z) = t f(ts, z)`, so the
    library's flow from 0 to 1 is the flow of :math:`f` from 0 to :math:`t` (t an array: one compilation)."""

    horizon: jax.Array
    shape: tuple = eqx.field(static=True, default=(2,))

    def __call__(self, s, z):
        return self.horizon * field(self.horizon * s, z)


def flow_until(t) -> ContinuousFlow:
    """The bijector :math:`x = z(0) \\mapsto z(t)` with its exact log-det (``transform`` runs time
    forward, ``inverse`` backward)."""
    return ContinuousFlow(_UntilTime(jnp.asarray(t, jnp.result_type(float))), rtol=RTOL, atol=ATOL)


def density_until(t) -> Transformed:
    """:math:`p_t`, the density of the particles at time ``t``: :math:`\\log p_t(y) = \\log p_0(x) +
    \\log\\lvert\\det \\partial x/\\partial y\\rvert` with :math:`x` found by running the ODE back from ``y``."""
    return Transformed(StandardNormal((2,)), Invert(flow_until(t)))


def along_the_way(x, times=TIMES, *, n_grid: int = 64) -> dict:
    """Particles ``x`` (shape ``(n, 2)``, drawn from :math:`\\mathcal N(0, I)`) carried to each time.

    Returns ``{"times", "particles" (n_times, n, 2), "log_det" (n_times, n): the integral of the
    trace along each path, "log_p" (n_times, n): log p_t at the particles by the forward formula,
    "grid" (n_grid,), "density" (n_times, n_grid, n_grid): p_t on the window by the backward solve,
    "mass" (n_times,): its integral over the window}``.
    """
    x = jnp.asarray(x)
    times_array = jnp.asarray(times, x.dtype)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"along_the_way needs particles of shape (n, 2), but got shape {x.shape}.")
    if times_array.ndim != 1 or float(times_array[0]) != 0.0 or not bool(jnp.all(jnp.diff(times_array) > 0)):
        raise ValueError(f"times must start at 0 and increase, but got {list(times)}.")
    paths, log_det, _ = ContinuousFlow(field, shape=(2,), rtol=RTOL, atol=ATOL).solve_batch(
        x, 0.0, times_array[-1], times=times_array)   # (n, n_times, 2), (n, n_times)
    log_p0 = StandardNormal((2,)).log_prob(x)
    grid = np.linspace(*WINDOW, n_grid)
    X, Y = np.meshgrid(grid, grid)
    points = jnp.asarray(np.stack([X.ravel(), Y.ravel()], -1))
    density = np.stack([np.exp(np.asarray(jit_log_prob(density_until(t), points))).reshape(n_grid, n_grid)
                        for t in times])
    cell = (grid[1] - grid[0]) ** 2
    return {"times": [float(t) for t in times], "particles": np.asarray(jnp.swapaxes(paths, 0, 1)),
            "log_det": np.asarray(log_det.T), "log_p": np.asarray(log_p0[None, :] - log_det.T),
            "grid": grid, "density": density, "mass": density.sum(axis=(1, 2)) * cell}


def _render(t: float, divergence_shown: bool, *, snapshots, max_particles: int):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import DENSITY_CMAP, FIGSIZE, SIGNED_CMAP, style_ax

    k = snapshots["times"].index(t)
    particles, log_p = snapshots["particles"][k][:max_particles], snapshots["log_p"][k][:max_particles]
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    left, right = fig.add_axes((0.03, 0.08, 0.4, 0.8)), fig.add_axes((0.5, 0.08, 0.4, 0.8))
    bar = fig.add_axes((0.89, 0.08, 0.012, 0.8))
    ticks = np.linspace(WINDOW[0] + 0.5, WINDOW[1] - 0.5, 8)
    GX, GY = np.meshgrid(ticks, ticks)
    arrows = np.asarray(jax.vmap(lambda p: field(t, p))(jnp.asarray(np.stack([GX.ravel(), GY.ravel()], -1))))
    if divergence_shown:
        fine = np.linspace(*WINDOW, 80)
        FX, FY = np.meshgrid(fine, fine)
        div = np.asarray(jax.vmap(lambda p: divergence(t, p))(jnp.asarray(np.stack([FX.ravel(), FY.ravel()], -1))))
        bound = 2.0 * SPREAD - PULL - SQUEEZE
        left.imshow(div.reshape(80, 80), origin="lower", extent=(*WINDOW, *WINDOW), cmap=SIGNED_CMAP,
                    vmin=-bound, vmax=bound, alpha=0.6, aspect="equal")
    left.scatter(particles[:, 0], particles[:, 1], s=4, c=log_p, cmap=DENSITY_CMAP, vmin=-6, vmax=-1,
                 linewidths=0, zorder=2)
    left.quiver(GX.ravel(), GY.ravel(), arrows[:, 0], arrows[:, 1], color="0.25", angles="xy",
                scale_units="xy", scale=2.0, width=0.004, zorder=3)
    style_ax(left, "particles (colour: log p_t) and f(t, ·)"
             + ("; red: tr > 0" if divergence_shown else ""), grid=False, equal=True,
             xlim=WINDOW, ylim=WINDOW)
    image = right.imshow(snapshots["density"][k], origin="lower", extent=(*WINDOW, *WINDOW),
                         cmap=DENSITY_CMAP, vmin=0.0, vmax=DENSITY_MAX, aspect="equal")
    style_ax(right, f"density p_t on a grid, t = {t:g}", grid=False, equal=True)
    fig.colorbar(image, cax=bar, label="p_t(z)")
    for ax in (left, right):
        ax.set_xticks([-3, 0, 3])
        ax.set_yticks([-3, 0, 3])
        ax.tick_params(labelsize=9)
    log_det = snapshots["log_det"][k]
    readout = (f"t = {t:g}: mass of p_t on the window {snapshots['mass'][k]:.6f}\n"
               f"log det dz(t)/dx = integral of tr df/dz along each path: from {log_det.min():+.3f} to "
               f"{log_det.max():+.3f} (mean {log_det.mean():+.3f})\n"
               f"log p_t at the particles = log p_0(x) - log det: mean {log_p.mean():.3f} "
               f"(at t = 0: {snapshots['log_p'][0].mean():.3f})")
    return fig, readout


def flow_explorer(snapshots: dict, *, max_particles: int = 3000, **kwargs) -> Explorer:
    """Controls: the time (the snapshots' times) x whether the divergence colours the field panel.

    ``snapshots`` is :func:`along_the_way`'s result (its first ``max_particles`` particles are
    drawn); ``kwargs`` go to ``Explorer`` (e.g. ``dpi``)."""
    missing = {"times", "particles", "log_p", "log_det", "density", "mass"} - set(snapshots)
    if missing:
        raise ValueError(f"flow_explorer needs the result of along_the_way; missing {sorted(missing)}.")
    controls = {"t": Slider("time t", snapshots["times"], default=snapshots["times"][0], fmt="{:g}"),
                "divergence_shown": Toggle("colour by tr df/dz")}

    def render(t, divergence_shown):
        return _render(t, divergence_shown, snapshots=snapshots, max_particles=max_particles)

    return Explorer(render, controls, title="Particles, field and density along the flow", **kwargs)


def where_does_density_fall() -> Prediction:
    """The "predict first" prompt shown before :func:`flow_explorer`."""
    return Prediction(
        "At t = 0 the particles are a standard normal, densest at the origin. The field pushes points "
        "away from the line z₁ = 0 (its divergence is positive there) and pulls them in further out. "
        "As t grows, what happens to the density at the particles that start near the origin?",
        ["it falls: they sit where the flow spreads", "it rises: they are the densest to begin with",
         "it stays the same: particles carry their density with them"],
        answer="it falls: they sit where the flow spreads",
        explanation="Along a path, d log p / dt = -tr df/dz. Near z₁ = 0 the trace is positive, so the "
                    "log-density of the particles there falls, and the middle empties; further out the "
                    "trace is negative and the two lumps get denser. A particle keeps its probability, "
                    "not its density.")
