"""Explorer of Part 3 · 00, the RBIG loop: the data after ``k`` layers, and samples made with ``k``.

RBIG (Laparra, Camps-Valls & Malo 2011) stacks layers
:math:`z^{(\\ell)} = R_\\ell\\, \\Phi^{-1}(F_\\ell(z^{(\\ell-1)}))`. One fit of
:func:`gauss_flows.rbig_fit` gives every intermediate state: pushing the data through the
first :math:`k` layers shows how Gaussian it has become, and running the first :math:`k`
layers backwards from :math:`\\mathcal N(0, I)` shows what a flow of :math:`k` layers would
generate. Everything is computed once (:func:`rbig_trajectory`); the slider only draws.
"""

from __future__ import annotations

import jax.random as jr
import numpy as np
from jax import Array

from gauss_flows.rbig import rbig_inverse, rbig_path
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["rbig_trajectory", "rbig_loop_explorer", "what_do_samples_look_like"]

WINDOW = (-4.0, 4.0)  # both panels: the latent space and the data space share one window


def rbig_trajectory(flow, data, key: Array, n_samples: int = 1000) -> dict[str, list[np.ndarray]]:
    """``{"data": [x, z1, ..., zK], "samples": [s0, s1, ..., sK]}`` for an RBIG ``flow``.

    ``data[k]`` is ``data`` after the first ``k`` layers (``data[0]`` the data itself);
    ``samples[k]`` is one fixed draw ``z ~ N(0, I)`` pushed back through layers ``k, ..., 1``
    (``samples[0] = z``): the samples a flow made of the first ``k`` layers generates.
    """
    forward = [np.asarray(z) for z in rbig_path(flow, data)]
    latent = flow.base.sample(key, n_samples)
    backward = [np.asarray(rbig_inverse(flow, latent, k)) for k in range(len(forward))]
    return {"data": forward, "samples": backward}


def _render(k: float, *, trajectory, info, window):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import DATA, FIGSIZE, MODEL, NEUTRAL

    from gauss_flows.presentation import viz

    k = int(round(k))
    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    axes = [fig.add_axes((0.06 + 0.5 * j, 0.1, 0.4, 0.78)) for j in range(2)]
    viz.samples_panel(trajectory["data"][k], ax=axes[0], color=DATA, s=3, alpha=0.4, lim=WINDOW,
                      title=f"the data after {k} layer{'s' * (k != 1)}")
    angle = np.linspace(0, 2 * np.pi, 200)
    for radius in (1.0, 2.0, 3.0):  # contours of N(0, I): where a Gaussian cloud would sit
        axes[0].plot(radius * np.cos(angle), radius * np.sin(angle), color=NEUTRAL, lw=0.8, ls="--")
    viz.samples_panel(trajectory["data"][0], ax=axes[1], color="0.75", s=3, alpha=0.4)
    viz.samples_panel(trajectory["samples"][k], ax=axes[1], color=MODEL, s=3, alpha=0.4, lim=window,
                      title=f"samples generated with {k} layer{'s' * (k != 1)}")
    for ax in axes:
        ax.tick_params(labelsize=9)
    if k == 0:
        readout = ("k = 0: no layer yet. Left: the raw data; right: the base samples z ~ N(0, I), "
                   "which a flow with no layer returns unchanged.")
    else:
        readout = (f"k = {k}: TC removed by layer {k}: {info['tc_reduction'][k - 1]:+.3f} nats; "
                   f"removed so far: {info['total_correlation'] - info['remaining_total_correlation'][k - 1]:.3f}"
                   f" of {info['total_correlation']:.3f} (RBIG's estimate of TC(x))\n"
                   f"mean log-likelihood of the data with {k} layers: {info['log_likelihood'][k - 1]:+.3f} nats;"
                   f" marginal non-Gaussianity sum_i J(z_i): {info['negentropy'][k - 1]:.3f} nats")
    return fig, readout


def rbig_loop_explorer(flow, info, data, key: Array | None = None, *, window=(-2.0, 3.0),
                       n_samples: int = 1000, **kwargs) -> Explorer:
    """A slider over ``k = 0, ..., K`` (the flow's layers): the data after ``k`` layers, and
    samples generated back with ``k`` layers. ``flow, info = gf.rbig_fit(data, ...)``.

    ``window``: the limits of the data-space panel. ``kwargs`` go to :class:`Explorer`.
    """
    n_layers = len(flow.bijection.bijectors)
    if n_layers > 15:
        raise ValueError(f"rbig_loop_explorer draws one frame per layer; {n_layers} layers are too "
                         "many for one page (at most 15: each frame also undoes k layers).")
    trajectory = rbig_trajectory(flow, data, jr.key(0) if key is None else key, n_samples)
    controls = {"k": Slider("layers k", list(range(n_layers + 1)), default=min(2, n_layers), fmt="{:.0f}")}

    def render(k):
        return _render(k, trajectory=trajectory, info=info, window=window)

    return Explorer(render, controls, title="RBIG: the first k layers, forwards and backwards", **kwargs)


def what_do_samples_look_like() -> Prediction:
    """The "predict first" prompt shown before :func:`rbig_loop_explorer`."""
    return Prediction(
        "The flow with ONE layer (one marginal Gaussianization and one rotation) is run backwards "
        "from N(0, I). What do its samples look like?",
        ["already two moons", "the data's marginals, but independent coordinates (no moons)",
         "a standard normal cloud"],
        answer="the data's marginals, but independent coordinates (no moons)",
        explanation="Undo one layer: R^T z is still N(0, I) (a rotation keeps a standard normal), so "
                    "its coordinates are independent; the inverse marginal maps then give each "
                    "coordinate the data's marginal, one by one, and nothing couples them. The "
                    "moons' dependence has to come from the later layers, each of which adds back "
                    "the total correlation it removed on the way forward.")
