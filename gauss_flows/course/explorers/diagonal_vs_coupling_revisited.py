"""Part 5 · 04: diagonal vs coupling flows over parameter budgets and depths, over seeds.

The experiment behind the page (:func:`run_grid`, one call per family and depth):

* data: two moons (``gf.datasets.TwoMoons``, exact log-density); seed ``s`` draws its own
  training set, shared by every budget and both families, so differences can be paired;
* families at depth ``L``, both with the mixture-of-Gaussians CDF as their 1-D map:
  the diagonal (Gaussianization) flow ``gf.gaussianization_flow`` with ``L`` layers of
  (marginal mixture CDF, Householder rotation), which buys parameters with components; and
  ``gf.coupling_flow`` with ``2L`` couplings (a complementary pair transforms every coordinate
  once, like one marginal layer) of ``COUPLING_COMPONENTS`` components each, which buys
  parameters with conditioner width;
* every budget and seed of one (family, depth) trains in ONE compiled program
  (``gf.fit_ensemble``), to validation early stopping. To share that program the flows of all
  budgets are *padded* to the largest one with inert parameters (:func:`pad`): hidden units
  whose weights and bias are zero (``tanh(0) = 0``: their gradient is exactly zero), mixture
  components with weight :math:`e^{-10^4} = 0` (their gradient is exactly zero too). Adam
  never moves a parameter whose gradient is always zero, so a padded flow is the small flow,
  trained; :func:`padding_error` and :func:`padding_moved` check both facts;
* the score is each member's forward KL to the truth on fresh samples,
  :math:`\\mathrm{KL}(p\\,\\|\\,q) = \\mathbb E_p[\\log p - \\log q]`.

The explorer reads the grid the notebook computed: budget and depth sliders; the frame shows
KL against parameters for both families (mean +- 2 SE) and both densities of seed 0.
"""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

BUDGETS = (50, 80, 125, 200, 320)
DEPTHS = (1, 2)
FAMILIES = ("diagonal", "coupling")
SEEDS = 5
N_TRAIN = 500
N_TEST = 2000
COUPLING_COMPONENTS = 2
TRAINING = dict(learning_rate=3e-2, max_epochs=160, batch_size=200, val_fraction=0.2, patience=15)
DEAD_LOGIT = -1.0e4   # exp(-1e4) == 0.0 in float64: a component of weight exactly 0
GRID_N = 40
WINDOW = (-2.0, 2.0)


def _check_family(family: str) -> None:
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, but got {family!r}.")


def architecture(family: str, budget: int, depth: int) -> int:
    """The knob of ``family`` whose parameter count is closest to ``budget`` at ``depth``:
    mixture components per coordinate and layer for the diagonal flow, hidden units of every
    conditioner for the coupling flow."""
    _check_family(family)
    if family == "diagonal":
        # L layers x (2 coordinates x 3K mixture parameters + 2 reflections x 2)
        return max(1, round((budget / depth - 4) / 6))
    # 2L couplings, conditioner 1 -> w -> 3K (one hidden layer): 2w + 3K(w + 1)
    p = 3 * COUPLING_COMPONENTS
    return max(1, round((budget / (2 * depth) - p) / (2 + p)))


def make_flow(family: str, depth: int, knob: int, key):
    """The flow of ``family`` at ``depth`` with ``knob`` components (diagonal) or width (coupling)."""
    _check_family(family)
    if family == "diagonal":
        return gf.gaussianization_flow(key, shape=(2,), n_layers=depth, n_components=knob)
    return gf.coupling_flow(key, shape=(2,), n_layers=2 * depth, nn_width=knob, nn_depth=1,
                            transformer=gf.MixtureGaussianCDF(n_components=COUPLING_COMPONENTS))


def n_parameters(family: str, depth: int, knob: int) -> int:
    """Trainable parameters of :func:`make_flow`'s flow, counted on its abstract shape (no
    computation: ``eqx.filter_eval_shape`` only traces the constructor)."""
    return gf.count_parameters(eqx.filter_eval_shape(make_flow, family, depth, knob, jr.key(0)))


def _pad_last(a, n, value):
    widths = [(0, 0)] * (a.ndim - 1) + [(0, n - a.shape[-1])]
    return jnp.pad(a, widths, constant_values=value)


def pad(flow, family: str, depth: int, knob_max: int):
    """``flow`` inside the architecture of knob ``knob_max``, with inert extra parameters.

    Diagonal: extra mixture components with logit ``DEAD_LOGIT`` (weight 0), mean 0, log-scale 0.
    Coupling: extra hidden units with zero input weights, zero bias and zero output weights.
    Every other array is ``flow``'s own.
    """
    padded = make_flow(family, depth, knob_max, jr.key(0))   # the large architecture's structure
    layers = []
    for small, large in zip(flow.bijection.bijectors, padded.bijection.bijectors):
        if isinstance(small, gf.MixtureGaussianCDF):
            large = eqx.tree_at(lambda m: (m.logits, m.means, m.log_scales), large,
                                (_pad_last(small.logits, knob_max, DEAD_LOGIT),
                                 _pad_last(small.means, knob_max, 0.0),
                                 _pad_last(small.log_scales, knob_max, 0.0)))
        elif family == "coupling":
            first, last = small.conditioner.mlp.layers[0], small.conditioner.mlp.layers[-1]
            extra = knob_max - first.weight.shape[0]
            large = eqx.tree_at(
                lambda c: (c.conditioner.mlp.layers[0].weight, c.conditioner.mlp.layers[0].bias,
                           c.conditioner.mlp.layers[-1].weight, c.conditioner.mlp.layers[-1].bias),
                large, (jnp.pad(first.weight, ((0, extra), (0, 0))), jnp.pad(first.bias, (0, extra)),
                        jnp.pad(last.weight, ((0, 0), (0, extra))), last.bias))
        else:   # a rotation: the same arrays
            large = small
        layers.append(large)
    return eqx.tree_at(lambda f: f.bijection.bijectors, padded, layers)


def padding_error(family: str, depth: int, knob: int, knob_max: int, x) -> float:
    """Largest |log q_padded(x) - log q(x)|: the padded flow is the small one, to round-off."""
    small = make_flow(family, depth, knob, jr.key(0))
    small = gf.perturb(small, jr.key(1), 0.3)  # away from the initialisation, where bugs hide
    padded = pad(small, family, depth, knob_max)
    return float(jnp.max(jnp.abs(gf.jit_log_prob(padded, x) - gf.jit_log_prob(small, x))))


def padding_moved(record: dict) -> float:
    """Largest distance of an inert entry from its inert value after training, over every member
    of ``record`` (0.0 when the padding stayed exactly inert)."""
    seeds = record["kl"].shape[1]
    moved = 0.0
    for layer in record["flows"].bijection.bijectors:
        if record["family"] == "diagonal" and isinstance(layer, gf.MixtureGaussianCDF):
            arrays = [(np.asarray(layer.logits) - DEAD_LOGIT, -1), (np.asarray(layer.means), -1),
                      (np.asarray(layer.log_scales), -1)]
        elif record["family"] == "coupling":
            first, last = layer.conditioner.mlp.layers[0], layer.conditioner.mlp.layers[-1]
            arrays = [(np.asarray(first.weight), 1), (np.asarray(first.bias), 1), (np.asarray(last.weight), -1)]
        else:
            continue
        for values, axis in arrays:          # values: (members, ...); the padding starts at knob
            for m in range(values.shape[0]):
                inert = np.take(values[m], np.arange(record["knobs"][m // seeds], values.shape[axis]),
                                axis=axis if axis < 0 else axis - 1)
                moved = max(moved, float(np.max(np.abs(inert)))) if inert.size else moved
    return moved


def member(stacked, i: int):
    """Member ``i`` of flows stacked along a leading axis."""
    return jax.tree_util.tree_map(lambda leaf: leaf[i] if eqx.is_array(leaf) else leaf, stacked)


@functools.lru_cache(maxsize=4)   # every family and depth trains on the same draws: sample them once
def seed_data(seeds: int = SEEDS, n_train: int = N_TRAIN):
    """``(S, n_train, 2)`` training sets, seed ``s`` from key ``s``; the test set; the truth."""
    moons = gf.datasets.TwoMoons()
    # one compiled sampler for all seeds (eagerly, each of its small ops compiled on first use: ~3 s)
    draw = eqx.filter_jit(lambda keys, n: jax.vmap(lambda key: moons.sample(key, n))(keys))
    data = draw(jnp.stack([jr.fold_in(jr.key(504), s) for s in range(seeds)]), n_train)
    test = draw(jr.key(5040)[None], N_TEST)[0]
    return data, test, moons


def run_grid(family: str, depth: int, seeds: int = SEEDS, *, budgets=BUDGETS, n_train: int = N_TRAIN,
             training: dict | None = None, training_dtype=jnp.float32) -> dict:
    """Train every (budget, seed) of one family and depth in one ``gf.fit_ensemble`` call.

    Returns a record: ``knobs``, ``n_parameters`` (of the small flows, not the padded ones),
    ``kl`` and ``epochs`` arrays of shape ``(budgets, seeds)``, ``log_q_grid`` (seed 0 of each
    budget, on the picture grid), ``flows`` (the stacked padded flows) and ``n_epochs``.
    """
    _check_family(family)
    training = dict(TRAINING if training is None else training)
    data, test, moons = seed_data(seeds, n_train)
    knobs = [architecture(family, b, depth) for b in budgets]
    knob_max = max(knobs)
    flows = [pad(make_flow(family, depth, knob, jr.fold_in(jr.key(depth), 100 * s + b)), family, depth, knob_max)
             for b, knob in enumerate(knobs) for s in range(seeds)]
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves) if eqx.is_array(leaves[0]) else leaves[0],
                                     *flows)
    members_data = jnp.tile(data, (len(budgets), 1, 1))            # member b * S + s reads seed s's data
    # Trained in float32 (about 3.5x faster per epoch than float64 on this CPU, measured), scored
    # in float64: the comparison is about the fitted densities, not about round-off.
    trained, history = gf.fit_ensemble(jr.key(50 + depth), gf.cast(stacked, training_dtype), members_data,
                                       **training)
    trained = gf.cast(trained, test.dtype)
    params, static = gf.split_trainable(trained)
    log_q = eqx.filter_jit(eqx.filter_vmap(lambda p, x: eqx.combine(p, static).log_prob(x), in_axes=(0, None)))
    points = jnp.concatenate([test, jnp.asarray(grid_points(), test.dtype)])   # one compiled call
    log_q_all = np.asarray(log_q(params, points)).reshape(len(budgets), seeds, -1)
    kl = float(jnp.mean(moons.log_prob(test))) - log_q_all[..., :N_TEST].mean(axis=-1)
    log_q_grid = log_q_all[:, 0, N_TEST:]
    return {"family": family, "depth": depth, "budgets": list(budgets), "knobs": knobs,
            "n_parameters": [n_parameters(family, depth, k) for k in knobs],
            "kl": kl, "epochs": np.asarray(history["best_epoch"]).reshape(len(budgets), seeds) + 1,
            "n_epochs": int(history["n_epochs"]), "log_q_grid": log_q_grid, "flows": trained}


def run_all(depths=DEPTHS, families=FAMILIES, *, threads: int = 2, **options) -> dict:
    """``{(family, depth): run_grid(family, depth, **options)}``, ``threads`` programs at a time.

    XLA compiles and runs a program with Python's GIL released, so on two cores one program
    compiles while another trains: the four programs of the page take 54 s instead of 72 s on
    this book's 2-core test machine (measured). Every key is fixed, so the records are the same
    as one at a time.
    """
    pairs = [(family, depth) for depth in depths for family in families]
    with ThreadPoolExecutor(max_workers=max(1, int(threads))) as pool:
        records = list(pool.map(lambda pair: run_grid(*pair, **options), pairs))
    return dict(zip(pairs, records))


def mean_se(values) -> tuple[float, float]:
    """Mean and standard error (sample standard deviation over sqrt(n)) of ``values``."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))


def grid_points(n: int = GRID_N) -> np.ndarray:
    axis = np.linspace(*WINDOW, n)
    return np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)


def budget_explorer(grid: dict) -> Explorer:
    """Budget and depth sliders over ``grid[(family, depth)]`` records of :func:`run_grid`."""
    depths = sorted({depth for _, depth in grid})
    budgets = list(grid[FAMILIES[0], depths[0]]["budgets"])
    n = int(round(math.sqrt(grid[FAMILIES[0], depths[0]]["log_q_grid"].shape[-1])))
    truth = np.asarray(gf.datasets.TwoMoons().log_prob(jnp.asarray(grid_points(n))))

    def render(budget, depth):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, PASSIVE, style_ax

        budget, depth = int(budget), int(depth)
        k = budgets.index(budget)
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        ax_curve = fig.add_axes((0.07, 0.14, 0.27, 0.74))
        panels = [fig.add_axes((0.40 + 0.2 * j, 0.12, 0.18, 0.76)) for j in range(3)]
        for family, colour in zip(FAMILIES, (PASSIVE, MODEL)):
            record = grid[family, depth]
            stats = np.array([mean_se(row) for row in record["kl"]])
            ax_curve.errorbar(record["n_parameters"], stats[:, 0], yerr=2 * stats[:, 1], color=colour,
                              marker="o", capsize=3, label=family)
            ax_curve.plot(record["n_parameters"][k], stats[k, 0], "o", color=ACCENT, ms=10, mfc="none",
                          mew=2, zorder=5)
        ax_curve.set_xscale("log")
        ax_curve.set_yscale("log")
        ax_curve.set_xlabel("trainable parameters")
        ax_curve.set_ylabel("KL(p || q) [nats], mean ± 2 SE")
        ax_curve.legend(fontsize=8)
        style_ax(ax_curve, f"depth L = {depth}")
        images = [("truth", truth)] + [(f"{f}, seed 0", grid[f, depth]["log_q_grid"][k]) for f in FAMILIES]
        for ax, (name, log_q) in zip(panels, images):
            ax.imshow(np.exp(np.asarray(log_q)).reshape(n, n), origin="lower", extent=(*WINDOW, *WINDOW),
                      cmap="viridis", vmin=0.0, vmax=0.9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name, fontsize=10)
        parts = []
        for family in FAMILIES:
            record = grid[family, depth]
            mean, se = mean_se(record["kl"][k])
            parts.append(f"{family}: {record['n_parameters'][k]} parameters, KL = {mean:.3f} ± {se:.3f}")
        return fig, f"budget ≈ {budget}, depth {depth}: " + "; ".join(parts)

    controls = {"budget": Slider("parameter budget", budgets, default=budgets[0], fmt="{:d}"),
                "depth": Slider("depth L", depths, default=depths[0], fmt="{:d}")}
    return Explorer(render, controls, title="diagonal vs coupling: KL to the truth over seeds")


def which_wins() -> Prediction:
    return Prediction(
        "At depth L = 1 the diagonal flow is ONE marginal layer and a rotation. Give it more and "
        "more mixture components. What happens to its KL to the two moons?",
        ["it keeps falling towards 0", "it levels off at a floor above 0", "it gets worse"],
        answer="it levels off at a floor above 0",
        explanation="One marginal layer maps each coordinate on its own, and the rotation after it "
                    "only turns the standard normal, which does not change it: the model is a "
                    "product of marginals, q(x) = q1(x1) q2(x2). The best product of marginals is "
                    "p1(x1) p2(x2), whose KL to p is the total correlation of the moons, however "
                    "many components each marginal has.")
