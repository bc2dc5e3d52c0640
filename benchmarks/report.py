"""Write RESULTS.md from the sections' JSON records (``<out>/results/<section>.json``).

Each section is stored on its own, so ``run.py --only speed`` refreshes one table and
keeps the others.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

SECTIONS = ("fit", "speed", "numerics", "explorers", "notebooks", "live", "information", "continuous", "amortised",
            "images", "defaults")
TITLES = {"fit": "1. Fit quality against exact densities", "speed": "2. Speed against FlowJAX",
          "numerics": "3. Numerics of every bijector", "explorers": "4. Explorer latency",
          "notebooks": "5. Notebook run times", "live": "6. Live latency",
          "information": "7. Information estimators against exact values",
          "continuous": "8. Continuous-time flows on two moons",
          "amortised": "9. Amortised posteriors against exact posteriors",
          "images": "10. Images: bits per dimension on the 8x8 digits",
          "defaults": "11. The defaults, on wide and heavy-tailed densities"}


def _ms(seconds):
    return "–" if seconds is None or not math.isfinite(seconds) else f"{seconds * 1e3:.1f} ms"


def _s(seconds):
    return "–" if seconds is None or not math.isfinite(seconds) else f"{seconds:.1f} s"


def _sci(value):
    return "NaN" if value is None or not math.isfinite(value) else f"{value:.1e}"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fit(r):
    b = r["budget"]
    a = b["arch"]
    rows = []
    for row in r["rows"]:
        g, f = row["gauss_flows"], row["flowjax"]
        met = "yes" if g["kl"] <= 0.02 and g["seconds"] <= f["seconds"] else "no"
        rows.append([row["target"], f"{g['kl']:.4f} ± {g['se']:.4f}", _s(g["seconds"]), g["epochs"],
                     f"{f['kl']:.4f} ± {f['se']:.4f}", _s(f["seconds"]), f["epochs"], met])
    ablation = [[row["target"], row["recipe"], f"{row['kl']:.4f} ± {row['se']:.4f}",
                 _s(row["seconds"]), row["epochs"]] for row in r["ablation"]]
    return "\n\n".join([
        f"{a['n_layers']} rational-quadratic spline couplings ({a['knots']} knots, interval "
        f"±{a['interval']:g}), conditioner MLP {a['width']}x{a['depth']} (hidden activation: each library's default, tanh in gauss_flows, ReLU in FlowJAX), batch {b['batch_size']}, "
        f"at most {b['max_epochs']} epochs on {b['n_train']} samples (10 % held out), same data and "
        f"seeds for both libraries; KL(p || q) on {b['n_kl']} fresh samples ± its standard error; "
        "time = the whole fitting call, compilation included. FlowJAX: `fit_to_data` at its "
        f"defaults with Adam 1e-3. gauss_flows: {r['recipe']}. Goal: KL <= 0.02 at a time no "
        "longer than FlowJAX's.",
        _table(["density", "gauss_flows KL", "time", "epochs", "FlowJAX KL", "time", "epochs",
                "goal met"], rows),
        f"![Densities: truth, gauss_flows, FlowJAX]({r['figure']})",
        "What each change does (gauss_flows, same data and seeds):",
        _table(["density", "gauss_flows recipe", "KL", "time", "epochs"], ablation)])


def speed(r):
    stacked = all("stacked" in row for row in r["rows"])
    rows = []
    for row in r["rows"]:
        rows.append([row["what"], _ms(row["gauss_flows"])]
                    + ([_ms(row["stacked"])] if stacked else [])
                    + [_ms(row["flowjax"]), f"{row['ratio']:.2f}"]
                    + ([f"{row['ratio_stacked']:.2f}"] if stacked else []))
    return "\n\n".join([
        f"The same flow (section 1's architecture, untrained) in both libraries. `log_prob` and "
        f"`sample` on {r['n_points']} points, jitted; gradient = identical jitted code (loss and its "
        f"gradient) on a batch of {r['batch_size']}, step = the same plus an Adam update of every "
        "parameter array"
        + (f" ({r['arrays']['gauss_flows']} arrays in gauss_flows, one set per layer; "
           f"{r['arrays']['FlowJAX']} in FlowJAX, whose layers are stacked)" if "arrays" in r else "")
        + "; step, Adam on one flattened vector = the same step with `optax.flatten(optax.adam)`, "
        "also identical for both (it removes the per-array cost)"
        + "; own fit loop = each "
        "library's fitting function on 10k two-moons samples, whole fit (compilation included) per step; first call = "
        f"compilation + one run. Medians over {r['repeats']} repeats, each the median of the calls "
        "that fit in 0.1 s. Ratio < 1: gauss_flows is faster."
        + (" gauss_flows twice: its default `Chain` (one set of arrays per layer) and "
           "`coupling_flow(..., stacked=True)` (a `Stacked` chain: the repeated pair of couplings "
           f"stored once with stacked parameters, {r['arrays'].get('gauss_flows stacked', '?')} arrays), "
           "the same map and parameter values." if stacked else ""),
        _table(["what", "gauss_flows"] + (["gauss_flows stacked"] if stacked else [])
               + ["FlowJAX", "ratio"] + (["ratio stacked"] if stacked else []), rows),
        f"![Speed ratios]({r['figure']})"])


def numerics(r):
    rows, errors = [], []
    for row in r["rows"]:
        if "error" in row:
            errors.append(f"- {row['bijector']}: {row['error']}")
            continue
        rows.append([row["bijector"], row["dtype"], row["inputs"], _sci(row["round_trip"]),
                     _sci(row["log_det"]), f"{row['non_finite']}/{row['n']}"])
    n = r["rows"][0]["n"] if r["rows"] else 0
    parts = [
        f"Each bijector moved off its initialisation (`gf.perturb`, scale 0.3), {n} inputs per row: "
        "typical = 2 N(0, 1), far tail = magnitudes uniform in [5, 30] of both signs (for "
        "`Invert(NormalCDF)`: within 1e-6 of 0 or 1). Round trip = max |T⁻¹(T(x)) − x| / max(1, |x|); "
        "log-det = max relative error against `slogdet(jax.jacfwd(transform))` in float64; "
        "non-finite = inputs with a NaN or inf anywhere (errors are over the finite ones).",
        _table(["bijector", "dtype", "inputs", "round trip", "log-det", "non-finite"], rows)]
    if errors:
        parts.append("Failed to evaluate:\n" + "\n".join(errors))
    return "\n\n".join(parts)


def explorers(r):
    rows = []
    for row in r["rows"]:
        if "needs" in row:
            needs = ", ".join(f"`{n}`" for n in row["needs"])
            rows.append([f"{row['module']}.{row['explorer']}", f"not driven: needs {needs} from its notebook",
                         "", "", "", "", ""])
            continue
        if "error" in row:
            rows.append([f"{row['module']}.{row['explorer']}", "error: " + row["error"], "", "", "", "", ""])
            continue
        walk = (f"{_ms(row['walk_p50'])} / {_ms(row['walk_p95'])} ({row['walk_cached']}/{row['walk_n']} prefetched)"
                if "walk_n" in row else "not measured")
        first_ok = row["first_draw"] <= 3.0
        cold = "yes" if first_ok and row["p95"] <= 0.2 else "no"
        reading = ("yes" if first_ok and row["walk_p95"] <= 0.2 else "no") if "walk_n" in row else "-"
        rows.append([f"{row['module']}.{row['explorer']}", row["n_states"], _ms(row["first_draw"]),
                     f"{_ms(row['p50'])} / {_ms(row['p95'])}", row["n"], walk, f"{cold} / {reading}"])
    return "\n\n".join([
        "Driven in-process with `Explorer.set` (first draw, then changes to states not drawn "
        f"before, up to {r['n_changes']} per explorer); times from `Explorer.timings`: render + "
        "encode of one frame. Goal: first draw <= 3 s, p95 <= 200 ms, judged on the cold changes and at reading pace. "
        "Reading pace: the live widget used one notch at a time on a random control, each change "
        "after the previous frame was looked at, with the background prefetch of the neighbouring "
        "states on (every change counted, served from the cache or not).",
        _table(["explorer", "states", "first draw", "cold change p50 / p95", "changes",
                "reading pace p50 / p95", "goal met: cold / reading"], rows)])


def notebooks(r):
    rows = [[row["notebook"], row["n_cells"], _s(row["seconds"]),
             ("error: " + row["error"]) if row["error"] else ("yes" if row["seconds"] <= 60 else "no")]
            for row in r["rows"]]
    rows.append(["**total (one after another)**", "", _s(r["total"]), ""])
    return "\n\n".join([
        "Each notebook executed with nbclient in a fresh kernel (kernel start included), static "
        "mode (`GAUSS_FLOWS_STATIC=1`), one after another. Goal: <= 60 s each.",
        _table(["notebook", "code cells", "time", "<= 60 s"], rows)])


def information(r):
    rows = [[row["quantity"], row["d"], row["n"], row["estimator"], f"{row['exact']:.3f}",
             f"{row['bias']:+.3f} ± {row['se']:.3f}", f"{row['std']:.3f}", _s(row["seconds"])]
            for row in r["rows"]]
    return "\n\n".join([
        "A correlated Gaussian (equicorrelation 0.5) with every coordinate mapped by x + x^3/3: "
        "exact entropy by quadrature, exact TC and MI (first half of the coordinates vs the rest) "
        f"those of the Gaussian. Bias = mean over {r['seeds']} independent samples minus the exact "
        "value (± its standard error); std = spread of one estimate; time per estimate. Made by "
        "`benchmarks/information.py`.",
        _table(["quantity", "d", "n", "estimator", "exact", "bias", "std", "time"], rows)])


def continuous(r):
    s = r["settings"]
    rows = [[row["model"], f"{row['kl']:.4f} ± {row['kl_se']:.4f}", _s(row["seconds"]), row["steps"],
             f"{row['evaluations']:.0f}"] for row in r["rows"]]
    return "\n\n".join([
        f"Two moons (noise {s['noise']}), {s['n_train']} training points per seed, KL(p || q) in nats on "
        f"{s['n_test']} fresh points against the exact density, mean ± SE over {s['seeds']} seeds. "
        f"Continuous flow: a time-dependent MLP field (width {s['width']}, depth {s['depth']}), trained by "
        f"maximum likelihood through the ODE with its exact trace (FFJORD-style, Tsit5 at rtol "
        f"{s['ffjord_rtol']:g} in training) or by conditional flow matching (no ODE in training); both "
        f"scored through the ODE at the library's default tolerance. Coupling: Part 5's flow "
        f"({s['coupling_layers']} RQ-spline couplings, {s['coupling_knots']} knots). Adam with warm-up and "
        "cosine decay for all three. Time = the whole fit, " + (
            "mean over seeds, the first seed's including the compilation the other seeds reuse" if r.get("compiled_once")
            else "compilation included") + "; evaluations = field "
        "evaluations for one log-density (solver steps × 6 Tsit5 stages, each with the exact trace; "
        "layers for the coupling flow). Made by `benchmarks/continuous.py`, which also writes the "
        "models Part 6 · 03 loads.",
        _table(["model", "KL (nats)", "fit time", "optimiser steps", "evaluations per sample"], rows)])


def amortised(r):
    s = r["settings"]
    rows = [[row["simulator"], row["conditioning"], row["transformer"], row["parameters"],
             f"{row['kl']:.4f} ± {row['kl_se']:.4f}", f"{row['worst']:.3f}", _s(row["seconds"])] for row in r["rows"]]
    return "\n\n".join([
        f"One conditional flow q(θ | x) per seed ({s['layers']} couplings, conditioner width {s['width']}, one hidden "
        f"layer), trained by maximum likelihood (float32) on {s['n_train']} simulated pairs (θ, x) for {s['epochs']} epochs, "
        f"{s['seeds']} seeds side by side (`gf.fit_ensemble`). KL(p(· | x) || q(· | x)) in nats against the exact "
        f"posterior (closed form for the linear-Gaussian simulator, a 1-D quadrature for the bilinear one) at "
        f"{s['n_obs']} held-out observations from the prior predictive ({s['n_draws']} posterior draws each): "
        "the mean over observations, mean ± SE over seeds; worst = the largest KL among the observations "
        "(mean over seeds). Fit time: all seeds together, compilation included. Made by `benchmarks/amortised.py`.",
        _table(["simulator", "conditioning", "transformer", "parameters", "mean KL (nats)", "worst KL",
                "fit time"], rows)])


def images(r):
    s = r["settings"]
    rows = [[row["label"], f"{row['bits_per_dim']:.4f} ± {row['se']:.4f}",
             "–" if row["parameters"] is None else row["parameters"], _s(row["seconds"])] for row in r["rows"]]
    return "\n\n".join([
        f"scikit-learn's 8x8 digits (17 grey levels), the fixed split of `gf.images.digits()` (1437 training, "
        f"360 test images). Held-out bits per dimension on the test set, every model scored the same way: the "
        f"dequantization bound with the logit pre-transform's log-det and the 64 log 17 of the 1/K scaling, "
        f"{s['n_draws']} dequantizations per test image; mean ± SE over {s['seeds']} seeds (dequantization noise, "
        f"initialisation, minibatch order; the split is fixed). The uniform density scores log2 17 = "
        f"{math.log2(17):.3f}. Baselines fitted to one uniform dequantization of the training images: Gaussian "
        f"(maximum likelihood), PCA-Gaussian ({s['pca_components']} directions), RBIG ({s['rbig_layers']} layers), "
        f"diagonal flow (an 8-component mixture CDF per pixel, {s['diagonal_epochs']} epochs at most). Multi-scale "
        f"flow: `gf.multiscale_flow`, {s['n_levels']} scales, {s['n_couplings']} RQ-spline couplings per stage "
        f"({s['knots']} knots on ±{s['interval']:g}), conditioners {s['width']}x{s['depth']}, Adam "
        f"{s['learning_rate']:g} for {s['epochs']} epochs (batch {s['batch_size']}); variational: jointly with "
        f"q(u | x), {s['dequantizer_layers']} conditional affine couplings of width {s['dequantizer_width']}. "
        "Parameters: the flows' trained numbers. Fit time per model, compilation and (baselines) the scoring included. Made by `benchmarks/images.py`, "
        "which also writes the models Part 12 loads.",
        _table(["model", "test bits/dim", "parameters", "fit time"], rows)])


def live(r):
    before = {row["explorer"]: row for row in r.get("before", {}).get("rows", []) if "p95" in row}
    rows = []
    for row in r["rows"]:
        name = f"{row['module']}.{row['explorer']}"
        if "needs" in row:
            rows.append([name, "not driven: needs " + ", ".join(f"`{n}`" for n in row["needs"])] + [""] * 6)
        elif "error" in row:
            rows.append([name, "error: " + row["error"]] + [""] * 6)
        else:
            old = before.get(row["explorer"])
            rows.append([name, _ms(row["first_draw"]), f"{_ms(row['p50'])} / {_ms(row['p95'])}", _ms(row["max"]),
                         f"{row['cached']}/{row['n']}", row["n_states"], "yes" if row["p95"] <= 0.2 else "no",
                         f"{_ms(old['p50'])} / {_ms(old['p95'])}" if old else "–"])
    note = r.get("before", {}).get("note")
    parts = [
        "Every explorer's live widget (`explorer.widget()`: the first draw, then its background work "
        f"starts) driven at a learner's pace: one change every {r['pause']:g} s whatever the background "
        f"is doing, on every control in turn, back and forth (a slider {r['reach']} notches up and back "
        "down, a dropdown through every option and back, a toggle on/off twice, a mask editor's cells "
        f"clicked and clicked back, at most {r['max_cells']} cells; most such masks are not precomputed). "
        "Latency = `Explorer.set` until the new frame is in the widget, cached or not. "
        "Goal (issue 24): p95 <= 200 ms after the first draw.",
        _table(["explorer", "first draw", "p50 / p95", "max", "served from the cache", "grid states",
                "p95 <= 200 ms", "before: p50 / p95"], rows)]
    if note:
        parts.append(note)
    return "\n\n".join(parts)


def defaults(r):
    rows = []
    for row in r["rows"]:
        cells = [f"{row['target']} ({row['dim']}-D)"]
        for library in ("gauss_flows", "FlowJAX", "gauss_flows before"):
            x = row[library]
            cells += [f"{x['kl']:.4f} ± {x['se']:.4f}", _s(x["seconds"])]
        cells += [f"{row['kl_ratio']:.2f}", f"{row['time_ratio']:.2f}",
                  "yes" if row["kl_ratio"] <= 0.6 and row["time_ratio"] <= 1.0 else "no"]
        rows.append(cells)
    return "\n\n".join([
        "Each library as a user writes it. gauss_flows at its defaults, as the README shows: "
        "`coupling_flow(..., data=data)` (the data standardised by an ActNorm first) and "
        "`fit(key, flow, data)` (Adam on a warm-up/cosine schedule, peak 1e-2, 30 epochs, the best "
        "validation epoch returned). FlowJAX at its defaults: `fit_to_data` with Adam 1e-3 and its "
        f"early stopping, at most {r['budget_epochs']} epochs. gauss_flows before = its defaults before "
        f"issue 16 (no standardisation, Adam 1e-3, patience 10, at most {r['budget_epochs']} epochs). Same "
        f"architecture (section 1's), same {r['n_train']} training samples per seed; KL(p ‖ q) on "
        f"{r['n_kl']} fresh samples, mean ± SE over {r['seeds']} seeds; time = the whole fit, "
        "compilation included. Goal (issue 16): KL ratio gauss_flows / FlowJAX <= 0.6 and time ratio <= 1.0.",
        _table(["density", "gauss_flows KL", "time", "FlowJAX KL", "time", "before KL", "time",
                "KL ratio", "time ratio", "goal met"], rows)])


def write(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    records = {}
    for name in SECTIONS:
        path = out_dir / "results" / f"{name}.json"
        if path.exists():
            records[name] = json.loads(path.read_text())
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`benchmarks/run.py`); each section records where and how it ran.", ""]
    for name in SECTIONS:
        lines += [f"## {TITLES[name]}", ""]
        if name not in records:
            lines += [f"Not run yet: `python benchmarks/run.py --only {name}`.", ""]
            continue
        record = records[name]
        meta = record["meta"]
        lines += [f"*{meta['when']}, {meta['machine']}, load {meta['load']}, "
                  f"{'TINY test setting' if meta['tiny'] else 'full setting'}, {meta['seconds']:.0f} s.*", ""]
        lines += [globals()[name](record["result"]), ""]
    path = out_dir / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path
