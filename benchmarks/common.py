"""Shared pieces of the benchmarks: the two libraries' flows, built the same way, and timers.

Both flows are the benchmark architecture of issue 7: ``n_layers`` rational-quadratic spline
couplings (``knots`` interior knots, so ``knots + 1`` bins, on ``[-interval, interval]``,
identity outside), each conditioned by an MLP of ``depth`` hidden layers of ``width`` units,
on a 2-D standard-normal base. The conditioners' hidden activation is each library's default:
tanh in gauss_flows (smooth log-densities), ReLU in FlowJAX (measured: ReLU in gauss_flows'
flow takes about 0.1 ms off a 1.7 ms gradient of a 256 batch and about 3 % off
``log_prob`` on 100k points). In 2-D, gauss_flows' alternating masks (first coordinate
passive, then the second) and FlowJAX's reversing permutation between couplings transform
the same coordinates in the same order.

Directions: gauss_flows' ``bijection.transform`` maps data -> latent; FlowJAX's
``Transformed.bijection`` maps base -> data (``coupling_flow(..., invert=True)`` makes the
spline's forward formula the one used by ``log_prob``, as in gauss_flows). Only
``log_prob`` and ``sample`` are compared, which mean the same thing in both.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import equinox as eqx
import jax
import jax.numpy as jnp

import gauss_flows as gf


@dataclass(frozen=True)
class Architecture:
    n_layers: int = 8
    knots: int = 8
    interval: float = 4.0
    width: int = 64
    depth: int = 2


def gauss_flows_flow(key, arch: Architecture, **coupling_kwargs):
    """``gf.coupling_flow`` with RQ-spline couplings (library defaults unless overridden)."""
    template = gf.RationalQuadraticSpline(knots=arch.knots, interval=arch.interval)
    stacked = coupling_kwargs.pop("stacked", False)
    if not coupling_kwargs:
        return gf.coupling_flow(key, shape=(2,), transformer=template, n_layers=arch.n_layers,
                                nn_width=arch.width, nn_depth=arch.depth, stacked=stacked)
    if stacked:
        raise ValueError("gauss_flows_flow: stacked=True goes with the library's own couplings only")
    first = gf.masks.half(2)
    layers = [gf.Coupling(k, shape=(2,), transformer=template, mask=first if i % 2 == 0 else ~first,
                          nn_width=arch.width, nn_depth=arch.depth, **coupling_kwargs)
              for i, k in enumerate(jax.random.split(key, arch.n_layers))]
    return gf.Transformed(gf.StandardNormal((2,)), gf.Chain(layers))


def flowjax_flow(key, arch: Architecture):
    """FlowJAX's ``coupling_flow`` with its RQ spline, at FlowJAX's own defaults otherwise."""
    from flowjax.bijections import RationalQuadraticSpline
    from flowjax.distributions import Normal
    from flowjax.flows import coupling_flow

    return coupling_flow(key, base_dist=Normal(jnp.zeros(2)),
                         transformer=RationalQuadraticSpline(knots=arch.knots, interval=arch.interval),
                         flow_layers=arch.n_layers, nn_width=arch.width, nn_depth=arch.depth)


def block(tree):
    """Wait for every array in ``tree`` (JAX dispatches asynchronously)."""
    return jax.block_until_ready(tree)


def median_time(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (seconds); ``fn`` must block."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(fn):
    """``(result, seconds)`` of one blocking call."""
    start = time.perf_counter()
    out = block(fn())
    return out, time.perf_counter() - start


filter_jit = eqx.filter_jit
