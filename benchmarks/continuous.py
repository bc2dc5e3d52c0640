"""Section 8, continuous time: a continuous flow by maximum likelihood (FFJORD-style, exact trace),
the same field trained by flow matching, and Part 5's coupling flow, on two moons.

Each model is trained on ``n_train`` points drawn with the seed and scored on 4000 fresh points
against the exact density: KL(p || q) = E_p[log p - log q] (mean over the test points; the table
gives mean +- standard error over seeds). Costs: the whole fit's wall time (compilation included),
and the function evaluations per sample of the trained model: field evaluations of the adaptive
solver (Tsit5, 6 per step, first same as last: 5 new + 1) for one log-density, where each
evaluation of the augmented field also pays for the exact trace (d = 2 Jacobian-vector products).
The coupling flow evaluates each layer once, so its count is its number of layers.

    python benchmarks/run.py --only continuous          # the table (about 15 min on 2 cores)
    python benchmarks/run.py --only continuous --checkpoints gauss_flows/course/checkpoints/continuous_two_moons
                                                         # and write the models 6·03 loads

With ``--checkpoints DIR`` every seed's trained models are written with equinox
(``eqx.tree_serialise_leaves``), with ``manifest.json`` holding the settings, this command and
the measured numbers, and the FFJORD model of the first seed is also saved at a few steps of its
training (the notebook's training snapshots).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

import gauss_flows as gf

TSIT5_EVALUATIONS_PER_STEP = 6


@dataclass(frozen=True)
class Settings:
    seeds: int = 3
    n_train: int = 2000
    n_test: int = 4000
    noise: float = 0.1
    # the continuous flow (both trainings use the same field architecture)
    width: int = 64
    depth: int = 2
    ffjord_epochs: int = 150          # 2000 * 0.9 / 256 = 7 steps per epoch
    ffjord_peak_lr: float = 1e-2
    ffjord_rtol: float = 1e-3         # training tolerance; scoring uses the library's default
    ffjord_atol: float = 1e-5
    fm_steps: int = 20000
    fm_peak_lr: float = 3e-3
    # Part 5's coupling flow
    coupling_layers: int = 4
    coupling_knots: int = 8
    coupling_width: int = 32
    coupling_epochs: int = 150
    coupling_lr: float = 3e-3
    snapshots: tuple = (0, 5, 15, 40, 80, 150)  # FFJORD epochs kept for the notebook

    def tiny(self) -> "Settings":
        return replace(self, seeds=2, n_train=400, n_test=400, width=8, depth=1, ffjord_epochs=2,
                       fm_steps=50, coupling_epochs=2, coupling_width=8, coupling_layers=2,
                       snapshots=(0, 1, 2))


@functools.lru_cache(maxsize=None)
def schedule(peak: float, steps: int) -> optax.GradientTransformation:
    """Adam with a short warm-up and a cosine decay: no tuning per model. One object per
    setting: ``gf.fit`` compiles per optimizer, so every seed reuses the first seed's program."""
    return optax.adam(optax.warmup_cosine_decay_schedule(0.0, peak, max(1, steps // 20), max(2, steps)))


def continuous_flow(field, **tolerances) -> gf.Transformed:
    return gf.Transformed(gf.StandardNormal((2,)), gf.ContinuousFlow(field, **tolerances))


def coupling_flow(key, s: Settings) -> gf.Transformed:
    return gf.coupling_flow(key, shape=(2,), transformer=gf.RationalQuadraticSpline(knots=s.coupling_knots, interval=4.0),
                            n_layers=s.coupling_layers, nn_width=s.coupling_width, nn_depth=2)


def vector_field(key, s: Settings) -> gf.VectorField:
    return gf.VectorField(key, (2,), width=s.width, depth=s.depth)


def kl(model, test, exact) -> float:
    return float(jnp.mean(exact - gf.jit_log_prob(model, test)))


def evaluations_per_sample(model, test) -> float:
    """Mean field evaluations of one log-density (the solver's steps x Tsit5's stages)."""
    steps = model.bijection.solve_batch(test[:200])[2]  # compiled once for every model of this shape
    return float(jnp.mean(steps)) * TSIT5_EVALUATIONS_PER_STEP


def train_ffjord(key, data, s: Settings, keep=None):
    k_init, k_fit = jr.split(key)
    flow = continuous_flow(vector_field(k_init, s), rtol=s.ffjord_rtol, atol=s.ffjord_atol)
    steps = s.ffjord_epochs * max(1, int(data.shape[0] * 0.9) // 256)
    snapshots = {}

    def on_epoch(trained, train_loss, val_loss):
        epoch = len(on_epoch.seen) + 1
        on_epoch.seen.append(val_loss)
        if keep is not None and epoch in keep:
            snapshots[epoch] = trained.bijection.field
    on_epoch.seen = []
    if keep is not None and 0 in keep:
        snapshots[0] = flow.bijection.field
    trained, history = gf.fit(k_fit, flow, data, optimizer=schedule(s.ffjord_peak_lr, steps), max_epochs=s.ffjord_epochs,
                              batch_size=256, patience=None, show_progress=False, on_epoch=on_epoch)
    return trained.bijection.field, history, snapshots


def run(s: Settings = Settings(), checkpoints: Path | None = None, command: str = "") -> dict:
    jax.config.update("jax_enable_x64", False)
    moons = gf.datasets.TwoMoons(noise=s.noise)
    test = moons.sample(jr.key(10_000), s.n_test)
    exact = moons.log_prob(test)
    records = {"ffjord": [], "flow matching": [], "coupling": []}
    if checkpoints is not None:
        checkpoints.mkdir(parents=True, exist_ok=True)
    for seed in range(s.seeds):
        data = moons.sample(jr.key(seed), s.n_train)
        k_ffjord, k_fm, k_coupling = jr.split(jr.key(100 + seed), 3)

        start = time.perf_counter()
        field, history, snapshots = train_ffjord(k_ffjord, data, s, keep=set(s.snapshots) if seed == 0 else None)
        seconds = time.perf_counter() - start
        model = continuous_flow(field)
        records["ffjord"].append({"kl": kl(model, test, exact), "seconds": seconds,
                                  "evaluations": evaluations_per_sample(model, test),
                                  "steps": history["n_epochs"] * history["steps_per_epoch"]})
        if checkpoints is not None:
            eqx.tree_serialise_leaves(checkpoints / f"ffjord_seed{seed}.eqx", field)
            for epoch, snap in snapshots.items():
                eqx.tree_serialise_leaves(checkpoints / f"ffjord_seed{seed}_epoch{epoch}.eqx", snap)

        start = time.perf_counter()
        k_init, k_fit = jr.split(k_fm)
        field, _ = gf.fit_flow_matching(k_fit, vector_field(k_init, s), data, n_steps=s.fm_steps, batch_size=256,
                                        log_every=max(1, s.fm_steps // 10), optimizer=schedule(s.fm_peak_lr, s.fm_steps))
        jax.block_until_ready(field)
        seconds = time.perf_counter() - start
        model = continuous_flow(field)
        records["flow matching"].append({"kl": kl(model, test, exact), "seconds": seconds,
                                         "evaluations": evaluations_per_sample(model, test), "steps": s.fm_steps})
        if checkpoints is not None:
            eqx.tree_serialise_leaves(checkpoints / f"flow_matching_seed{seed}.eqx", field)

        start = time.perf_counter()
        k_init, k_fit = jr.split(k_coupling)
        flow = coupling_flow(k_init, s)
        steps = s.coupling_epochs * max(1, int(data.shape[0] * 0.9) // 256)
        flow, history = gf.fit(k_fit, flow, data, optimizer=schedule(s.coupling_lr, steps), max_epochs=s.coupling_epochs,
                               batch_size=256, patience=None, show_progress=False)
        seconds = time.perf_counter() - start
        records["coupling"].append({"kl": kl(flow, test, exact), "seconds": seconds,
                                    "evaluations": float(s.coupling_layers), "steps": steps})
        if checkpoints is not None:
            eqx.tree_serialise_leaves(checkpoints / f"coupling_seed{seed}.eqx", flow)
        print(f"seed {seed}: " + ", ".join(f"{k} KL {v[-1]['kl']:.4f} in {v[-1]['seconds']:.0f} s" for k, v in records.items()),
              flush=True)

    rows = []
    for name, runs in records.items():
        kls = np.array([r["kl"] for r in runs])
        rows.append({"model": name, "kl": float(kls.mean()),
                     "kl_se": float(kls.std(ddof=1) / math.sqrt(len(kls))) if len(kls) > 1 else float("nan"),
                     "seconds": float(np.mean([r["seconds"] for r in runs])),
                     "evaluations": float(np.mean([r["evaluations"] for r in runs])),
                     "steps": int(runs[0]["steps"]), "per_seed": runs})
    # compiled_once: seeds share one optimizer per setting (schedule is cached), so only the first
    # seed's fit time includes compiling; the report says so.
    result = {"settings": asdict(s), "rows": rows, "compiled_once": True}
    if checkpoints is not None:
        manifest = {"command": command or f"python benchmarks/continuous.py --checkpoints {checkpoints}",
                    "jax": jax.__version__, "equinox": eqx.__version__, **result}
        (checkpoints / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--checkpoints", type=Path, default=None)
    args = parser.parse_args(argv)
    s = Settings().tiny() if args.tiny else Settings()
    result = run(s, args.checkpoints)
    for row in result["rows"]:
        print(f"{row['model']:>14}: KL {row['kl']:.4f} +- {row['kl_se']:.4f}, fit {row['seconds']:.1f} s, "
              f"{row['evaluations']:.0f} evaluations per sample")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
