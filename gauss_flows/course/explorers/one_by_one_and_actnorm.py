"""Explorer of Part 2 · 03: ActNorm's data-dependent initialisation, on or off.

Data: "pixels" with 3 channels (n = 2000), on very different scales depending on the choice:
raw intensities in [0, 255], small values far from zero, or already standardised. The flow is
``Transformed(StandardNormal((3,)), Chain([ActNorm, LULinear]))``. With the initialisation off,
ActNorm is the identity; with it on, ``ActNorm.from_data`` sets its location and scale from the
first ``batch`` samples (Glow, Kingma & Dhariwal 2018). The frame shows the activations after
ActNorm (mean and standard deviation per channel) and the readout the flow's starting NLL on all
the data. A batch of 1 sample has no standard deviation: a message.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import batched
from gauss_flows.bijectors import ActNorm, Chain, LULinear
from gauss_flows.distributions import StandardNormal, Transformed
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider, Toggle

DATASETS = ["pixels in [0, 255]", "small, far from 0", "standardised"]
BATCHES = [1, 16, 512]
N = 2000


@lru_cache(maxsize=None)
def pixels(name: str) -> np.ndarray:
    """Three correlated channels (n, 3), seeded; ``name`` sets their scale."""
    rng = np.random.default_rng(21)
    base = rng.beta(2.0, 3.0, size=(N, 1))
    raw = np.clip(base + 0.08 * rng.normal(size=(N, 3)) * [1.0, 1.5, 2.0], 0, 1)
    if name == "pixels in [0, 255]":
        return 255.0 * raw
    if name == "small, far from 0":
        return 50.0 + 0.05 * raw
    if name == "standardised":
        return (raw - raw.mean(0)) / raw.std(0)
    raise ValueError(f"Unknown data set {name!r}; choose one of {DATASETS}.")


def actnorm(name: str, init: bool, batch: int) -> ActNorm:
    """The identity ActNorm, or ``ActNorm.from_data`` on the first ``batch`` samples."""
    x = pixels(name)
    if not init:
        return ActNorm((3,))
    if batch < 2:
        raise ValueError("A batch of 1 sample has no spread: its standard deviation is 0, and the "
                         "initial scale would be log(0) (ActNorm.from_data needs n ≥ 2). Initialise "
                         "from a larger batch.")
    return ActNorm.from_data(x[:batch])


def starting_flow(name: str, init: bool, batch: int) -> Transformed:
    return Transformed(StandardNormal((3,)), Chain([actnorm(name, init, batch), LULinear(jr.key(0), shape=(3,))]))


@lru_cache(maxsize=None)
def after_first_layer(name: str, init: bool, batch: int) -> dict:
    """The sample ``name`` after the ActNorm layer (``after``, its ``mean`` and ``std``) and the
    starting NLL of ActNorm + LULinear (``nll``, nats per sample)."""
    x = jnp.asarray(pixels(name))
    flow = starting_flow(name, init, batch)
    after = np.asarray(jax.vmap(flow.bijection.bijectors[0].transform)(x))
    return {"after": after, "mean": after.mean(0), "std": after.std(0), "nll": float(batched.mean_nll(flow, x))}


def _render(data: str, init: bool, batch: int):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, CYCLE, FIGSIZE, NEUTRAL, style_ax

    batch = int(batch)
    if init and batch < 2:
        actnorm(data, init, batch)  # raises the message
    state = after_first_layer(data, bool(init), batch if init else BATCHES[-1])
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    ax = fig.add_axes((0.06, 0.14, 0.4, 0.72))
    lo, hi = np.percentile(state["after"], [0.5, 99.5])
    bins = np.linspace(min(lo, -3), max(hi, 3), 50)
    for c in range(3):
        ax.hist(state["after"][:, c], bins=bins, histtype="step", lw=1.5, color=CYCLE[c],
                label=f"channel {c}", density=True)
    style_ax(ax, f"after ActNorm: {data}", "value", "density")
    ax.legend(fontsize=8)
    ax2 = fig.add_axes((0.58, 0.14, 0.38, 0.72))
    ax2.bar(np.arange(3) - 0.2, state["mean"], width=0.4, color=NEUTRAL, label="mean")
    ax2.bar(np.arange(3) + 0.2, state["std"], width=0.4, color=ACCENT, label="std")
    ax2.axhline(0, color="0.5", lw=0.8)
    ax2.axhline(1, color=ACCENT, lw=0.8, ls=":")
    ax2.set_yscale("symlog", linthresh=1.0)
    ax2.set_xticks(range(3), [f"ch {c}" for c in range(3)])
    ax2.legend(fontsize=8)
    style_ax(ax2, "mean and std per channel (dotted: 1)")
    how = (f"from_data on {batch} samples" if init else
           f"identity (no data-dependent init; the batch slider, now {batch}, acts once it is on)")
    readout = (f"{data}, ActNorm {how}: means after = {np.array2string(state['mean'], precision=2)}, "
               f"stds = {np.array2string(state['std'], precision=2)};  starting NLL of "
               f"ActNorm + LULinear = {state['nll']:.4g} nats per sample")
    return fig, readout


def actnorm_explorer(**kwargs) -> Explorer:
    """Data x init on/off x init batch: 3 x 2 x 3 = 18 states."""
    controls = {"data": Dropdown("data", DATASETS),
                "init": Toggle("data-dependent init", default=True),
                "batch": Slider("init batch size", BATCHES, default=512, fmt="{:g}", continuous=False)}
    return Explorer(_render, controls, title="ActNorm: initialised from data, or not", **kwargs)


def init_prediction() -> Prediction:
    return Prediction("Pixels in [0, 255], ActNorm initialised from 16 samples instead of 512: "
                      "will the standard deviations after the layer still be close to 1?",
                      ["yes, roughly", "no, far from 1"], answer="yes, roughly",
                      explanation="A standard deviation estimated from 16 samples is off by about "
                                  "1/sqrt(2·16) ≈ 18 %: good enough for a starting point. The layer "
                                  "is trained afterwards; the initialisation only has to put the "
                                  "activations on the right scale.")
