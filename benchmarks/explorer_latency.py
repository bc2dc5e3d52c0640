"""Section 4, explorers: first draw and per-change latency, driven in-process.

Every ``*_explorer`` function of every module in ``gauss_flows/course/explorers/`` is built and
driven as a reader would drive it: ``explorer.set()`` draws the first state (its time is
``timings.first_draw``), then ``explorer.set(**state)`` moves to ``n_changes`` other states
of the explorer's grid (a fixed random order, never a state already drawn, so no change is
served from the cache); ``timings.summary(include_cached=False)`` gives p50 and p95.
The time covers rendering the figure and encoding the frame (what a live kernel does per
change), not the browser's repaint. Goal (issue 7): first draw <= 3 s, p95 <= 200 ms.
Then :func:`reading_walk` uses the live widget as a reader does, one notch at a time after
looking at each frame, with the background prefetch of neighbouring states on.

Explorers built from what their notebook computes (fitted flows, data, snapshots, recorded
curves) get inputs of the same kind and size from ``ARGUMENTS``, computed the same way but
with short trainings (the render cost does not depend on how well a flow fits);
``bijector_menu_explorer`` gets untrained flows of the menu's architecture.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import random
import time

import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf


def _menu_flows():
    from gauss_flows.course.explorers import bijector_menu

    return {name: gf.coupling_flow(jr.key(0), shape=(2,), transformer=make(), n_layers=4,
                                   nn_width=32, nn_depth=2)
            for name, make in bijector_menu.TRANSFORMERS.items()}


def _moons(n, key=0, noise=0.05):
    return gf.datasets.TwoMoons(noise=noise).sample(jr.key(key), n)


def _rbig(n_layers, n=1000):
    x = _moons(n, noise=0.1)
    flow, info = gf.rbig_fit(x, n_layers=n_layers, rotation="random", key=jr.key(1))
    return x, flow, info


def _support():
    rng = np.random.default_rng(0)
    return {"train": rng.normal(size=500), "test": rng.normal(size=2000)}


def _stopping():
    _, _, info = _rbig(12)
    return {"info": info}


def _destructor():
    x, flow, _ = _rbig(4)
    return {"flow": flow, "data": x}


def _budget():
    from gauss_flows.trajectory import fit_trajectory

    data, test = _moons(600), _moons(1000, key=5)
    results = []
    for budget, layers, width in ((64, 2, 1), (570, 3, 17)):
        diagonal = gf.gaussianization_flow(jr.key(layers), shape=(2,), n_layers=layers, n_components=4)
        coupling = gf.coupling_flow(jr.key(width), shape=(2,), n_layers=2, nn_width=width, nn_depth=1,
                                    transformer=gf.RationalQuadraticSpline(knots=4, interval=3.0))
        settings = dict(n_snapshots=1, steps_per_snapshot=30, learning_rate=2e-2, batch_size=100)
        results.append({"budget": budget,
                        "diagonal": fit_trajectory(jr.key(6), diagonal, data, **settings)[0][-1],
                        "coupling": fit_trajectory(jr.key(6), coupling, data, **settings)[0][-1]})
    return {"results": results, "test_data": test}


def _layerwise():
    moons = gf.datasets.TwoMoons()
    data = moons.sample(jr.key(0), 2000)
    flow, _ = gf.fit(jr.key(2), gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(), n_layers=6,
                                                  nn_width=32), data, max_epochs=5, show_progress=False)
    return {"flow": flow, "data": data, "entropy": float(-jnp.mean(moons.log_prob(data)))}


def _replay():
    from gauss_flows.course.explorers import learnable_mixture_cdf as lm

    data = lm.skewed_sample(jr.key(0), 2000)
    snapshots, losses = lm.record_training(lm.mixture_flow(n_components=3), data)
    return {"snapshots": snapshots, "losses": losses, "data": data}


def _snapshots(flow, data, n_snapshots=12, steps=10):
    from gauss_flows.trajectory import fit_trajectory

    flows, history = fit_trajectory(jr.key(2), flow, data, n_snapshots=n_snapshots,
                                    steps_per_snapshot=steps, learning_rate=0.02, batch_size=256)
    return flows, history["step"]


def _nll_training():
    data = _moons(1000)
    flows, steps = _snapshots(gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(),
                                               n_layers=4, nn_width=32), data)
    return {"flows": flows, "steps": steps, "data": data}


def _warm_start():
    data = _moons(1000)
    rbig = gf.rbig(data, n_layers=3, n_components=4)
    neutral = gf.gaussianization_flow(jr.key(1), shape=(2,), n_layers=3, n_components=4, rotation="random")
    runs, steps = {}, None
    for name, start in (("random", neutral), ("RBIG", rbig)):
        runs[name], steps = _snapshots(start, data, n_snapshots=5, steps=15)
    return {"runs": runs, "steps": steps, "data": data}


def _rbig_loop():
    x, flow, info = _rbig(8)
    return {"flow": flow, "info": info, "data": x}


def _which_rotation():
    rng = np.random.default_rng(0)
    runs, tc = {}, {}
    for d in (2, 4, 8):
        mixing = rng.normal(size=(d, d))
        x = np.tanh(rng.normal(size=(2000, d))) @ mixing  # dependent, non-Gaussian coordinates
        tc[d] = float(gf.diagnostics.total_correlation(x))
        for rotation in ("pca", "random"):
            _, info = gf.rbig_fit(x, n_layers=12, rotation=rotation, key=jr.key(d))
            runs[(d, rotation)] = np.asarray(info["tc_reduction"])
    return {"runs": runs, "tc": tc}


def _conditioner():
    """5·02 trains every state in a cell before it builds the explorer (``precompute()``)."""
    from gauss_flows.course.explorers import conditioner_design

    conditioner_design.precompute()
    return {}


# explorers whose function needs arguments: how to call them. Those built from what their
# notebook computes get inputs of the same kind and size, computed here the same way (a
# fitted flow's render cost does not depend on how well it fits).
ARGUMENTS = {"bijector_menu_explorer": lambda: {"flows": _menu_flows()},
             "support_explorer": _support,
             "stopping_explorer": _stopping,
             "destructor_explorer": _destructor,
             "budget_explorer": _budget,
             "layerwise_explorer": _layerwise,
             "training_replay_explorer": _replay,
             "nll_training_explorer": _nll_training,
             "warm_start_explorer": _warm_start,
             "rbig_loop_explorer": _rbig_loop,
             "rotation_explorer": _which_rotation,
             "conditioner_explorer": _conditioner}


def discover():
    """``[(module name, function name, function)]`` for every explorer builder."""
    import gauss_flows.course.explorers as package

    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if (name.endswith("_explorer") and not name.startswith("_")
                    and fn.__module__ == module.__name__):
                found.append((info.name, name, fn))
    return found


def drive(build, n_changes: int, seed: int = 0) -> dict:
    start = time.perf_counter()
    explorer = build()
    built = time.perf_counter() - start
    explorer.set()  # the first draw
    states = explorer.states()
    first = explorer._key(explorer.values)
    order = [s for s in states if explorer._key(explorer._coerce(s)) != first]
    random.Random(seed).shuffle(order)
    for state in order[:n_changes]:
        explorer.set(**state)
    summary = explorer.timings.summary(include_cached=False)
    walk = reading_walk(explorer, n_changes, seed)
    return {"build": built, "first_draw": summary["first_draw"], "n": summary["n"],
            "p50": summary["p50"], "p95": summary["p95"], "max": summary["max"],
            "n_states": explorer.n_states, **walk}


def reading_walk(explorer, n_changes: int, seed: int = 0) -> dict:
    """The live explorer as a reader uses it: one notch at a time on a random control, each
    change made after the frame before it has been looked at (the background prefetch of the
    neighbours has finished). Starts from an empty cache; every change counts, cached or not."""
    explorer._cache.clear()
    explorer.timings.changes.clear()
    explorer.timings.cached.clear()
    explorer.widget()  # live mode: the first frame, then the prefetch of its neighbours
    rng = random.Random(seed)
    for _ in range(n_changes):
        explorer.wait_for_prefetch(timeout=120)
        explorer.set(**rng.choice(explorer.neighbours()))
    explorer.wait_for_prefetch(timeout=120)
    walk = explorer.timings.summary(include_cached=True)
    return {"walk_n": walk["n"], "walk_p50": walk["p50"], "walk_p95": walk["p95"],
            "walk_cached": sum(explorer.timings.cached)}


def run(n_changes: int, log=print, only=None) -> dict:
    rows = []
    for module, name, fn in discover():
        if only is not None and name not in only:
            continue
        kwargs = ARGUMENTS.get(name, lambda: {})
        needs = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.default is inspect.Parameter.empty and name not in ARGUMENTS
                 and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if needs:  # built from what its notebook computes (fitted flows, data): not driven here
            rows.append({"module": module, "explorer": name, "needs": needs})
            log(f"  {module}.{name}: needs {needs}")
            continue
        try:
            result = drive(lambda: fn(**kwargs()), n_changes)
        except Exception as error:  # report it in the table rather than lose the other rows
            result = {"error": f"{type(error).__name__}: {error}"[:200]}
        rows.append({"module": module, "explorer": name, **result})
        log(f"  {module}.{name}: {result}")
    return {"rows": rows, "n_changes": n_changes}
