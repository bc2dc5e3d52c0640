"""Section 11, the defaults: each library as a user writes it, on wide and heavy-tailed densities.

gauss_flows as the README shows it: ``gf.coupling_flow(key, shape=(d,), transformer=spline,
..., data=data)`` (the data standardised by an ``ActNorm`` first) and ``gf.fit(key, flow,
data)`` (Adam on the warm-up/cosine schedule, peak 1e-2, 30 epochs, the best validation epoch
returned). FlowJAX as its documentation shows it: ``coupling_flow`` and ``fit_to_data`` with
Adam 1e-3 and its early stopping (patience 5), at most 50 epochs. And gauss_flows as it was
before issue 16 (no standardisation, Adam 1e-3, patience 10, at most 50 epochs): what changed.

Same architecture in all three (section 1's: 8 rational-quadratic spline couplings, 8 knots on
[-4, 4], conditioner MLP 64 x 2), same training samples and seeds; KL(p || q) on fresh samples
(``gf.datasets.kl_divergence``), mean +- standard error over seeds; time = the whole fitting
call, compilation included. In 8-D gauss_flows alternates a half mask and its complement,
FlowJAX a half mask and reversing permutations: the same number of couplings and parameters.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf

TARGETS = {
    "two moons": lambda: gf.datasets.TwoMoons(noise=0.05),
    "spiral": lambda: gf.datasets.Spiral(),
    "checkerboard": lambda: gf.datasets.Checkerboard(),
    "banana, long arm": lambda: gf.datasets.Banana(),
    "Student-t, 3 dof": lambda: gf.datasets.StudentT(),
    "ring of Gaussians x4 (radius 8)": lambda: gf.datasets.RingOfGaussians(radius=8.0, std=1.0),
    "8-D rotated product": lambda: gf.datasets.RotatedProduct(),
}


@dataclass(frozen=True)
class Settings:
    n_layers: int = 8
    knots: int = 8
    interval: float = 4.0
    width: int = 64
    depth: int = 2
    n_train: int = 10_000
    budget_epochs: int = 50          # FlowJAX's and the old defaults' cap; gauss_flows runs its 30
    n_kl: int = 20_000
    seeds: int = 3
    targets: tuple = tuple(TARGETS)

    def tiny(self) -> "Settings":
        return replace(self, n_layers=2, knots=4, width=8, depth=1, n_train=600, budget_epochs=2,
                       n_kl=300, seeds=2, targets=("8-D rotated product",))   # its 2-D parts: same code


def _spline(s: Settings):
    return gf.RationalQuadraticSpline(knots=s.knots, interval=s.interval)


def fit_defaults(target, data, key, s: Settings, *, tiny: bool):
    """gauss_flows at its defaults (the README's two lines)."""
    init_key, train_key = jr.split(key)
    flow = gf.coupling_flow(init_key, shape=target.shape, transformer=_spline(s), n_layers=s.n_layers,
                            nn_width=s.width, nn_depth=s.depth, data=data)
    epochs = {"max_epochs": s.budget_epochs} if tiny else {}   # the defaults, except in the test run
    return gf.fit(train_key, flow, data, show_progress=False, **epochs)


def fit_before(target, data, key, s: Settings):
    """gauss_flows as its defaults were before issue 16."""
    init_key, train_key = jr.split(key)
    flow = gf.coupling_flow(init_key, shape=target.shape, transformer=_spline(s), n_layers=s.n_layers,
                            nn_width=s.width, nn_depth=s.depth)
    return gf.fit(train_key, flow, data, learning_rate=1e-3, max_epochs=s.budget_epochs, patience=10,
                  show_progress=False)


def fit_flowjax(target, data, key, s: Settings):
    from flowjax.bijections import RationalQuadraticSpline
    from flowjax.distributions import Normal
    from flowjax.flows import coupling_flow
    from flowjax.train import fit_to_data

    init_key, train_key = jr.split(key)
    flow = coupling_flow(init_key, base_dist=Normal(jnp.zeros(target.shape[0])),
                         transformer=RationalQuadraticSpline(knots=s.knots, interval=s.interval),
                         flow_layers=s.n_layers, nn_width=s.width, nn_depth=s.depth)
    flow, losses = fit_to_data(train_key, flow, data, learning_rate=1e-3, max_epochs=s.budget_epochs,
                               show_progress=False)
    return flow, {"n_epochs": len(losses["train"])}


def _mean_se(values):
    values = np.asarray(values, dtype=float)
    se = values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else float("nan")
    return float(values.mean()), float(se)


def run(s: Settings, tiny: bool = False, log=print) -> dict:
    fits = {"gauss_flows": lambda t, d, k: fit_defaults(t, d, k, s, tiny=tiny),
            "FlowJAX": lambda t, d, k: fit_flowjax(t, d, k, s),
            "gauss_flows before": lambda t, d, k: fit_before(t, d, k, s)}
    rows = []
    for index, name in enumerate(TARGETS):
        if name not in s.targets:
            continue
        target = TARGETS[name]()
        runs = {library: {"kl": [], "seconds": [], "epochs": []} for library in fits}
        for seed in range(s.seeds):
            data_key, fit_key, kl_key = jr.split(jr.key(1000 * index + seed), 3)
            data = target.sample(data_key, s.n_train)
            for library, fit in fits.items():
                start = time.perf_counter()
                flow, history = fit(target, data, fit_key)
                jax.block_until_ready(flow)
                seconds = time.perf_counter() - start
                kl, _ = gf.datasets.kl_divergence(kl_key, target, flow, n=s.n_kl)
                runs[library]["kl"].append(kl)
                runs[library]["seconds"].append(seconds)
                runs[library]["epochs"].append(history["n_epochs"])
                log(f"  {name}, seed {seed}: {library} KL {kl:.4f} in {seconds:.1f} s")
        row = {"target": name, "dim": int(target.shape[0])}
        for library, result in runs.items():
            kl, se = _mean_se(result["kl"])
            row[library] = {"kl": kl, "se": se, "seconds": float(np.mean(result["seconds"])),
                            "epochs": float(np.mean(result["epochs"])), "kls": result["kl"]}
        row["kl_ratio"] = row["gauss_flows"]["kl"] / row["FlowJAX"]["kl"]
        row["time_ratio"] = row["gauss_flows"]["seconds"] / row["FlowJAX"]["seconds"]
        rows.append(row)
    return {"rows": rows, "seeds": s.seeds, "n_train": s.n_train, "budget_epochs": s.budget_epochs,
            "n_kl": s.n_kl}
