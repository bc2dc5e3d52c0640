"""Part 5 · 05: a deep stack of fresh couplings, with and without a zero-initialised last layer.

A stack of ``DEPTH`` couplings (``gf.coupling_flow``) is built for each transformer of the menu
and each ``init_scale`` (the factor on the conditioners' random last-layer weights: 0 = zero
initialisation, 0.1 = the library's default, 1 = the network's own random initialisation) and
applied, untrained, to two moons. The explorer shows where the data lands after the stack and,
through depth, the spread of the activations and the accumulated log-determinant.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction

DEPTH = 16
NN_WIDTH = 32
N_POINTS = 1000
TRANSFORMERS = ("Affine", "MixtureGaussianCDF", "DeepSigmoid", "RationalQuadraticSpline")
INIT_SCALES = {"zero (0.0)": 0.0, "library default (0.1)": 0.1, "random (1.0)": 1.0}


def transformer(name: str):
    """The menu's template of that name at the sizes used on this page."""
    menu = {"Affine": lambda: gf.Affine(), "MixtureGaussianCDF": lambda: gf.MixtureGaussianCDF(n_components=4),
            "DeepSigmoid": lambda: gf.DeepSigmoid(n_hidden=4),
            "RationalQuadraticSpline": lambda: gf.RationalQuadraticSpline(knots=6, interval=4.0)}
    if name not in menu:
        raise ValueError(f"transformer must be one of {TRANSFORMERS}, but got {name!r}.")
    return menu[name]()


def stack(name: str, init_scale: float, key=jr.key(0), depth: int | None = None):
    """``depth`` (default ``DEPTH``) fresh couplings of the named transformer on two coordinates."""
    return gf.coupling_flow(key, shape=(2,), transformer=transformer(name), n_layers=depth or DEPTH,
                            nn_width=NN_WIDTH, nn_depth=2, init_scale=init_scale)


@functools.cache
def data():
    return gf.datasets.TwoMoons().sample(jr.key(1), N_POINTS)


def through_depth(flow, x) -> dict:
    """Per layer k = 0..depth: the largest per-coordinate standard deviation of the points after
    k layers, the mean |accumulated log-det|, and the NLL of the untrained flow."""
    outputs, log_dets = gf.trajectory.layer_outputs(flow, x)
    return {"std": np.array([float(jnp.max(jnp.std(o, axis=0))) for o in outputs]),
            "log_det": np.array([float(jnp.mean(jnp.abs(ld))) for ld in log_dets]),
            "latent": np.asarray(outputs[-1]),
            "moved": float(jnp.max(jnp.abs(outputs[-1] - x))),
            "nll": -float(jnp.mean(gf.jit_log_prob(flow, x)))}


@functools.cache
def state(name: str, init_label: str) -> dict:
    if init_label not in INIT_SCALES:
        raise ValueError(f"init must be one of {list(INIT_SCALES)}, but got {init_label!r}.")
    return through_depth(stack(name, INIT_SCALES[init_label]), data())


@eqx.filter_jit
def layer_gradient_norms(flow, x):
    """The norm of the NLL's gradient with respect to each layer's parameters, shape ``(depth,)``."""
    params, static = gf.split_trainable(flow)
    grads = jax.grad(lambda p: -jnp.mean(eqx.combine(p, static).log_prob(x)))(params)
    return jnp.stack([jnp.sqrt(sum(jnp.sum(g ** 2) for g in jax.tree_util.tree_leaves(layer)))
                      for layer in grads.bijection.bijectors])


def initialisation_explorer() -> Explorer:
    def render(transformer, init):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, MODEL, NEUTRAL, PASSIVE, style_ax

        s = state(transformer, init)
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        ax_points = fig.add_axes((0.06, 0.13, 0.36, 0.75))
        ax_depth = fig.add_axes((0.55, 0.13, 0.42, 0.75))
        x = np.asarray(data())
        ax_points.scatter(x[:, 0], x[:, 1], s=3, color=DATA, alpha=0.4, label="data x")
        ax_points.scatter(s["latent"][:, 0], s["latent"][:, 1], s=3, color=MODEL, alpha=0.5,
                          label=f"T(x) after {DEPTH} layers")
        circle = np.linspace(0, 2 * np.pi, 100)
        for r in (1, 2, 3):
            ax_points.plot(r * np.cos(circle), r * np.sin(circle), color=NEUTRAL, lw=0.6, ls=":")
        ax_points.set_xlim(-4, 4)
        ax_points.set_ylim(-4, 4)
        ax_points.set_aspect("equal")
        style_ax(ax_points, "untrained stack: where the data lands")
        ax_points.legend(fontsize=8, loc="lower left")
        layers = np.arange(DEPTH + 1)
        ax_depth.semilogy(layers, s["std"], marker=".", color=PASSIVE, label="largest std of activations")
        ax_depth.semilogy(layers, np.maximum(s["log_det"], 1e-17), marker=".", color=ACCENT,
                          label="mean |accumulated log det|")
        ax_depth.set_ylim(1e-17, 1e6)
        ax_depth.set_xlabel("layer k")
        style_ax(ax_depth, "through depth")
        ax_depth.legend(fontsize=8, loc="upper left")
        readout = (f"{transformer}, init {init}: max |T(x) - x| = {s['moved']:.2e}, final mean "
                   f"|log det| = {s['log_det'][-1]:.2e}, NLL of the untrained stack = {s['nll']:.3g}")
        return fig, readout

    controls = {"transformer": Dropdown("transformer", list(TRANSFORMERS)),
                "init": Dropdown("last layer", list(INIT_SCALES))}
    return Explorer(render, controls, title=f"{DEPTH} fresh couplings at step 0")


def what_happens_at_random_init() -> Prediction:
    return Prediction(
        f"Switch the last layer from 'zero' to 'random (1.0)' for the affine stack of {DEPTH} "
        "couplings. How far from the data does the untrained stack send the points?",
        ["about as far as one layer would", "much farther: the scales multiply through depth",
         "nowhere: the conditioner's hidden layers are random anyway"],
        answer="much farther: the scales multiply through depth",
        explanation="Each affine coupling multiplies its active coordinate by exp(s) with s a random "
                    "function of the passive one; through 16 layers these factors multiply, and the "
                    "log-dets (sums of s) add up like a random walk. With a zero last layer s = 0 "
                    "whatever the hidden layers compute.")
