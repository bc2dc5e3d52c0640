"""Part 5 · 04's evidence table: diagonal vs coupling flows over budgets, depths and seeds.

Runs ``explorers.diagonal_vs_coupling_revisited.run`` for every (family, budget, depth), each
training the seeds side by side to validation early stopping, and writes a small JSON that the
notebook loads (it re-runs one setting live and checks it reproduces the stored numbers):

    python benchmarks/diagonal_vs_coupling.py            # the full table (minutes)
    python benchmarks/diagonal_vs_coupling.py --out x.json --budgets 100 --depths 1 --seeds 2 --tiny
    python benchmarks/diagonal_vs_coupling.py --merge depth1.json depth2.json   # parts run apart
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gauss_flows.course.explorers import diagonal_vs_coupling_revisited as dvc  # noqa: E402


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(dvc.DATA_FILE))
    parser.add_argument("--budgets", type=int, nargs="+", default=list(dvc.BUDGETS))
    parser.add_argument("--depths", type=int, nargs="+", default=list(dvc.DEPTHS))
    parser.add_argument("--seeds", type=int, default=dvc.SEEDS)
    parser.add_argument("--tiny", action="store_true", help="few samples and epochs (for tests)")
    parser.add_argument("--merge", nargs="+", help="merge tables of the same settings (e.g. one per depth)")
    args = parser.parse_args(argv)
    if args.merge:
        return write(merge([json.loads(Path(p).read_text()) for p in args.merge]), args.out)
    n_train, n_kl, training = dvc.N_TRAIN, dvc.N_KL, dict(dvc.TRAINING)
    if args.tiny:
        n_train, n_kl = 200, 500
        training.update(max_epochs=3, batch_size=64)
    settings = {"budgets": args.budgets, "depths": args.depths, "seeds": args.seeds,
                "n_train": n_train, "n_kl": n_kl, "training": training, "grid_n": dvc.GRID_N,
                "interval": dvc.INTERVAL, "coupling_knots": dvc.COUPLING_KNOTS}
    records = []
    for depth in args.depths:
        for budget in args.budgets:
            for family in dvc.FAMILIES:
                start = time.perf_counter()
                record = dvc.run(family, budget, depth, args.seeds, n_train=n_train, n_kl=n_kl,
                                 training=training)
                records.append(dvc.to_json_record(record))
                mean, se = dvc.mean_se(record["kl"])
                print(f"depth {depth} budget {budget:5d} {family:>8}: {record['n_parameters']:5d} "
                      f"parameters, KL = {mean:.4f} ± {se:.4f}, epochs {record['epochs']} "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
    return write({"settings": settings, "records": records}, args.out)


def merge(tables: list[dict]) -> dict:
    """One table from parts that differ only in their budgets or depths."""
    settings = dict(tables[0]["settings"])
    for table in tables[1:]:
        other = {k: v for k, v in table["settings"].items() if k not in ("budgets", "depths")}
        if other != {k: v for k, v in settings.items() if k not in ("budgets", "depths")}:
            raise ValueError("merge needs tables run with the same settings (seeds, data, training).")
    settings["budgets"] = sorted({b for t in tables for b in t["settings"]["budgets"]})
    settings["depths"] = sorted({d for t in tables for d in t["settings"]["depths"]})
    return {"settings": settings, "records": [r for t in tables for r in t["records"]]}


def write(table: dict, out) -> dict:
    dvc.validate_table(table)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(table, indent=1) + "\n")
    return table


if __name__ == "__main__":
    main()
