"""Section 10, images: held-out bits per dimension on the 8x8 digits, a multi-scale coupling flow
against the closed-form and classical baselines.

Every model is a density of the dequantized, logit-transformed digits and is scored the same way
(``gf.dequantization``): the bits/dim bound on the fixed test set (360 images, ``gf.images.digits``),
logit log-det and the :math:`D \\log 17` of the 1/K scaling included, averaged over ``n_draws``
dequantizations of each test image. Baselines (``gf.image_baselines.baseline_bits_per_dim``): the
full-covariance Gaussian, the PCA-Gaussian, RBIG and a diagonal flow (independent pixels), each
fitted to one uniform dequantization of the training images. The multi-scale flow
(``gf.multiscale_flow``) is trained by ``gf.dequantization.fit_dequantized`` with uniform
dequantization, and with a variational dequantizer trained jointly. Seeds change the
dequantization noise, the initialisation and the minibatch order; the split is fixed. The table
gives mean +- standard error over seeds and the mean fit time (compilation included).

    python benchmarks/run.py --only images            # the table (about 10 min on 2 busy cores)
    python benchmarks/run.py --only images --checkpoints gauss_flows/course/checkpoints/digits_multiscale
                                                      # and write the models Part 12 loads

With ``--checkpoints DIR`` the first seed's multi-scale flows (uniform, and variational with its
dequantizer) are written with equinox (``eqx.tree_serialise_leaves``), the uniform one also at a
few epochs of its training (the notebook's snapshots), with ``manifest.json`` holding the command,
settings, versions, the measured numbers and how they were measured (so a test can re-measure them).
"""

from __future__ import annotations

import argparse
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

import gauss_flows as gf
from gauss_flows import dequantization as dq
from gauss_flows.course.checkpoints import DIGITS_EVAL_KEY, digits_held_out_bits_per_dim
from gauss_flows.image_baselines import baseline_bits_per_dim

#: The rows of the table, in order: (name in the records, what the table calls it).
MODELS = (("gaussian", "full-covariance Gaussian"), ("pca", "PCA-Gaussian"), ("rbig", "RBIG"),
          ("diagonal", "diagonal flow (independent pixels)"),
          ("multiscale", "multi-scale coupling flow, uniform dequantization"),
          ("multiscale_variational", "multi-scale coupling flow, variational dequantization"))


@dataclass(frozen=True)
class Settings:
    seeds: int = 5
    n_draws: int = 8                  # dequantizations of each test image
    # baselines
    pca_components: int = 16
    rbig_layers: int = 20
    diagonal_epochs: int = 200
    # the multi-scale flow
    n_levels: int = 2
    n_couplings: int = 2
    knots: int = 8
    interval: float = 6.0
    width: int = 32
    depth: int = 1
    epochs: int = 80
    learning_rate: float = 1e-3
    batch_size: int = 128
    # the variational dequantizer q(u | x)
    dequantizer_layers: int = 4
    dequantizer_width: int = 32
    snapshots: tuple = (0, 1, 3, 10, 30, 80)   # epochs of seed 0's uniform flow kept for the notebook

    def tiny(self) -> "Settings":
        return replace(self, seeds=2, n_draws=1, rbig_layers=2, diagonal_epochs=2, n_levels=1, n_couplings=2, knots=2,
                       width=4, epochs=2, dequantizer_layers=2, dequantizer_width=4, snapshots=(0, 2))


def transformer(s: Settings) -> gf.Bijector:
    return gf.RationalQuadraticSpline(knots=s.knots, interval=s.interval)


def multiscale(key, s: Settings) -> gf.Transformed:
    """The benchmark's flow (float32), as the checkpoint loader rebuilds it from the settings."""
    return gf.cast(gf.multiscale_flow(key, shape=gf.images.IMAGE_SHAPE, transformer=transformer(s),
                                      n_levels=s.n_levels, n_couplings=s.n_couplings, nn_width=s.width,
                                      nn_depth=s.depth), jnp.float32)


def dequantizer(key, s: Settings) -> dq.VariationalDequantizer:
    return gf.cast(dq.VariationalDequantizer(key, n_layers=s.dequantizer_layers, nn_width=s.dequantizer_width),
                   jnp.float32)


def held_out(flow, seed: int, s: Settings, q=None) -> float:
    """Test-set bits/dim of a trained flow (the protocol the checkpoints' test re-measures)."""
    return digits_held_out_bits_per_dim(flow, seed, s.n_draws, q)


def train(seed: int, s: Settings, variational: bool, keep=()):
    """Train one multi-scale flow; ``keep``: epochs whose flow is returned in ``snapshots``."""
    k_flow, k_q, k_fit = jr.split(jr.key(seed), 3)
    flow = multiscale(k_flow, s)
    q = dequantizer(k_q, s) if variational else None
    snapshots, curve = ({0: flow} if 0 in keep else {}), []

    def on_epoch(trained, _, train_bits):
        curve.append(train_bits)
        if len(curve) in keep:
            snapshots[len(curve)] = trained
    start = time.perf_counter()
    flow, q, history = dq.fit_dequantized(k_fit, flow, gf.images.digits().train_images, dequantizer=q,
                                          n_epochs=s.epochs, batch_size=s.batch_size,
                                          learning_rate=s.learning_rate, on_epoch=on_epoch)
    jax.block_until_ready(flow)
    return flow, q, history, time.perf_counter() - start, snapshots


def _row(name: str, label: str, runs: list[dict], parameters: int | None) -> dict:
    bits = np.array([r["bits_per_dim"] for r in runs])
    return {"model": name, "label": label, "bits_per_dim": float(bits.mean()),
            "se": float(bits.std(ddof=1) / math.sqrt(len(bits))) if len(bits) > 1 else float("nan"),
            "seconds": float(np.mean([r["seconds"] for r in runs])), "parameters": parameters,
            "per_seed": runs}


def run(s: Settings = Settings(), checkpoints: Path | None = None, command: str = "") -> dict:
    jax.config.update("jax_enable_x64", False)
    d = gf.images.digits()
    records = {name: [] for name, _ in MODELS}
    kept = {}
    options = {"pca": dict(n_components=s.pca_components), "rbig": dict(n_layers=s.rbig_layers),
               "diagonal": dict(max_epochs=s.diagonal_epochs)}
    for seed in range(s.seeds):
        for method in ("gaussian", "pca", "rbig", "diagonal"):
            start = time.perf_counter()
            bits = baseline_bits_per_dim(jr.key(seed), method, d.train_images, d.test_images,
                                         n_draws=s.n_draws, **options.get(method, {}))
            records[method].append({"bits_per_dim": bits, "seconds": time.perf_counter() - start})
        for name, variational in (("multiscale", False), ("multiscale_variational", True)):
            keep = set(s.snapshots) if seed == 0 and not variational else set()
            flow, q, history, seconds, snapshots = train(seed, s, variational, keep)
            records[name].append({"bits_per_dim": held_out(flow, seed, s, q), "seconds": seconds,
                                  "final_train_bits_per_dim": history["train_bits_per_dim"][-1]})
            if seed == 0:
                kept[name] = (flow, q, history, snapshots)
        print(f"seed {seed}: " + ", ".join(f"{k} {v[-1]['bits_per_dim']:.3f}" for k, v in records.items()), flush=True)

    n_parameters = {"multiscale": gf.count_parameters(kept["multiscale"][0]),
                    "multiscale_variational": gf.count_parameters(kept["multiscale_variational"][0])
                    + gf.count_parameters(kept["multiscale_variational"][1])}
    rows = [_row(name, label, records[name], n_parameters.get(name)) for name, label in MODELS]
    flow, _, history, snapshots = kept["multiscale"]
    training = {"train_bits_per_dim": history["train_bits_per_dim"],
                "snapshots": [{"epoch": e, "test_bits_per_dim": held_out(snapshots[e], 0, s)}
                              for e in sorted(snapshots)]}
    result = {"settings": asdict(s), "rows": rows, "training_seed0": training,
              "evaluation": {"key": f"jr.key({DIGITS_EVAL_KEY} + seed)", "n_draws": s.n_draws, "split": "gf.images.digits()"}}
    if checkpoints is not None:
        save(checkpoints, kept, result, command)
    return result


def save(folder: Path, kept: dict, result: dict, command: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    flow, _, _, snapshots = kept["multiscale"]
    eqx.tree_serialise_leaves(folder / "multiscale_seed0.eqx", flow)
    for epoch, snapshot in snapshots.items():   # the last is the flow itself: not stored twice
        if epoch != result["settings"]["epochs"]:
            eqx.tree_serialise_leaves(folder / f"multiscale_seed0_epoch{epoch}.eqx", snapshot)
    flow, q, _, _ = kept["multiscale_variational"]
    eqx.tree_serialise_leaves(folder / "multiscale_variational_seed0.eqx", flow)
    eqx.tree_serialise_leaves(folder / "dequantizer_seed0.eqx", q)
    manifest = {"command": command or f"python benchmarks/images.py --checkpoints {folder}",
                "jax": jax.__version__, "equinox": eqx.__version__, "dtype": "float32", **result}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--checkpoints", type=Path, default=None)
    args = parser.parse_args(argv)
    s = Settings().tiny() if args.tiny else Settings()
    result = run(s, args.checkpoints)
    for row in result["rows"]:
        print(f"{row['label']:>55}: {row['bits_per_dim']:.4f} +- {row['se']:.4f} bits/dim, fit {row['seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
