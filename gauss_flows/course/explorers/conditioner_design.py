"""Explorer of Part 5 · 02, conditioner design: width, depth and a log-scale bound vs fit and stability.

A coupling flow of ``N_LAYERS`` affine couplings (RealNVP, Dinh et al. 2017) is fitted to
two moons for every combination of the conditioner's width (``WIDTHS``), depth
(``DEPTHS``) and the soft bound of the log-scale (``BOUNDS``: none, or
:math:`s \\mapsto B\\tanh(s/B)`, ``gf.Affine(log_scale_bound=B)``), with the same seed,
data, minibatches and learning rate. Each state shows the fitted density, the training
curve (minibatch NLL) and the gradient norm per step, and reads out the held-out NLL
(:math:`= \\mathrm{KL}(p\\,\\|\\,q) + H(p)`, the same constant :math:`H(p)` for every state), the
parameter count and the largest :math:`|s|` the couplings apply to the data.

How it is precomputed (once, on first use; ``render`` only draws). Compiling a training
loop costs far more than running it on this small problem, so the three widths are trained
side by side in ONE compiled program per (depth, bound): every network is embedded, zero
padded, in a network of width ``max(WIDTHS)`` and the padded copies are trained with
``jax.vmap``. A hidden unit whose incoming and outgoing weights and bias are all zero
outputs :math:`\\tanh(0) = 0` and receives exactly zero gradient, and Adam turns a zero
gradient into a zero step, so the padding stays exactly zero and each padded network *is*
the narrow one (checked in the tests against the narrow ``gf.Coupling`` flows themselves).
That is ``len(DEPTHS) * len(BOUNDS)`` compilations instead of one per state.
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
from gauss_flows.training import training_step
from gauss_flows.presentation.widgets import Dropdown, Explorer, Slider
from gauss_flows.presentation.style import CYCLE, DENSITY_CMAP, NEUTRAL, style_ax

WIDTHS = (8, 32, 64)
DEPTHS = (1, 3)  # each depth (and bound) costs one compilation; widths are free
BOUNDS = {"none": None, "B = 2": 2.0}
N_LAYERS = 2
N_TRAIN, N_VAL = 1000, 500
STEPS, BATCH_SIZE, LEARNING_RATE = 400, 128, 1e-2
SEED = 0
GRID_LIM, GRID_N = 2.0, 80
FIGSIZE = (13.0, 3.9)


def dataset() -> gf.datasets.TwoMoons:
    return gf.datasets.TwoMoons()


def initial_flow(width: int, depth: int, bound: float | None) -> gf.Transformed:
    """The untrained flow of one state (the same key for every state)."""
    return gf.coupling_flow(jr.key(SEED + 1), shape=(2,), transformer=gf.Affine(log_scale_bound=bound),
                            n_layers=N_LAYERS, nn_width=int(width), nn_depth=int(depth))


def _corner(leaf_shape):
    return tuple(slice(0, n) for n in leaf_shape)


def embed(narrow, wide):
    """The trainable leaves of ``narrow`` written into zeros shaped like those of ``wide``.

    The two pytrees differ only in static metadata (an MLP's width), so we pair their leaves.
    Done in numpy: one small compiled program per leaf shape would cost more than the padding."""
    leaves, treedef = jax.tree_util.tree_flatten(wide)
    padded = []
    for n, w in zip(jax.tree_util.tree_leaves(narrow), leaves, strict=True):
        leaf = np.zeros(w.shape, w.dtype)
        leaf[_corner(n.shape)] = np.asarray(n)
        padded.append(leaf)
    return jax.tree_util.tree_unflatten(treedef, padded)


def extract(wide, narrow):
    """The inverse of :func:`embed`: the top-left corner of every leaf, shaped like ``narrow``."""
    leaves, treedef = jax.tree_util.tree_flatten(narrow)
    return jax.tree_util.tree_unflatten(
        treedef, [jnp.asarray(np.asarray(w)[_corner(n.shape)])
                  for w, n in zip(jax.tree_util.tree_leaves(wide), leaves, strict=True)])


def max_abs_log_scale(flow: gf.Transformed, x) -> jax.Array:
    """The largest :math:`|s|` (after the bound) any coupling of ``flow`` applies to the points ``x``."""
    largest = jnp.zeros((), x.dtype)
    for layer in flow.bijection.bijectors:
        theta = jax.vmap(lambda point: layer.parameters(point[np.asarray(layer.passive)]))(x)
        log_scale = jax.vmap(jax.vmap(lambda t: layer.template.build(t).effective_log_scale()))(theta)
        largest = jnp.maximum(largest, jnp.max(jnp.abs(log_scale)))
        x = jax.vmap(layer.transform)(x)
    return largest


def _norm(tree) -> jax.Array:
    """Euclidean norm of all leaves of ``tree`` together (the gradient norm we plot)."""
    return jnp.sqrt(sum(jnp.sum(leaf**2) for leaf in jax.tree_util.tree_leaves(tree)))


@eqx.filter_jit
def _train_and_evaluate(stacked_params, static, train, val, grid, batches):
    """Adam on the NLL for every member of ``stacked_params`` (vmapped), then the numbers we show."""
    optimizer = optax.adam(LEARNING_RATE)

    def one(params):
        def step(carry, batch):
            p, state = carry
            p, state, value, grads = training_step(p, static, optimizer, state, train[batch])
            return (p, state), (value, _norm(grads))

        (params, _), (losses, grad_norms) = jax.lax.scan(step, (params, optimizer.init(params)), batches)
        flow = eqx.combine(params, static)
        # one forward pass over all evaluation points (one graph to compile, not three)
        log_q = flow.log_prob(jnp.concatenate([val, grid]))
        return dict(params=params, losses=losses, grad_norms=grad_norms,
                    val_nll=-jnp.mean(log_q[:val.shape[0]]), log_q_grid=log_q[val.shape[0]:],
                    max_log_scale=max_abs_log_scale(flow, train))

    return jax.vmap(one)(stacked_params)


@lru_cache(maxsize=None)
def _problem():
    """Training and held-out points, the density grid and the minibatch indices of every step."""
    k_data, k_batches = jr.split(jr.key(SEED))
    points = dataset().sample(k_data, N_TRAIN + N_VAL)  # one draw, split: one compiled sampler
    axis = jnp.linspace(-GRID_LIM, GRID_LIM, GRID_N)
    grid = jnp.stack(jnp.meshgrid(axis, axis), -1).reshape(-1, 2)
    return dict(train=points[:N_TRAIN], val=points[N_TRAIN:], grid=grid,
                batches=jr.randint(k_batches, (STEPS, BATCH_SIZE), 0, N_TRAIN))


@lru_cache(maxsize=None)
def train_group(depth: int, bound_label: str) -> dict:
    """Train the three widths of one (depth, bound) in one compiled call; numpy results by width."""
    bound = _bound(bound_label)
    problem = _problem()
    flows = {w: initial_flow(w, depth, bound) for w in WIDTHS}
    wide = flows[max(WIDTHS)]
    wide_params, static = gf.split_trainable(wide)
    padded = [embed(gf.split_trainable(flows[w])[0], wide_params) for w in WIDTHS]
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.asarray(np.stack(leaves)), *padded)
    out = _train_and_evaluate(stacked, static, problem["train"], problem["val"], problem["grid"],
                              problem["batches"])
    results = {}
    for i, w in enumerate(WIDTHS):
        params = jax.tree_util.tree_map(lambda leaf: leaf[i], out["params"])
        results[w] = dict(
            params=extract(params, gf.split_trainable(flows[w])[0]),
            losses=np.asarray(out["losses"][i]), grad_norms=np.asarray(out["grad_norms"][i]),
            val_nll=float(out["val_nll"][i]), max_log_scale=float(out["max_log_scale"][i]),
            log_q_grid=np.asarray(out["log_q_grid"][i]).reshape(GRID_N, GRID_N),
            n_parameters=gf.count_parameters(flows[w]))
    return results


def _bound(label: str) -> float | None:
    if label not in BOUNDS:
        raise ValueError(f"bound must be one of {list(BOUNDS)}, got {label!r}.")
    return BOUNDS[label]


def _check_state(width, depth, bound_label):
    if int(width) not in WIDTHS or int(depth) not in DEPTHS:
        raise ValueError(f"only widths {WIDTHS} and depths {DEPTHS} were trained, got width={width}, "
                         f"depth={depth}.")
    _bound(bound_label)


def result(width: int, depth: int, bound_label: str) -> dict:
    """The numbers of one state (trains its (depth, bound) group on first use)."""
    _check_state(width, depth, bound_label)
    return train_group(int(depth), bound_label)[int(width)]


def trained_flow(width: int, depth: int, bound_label: str) -> gf.Transformed:
    """The fitted narrow flow of one state, a plain ``gf.coupling_flow`` with trained parameters."""
    flow = initial_flow(width, depth, _bound(bound_label))
    return eqx.combine(result(width, depth, bound_label)["params"], gf.split_trainable(flow)[1])


def precompute() -> None:
    """Train every state now (the explorer would otherwise train on first display)."""
    for depth in DEPTHS:
        for label in BOUNDS:
            train_group(depth, label)


def _smooth(values, window=10):
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def conditioner_explorer() -> Explorer:
    """Width and depth sliders and a bound dropdown -> fitted density, training curve, gradient norms."""
    problem = _problem()
    train = np.asarray(problem["train"])

    def render(width, depth, bound):
        numbers = result(width, depth, bound)
        other_label = [label for label in BOUNDS if label != bound][0]
        other = result(width, depth, other_label)
        fig = Figure(figsize=FIGSIZE, facecolor="white", layout="constrained")
        ax_density, ax_loss, ax_grad = fig.subplots(1, 3)
        density = np.exp(numbers["log_q_grid"])
        if not np.all(np.isfinite(density)):
            raise ValueError(f"width {width}, depth {depth}, bound {bound}: the training diverged "
                             "(the parameters became NaN).")
        ax_density.imshow(density, origin="lower", extent=(-GRID_LIM, GRID_LIM, -GRID_LIM, GRID_LIM),
                          cmap=DENSITY_CMAP, aspect="equal")
        ax_density.scatter(train[:150, 0], train[:150, 1], s=2, color="white", alpha=0.5)
        style_ax(ax_density, f"fitted density: width {width}, depth {depth}", "$x_1$", "$x_2$", legend=False)

        steps = np.arange(STEPS)
        for values, label, colour, alpha in ((other, f"bound {other_label}", NEUTRAL, 0.45),
                                             (numbers, f"bound {bound}", CYCLE[3], 1.0)):
            ax_loss.plot(steps[9:], _smooth(values["losses"]), color=colour, alpha=alpha, lw=1.6, label=label)
            ax_grad.plot(steps, values["grad_norms"], color=colour, alpha=alpha, lw=1.0, label=label)
        ax_loss.set_ylim(0.5, 3.0)
        ax_grad.set_yscale("log")
        ax_grad.set_ylim(1e-1, 1e3)
        style_ax(ax_loss, "training NLL (10-step mean)", "step", "nats")
        style_ax(ax_grad, "gradient norm per step", "step", r"$\|\nabla \mathcal{L}\|$")
        readout = (f"width {width}, depth {depth}, bound {bound}: {numbers['n_parameters']} parameters; "
                   f"held-out NLL {numbers['val_nll']:.3f} nats; largest |log-scale| applied "
                   f"{numbers['max_log_scale']:.2f}; largest gradient norm {numbers['grad_norms'].max():.3g}.")
        return fig, readout

    controls = {
        "width": Slider("width (units per hidden layer)", list(WIDTHS), fmt="{:d}"),
        "depth": Slider("depth (hidden layers)", list(DEPTHS), fmt="{:d}"),
        "bound": Dropdown("log-scale bound", list(BOUNDS), default="none"),
    }
    return Explorer(render, controls, title="Conditioner design: width, depth, log-scale bound",
                    max_states=60)
