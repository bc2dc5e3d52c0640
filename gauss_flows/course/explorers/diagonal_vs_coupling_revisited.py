"""Part 5 · 04: diagonal vs coupling flows over parameter budgets and depths, over seeds.

The experiment (one function, :func:`run`, used by the notebook to re-run one setting live and by
``benchmarks/diagonal_vs_coupling.py`` to write the whole table):

* data: two moons (``gf.datasets.TwoMoons``, exact log-density), ``N_TRAIN`` fresh samples per
  seed, of which ``fit_ensemble`` holds out 10 % for early stopping;
* families at a depth ``L``: ``gf.diagonal_flow`` with ``L`` spline layers, and
  ``gf.coupling_flow`` with ``2L`` spline couplings (a complementary pair transforms every
  coordinate once, like one diagonal layer); the same rational-quadratic spline transformer;
* budget: the diagonal flow buys parameters with knots, the coupling flow with conditioner
  width (:func:`architecture` picks the knob closest to the nominal budget);
* every (budget, depth, family) trains ``SEEDS`` seeds side by side (``gf.fit_ensemble``) to
  early stopping; the score is each seed's forward KL to the truth on fresh samples,
  :math:`\\mathrm{KL}(p\\,\\|\\,q) = \\mathbb E_p[\\log p - \\log q]` (``gf.datasets.kl_divergence``).

The explorer reads a table (loaded from the benchmark's JSON): budget and depth sliders; the
frame shows KL against parameters for both families (mean +- SE) and the two densities of the
chosen setting for seed 0 (retrained on demand in a kernel; stored in the table on the site).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

BUDGETS = (100, 200, 400, 800, 1600)
DEPTHS = (1, 2)
FAMILIES = ("diagonal", "coupling")
SEEDS = 5
N_TRAIN = 2000
N_KL = 20_000
INTERVAL = 3.0
COUPLING_KNOTS = 4
TRAINING = dict(learning_rate=1e-2, max_epochs=1000, batch_size=256, patience=30)
GRID_N = 48
WINDOW = (-2.0, 2.0)
DATA_FILE = Path(__file__).resolve().parents[3] / "notebooks" / "05_coupling" / "data" / "diagonal_vs_coupling.json"


def spline(knots: int):
    return gf.RationalQuadraticSpline(knots=knots, interval=INTERVAL)


def architecture(family: str, budget: int, depth: int) -> dict:
    """The knob of ``family`` whose parameter count is closest to ``budget`` at ``depth``:
    ``{"knots": K}`` for the diagonal flow, ``{"width": w}`` for the coupling flow."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, but got {family!r}.")
    if family == "diagonal":
        # L layers x 2 coordinates x (3K + c) spline parameters (bin widths, heights, slopes)
        per = gf.count_parameters(spline(4)) - 3 * 4
        knots = max(2, round((budget / (2 * depth) - per) / 3))
        return {"knots": int(knots)}
    # 2L couplings, each a conditioner 1 -> w -> p (one hidden layer): 2w + (w + 1) p
    p = gf.count_parameters(spline(COUPLING_KNOTS))
    width = max(1, round((budget / (2 * depth) - p) / (2 + p)))
    return {"width": int(width)}


def make_flow(family: str, budget: int, depth: int, key):
    knob = architecture(family, budget, depth)
    if family == "diagonal":
        return gf.diagonal_flow(key, shape=(2,), transformer=spline(knob["knots"]), n_layers=depth)
    return gf.coupling_flow(key, shape=(2,), transformer=spline(COUPLING_KNOTS), n_layers=2 * depth,
                            nn_width=knob["width"], nn_depth=1)


def seed_keys(seeds: int = SEEDS):
    """Per seed: (initialisation, data, training, KL) keys; the same for both families."""
    return jr.split(jr.key(2026), (seeds, 4))


def run(family: str, budget: int, depth: int, seeds: int = SEEDS, *, n_train: int = N_TRAIN,
        n_kl: int = N_KL, training: dict | None = None) -> dict:
    """Train ``seeds`` flows of one setting side by side and score them; a JSON-ready record."""
    training = dict(TRAINING if training is None else training)
    moons = gf.datasets.TwoMoons()
    keys = seed_keys(seeds)
    flows = eqx.filter_vmap(lambda k: make_flow(family, budget, depth, k))(keys[:, 0])
    data = jnp.stack([moons.sample(k, n_train) for k in keys[:, 1]])
    trained, history = gf.fit_ensemble(keys[0, 2], flows, data, **training)
    members = [jax.tree_util.tree_map(lambda leaf, i=i: leaf[i] if eqx.is_array(leaf) else leaf, trained)
               for i in range(seeds)]
    kls = [gf.datasets.kl_divergence(k, moons, flow, n=n_kl)[0] for k, flow in zip(keys[:, 3], members)]
    return {"family": family, "budget": int(budget), "depth": int(depth),
            "architecture": architecture(family, budget, depth),
            "n_parameters": gf.count_parameters(members[0]), "kl": [float(v) for v in kls],
            "best_val_nll": [float(v) for v in history["best_val_loss"]],
            "epochs": [int(e) + 1 for e in history["best_epoch"]], "n_epochs": int(history["n_epochs"]),
            "flow": members[0]}


def mean_se(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))


RECORD_KEYS = {"family": str, "budget": int, "depth": int, "architecture": dict, "n_parameters": int,
               "kl": list, "best_val_nll": list, "epochs": list, "n_epochs": int, "log_q_grid": list}


def grid_points(n: int = GRID_N) -> np.ndarray:
    axis = np.linspace(*WINDOW, n)
    return np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)


def to_json_record(record: dict) -> dict:
    """Drop the flow, keep seed 0's log-density on the picture grid (for the static explorer)."""
    out = {k: v for k, v in record.items() if k != "flow"}
    log_q = np.asarray(gf.jit_log_prob(record["flow"], jnp.asarray(grid_points())))
    out["log_q_grid"] = [round(float(v), 4) for v in log_q]
    return out


def validate_table(table: dict) -> None:
    """Raise ValueError unless ``table`` is what the benchmark writes (schema and completeness)."""
    if set(table) != {"settings", "records"}:
        raise ValueError(f"the table needs the keys 'settings' and 'records', got {sorted(table)}.")
    seen = set()
    for record in table["records"]:
        if set(record) != set(RECORD_KEYS):
            raise ValueError(f"a record needs the keys {sorted(RECORD_KEYS)}, got {sorted(record)}.")
        for key, kind in RECORD_KEYS.items():
            if not isinstance(record[key], kind):
                raise ValueError(f"record field {key!r} should be a {kind.__name__}.")
        seeds = table["settings"]["seeds"]
        if len(record["kl"]) != seeds or not all(math.isfinite(v) for v in record["kl"]):
            raise ValueError(f"record {record['family']}/{record['budget']}/{record['depth']} needs "
                             f"{seeds} finite KL values.")
        if len(record["log_q_grid"]) != table["settings"]["grid_n"] ** 2:
            raise ValueError("log_q_grid has the wrong number of points.")
        seen.add((record["family"], record["budget"], record["depth"]))
    wanted = {(f, b, d) for f in FAMILIES for b in table["settings"]["budgets"]
              for d in table["settings"]["depths"]}
    if seen != wanted:
        raise ValueError(f"the table misses settings: {sorted(wanted - seen)}.")


def load_table(path=DATA_FILE) -> dict:
    table = json.loads(Path(path).read_text())
    validate_table(table)
    return table


def lookup(table: dict, family: str, budget: int, depth: int) -> dict:
    for record in table["records"]:
        if (record["family"], record["budget"], record["depth"]) == (family, budget, depth):
            return record
    raise ValueError(f"no record for {family}, budget {budget}, depth {depth}; the table has budgets "
                     f"{table['settings']['budgets']} and depths {table['settings']['depths']}.")


def budget_explorer(table: dict, moons_sample=None) -> Explorer:
    """Budget and depth sliders over the loaded table."""
    settings = table["settings"]
    budgets, depths = list(settings["budgets"]), list(settings["depths"])
    truth = np.asarray(gf.datasets.TwoMoons().log_prob(jnp.asarray(grid_points(settings["grid_n"]))))

    def render(budget, depth):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, PASSIVE, style_ax

        budget, depth = int(budget), int(depth)
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        ax_curve = fig.add_axes((0.06, 0.14, 0.27, 0.74))
        panels = [fig.add_axes((0.40 + 0.2 * j, 0.12, 0.18, 0.76)) for j in range(3)]
        n = settings["grid_n"]
        for family, colour in zip(FAMILIES, (PASSIVE, MODEL)):
            rows = [lookup(table, family, b, depth) for b in budgets]
            counts = [r["n_parameters"] for r in rows]
            stats = np.array([mean_se(r["kl"]) for r in rows])
            ax_curve.errorbar(counts, stats[:, 0], yerr=2 * stats[:, 1], color=colour, marker="o",
                              capsize=3, label=family)
            k = budgets.index(budget)
            ax_curve.plot(counts[k], stats[k, 0], "o", color=ACCENT, ms=10, mfc="none", mew=2, zorder=5)
        ax_curve.set_xscale("log")
        ax_curve.set_xlabel("trainable parameters")
        ax_curve.set_ylabel("KL(p || q) [nats], mean ± 2 SE")
        style_ax(ax_curve, f"depth L = {depth}")
        extent = (*WINDOW, *WINDOW)
        images = [("truth", truth)] + [(f, np.asarray(lookup(table, f, budget, depth)["log_q_grid"]))
                                       for f in FAMILIES]
        for ax, (name, log_q) in zip(panels, images):
            ax.imshow(np.exp(log_q).reshape(n, n), origin="lower", extent=extent, cmap="viridis",
                      vmin=0.0, vmax=0.9)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name if name == "truth" else f"{name}, seed 0", fontsize=10)
        parts = []
        for family in FAMILIES:
            record = lookup(table, family, budget, depth)
            mean, se = mean_se(record["kl"])
            parts.append(f"{family}: {record['n_parameters']} parameters, KL = {mean:.3f} ± {se:.3f}")
        return fig, f"budget ≈ {budget}, depth {depth}: " + "; ".join(parts)

    controls = {"budget": Slider("parameter budget", budgets, default=budgets[0], fmt="{:d}"),
                "depth": Slider("depth L", depths, default=depths[0], fmt="{:d}")}
    return Explorer(render, controls, title="diagonal vs coupling: KL to the truth over seeds")


def which_wins() -> Prediction:
    return Prediction(
        "Double the diagonal flow's budget again and again (more knots), and give it a second "
        "layer. What happens to its KL to the two moons?",
        ["it keeps falling towards 0", "it levels off at a floor above 0", "it gets worse"],
        answer="it levels off at a floor above 0",
        explanation="Every layer of a diagonal flow maps each coordinate on its own, and so does a "
                    "stack of them: the model is a product of marginals, q(x) = q1(x1) q2(x2). The "
                    "best product of marginals is p1(x1) p2(x2), whose KL to p is the total "
                    "correlation of the moons, however many knots it has.")
