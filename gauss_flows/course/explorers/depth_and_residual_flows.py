"""Explorer of Part 5 · 07: depth and a log-scale bound in affine coupling flows; the fixed-point
inverse of an invertible residual layer (i-ResNet, Behrmann et al. 2019) against its Lipschitz bound.

Coupling side: ``gf.coupling_flow`` with affine couplings (RealNVP, Dinh et al. 2017) of every
depth in ``DEPTHS``, with and without the soft bound ``gf.Affine(log_scale_bound=B)``, trained on
two moons for ``STEPS`` Adam steps from ``N_SEEDS`` initialisations. The seeds of one
(depth, bound) are trained side by side in one compiled program (``jax.vmap`` over the stacked
parameters), so the whole grid costs ``len(DEPTHS) * len(BOUNDS)`` compilations. Recorded per
step: the minibatch NLL and the gradient norm; at the end: the held-out NLL and the raw
log-scales the couplings compute on the training points (how often the bound binds).

Residual side: ``gf.InvertibleResidual`` on 2-D points for every Lipschitz bound in
``LIPSCHITZ``; the error of the fixed-point iterate :math:`x_k` against the converged inverse.
"""

from __future__ import annotations

from functools import lru_cache

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax
from matplotlib.figure import Figure

import gauss_flows as gf
from gauss_flows.presentation.style import ACCENT, CYCLE, NEUTRAL, style_ax
from gauss_flows.presentation.widgets import Dropdown, Explorer, Slider

DEPTHS = (2, 4, 8)
BOUNDS = {"none": None, "B = 0.5": 0.5}
N_SEEDS = 5
NN_WIDTH, NN_DEPTH = 16, 1
N_TRAIN, N_VAL = 1000, 500
STEPS, BATCH_SIZE, LEARNING_RATE = 200, 128, 1e-2
LIPSCHITZ = (0.5, 0.7, 0.9, 0.95, 0.99)
# the explorer's slider: three bounds a decade of iterations apart are enough to see the count
# grow like log(tol)/log(c) (every c of LIPSCHITZ is in the notebook's table); each value
# multiplies the static states by len(DEPTHS) * len(BOUNDS)
EXPLORER_LIPSCHITZ = (0.5, 0.9, 0.99)
N_TRACE = 400  # fixed-point iterations drawn in the explorer
FIGSIZE = (13.0, 3.8)


def initial_flow(depth: int, bound: float | None, seed: int) -> gf.Transformed:
    return gf.coupling_flow(jr.key(1000 + seed), shape=(2,), transformer=gf.Affine(log_scale_bound=bound),
                            n_layers=int(depth), nn_width=NN_WIDTH, nn_depth=NN_DEPTH)


def _norm(tree) -> jax.Array:
    return jnp.sqrt(sum(jnp.sum(leaf ** 2) for leaf in jax.tree_util.tree_leaves(tree)))


def raw_log_scales(flow: gf.Transformed, x) -> jax.Array:
    """The log-scales every coupling of ``flow`` computes on the points ``x`` BEFORE any bound,
    shape ``(n_layers, n_points, n_active)``."""
    out = []
    for layer in flow.bijection.bijectors:
        theta = jax.vmap(lambda point: layer.parameters(point[np.asarray(layer.passive)]))(x)
        out.append(jax.vmap(jax.vmap(lambda t: layer.template.build(t).log_scale))(theta))
        x = jax.vmap(layer.transform)(x)
    return jnp.stack(out)


@eqx.filter_jit
def _train(stacked_params, static, train, val, batches):
    optimizer = optax.adam(LEARNING_RATE)

    def one(params):
        def loss(p, x):
            return -jnp.mean(eqx.combine(p, static).log_prob(x))

        def step(carry, batch):
            p, state = carry
            value, grads = jax.value_and_grad(loss)(p, train[batch])
            updates, state = optimizer.update(grads, state, p)
            return (optax.apply_updates(p, updates), state), (value, _norm(grads))

        (params, _), (losses, grad_norms) = jax.lax.scan(step, (params, optimizer.init(params)), batches)
        flow = eqx.combine(params, static)
        return dict(losses=losses, grad_norms=grad_norms, val_nll=loss(params, val),
                    log_scales=raw_log_scales(flow, train))

    return jax.vmap(one)(stacked_params)


@lru_cache(maxsize=None)
def _problem():
    k_data, k_batches = jr.split(jr.key(0))
    points = gf.datasets.TwoMoons().sample(k_data, N_TRAIN + N_VAL)
    return dict(train=points[:N_TRAIN], val=points[N_TRAIN:],
                batches=jr.randint(k_batches, (STEPS, BATCH_SIZE), 0, N_TRAIN))


def _bound(label):
    if label not in BOUNDS:
        raise ValueError(f"bound must be one of {list(BOUNDS)}, got {label!r}.")
    return BOUNDS[label]


@lru_cache(maxsize=None)
def training(depth: int, bound_label: str) -> dict:
    """All seeds of one (depth, bound): numpy arrays with the seeds first."""
    if int(depth) not in DEPTHS:
        raise ValueError(f"only depths {DEPTHS} were trained, got {depth}.")
    bound = _bound(bound_label)
    flows = [initial_flow(depth, bound, seed) for seed in range(N_SEEDS)]
    static = gf.split_trainable(flows[0])[1]
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves),
                                     *[gf.split_trainable(f)[0] for f in flows])
    problem = _problem()
    out = _train(stacked, static, problem["train"], problem["val"], problem["batches"])
    out = {k: np.asarray(v) for k, v in out.items()}
    # the bound binds where the raw log-scale lies beyond it: tanh then cuts it by a quarter or more
    threshold = bound if bound is not None else BOUNDS["B = 0.5"]
    out["beyond_bound"] = (np.abs(out["log_scales"]) > threshold).reshape(N_SEEDS, -1).mean(axis=1)
    return out


def mean_se(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


# ------------------------------------------------------------------------ the residual layer
def residual_layer(lipschitz: float, key=None, nn_depth: int = 1) -> gf.InvertibleResidual:
    """A 2-D residual layer with weights large enough that the spectral normalisation binds.
    ``nn_depth=0`` makes :math:`g(x) = Wx + b` with :math:`\\|W\\|_2 = c`: the bound is attained."""
    key = jr.key(7) if key is None else key
    layer = gf.InvertibleResidual(key, shape=(2,), lipschitz=float(lipschitz), nn_width=16, nn_depth=nn_depth)
    return gf.perturb(layer, jr.fold_in(key, 1), 1.0)


@lru_cache(maxsize=None)
def fixed_point_trace(lipschitz: float, n_points: int = 64) -> dict:
    """Errors :math:`\\|x_k - x^\\star\\|` of the plain iteration for ``N_TRACE`` steps on
    ``n_points`` points, the library's iteration counts, and the measured local Lipschitz
    constants :math:`\\|J_g(x^\\star)\\|_2`, for the linear-branch layer (``nn_depth=0``), whose
    Lipschitz constant is exactly the bound."""
    layer = residual_layer(lipschitz, nn_depth=0)
    x_true = jr.normal(jr.key(8), (n_points, 2))
    y = jax.vmap(layer.transform)(x_true)

    @jax.jit
    def trace(y_one, x_one):
        def step(x, _):
            x = y_one - layer.residual(x)
            return x, jnp.linalg.norm(x - x_one)
        return jax.lax.scan(step, y_one, None, length=N_TRACE)[1]

    errors = np.asarray(jax.vmap(trace)(y, x_true))
    _, iterations, converged = jax.vmap(layer.inverse_with_iterations)(y)
    local_lip = np.array([np.linalg.norm(np.asarray(j), 2) for j in jax.vmap(layer.residual_jacobian)(x_true)])
    return dict(errors=errors, iterations=np.asarray(iterations), converged=np.asarray(converged),
                local_lipschitz=local_lip)


def explorer() -> Explorer:
    """Depth, bound and Lipschitz controls -> NLL curves, gradient norms, fixed-point errors."""

    def render(depth, bound, lipschitz):
        run = training(int(depth), bound)
        other_label = [label for label in BOUNDS if label != bound][0]
        other = training(int(depth), other_label)
        fig = Figure(figsize=FIGSIZE, facecolor="white", layout="constrained")
        ax_loss, ax_grad, ax_fp = fig.subplots(1, 3)
        steps = np.arange(STEPS)
        for values, label, colour, alpha in ((other, f"bound {other_label}", NEUTRAL, 0.4),
                                             (run, f"bound {bound}", CYCLE[3], 1.0)):
            ax_loss.plot(steps, values["losses"].mean(axis=0), color=colour, alpha=alpha, lw=1.4, label=label)
            ax_grad.plot(steps, values["grad_norms"].mean(axis=0), color=colour, alpha=alpha, lw=1.0, label=label)
        ax_loss.set_ylim(0.5, 3.0)
        ax_grad.set_yscale("log")
        ax_grad.set_ylim(1e-1, 3e2)
        style_ax(ax_loss, f"{depth} couplings: training NLL (mean of {N_SEEDS} seeds)", "step", "nats")
        style_ax(ax_grad, "gradient norm (mean of seeds)", "step", r"$\|\nabla\mathcal{L}\|$")

        fp = fixed_point_trace(float(lipschitz))
        k = np.arange(1, N_TRACE + 1)
        ax_fp.semilogy(k, np.median(fp["errors"], axis=0) + 1e-18, color=CYCLE[0], lw=1.6, label="median error")
        start = np.median(fp["errors"][:, 0]) / float(lipschitz)
        ax_fp.semilogy(k, start * float(lipschitz) ** k,
                       color=ACCENT, ls="--", lw=1, label=r"$c^k$ (scaled)")
        ax_fp.axhline(1e-11, color=NEUTRAL, lw=0.8, ls=":")
        ax_fp.set_ylim(1e-17, 1e2)
        style_ax(ax_fp, f"fixed-point inverse, Lip bound c = {lipschitz}", "iteration k", r"$\|x_k - x^\star\|$")
        readout = (f"depth {depth}, bound {bound}: held-out NLL {run['val_nll'].mean():.3f} nats (mean of "
                   f"{N_SEEDS} seeds), raw log-scales beyond 0.5: {100 * run['beyond_bound'].mean():.1f}%; "
                   f"residual layer c = {lipschitz}: {fp['iterations'].mean():.0f} iterations on average "
                   f"(log(1e-11)/log(c) = {np.log(1e-11) / np.log(float(lipschitz)):.0f}).")
        return fig, readout

    controls = {
        "depth": Slider("depth (coupling layers)", list(DEPTHS), default=DEPTHS[len(DEPTHS) // 2], fmt="{:d}"),
        "bound": Dropdown("log-scale bound", list(BOUNDS), default="none"),
        "lipschitz": Slider("Lipschitz bound c of g", [c for c in LIPSCHITZ if c in EXPLORER_LIPSCHITZ],
                            default=0.9, fmt="{:.2f}"),
    }
    return Explorer(render, controls, title="Depth, scale bound, Lipschitz constant", max_states=40)
