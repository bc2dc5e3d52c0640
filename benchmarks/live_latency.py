"""Section 6, live latency: every explorer driven in live mode at a learner's pace.

Section 4 times cold draws and a walk that waits for the background prefetch to finish
before each change. A learner does not wait: this section builds each explorer's live
widget (``explorer.widget()``: the first draw, then the background work starts), then
makes one change every ``pause`` seconds (0.5 s), whatever the background is doing, on
EVERY control in turn, back and forth:

* a slider: ``reach`` notches up one at a time, then back down to where it was;
* a dropdown: each option in turn, then back to the first one chosen;
* a toggle: on, off, on, off;
* a mask editor: a cell clicked, then clicked back, for each of (at most ``max_cells``)
  cells; the masks so made are mostly not among the precomputed ones.

Latency = the time ``explorer.set(...)`` takes to put the new frame into the widget (the
path a widget's callback takes), cached or not: what the learner waits for after the
first draw. Goal (issue 24): p95 <= 200 ms for every explorer. Explorers that need what
their notebook computed get the inputs of section 4 (``explorer_latency.ARGUMENTS``).
"""

from __future__ import annotations

import inspect
import time

import numpy as np

import explorer_latency


def learner_moves(explorer, reach: int = 3, max_cells: int = 6) -> list[dict]:
    """The sequence of states a learner visits from the explorer's current state."""
    moves, here = [], dict(explorer.values)
    for name, control in explorer.controls.items():
        start = control.index(here[name])
        if control.kind == "slider":
            up = [i for i in range(start + 1, start + reach + 1) if i < len(control.values)]
            if not up:  # at the top of the grid: go down and back up instead
                up = [i for i in range(start - 1, start - reach - 1, -1) if i >= 0]
            path = up + up[-2::-1] + [start]
            moves += [{name: control.values[i]} for i in path]
        elif control.kind == "dropdown":
            others = [i for i in range(len(control.values)) if i != start]
            moves += [{name: control.values[i]} for i in others + [start]]
        elif control.kind == "toggle":
            moves += [{name: v} for v in (not here[name], here[name]) * 2]
        elif control.kind == "mask":
            mask = np.asarray(here[name], dtype=bool)
            cells = np.linspace(0, mask.size - 1, min(max_cells, mask.size)).round().astype(int)
            for k in dict.fromkeys(cells.tolist()):
                flipped = mask.copy().ravel()
                flipped[k] = ~flipped[k]
                moves += [{name: flipped.reshape(mask.shape)}, {name: mask.copy()}]
    return moves


def drive(build, pause: float, reach: int, max_cells: int, rounds: int) -> dict:
    start = time.perf_counter()
    explorer = build()
    built = time.perf_counter() - start
    start = time.perf_counter()
    explorer.widget()  # the first draw; the background work starts now
    first = time.perf_counter() - start
    latencies, cached = [], []
    for _ in range(rounds):
        for move in learner_moves(explorer, reach, max_cells):
            time.sleep(pause)  # the learner looks at the frame, then moves
            start = time.perf_counter()
            frame = explorer.set(**move)
            latencies.append(time.perf_counter() - start)
            cached.append(frame.cached)
    if hasattr(explorer, "close"):
        explorer.close()
    else:  # an explorer without close(): let its background work finish before the next one
        explorer.wait_for_prefetch(timeout=120)
    times = np.asarray(latencies)
    worst = int(np.argmax(times)) if times.size else 0
    return {"build": built, "first_draw": first, "n": int(times.size),
            "p50": float(np.percentile(times, 50)) if times.size else float("nan"),
            "p95": float(np.percentile(times, 95)) if times.size else float("nan"),
            "max": float(times.max()) if times.size else float("nan"),
            "worst_change": worst, "cached": int(sum(cached)), "n_states": explorer.n_states}


def run(pause: float = 0.5, reach: int = 3, max_cells: int = 6, rounds: int = 1, log=print,
        only=None) -> dict:
    rows = []
    for module, name, fn in explorer_latency.discover():
        if only is not None and name not in only:
            continue
        arguments = explorer_latency.ARGUMENTS.get(name, lambda: {})
        needs = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.default is inspect.Parameter.empty and name not in explorer_latency.ARGUMENTS
                 and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if needs:
            rows.append({"module": module, "explorer": name, "needs": needs})
            log(f"  {module}.{name}: needs {needs}")
            continue
        try:
            result = drive(lambda: fn(**arguments()), pause, reach, max_cells, rounds)
        except Exception as error:  # report it in the table rather than lose the other rows
            result = {"error": f"{type(error).__name__}: {error}"[:200]}
        rows.append({"module": module, "explorer": name, **result})
        log(f"  {module}.{name}: " + ", ".join(
            f"{k}={v * 1e3:.0f} ms" if k in ("first_draw", "p50", "p95", "max") else f"{k}={v}"
            for k, v in result.items() if k != "build"), flush=True)
    return {"rows": rows, "pause": pause, "reach": reach, "max_cells": max_cells, "rounds": rounds}


if __name__ == "__main__":  # a quick look without touching RESULTS.md
    import argparse
    import json
    import os
    import sys

    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("MPLBACKEND", "Agg")
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append")
    parser.add_argument("--json")
    args = parser.parse_args()
    result = run(only=set(args.only) if args.only else None,
                 log=lambda *a, **k: print(*a, file=sys.stderr, flush=True))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
