"""Explorer of Part 1 · 04: three root finders race to invert a bimodal mixture-CDF layer.

The layer is :math:`z = \\Phi^{-1}(F(x))` with :math:`F` a two-component Gaussian mixture CDF
(:class:`~gauss_flows.MixtureGaussianCDF`); its inverse has no formula. For a few targets the
reader picks

* the **method**: bisection on the bracket ``BRACKET`` (:func:`~gauss_flows.numerics.bisection_trace`),
  plain Newton from :math:`x_0 = 0` (:func:`~gauss_flows.numerics.newton_trace`) or the library's
  safeguarded hybrid from :math:`x_0 = 0` (:func:`~gauss_flows.numerics.solve_monotone_trace`);
* the **tolerance** of the stopping rule (relative step or bracket size);
* the **equation**: solve :math:`\\Phi^{-1}(F(x)) = z` (what the layer's inverse does) or
  :math:`F(x) = \\Phi(z)` (the same root, but an S-shaped function with flat tails),

and sees the error :math:`|x_k - x^\\star|` after every evaluation of the map, how many
evaluations each target used and the final error. All 24 states come from one precomputed
set of traces (:func:`race`, compiled once); ``render`` only draws.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import ndtr

from gauss_flows.bijectors import MixtureGaussianCDF
from gauss_flows.numerics import bisection_trace, newton_trace, normal_log_pdf, solve_monotone_trace
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

#: The bimodal mixture of the page: two bumps with a thin valley between them at x ~ 0.
WEIGHTS = np.array([0.55, 0.45])
MEANS = np.array([-2.0, 2.0])
SCALES = np.array([0.4, 0.7])
#: Targets in the latent space (z); the equation F(x) = u uses u = Phi(z).
TARGETS_Z = np.array([-2.0, -0.8, 0.1, 0.9, 2.3])
#: Bisection's starting bracket, and the starting point of Newton and the hybrid.
BRACKET = (-8.0, 8.0)
START = 0.0
MAX_ITERATIONS = 60
METHODS = ["bisection", "Newton", "hybrid (solve_monotone)"]
EQUATIONS = ["Φ⁻¹(F(x)) = z", "F(x) = Φ(z)"]
TOLERANCES = [1e-4, 1e-8, 1e-12, 1e-17]
#: Errors below this are drawn at this floor (an exact hit has error 0, log scale).
ERROR_FLOOR = 1e-17
DIVERGED = 1e3  # an iterate this far from the root counts as "ran away"


def bimodal_layer() -> MixtureGaussianCDF:
    """The page's layer: ``MixtureGaussianCDF.from_mixture(WEIGHTS, MEANS, SCALES)``."""
    return MixtureGaussianCDF.from_mixture(jnp.asarray(WEIGHTS), jnp.asarray(MEANS),
                                           jnp.asarray(SCALES))


def equations(layer: MixtureGaussianCDF, targets_z) -> dict:
    """``{equation name: (f, targets)}``: the two equations with the same roots.

    Each ``f`` returns ``(f(x), f'(x))`` from the layer's own log-derivative
    (``transform_and_log_det``): :math:`z' = e^{\\log z'}` and :math:`F' = \\varphi(z)\\,z'`.
    """
    def z_and_slope(x):
        z, log_slope = jax.vmap(layer.transform_and_log_det)(x)
        return z, jnp.exp(log_slope)

    def u_and_slope(x):
        z, slope = z_and_slope(x)
        return ndtr(z), jnp.exp(normal_log_pdf(z)) * slope

    targets_z = jnp.asarray(targets_z, float)
    return {EQUATIONS[0]: (z_and_slope, targets_z), EQUATIONS[1]: (u_and_slope, ndtr(targets_z))}


@eqx.filter_jit
def race(layer: MixtureGaussianCDF, targets_z, tolerance, max_iterations: int = MAX_ITERATIONS):
    """``{(method, equation): SolverTrace}`` for the five targets (one compiled call).

    ``tolerance`` is a traced argument: every tolerance reuses the same compiled code.
    """
    traces = {}
    for name, (f, targets) in equations(layer, targets_z).items():
        start = jnp.full_like(targets, START)
        traces[METHODS[0], name] = bisection_trace(lambda x: f(x)[0], targets, *BRACKET,
                                                   tolerance=tolerance, max_iterations=max_iterations)
        traces[METHODS[1], name] = newton_trace(f, targets, start, has_derivative=True,
                                                tolerance=tolerance, max_iterations=max_iterations)
        traces[METHODS[2], name] = solve_monotone_trace(f, targets, initial=start,
                                                        has_derivative=True, tolerance=tolerance,
                                                        max_iterations=max_iterations)
    return traces


@eqx.filter_jit
def exact_roots(layer: MixtureGaussianCDF, targets_z, grid):
    """The roots to full precision (the library's inverse) and both curves on ``grid``."""
    curves = {name: f(grid)[0] for name, (f, _) in equations(layer, targets_z).items()}
    return jax.vmap(layer.inverse)(jnp.asarray(targets_z, float)), curves


def precompute(layer: MixtureGaussianCDF | None = None, targets_z=TARGETS_Z,
               tolerances=TOLERANCES) -> dict:
    """Everything the explorer draws: traces per tolerance, exact roots and the two curves."""
    layer = bimodal_layer() if layer is None else layer
    grid = np.linspace(-5.0, 5.0, 401)
    roots, curves = jax.tree_util.tree_map(np.asarray, exact_roots(layer, targets_z, grid))
    traces = {}
    for tolerance in tolerances:
        out = race(layer, jnp.asarray(targets_z, float), jnp.asarray(tolerance))
        for (method, name), trace in out.items():
            traces[method, name, float(tolerance)] = jax.tree_util.tree_map(np.asarray, trace)
    return {"traces": traces, "roots": roots, "grid": grid, "curves": curves,
            "targets_z": np.asarray(targets_z, float)}


def errors(trace, roots) -> np.ndarray:
    """``|x_k - x*|`` per evaluation (rows) and target (columns); NaN/inf where it ran away."""
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(trace.iterates) - np.asarray(roots)[None])


def _render(data, method: str, tolerance: float, equation: str):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, CYCLE, FIGSIZE, NEUTRAL, style_ax

    trace = data["traces"][method, equation, float(tolerance)]
    roots, grid = data["roots"], data["grid"]
    err = errors(trace, roots)
    n_used = np.asarray(trace.n_evaluations)
    converged = np.asarray(trace.converged)
    final = err[-1]

    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    ax_map = fig.add_axes((0.07, 0.15, 0.36, 0.72))
    ax_err = fig.add_axes((0.56, 0.15, 0.42, 0.72))
    # 1. the equation's left-hand side, the targets and the roots
    curve = data["curves"][equation]
    ax_map.plot(grid, curve, color=NEUTRAL, lw=2)
    targets = data["targets_z"] if equation == EQUATIONS[0] else np.asarray(ndtr(data["targets_z"]))
    for k, (root, target) in enumerate(zip(roots, targets)):
        colour = CYCLE[k % len(CYCLE)]
        ax_map.axhline(target, color=colour, lw=0.8, ls=":")
        ax_map.plot(root, target, "o", color=colour, ms=6, mec="white", zorder=4)
    if method == METHODS[0]:
        ax_map.axvspan(*BRACKET, color="0.93", zorder=0)
    else:
        ax_map.axvline(START, color=ACCENT, lw=1.2, ls="--")
        ax_map.text(START + 0.15, curve.min(), "start x₀ = 0", color=ACCENT, fontsize=9,
                    va="bottom")
    style_ax(ax_map, f"solve {equation}", "$x$", None, grid=True, xlim=(grid[0], grid[-1]))
    # 2. error per evaluation, log scale; a run-away iterate is cut where it leaves the plot
    steps = np.arange(err.shape[0])
    for k in range(err.shape[1]):
        colour = CYCLE[k % len(CYCLE)]
        e = err[:, k].copy()
        if converged[k]:
            e[n_used[k] + 1:] = np.nan  # stop the line where the stopping rule fired
        bad = ~np.isfinite(err[:, k]) | (err[:, k] > DIVERGED)
        if bad.any():
            first = int(np.argmax(bad))
            e[first:] = np.nan
            ax_err.plot(first - 1, DIVERGED, "x", color=colour, ms=9, mew=2)
        ax_err.semilogy(steps, np.maximum(e, ERROR_FLOOR), color=colour, lw=1.6)
        if converged[k]:
            ax_err.plot(n_used[k], max(final[k], ERROR_FLOOR), "o", color=colour, ms=6,
                        mec="white", zorder=4)
    ax_err.axhline(tolerance, color=ACCENT, lw=1, ls="--")
    ax_err.text(MAX_ITERATIONS, tolerance * 1.8, "tolerance", color=ACCENT, ha="right",
                fontsize=9)
    style_ax(ax_err, f"{method}: error after k evaluations", "evaluations of the map $k$",
             r"$|x_k - x^\star|$", xlim=(0, MAX_ITERATIONS), ylim=(ERROR_FLOOR / 3, 3 * DIVERGED))

    lines = [f"{method}, tolerance {tolerance:.0e}, equation {equation}"]
    for k, (z, used, ok, e) in enumerate(zip(data["targets_z"], n_used, converged, final)):
        state = (f"stopped after {used:2d} evaluations, error {e:.1e}" if ok and np.isfinite(e)
                 else "ran away (no finite answer)" if not np.isfinite(e) or e > DIVERGED
                 else f"did NOT stop within {MAX_ITERATIONS} evaluations, error {e:.1e}")
        lines.append(f"  target z = {z:+.1f} (x* = {roots[k]:+.4f}): {state}")
    if tolerance < np.finfo(float).eps:
        lines.append(f"  tolerance {tolerance:.0e} is below float64's relative spacing "
                     f"{np.finfo(float).eps:.1e}: a stopping rule on step or bracket size may never fire.")
    return fig, "\n".join(lines)


def solver_race_explorer(layer: MixtureGaussianCDF | None = None, *, data: dict | None = None,
                         **kwargs) -> Explorer:
    """Method x tolerance x equation: 3 x 4 x 2 = 24 states (``kwargs`` go to ``Explorer``).

    Pass ``data=precompute(...)`` to reuse traces already computed in the notebook.
    """
    data = precompute(layer) if data is None else data
    tolerances = sorted({key[2] for key in data["traces"]})
    controls = {
        "method": Dropdown("method", METHODS, default=METHODS[0]),
        "tolerance": Slider("tolerance", tolerances, default=1e-8 if 1e-8 in tolerances else None,
                            fmt="{:.0e}"),
        "equation": Dropdown("equation", EQUATIONS, default=EQUATIONS[0]),
    }
    return Explorer(lambda **v: _render(data, **v), controls,
                    title="Invert z = Φ⁻¹(F(x)) for five targets", **kwargs)


def newton_from_the_valley() -> Prediction:
    """The "predict first" prompt shown before :func:`solver_race_explorer`."""
    return Prediction(
        "Newton starts at x₀ = 0, in the valley between the two bumps, where the CDF F is "
        "almost flat. Solving F(x) = u for u far in the left bump (z = −2), what happens?",
        ["it converges in a few steps", "it converges, slowly", "it jumps far away and never returns"],
        answer="it jumps far away and never returns",
        explanation="Newton's step is (F(x) − u)/F'(x). In the valley F' is tiny, so the first "
                    "step lands tens of units away, in a tail where F is flat again (F' ≈ 0): "
                    "the next step is even larger. The safeguard of the hybrid rejects any "
                    "Newton step that leaves the bracket and bisects instead.")
