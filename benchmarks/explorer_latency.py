"""Section 4, explorers: first draw and per-change latency, driven in-process.

Every ``*_explorer`` function of every module in ``gauss_flows/explorers/`` is built and
driven as a reader would drive it: ``explorer.set()`` draws the first state (its time is
``timings.first_draw``), then ``explorer.set(**state)`` moves to ``n_changes`` other states
of the explorer's grid (a fixed random order, never a state already drawn, so no change is
served from the cache); ``timings.summary(include_cached=False)`` gives p50 and p95.
The time covers rendering the figure and encoding the frame (what a live kernel does per
change), not the browser's repaint. Goal (issue 7): first draw <= 3 s, p95 <= 200 ms.

``bijector_menu_explorer`` needs fitted flows; it gets untrained ones of the same
architecture (the render cost does not depend on the parameter values). Explorers built from
what their notebook computes (fitted flows, data, snapshots) are listed with what they need
and not driven yet.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import random
import time

import jax.random as jr

import gauss_flows as gf


def _menu_flows():
    from gauss_flows.explorers import bijector_menu

    return {name: gf.coupling_flow(jr.key(0), shape=(2,), transformer=make(), n_layers=4,
                                   nn_width=32, nn_depth=2)
            for name, make in bijector_menu.TRANSFORMERS.items()}


# explorers whose function needs arguments: how to call them
ARGUMENTS = {"bijector_menu_explorer": lambda: {"flows": _menu_flows()}}


def discover():
    """``[(module name, function name, function)]`` for every explorer builder."""
    import gauss_flows.explorers as package

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
    return {"build": built, "first_draw": summary["first_draw"], "n": summary["n"],
            "p50": summary["p50"], "p95": summary["p95"], "max": summary["max"],
            "n_states": explorer.n_states}


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
