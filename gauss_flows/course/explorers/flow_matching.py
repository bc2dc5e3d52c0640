"""Explorer of Part 6 · 04, flow matching: the straight-line pairs and the learned field in time.

Conditional flow matching pairs each data point :math:`x` with a noise draw :math:`z` and moves
it along the straight line :math:`z_t = (1-t)x + tz` at the constant velocity :math:`z - x`.
Those conditional paths cross; the learned field :math:`f(t, y) \\approx \\mathbb E[z - x \\mid
z_t = y]` averages the velocities of every path through :math:`y`, and its ODE's particles never
cross. The explorer shows both at one time :math:`t`: on the left the pairs, their particles and
their velocities; on the right the learned field on a grid and particles moved by its ODE, pushed
forward from the data (:math:`0 \\to t`) or pulled back from the noise (:math:`1 \\to t`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["TIMES", "PARTICLES", "ode_particles", "flow_matching_explorer", "what_happens_where_paths_cross"]

#: the times on the slider (data at 0, noise at 1)
TIMES = tuple(np.round(np.linspace(0.0, 1.0, 6), 2))
PARTICLES = {"data pushed forward (0 → t)": "forward", "noise pulled back (1 → t)": "backward"}
LIMIT = 3.5


def ode_particles(field, start, forward: bool, times=TIMES) -> tuple[np.ndarray, np.ndarray]:
    """``(paths, n_steps)``: ``paths`` of shape ``(len(times), n, 2)``, the points ``start`` moved by
    the ODE of ``field`` (``gf.ContinuousFlow``'s default tolerances) from :math:`t = 0`
    (``forward``) or :math:`t = 1` (backward), saved at ``times`` (interpolated, so saving adds
    no step), and ``n_steps`` of shape ``(n,)``, the solver's steps for each point."""
    start = jnp.asarray(start)
    ts = jnp.asarray(times if forward else times[::-1], dtype=start.dtype)
    t0, t1 = (0.0, 1.0) if forward else (1.0, 0.0)
    path, _, n_steps = gf.ContinuousFlow(field).solve_batch(start, t0, t1, times=ts)
    path = np.asarray(path).transpose(1, 0, 2)
    return (path if forward else path[::-1]), np.asarray(n_steps)


@eqx.filter_jit
def _on_grid(field, grid, times):
    return jax.vmap(lambda t: jax.vmap(lambda y: field(t, y))(grid))(times)


def _render(t: float, particles: str, *, pairs, grid, field_values, moved):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, MODEL, NEUTRAL, style_ax

    k = int(np.argmin(np.abs(np.asarray(TIMES) - t)))
    t = TIMES[k]
    if particles not in PARTICLES:
        raise ValueError(f"particles must be one of {list(PARTICLES)}, but got {particles!r}.")
    x, z = pairs
    zt, velocity = (1 - t) * x + t * z, z - x
    fig = Figure(figsize=FIGSIZE["wide"], layout="constrained")
    left, right = fig.subplots(1, 2)
    for a, b in zip(x, z):
        left.plot([a[0], b[0]], [a[1], b[1]], color=NEUTRAL, lw=0.5, alpha=0.35)
    left.scatter(*x.T, s=6, color=DATA, label="data x (t = 0)")
    left.scatter(*z.T, s=6, color=NEUTRAL, alpha=0.6, label="noise z (t = 1)")
    left.quiver(*zt.T, *velocity.T, color=ACCENT, angles="xy", scale_units="xy", scale=4, width=0.006)
    left.scatter(*zt.T, s=10, color=ACCENT, zorder=3, label="z_t, velocity z − x")
    style_ax(left, f"straight-line pairs at t = {t:.1f}")
    left.legend(fontsize=7, loc="lower left")
    values = field_values[k]
    right.quiver(*grid.T, *values.T, color=NEUTRAL, angles="xy", scale_units="xy", scale=4, width=0.004)
    points = moved[PARTICLES[particles]][k]
    right.scatter(*points.T, s=4, color=MODEL, alpha=0.6, label=particles)
    style_ax(right, f"learned field f(t, ·) and its particles, t = {t:.1f}")
    right.legend(fontsize=7, loc="lower left")
    for ax in (left, right):
        ax.set_xlim(-LIMIT, LIMIT)
        ax.set_ylim(-LIMIT, LIMIT)
        ax.set_aspect("equal")
    speed = np.linalg.norm(values, axis=1)
    readout = (f"t = {t:.1f}: pairs' speed |z − x| mean {np.linalg.norm(velocity, axis=1).mean():.2f}; learned "
               f"field speed on the grid mean {speed.mean():.2f}, max {speed.max():.2f}; {particles}: "
               f"particle mean ({points[:, 0].mean():+.2f}, {points[:, 1].mean():+.2f}), "
               f"sd ({points[:, 0].std():.2f}, {points[:, 1].std():.2f})")
    return fig, readout


def flow_matching_explorer(field, data, key, *, n_pairs: int = 40, n_particles: int = 400,
                           n_grid: int = 15, **kwargs) -> Explorer:
    """Controls: the time ``t`` and where the ODE's particles start. ``field`` is the trained
    vector field (``field(t, y)`` on R^2), ``data`` the training points; ``key`` draws the pairs'
    noise, the particles and the noise particles."""
    data = jnp.asarray(data)
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError(f"flow_matching_explorer shows two-dimensional data, shape (n, 2), but got {data.shape}.")
    if data.shape[0] < max(n_pairs, n_particles):
        raise ValueError(f"need at least {max(n_pairs, n_particles)} data points, but got {data.shape[0]}.")
    k_pairs, k_noise, k_pick = jr.split(key, 3)
    pick = jr.permutation(k_pick, data.shape[0])
    pairs = (np.asarray(data[pick[:n_pairs]]), np.asarray(jr.normal(k_pairs, (n_pairs, 2), data.dtype)))
    axis = np.linspace(-LIMIT + 0.25, LIMIT - 0.25, n_grid)
    grid = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)
    field_values = np.asarray(_on_grid(field, jnp.asarray(grid, data.dtype), jnp.asarray(TIMES, data.dtype)))
    moved = {"forward": ode_particles(field, data[pick[:n_particles]], True)[0],
             "backward": ode_particles(field, jr.normal(k_noise, (n_particles, 2), data.dtype), False)[0]}
    controls = {"t": Slider("time t", list(TIMES), default=TIMES[len(TIMES) // 2], fmt="{:.1f}"),
                "particles": Dropdown("particles", list(PARTICLES))}

    def render(t, particles):
        return _render(t, particles, pairs=pairs, grid=grid, field_values=field_values, moved=moved)

    return Explorer(render, controls, title="Flow matching: straight-line pairs and the learned field", **kwargs)


def what_happens_where_paths_cross() -> Prediction:
    """The "predict first" prompt shown before :func:`flow_matching_explorer`."""
    return Prediction(
        "Straight-line paths from data to noise cross each other around t = 0.5. At a point where two "
        "paths cross, which way does the learned field point, and do its particles cross?",
        ["along an average of the crossing paths' velocities; particles never cross",
         "along one of the two paths, chosen at random; particles cross like the pairs",
         "nowhere: the field is zero where paths cross"],
        answer="along an average of the crossing paths' velocities; particles never cross",
        explanation="The loss is a mean square, so its minimiser at (t, y) is the mean velocity E[z − x | z_t = y] "
                    "of all paths through y. That is one vector per point, and the ODE of a smooth field has "
                    "one trajectory through each point: the learned particles bend around each other instead "
                    "of crossing, which is why they follow curves although every pair moved straight.")
