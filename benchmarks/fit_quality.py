"""Section 1, fit quality: KL(p || q) to densities with an exact log-density, both libraries.

For each target :math:`p` (two moons with noise 0.05, a two-arm spiral, a ring of eight
Gaussians, a checkerboard) both libraries fit the same architecture (``common.Architecture``)
to the same 10k samples with the same budget (Adam, batch 256, at most 50 epochs, 10 %
held out for early stopping), each with its own training loop; then

.. math::  \\mathrm{KL}(p\\,\\|\\,q) \\approx \\frac1n\\sum_{i=1}^n \\log p(x_i) - \\log q(x_i),
           \\qquad x_i \\sim p \\text{ fresh},\\ n = 20\\,000,

with its Monte Carlo standard error (``gf.datasets.kl_divergence``). Training time is the wall
time of the whole fitting call, compilation included, as a user would wait for it.

FlowJAX runs at its own defaults apart from the shared budget (``fit_to_data`` with
``learning_rate=1e-3``, patience 5). gauss_flows runs as RECIPES, all through the public
``gf.fit`` (no library change): the library defaults before issue 16 and the changes tried
on top of them (the ablation table); the row marked "the benchmark recipe" is used for every
density. Since issue 16 the recipe IS the defaults (``coupling_flow(..., data=data)`` and
``fit``'s warm-up/cosine schedule): section 11 (``defaults.py``) measures them as a user gets them.

What made the difference (measured on all four densities, seed 0, Nov 2026):

* a warm-up/cosine schedule instead of a constant 1e-3: the largest gain (two moons 0.060 ->
  0.022, spiral 0.103 -> 0.062);
* a higher peak, 1e-2 instead of 3e-3 (scaled data, 30 epochs): two moons 0.025 -> 0.021,
  spiral 0.064 -> 0.054, ring 0.025 -> 0.022, checkerboard 0.084 -> 0.078 (5e-3 lies between;
  peak 2e-2 together with clipping at global norm 1 failed, KL 0.35-0.72);
* data scaled to std 1.5 rather than interval/2 = 2 (peak 1e-2): two moons and ring gain
  (0.021 -> 0.019, 0.022 -> 0.019), spiral and checkerboard lose (0.054 -> 0.065,
  0.078 -> 0.092; they prefer coarser scaling: std 2.5 gives 0.055 and 0.072, std 1.0 gives
  0.104 and 0.119); 1.5 is the choice for the two densities within reach of 0.02;
* 30 epochs (60 % of the budget) kept: 35 epochs gave ring 0.019 -> 0.017 and two moons
  0.0187 -> 0.0194 at about 5 x 0.33 s more; 40 epochs helped the spiral (0.051) but not two
  moons (it overfits).

Tried and dropped: AdamW weight decay 0.1 and 1.0 (worse everywhere: checkerboard 0.104 and
0.156), output-layer initialisation 0 instead of 0.1 (no change beyond noise), 20 epochs
(worse). Reverse permutations instead of alternating masks are the same flow in 2-D (see
``common``). A parameter moving average cannot be done through ``gf.fit`` (it returns the
optimiser's parameters, and an optax transformation cannot swap them): it would need library
support.

Run to run (Dec 2026): the same recipe and seeds on another machine of the same size
(a faster CPU, so other rounding inside the compiled kernels) gave two moons 0.0221 and ring
0.0184 instead of 0.0187 and 0.0194, and FlowJAX 0.0467 and 0.0591 instead of 0.0672 and
0.0449: training amplifies round-off, so our KLs move by about +-0.003 between machines
(FlowJAX's, with early stopping, by up to 0.02), and two moons and the ring sit AT the 0.02
goal rather than safely under it. AdamW with weight decay 1e-4 or 1e-3 on that machine:
two moons 0.0197 / 0.0209, spiral 0.0658 / 0.0744, ring 0.0181 / 0.0183, checkerboard
0.0928 / 0.0997, i.e. within that variation of plain Adam, so the recipe was left as it is.

Where the remaining KL comes from (peak 1e-2, scaled data, seed 0). ``KL on the training data``
(its 10k samples in place of fresh ones) against fresh-sample KL separates overfitting from
approximation: after 30 epochs, two moons -0.005 vs 0.021, spiral 0.023 vs 0.054, checkerboard
0.052 vs 0.078, so about 0.025 nats on every density is overfitting to 9k samples. Training
240 epochs on the same 10k samples (6x the steps) gives two moons 0.027, spiral 0.043,
checkerboard 0.043 (training-data KL -0.020, -0.009, +0.011: more overfitting); 40 epochs on
60k samples (the same 6x steps, fresh data) gives two moons 0.0075, spiral 0.018,
checkerboard 0.021. So this architecture can represent all four densities to about 0.02; on
the spiral and the checkerboard 0.02 is out of reach with 9k training samples at any number of
epochs, because of the sample size, not the optimiser or the architecture.

Time: the checkerboard took 38 s (3x the others) in the November run recorded at load average
4.5 / 6.7 / 8.1; rerun alone (load 1.2) the same recipe gave the same KL (0.0839) in 17 s,
in line with the other densities. Sampling it and its log-density are cheap elementwise
operations, and its held-out ``log_prob`` costs what the others' do: the 38 s was machine load.
Wall times on this 2-core machine move by +-30 % with load (FlowJAX's ring fit took 11.0,
14.3, 15.4 and 18.1 s in four runs of identical work), so a time comparison within a few
seconds is a draw. Most of a gauss_flows fit here is compilation: the benchmark recipe's
ring fit took 14.0 s the first time and 4.4-5.2 s when repeated with the same optimizer
object (same process), i.e. about 9 s of the 13-15 s are compiling the epoch, the validation
``log_prob`` and the set-up. Each fit here builds a new optimizer (as FlowJAX's
``fit_to_data`` does), so each pays it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

import gauss_flows as gf
from common import Architecture, flowjax_flow, gauss_flows_flow

TARGETS = {
    "two moons": lambda: gf.datasets.TwoMoons(noise=0.05),
    "spiral": lambda: gf.datasets.Spiral(),
    "ring of Gaussians": lambda: gf.datasets.RingOfGaussians(),
    "checkerboard": lambda: gf.datasets.Checkerboard(),
}


@dataclass(frozen=True)
class Budget:
    arch: Architecture = field(default_factory=Architecture)
    n_train: int = 10_000
    max_epochs: int = 50
    batch_size: int = 256
    learning_rate: float = 1e-3
    val_fraction: float = 0.1
    n_kl: int = 20_000
    seed: int = 0
    targets: tuple = tuple(TARGETS)
    ablation_targets: tuple = ("two moons", "spiral")

    def tiny(self) -> "Budget":
        return replace(self, arch=Architecture(n_layers=2, knots=4, width=8, depth=1), n_train=600,
                       max_epochs=2, batch_size=64, n_kl=500, targets=("two moons",),
                       ablation_targets=())


# ---- gauss_flows recipes: (description, builder of (flow, fit keyword arguments)) ----------

def _steps(budget: Budget) -> int:
    n_train = budget.n_train - int(round(budget.val_fraction * budget.n_train))
    return budget.max_epochs * (n_train // budget.batch_size)


def _standardised(flow, data, std):
    """Prepend a (trainable) ActNorm that maps the data to mean 0 and standard deviation
    ``std``: the splines' bins, spread evenly over ``[-interval, interval]``, then cover the
    data instead of a few central bins (with ``std = interval / 2``: +-2 standard deviations;
    the benchmark recipe uses ``std = 1.5``, +-2.7 standard deviations, a little finer)."""
    scale = jnp.maximum(data.std(axis=0), 1e-6)
    actnorm = gf.ActNorm((2,), loc=data.mean(axis=0), log_scale=jnp.log(scale / std))
    return gf.Transformed(flow.base, gf.Chain([actnorm, *flow.bijection.bijectors]))


def _cosine(budget: Budget, peak: float, epochs: int):
    """Adam with a linear warm-up over the first epoch (at most a fifth of the run), then a
    cosine decay to 1 % of ``peak`` at the end of ``epochs`` epochs."""
    steps = _steps(replace(budget, max_epochs=epochs))
    warmup = max(1, min(steps // epochs, steps // 5))
    schedule = optax.warmup_cosine_decay_schedule(0.0, peak, warmup, steps, peak * 0.01)
    return optax.adam(schedule)


def _epochs(budget: Budget, fraction: float) -> int:
    return max(1, round(fraction * budget.max_epochs))


def _recipe(*, std=None, peak=None, fraction=0.6):
    """A gauss_flows recipe: optionally the data scaled to ``std`` (ActNorm first), optionally
    Adam on a warm-up/cosine schedule with peak ``peak`` over ``fraction`` of the epoch budget
    (a schedule needs the whole run, so no early stopping: the best validation epoch is still
    the one returned), else Adam 1e-3 with patience 10 (the library defaults before issue 16)."""
    def recipe(key, data, budget):
        flow = gauss_flows_flow(key, budget.arch)
        if std is not None:
            flow = _standardised(flow, data, std * budget.arch.interval / 4.0)
        if peak is None:
            return flow, {"learning_rate": budget.learning_rate, "patience": 10}
        epochs = _epochs(budget, fraction)
        return flow, {"optimizer": _cosine(budget, peak, epochs), "patience": None,
                      "max_epochs": epochs}
    return recipe


# The ablation (run on Budget.ablation_targets), in order; ``std`` is for interval 4 (it scales
# with the interval). TUNED is the benchmark recipe used for every density.
RECIPES = {
    "Adam 1e-3, patience 10 (the library defaults before issue 16)": _recipe(),
    "+ data scaled to std = interval/2 (ActNorm first)": _recipe(std=2.0),
    "+ warm-up/cosine schedule, peak 3e-3, 30 epochs (unscaled data)": _recipe(peak=3e-3),
    "scaled data (std 2) + warm-up/cosine, peak 3e-3, 30 epochs (previous recipe)":
        _recipe(std=2.0, peak=3e-3),
    "+ peak learning rate 1e-2": _recipe(std=2.0, peak=1e-2),
    "std 1.5 instead of 2 + warm-up/cosine, peak 1e-2, 30 epochs (the benchmark recipe)":
        _recipe(std=1.5, peak=1e-2),
    "+ 35 epochs instead of 30": _recipe(std=1.5, peak=1e-2, fraction=0.7),
}
TUNED = "std 1.5 instead of 2 + warm-up/cosine, peak 1e-2, 30 epochs (the benchmark recipe)"


# ---- fitting --------------------------------------------------------------------------------

def _keys(budget: Budget, index: int):
    data_key, init_key, train_key, kl_key = jr.split(jr.key(budget.seed + 100 * index), 4)
    return data_key, init_key, train_key, kl_key


def fit_gauss_flows(recipe, target, keys, budget):
    data_key, init_key, train_key, kl_key = keys
    data = target.sample(data_key, budget.n_train)
    flow, kwargs = recipe(init_key, data, budget)
    kwargs = {"max_epochs": budget.max_epochs, **kwargs}
    start = time.perf_counter()
    flow, history = gf.fit(train_key, flow, data,
                           batch_size=budget.batch_size, val_fraction=budget.val_fraction,
                           show_progress=False, **kwargs)
    jax.block_until_ready(flow)
    seconds = time.perf_counter() - start
    kl, se = gf.datasets.kl_divergence(kl_key, target, flow, n=budget.n_kl)
    return flow, {"kl": kl, "se": se, "seconds": seconds, "epochs": history["n_epochs"]}


def fit_flowjax(target, keys, budget):
    from flowjax.train import fit_to_data

    data_key, init_key, train_key, kl_key = keys
    data = target.sample(data_key, budget.n_train)
    flow = flowjax_flow(init_key, budget.arch)
    start = time.perf_counter()
    flow, losses = fit_to_data(train_key, flow, data, learning_rate=budget.learning_rate,
                               max_epochs=budget.max_epochs, batch_size=budget.batch_size,
                               val_prop=budget.val_fraction, show_progress=False)
    jax.block_until_ready(flow)
    seconds = time.perf_counter() - start
    kl, se = gf.datasets.kl_divergence(kl_key, target, flow, n=budget.n_kl)
    return flow, {"kl": kl, "se": se, "seconds": seconds, "epochs": len(losses["train"])}


def run(budget: Budget, out_dir, log=print) -> dict:
    """Fit every target with both libraries (and the ablation recipes); write the figure."""
    rows, ablation, flows = [], [], {}
    for index, (name, make) in enumerate(TARGETS.items()):
        if name not in budget.targets:
            continue
        target, keys = make(), _keys(budget, index)
        fj_flow, fj = fit_flowjax(target, keys, budget)
        log(f"  {name}: FlowJAX KL {fj['kl']:.4f} ± {fj['se']:.4f} in {fj['seconds']:.1f} s")
        recipes = RECIPES if name in budget.ablation_targets else {TUNED: RECIPES[TUNED]}
        for recipe_name, recipe in recipes.items():
            gf_flow, result = fit_gauss_flows(recipe, target, keys, budget)
            log(f"  {name}: gauss_flows [{recipe_name}] KL {result['kl']:.4f} ± {result['se']:.4f} "
                f"in {result['seconds']:.1f} s")
            ablation.append({"target": name, "recipe": recipe_name, **result})
            if recipe_name == TUNED:
                tuned, flows[name] = result, (target, gf_flow, fj_flow)
        rows.append({"target": name, "gauss_flows": tuned, "flowjax": fj})
    figure = _plot(flows, out_dir)
    return {"rows": rows, "ablation": ablation, "figure": figure, "recipe": TUNED,
            "budget": {"n_train": budget.n_train, "max_epochs": budget.max_epochs,
                       "batch_size": budget.batch_size, "n_kl": budget.n_kl,
                       "arch": vars(budget.arch)}}


@eqx.filter_jit
def _log_prob(model, points):
    return model.log_prob(points)


def _plot(flows, out_dir) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    grid = np.linspace(-4.0, 4.0, 120)
    points = jnp.asarray(np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2), jnp.float32)
    fig = Figure(figsize=(6.0, 2.0 * len(flows)), layout="constrained")
    axes = fig.subplots(len(flows), 3, squeeze=False)
    for row, (name, (target, gf_flow, fj_flow)) in zip(axes, flows.items()):
        for ax, (label, model) in zip(row, (("truth", target), ("gauss_flows", gf_flow),
                                             ("FlowJAX", fj_flow))):
            density = np.exp(np.asarray(_log_prob(model, points))).reshape(grid.size, grid.size)
            ax.imshow(density, origin="lower", extent=(-4, 4, -4, 4), cmap="magma",
                      vmax=np.percentile(density, 99.5))
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(f"{name}: {label}", fontsize=8)
    path = out_dir / "fit_quality.png"
    fig.savefig(path, dpi=70)
    return path.name
