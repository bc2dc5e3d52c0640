"""Section 2, speed: the same flow in both libraries, timed on the same points.

Rows (medians over ``repeats`` repeats, each the median of as many calls as fit in
``REPEAT_SECONDS``, every call ended by ``block_until_ready``; the two libraries alternate
repeat by repeat, so a busy moment of the machine slows both):

* ``log_prob`` and ``sample`` on ``n_points`` points, jitted (``eqx.filter_jit``);
* the gradient of the mean negative log-likelihood of a batch of 256 alone, and one gradient
  step (that gradient and an Adam update, jitted): the same code for both, so only the flows
  differ. The step also updates, returns and re-wraps every parameter array: gauss_flows keeps
  one set of arrays per coupling layer (``arrays`` in the record), FlowJAX stacks its layers'
  parameters, so per-array costs show in the step row and not in the gradient row;
* the same step with Adam applied to all parameters as ONE vector (``optax.flatten``), again
  the same code for both: what the step costs once the per-array cost is taken out;
* each library's own training loop (``gf.fit`` runs an epoch as one compiled ``lax.scan``;
  FlowJAX's ``fit_to_data`` calls a jitted step per batch): a whole fit of ``loop_epochs``
  epochs, compilation included, divided by its number of steps;
* first call (compilation + one run) of ``log_prob``, ``sample`` and the gradient step.

gauss_flows is timed twice: as ``gf.coupling_flow`` builds it by default (a ``Chain``, one
set of arrays per layer) and with ``stacked=True`` (a ``Stacked`` chain: the parameters of the
repeated pair of couplings stacked, as FlowJAX stores its layers): the same map, the same
parameter values, fewer arrays.

The ratio is gauss_flows / FlowJAX: below 1, gauss_flows is faster.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import optax

import gauss_flows as gf
from common import Architecture, block, flowjax_flow, gauss_flows_flow, median_time


@dataclass(frozen=True)
class SpeedSettings:
    arch: Architecture = Architecture()
    n_points: int = 100_000
    batch_size: int = 256
    repeats: int = 7
    loop_samples: int = 10_000
    loop_epochs: int = 10

    def tiny(self) -> "SpeedSettings":
        return SpeedSettings(Architecture(n_layers=2, knots=4, width=8, depth=1), n_points=1000,
                             batch_size=32, repeats=2, loop_samples=256, loop_epochs=1)


def _gradient_step(optimizer):
    @eqx.filter_jit
    def step(flow, opt_state, batch):
        params, static = eqx.partition(flow, eqx.is_inexact_array)

        def loss(p):
            return -jnp.mean(eqx.combine(p, static).log_prob(batch))

        value, grads = jax.value_and_grad(loss)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return eqx.combine(optax.apply_updates(params, updates), static), opt_state, value

    return step


def _calls(flow, s: SpeedSettings) -> dict:
    """The timed calls for one flow, each blocking until its result is ready."""
    key = jr.key(0)
    points = 1.5 * jr.normal(jr.key(1), (s.n_points, 2))
    batch = points[: s.batch_size]
    log_prob = eqx.filter_jit(lambda f, x: f.log_prob(x))
    sample = eqx.filter_jit(lambda f, k: f.sample(k, (s.n_points,)))
    params = eqx.filter(flow, eqx.is_inexact_array)
    steps = {}
    for what, optimizer in (("step", optax.adam(1e-3)),
                            ("step, Adam on one flattened vector", optax.flatten(optax.adam(1e-3)))):
        step = _gradient_step(optimizer)
        steps[what] = lambda step=step, state=optimizer.init(params): block(step(flow, state, batch))
    gradient = eqx.filter_jit(eqx.filter_value_and_grad(lambda f, x: -jnp.mean(f.log_prob(x))))
    return {"log_prob": lambda: block(log_prob(flow, points)),
            "sample": lambda: block(sample(flow, key)),
            "gradient": lambda: block(gradient(flow, batch)),
            **steps}


#: A timed repeat of a fast call is the median of as many calls as fit in about this long:
#: single calls of a few milliseconds are too noisy to compare.
REPEAT_SECONDS = 0.1


def _measure(flows: dict, s: SpeedSettings) -> dict:
    """First call, then ``repeats`` timed repeats per row, the libraries taking turns repeat by
    repeat: a busy moment of the machine then slows both, and the ratio stays fair."""
    calls = {name: _calls(flow, s) for name, flow in flows.items()}
    results = {name: {} for name in flows}
    for what in ("log_prob", "sample", "gradient", "step", "step, Adam on one flattened vector"):
        for name in flows:
            results[name][f"{what} first call"] = median_time(calls[name][what], 1)
        calls_per_repeat = {name: max(1, min(200, round(REPEAT_SECONDS / median_time(calls[name][what], 3))))
                            for name in flows}
        times = {name: [] for name in flows}
        for _ in range(s.repeats):
            for name in flows:
                times[name].append(median_time(calls[name][what], calls_per_repeat[name]))
        for name in flows:
            results[name][what] = statistics.median(times[name])
    return results


def _loop_step_time(fit_one, s: SpeedSettings) -> float:
    """Seconds per step of a library's own loop: a whole fit of ``loop_epochs`` epochs
    (compilation included, as a user waits for it) over its number of steps.

    JAX's compilation caches are cleared first: in a full ``make bench`` the fit section has
    already compiled gauss_flows' epoch for this flow and optimizer, which would otherwise
    leave the compilation out of one library's time and not the other's."""
    n_steps = s.loop_epochs * (int(0.9 * s.loop_samples) // s.batch_size)
    jax.clear_caches()
    start = time.perf_counter()
    block(fit_one(s.loop_epochs))
    return (time.perf_counter() - start) / n_steps


def run(settings: SpeedSettings, out_dir, log=print) -> dict:
    from flowjax.train import fit_to_data

    data = gf.datasets.TwoMoons(noise=0.05).sample(jr.key(2), settings.loop_samples)
    flows = {"gauss_flows": gauss_flows_flow(jr.key(3), settings.arch),
             "gauss_flows stacked": gauss_flows_flow(jr.key(3), settings.arch, stacked=True),
             "FlowJAX": flowjax_flow(jr.key(3), settings.arch)}
    loops = {
        name: lambda n, name=name: gf.fit(jr.key(4), flows[name], data, max_epochs=n,
                                          batch_size=settings.batch_size, patience=None,
                                          show_progress=False)[0]
        for name in ("gauss_flows", "gauss_flows stacked")
    } | {
        "FlowJAX": lambda n: fit_to_data(jr.key(4), flows["FlowJAX"], data, max_epochs=n,
                                         batch_size=settings.batch_size, max_patience=10**6,
                                         show_progress=False)[0],
    }
    results = _measure(flows, settings)
    for name in flows:
        results[name][f"own fit loop, {settings.loop_epochs} epochs, per step"] = _loop_step_time(loops[name], settings)
        log(f"  {name}: " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in results[name].items()))
    peer = lambda what: max(results["FlowJAX"][what], 1e-12)  # noqa: E731
    rows = [{"what": what, "gauss_flows": results["gauss_flows"][what],
             "stacked": results["gauss_flows stacked"][what],
             "flowjax": results["FlowJAX"][what],
             "ratio": results["gauss_flows"][what] / peer(what),
             "ratio_stacked": results["gauss_flows stacked"][what] / peer(what)}
            for what in results["gauss_flows"]]
    arrays = {name: len(jax.tree_util.tree_leaves(eqx.filter(flow, eqx.is_inexact_array)))
              for name, flow in flows.items()}
    return {"rows": rows, "n_points": settings.n_points, "batch_size": settings.batch_size,
            "repeats": settings.repeats, "arrays": arrays, "figure": _plot(rows, out_dir)}


def _plot(rows, out_dir) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.0, 3.4), layout="constrained")
    ax = fig.subplots()
    names = [r["what"] for r in rows]
    at = np.arange(len(rows))
    ax.barh(at - 0.2, [r["ratio"] for r in rows], height=0.4, color="#0072B2", label="Chain (default)")
    ax.barh(at + 0.2, [r.get("ratio_stacked", np.nan) for r in rows], height=0.4, color="#E69F00",
            label="stacked=True")
    ax.set_yticks(at, names)
    ax.legend(fontsize=7, loc="lower right")
    ax.axvline(1.0, color="0.3", lw=1, ls="--")
    ax.invert_yaxis()
    ax.set_xlim(0, 1.1 * max(1.0, *(r.get(k, 0) for r in rows for k in ("ratio", "ratio_stacked"))))
    ax.set_xlabel("time gauss_flows / FlowJAX (< 1: gauss_flows faster)", fontsize=8)
    ax.tick_params(labelsize=8)
    path = out_dir / "speed.png"
    fig.savefig(path, dpi=80)
    return path.name
