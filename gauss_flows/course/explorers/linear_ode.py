"""Explorer of Part 6 · 00, linear ODE flows: a 2x2 generator :math:`A` and a time :math:`t`.

The linear field :math:`\\dot z = A z` moves every point along :math:`z(t) = e^{tA} z(0)`.
The reader picks a named generator (rotation, shear, contraction, spiral, saddle, a rank-one
matrix) and the time, and sees two panels: particles of :math:`\\mathcal N(0, I)` and a square
grid carried by :math:`e^{tA}` (with the paths the particles took and the field as arrows),
and the exact density of the moved Gaussian,

.. math::  z(t) \\sim \\mathcal N\\big(0, \\Sigma_t\\big), \\quad \\Sigma_t = e^{tA} e^{tA^\\top},
           \\qquad \\log p_t(z) = \\log\\mathcal N\\big(e^{-tA} z;\\, 0, I\\big) - t \\operatorname{tr} A .

The readout puts :math:`t \\operatorname{tr} A` (the library's log-det) beside the log-det
computed numerically (``slogdet`` of ``expm``): they agree for every generator, singular ones
included, and a negative time is the inverse flow :math:`e^{-tA}`.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows.bijectors import Invert, LinearODE
from gauss_flows.distributions import StandardNormal, Transformed
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["GENERATORS", "TIMES", "linear_ode_explorer", "shear_prediction", "pushed_density"]

#: The named generators: each shows one thing a linear flow can do.
GENERATORS = {
    "rotation": np.array([[0.0, -1.0], [1.0, 0.0]]),       # tr 0: turns, keeps area
    "shear": np.array([[0.0, 1.0], [0.0, 0.0]]),           # singular (det A = 0), e^{tA} = [[1, t], [0, 1]]
    "contraction": np.array([[-0.3, 0.0], [0.0, -0.3]]),   # tr < 0: every area shrinks
    "spiral": np.array([[-0.15, -1.0], [1.0, -0.15]]),     # a turn and a slow contraction
    "saddle": np.array([[0.5, 0.0], [0.0, -0.5]]),         # stretch one way, squeeze the other: tr 0
    "rank one": np.array([[0.5, -0.2], [0.25, -0.1]]),     # u v^T: singular, yet tr A = 0.4
}
#: The times of the slider (negative: the flow run backwards, its inverse).
TIMES = [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0]
WINDOW = (-4.5, 4.5)
#: One colour scale for every frame (the colour saturates above it).
DENSITY_MAX = 0.55
_N_PARTICLES, _N_PATH, _N_GRID = 400, 40, 72
_PARTICLES = np.random.default_rng(0).standard_normal((_N_PARTICLES, 2))
_RING = 2.0 * np.stack([np.cos(np.linspace(0, 2 * np.pi, 9)[:-1]), np.sin(np.linspace(0, 2 * np.pi, 9)[:-1])], -1)


def pushed_density(generator, time) -> Transformed:
    """The density of :math:`e^{tA} z`, :math:`z \\sim \\mathcal N(0, I)`: the base pushed by the flow.

    ``LinearODE(A, t)`` maps :math:`z \\mapsto e^{tA} z`; as a data -> latent map (the library's
    ``transform``) the data is the pushed point, so the flow is its inverse,
    :math:`e^{-tA}`, with log-det :math:`-t \\operatorname{tr} A`.
    """
    generator = jnp.asarray(generator)
    return Transformed(StandardNormal((generator.shape[0],)), Invert(LinearODE(generator, time)))


@jax.jit
def _state(generator, time):
    """Everything one frame needs, compiled once for every (A, t) of the explorer."""
    flow = LinearODE(generator, time)
    matrix = flow.matrix()
    # the paths of the ring's points from time 0 to t: e^{sA} z0 for s in [0, t]
    paths = jax.vmap(lambda s: LinearODE(generator, s).matrix() @ _RING.T)(jnp.linspace(0.0, 1.0, _N_PATH) * time)
    xs = jnp.linspace(*WINDOW, _N_GRID)
    X, Y = jnp.meshgrid(xs, xs)
    density = jnp.exp(pushed_density(generator, time).log_prob(jnp.stack([X.ravel(), Y.ravel()], -1)))
    _, numerical = jnp.linalg.slogdet(matrix)
    log_det = flow.transform_and_log_det(jnp.zeros(2, matrix.dtype))[1]
    return matrix, paths, density.reshape(_N_GRID, _N_GRID), log_det, numerical


def _render(generator: str, t: float):
    from matplotlib.colors import PowerNorm
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, DENSITY_CMAP, FIGSIZE, NEUTRAL, style_ax

    A = GENERATORS[generator]
    generator_array = jnp.asarray(A)
    # (+ 0.0 turns a -0.0 into 0.0, so the readout never shows "-0.000000")
    matrix, paths, density, log_det, numerical = (
        np.asarray(v) + 0.0 for v in _state(generator_array, jnp.asarray(t, generator_array.dtype)))
    moved = _PARTICLES @ matrix.T

    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    left, right = fig.add_axes((0.04, 0.08, 0.4, 0.8)), fig.add_axes((0.49, 0.08, 0.4, 0.8))
    bar = fig.add_axes((0.88, 0.08, 0.012, 0.8))
    # the field A z as light arrows: the same in every frame of one generator
    ticks = np.linspace(-4, 4, 9)
    GX, GY = np.meshgrid(ticks, ticks)
    field = np.stack([GX.ravel(), GY.ravel()], -1) @ A.T
    left.quiver(GX.ravel(), GY.ravel(), field[:, 0], field[:, 1], color="0.75", angles="xy",
                scale_units="xy", scale=2.5, width=0.004, zorder=1)
    # the square [-2, 2]^2 after e^{tA}: a linear map keeps lines straight, so 2 points a line
    for value in np.linspace(-2, 2, 5):
        for line in (np.array([[value, -2.0], [value, 2.0]]), np.array([[-2.0, value], [2.0, value]])):
            image = line @ matrix.T
            left.plot(image[:, 0], image[:, 1], color=NEUTRAL, lw=1.0, zorder=2)
    left.scatter(moved[:, 0], moved[:, 1], s=4, color=DATA, alpha=0.5, linewidths=0, zorder=3)
    for k in range(paths.shape[2]):
        left.plot(paths[:, 0, k], paths[:, 1, k], color=ACCENT, lw=1.5, zorder=4)
    end = paths[-1]
    left.plot(end[0], end[1], "o", color=ACCENT, ms=5, mec="white", zorder=5)
    style_ax(left, f"particles and grid after exp(tA), t = {t:g}", grid=False, equal=True,
             xlim=WINDOW, ylim=WINDOW)
    # a square-root colour scale: the contraction's peak and a spread-out density both stay visible
    image = right.imshow(density, origin="lower", extent=(*WINDOW, *WINDOW), cmap=DENSITY_CMAP,
                         norm=PowerNorm(0.5, vmin=0.0, vmax=DENSITY_MAX), aspect="equal")
    style_ax(right, "exact density p_t of the moved Gaussian", grid=False, equal=True)
    fig.colorbar(image, cax=bar, label="p_t(z)")
    for ax in (left, right):
        ax.set_xticks([-4, 0, 4])
        ax.set_yticks([-4, 0, 4])
        ax.tick_params(labelsize=9)

    trace, det = float(np.trace(A)), float(np.linalg.det(A))
    readout = (
        f"A = [[{A[0, 0]:g}, {A[0, 1]:g}], [{A[1, 0]:g}, {A[1, 1]:g}]]   tr A = {trace:g}   "
        f"det A = {det:g}{'  (singular)' if abs(det) < 1e-12 else ''}\n"
        f"log det exp(tA): t tr A = {float(log_det):+.6f}   slogdet(expm(tA)) = {float(numerical):+.6f}"
        f"   difference {abs(float(log_det) - float(numerical)):.1e}\n"
        f"det exp(tA) = exp(t tr A) = {np.exp(float(log_det)):.4f} > 0: invertible, inverse exp(-tA)"
        + ("  (t < 0: this IS the inverse flow)" if t < 0 else "") + "\n"
        f"peak density p_t(0) = N(0) / det exp(tA) = {1 / (2 * np.pi):.4f} / {np.exp(float(log_det)):.4f}"
        f" = {np.exp(-float(log_det)) / (2 * np.pi):.4f}")
    return fig, readout


def linear_ode_explorer(**kwargs) -> Explorer:
    """Controls: the generator (a dropdown of :data:`GENERATORS`) x the time ``t`` (:data:`TIMES`).

    ``kwargs`` go to :class:`~gauss_flows.presentation.widgets.Explorer` (e.g. ``dpi``).
    """
    controls = {"generator": Dropdown("generator A", list(GENERATORS)),
                "t": Slider("time t", TIMES, default=1.0, fmt="{:g}")}
    return Explorer(_render, controls, title="The flow exp(tA) of dz/dt = A z", **kwargs)


def shear_prediction() -> Prediction:
    """The "predict first" prompt shown before :func:`linear_ode_explorer`."""
    return Prediction(
        "The shear generator A = [[0, 1], [0, 0]] is singular: det A = 0, it flattens the plane onto "
        "a line. Now run its flow dz/dt = A z for t = 1. What is the map exp(tA)?",
        ["not invertible: det A = 0 carries over", "invertible, and it keeps every area (log det = 0)",
         "invertible, and it shrinks areas (log det < 0)"],
        answer="invertible, and it keeps every area (log det = 0)",
        explanation="det exp(tA) = exp(t tr A), never zero whatever A is. The shear has tr A = 0, so "
                    "exp(tA) = [[1, t], [0, 1]] has determinant exactly 1: it slides the rows of the grid "
                    "sideways and keeps every area. A singular generator only means a velocity field "
                    "that vanishes along a line; the points on it stay put, every other point moves.")
