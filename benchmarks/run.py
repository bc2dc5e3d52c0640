"""Benchmarks of gauss_flows: fit quality, speed against FlowJAX, numerics, explorers, notebooks,
live latency.

Usage::

    python benchmarks/run.py                  # everything (about 15-20 min on 2 cores)
    python benchmarks/run.py --only speed     # one section; the other tables are kept
    python benchmarks/run.py --tiny --out /tmp/bench   # the test setting (seconds, not minutes)

Writes ``<out>/RESULTS.md`` (default ``benchmarks/``), its figures, and one JSON record per
section in ``<out>/results/``. It prints and writes numbers; it asserts nothing about time.
FlowJAX (``benchmarks/requirements.txt``) is needed by the fit and speed sections only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))  # _style.py, used by the explorers

import report  # noqa: E402

SECTIONS = report.SECTIONS


def _meta(tiny: bool, seconds: float, load: str) -> dict:
    import equinox
    import jax

    try:
        import flowjax
        peer = f", FlowJAX {flowjax.__version__}" if hasattr(flowjax, "__version__") else ", FlowJAX"
    except ImportError:
        peer = ""
    return {"when": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "machine": f"{platform.machine()} x{os.cpu_count()} CPU, JAX {jax.__version__}, "
                       f"equinox {equinox.__version__}{peer}",
            "load": load, "tiny": tiny, "seconds": seconds}


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run_section(name: str, tiny: bool, out: Path, checkpoints: Path | None = None) -> dict:
    if name == "fit":
        import fit_quality

        budget = fit_quality.Budget()
        return fit_quality.run(budget.tiny() if tiny else budget, out)
    if name == "speed":
        import speed

        settings = speed.SpeedSettings()
        return speed.run(settings.tiny() if tiny else settings, out)
    if name == "numerics":  # float64 needs x64 on from the start: its own process
        target = out / "results" / "numerics.raw.json"
        env = {**os.environ, "JAX_ENABLE_X64": "1"}
        subprocess.run([sys.executable, str(HERE / "numerics.py"), "--n", "8" if tiny else "256",
                        "--json", str(target)] + (["--tiny"] if tiny else []), check=True, env=env, cwd=ROOT)
        result = json.loads(target.read_text())
        target.unlink()
        return result
    if name == "explorers":
        import explorer_latency

        return explorer_latency.run(2 if tiny else 30,
                                    only={"linear_flow_explorer"} if tiny else None)
    if name == "live":
        import live_latency

        if tiny:
            return live_latency.run(pause=0.05, reach=1, max_cells=2,
                                    only={"linear_flow_explorer", "mask_explorer"})
        return live_latency.run()
    if name == "notebooks":
        import notebook_times

        return notebook_times.run(ROOT, tiny)
    if name == "information":
        import information

        return information.run(dims=(2,) if tiny else (2, 5, 10), sizes=(300,) if tiny else (500, 5000),
                               seeds=2 if tiny else 5)
    if name == "continuous":
        import continuous

        settings = continuous.Settings()
        command = (f"python benchmarks/run.py --only continuous --checkpoints {checkpoints}"
                   if checkpoints is not None else "")
        return continuous.run(settings.tiny() if tiny else settings, checkpoints, command)
    if name == "amortised":
        import amortised

        settings = amortised.Settings()
        return amortised.run(settings.tiny() if tiny else settings)
    if name == "images":
        import images

        settings = images.Settings()
        command = (f"python benchmarks/run.py --only images --checkpoints {checkpoints}"
                   if checkpoints is not None else "")
        return images.run(settings.tiny() if tiny else settings, checkpoints, command)
    if name == "defaults":
        import defaults

        settings = defaults.Settings()
        return defaults.run(settings.tiny() if tiny else settings, tiny=tiny)
    raise ValueError(f"unknown section {name!r}; choose from {SECTIONS}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="the test setting: tiny flows and budgets")
    parser.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md and figures go")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run this section only (repeatable); the other tables are kept")
    parser.add_argument("--checkpoints", type=Path, default=None,
                        help="the continuous or images section also saves its trained models here "
                             "(what Part 6 · 03 or Part 12 · 03 loads): run it with --only")
    args = parser.parse_args(argv)
    if args.checkpoints is not None and len(set(args.only or SECTIONS) & {"continuous", "images"}) != 1:
        parser.error("--checkpoints saves the models of ONE section: add --only continuous or --only images")
    out = args.out.resolve()
    (out / "results").mkdir(parents=True, exist_ok=True)
    for name in args.only or SECTIONS:
        print(f"== {report.TITLES[name]} ==", flush=True)
        load, start = _load(), time.perf_counter()
        result = run_section(name, args.tiny, out, args.checkpoints)
        record = {"meta": _meta(args.tiny, time.perf_counter() - start, load), "result": result}
        (out / "results" / f"{name}.json").write_text(json.dumps(record, indent=1))
        report.write(out)
    path = report.write(out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
