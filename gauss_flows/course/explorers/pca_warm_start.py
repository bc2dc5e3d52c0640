"""Explorer of Part 2 · 02: a frozen PCA rotation as the first layer of a small flow.

Data: two independent non-Gaussian sources with different variances (Laplace, standard
deviation 2, and uniform, standard deviation 0.6), turned by 35 degrees and shifted. The flow is
``Transformed(StandardNormal, Chain([rotation, marginal mixture-CDF layer]))``. For the fixed
rotations (none, random, PCA) the marginal layer is fitted by EM on the rotated training data,
with no gradient step at all; the trainable option is a ``gf.Householder`` layer trained with
its marginal layer by ``gf.fit`` (done once, in :func:`trained_householder`). The second control
is the number of samples PCA is fitted on (1 is too few: a message).
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import batched
from gauss_flows.bijectors import Chain, Householder, PCARotation, RandomRotation
from gauss_flows.distributions import StandardNormal, Transformed
from gauss_flows.marginal_fit import fit_marginal_mixture
from gauss_flows.parameters import count_parameters
from gauss_flows.training import fit
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

ROTATIONS = ["none", "random (frozen)", "PCA (frozen)", "Householder (trained)"]
PCA_SAMPLES = [1, 10, 2000]
TILT = 35.0
SHIFT = np.array([1.0, -0.5])
N_TRAIN, N_TEST = 2000, 2000


def mixed_sources(n: int, seed: int) -> np.ndarray:
    """x = R(35 degrees) s + shift, s = (Laplace with std 2, uniform with std 0.6)."""
    rng = np.random.default_rng(seed)
    s = np.stack([rng.laplace(scale=2.0 / np.sqrt(2.0), size=n),
                  rng.uniform(-0.6 * np.sqrt(3.0), 0.6 * np.sqrt(3.0), size=n)], 1)
    t = np.deg2rad(TILT)
    r = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return s @ r.T + SHIFT


@lru_cache(maxsize=None)
def data() -> tuple[np.ndarray, np.ndarray]:
    """(train, test), seeded."""
    return mixed_sources(N_TRAIN, 0), mixed_sources(N_TEST, 1)


def frozen_flow(rotation) -> Transformed:
    """``rotation`` (or none) followed by a marginal layer fitted by EM; no gradient training."""
    train, _ = data()
    if rotation is None:
        return Transformed(StandardNormal((2,)), Chain([fit_marginal_mixture(train)]))
    rotated = jax.vmap(rotation.transform)(jnp.asarray(train))
    return Transformed(StandardNormal((2,)), Chain([rotation, fit_marginal_mixture(rotated)]))


def make_rotation(name: str, pca_samples: int = N_TRAIN):
    train, _ = data()
    if name == "none":
        return None
    if name == "random (frozen)":
        return RandomRotation(jr.key(3), shape=(2,))
    if name == "PCA (frozen)":
        return PCARotation.fit(train[: int(pca_samples)])  # ValueError for 1 sample
    raise ValueError(f"Unknown rotation {name!r}; choose one of {ROTATIONS}.")


@lru_cache(maxsize=None)
def trained_householder(max_epochs: int = 10):
    """One ``gf.fit``: a Householder layer (random start) and an EM-initialised marginal layer,
    trained together. Returns ``(flow, history)``."""
    train, _ = data()
    rotation = Householder(jr.key(4), shape=(2,))
    rotated = jax.vmap(rotation.transform)(jnp.asarray(train))
    flow = Transformed(StandardNormal((2,)), Chain([rotation, fit_marginal_mixture(rotated)]))
    return fit(jr.key(5), flow, jnp.asarray(train), learning_rate=1e-2, max_epochs=max_epochs,
               batch_size=250, patience=None, show_progress=False)


def test_nll(flow) -> float:
    """Mean negative log-likelihood of the test sample (nats per sample)."""
    _, test = data()
    return float(batched.mean_nll(flow, jnp.asarray(test)))


@lru_cache(maxsize=None)
def _state(rotation: str, pca_samples: int) -> dict:
    if rotation == "Householder (trained)":
        flow = trained_householder()[0]
    else:
        flow = frozen_flow(make_rotation(rotation, pca_samples))
    train, _ = data()
    layers = list(flow.bijection.bijectors)
    rotated = train if len(layers) == 1 else np.asarray(jax.vmap(layers[0].transform)(jnp.asarray(train)))
    latent = np.asarray(jax.vmap(flow.bijection.transform)(jnp.asarray(train)))
    rotation_params = 0 if len(layers) == 1 else count_parameters(layers[0])
    return {"rotated": rotated, "latent": latent, "nll": test_nll(flow),
            "rotation_params": rotation_params}


def _render(rotation: str, pca_samples: int):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, MODEL, NEUTRAL, style_ax

    from gauss_flows.presentation import viz

    pca_samples = int(pca_samples)
    if rotation == "PCA (frozen)" and pca_samples < 2:
        raise ValueError("PCA from 1 sample: a covariance needs at least 2 points (with 1 there is "
                         "no spread to find a direction in), and PCARotation.fit refuses. "
                         "Fit it on 10 or 2000 samples.")
    state = _state(rotation, pca_samples if rotation == "PCA (frozen)" else N_TRAIN)
    fig = Figure(figsize=FIGSIZE["triple"], layout="none")
    axes = [fig.add_axes((0.04 + 0.33 * i, 0.13, 0.26, 0.75)) for i in range(3)]
    viz.samples_panel(state["rotated"], ax=axes[0], lim=(-7, 7), s=3, max_points=1000,
                      title="after the rotation")
    viz.samples_panel(state["latent"], ax=axes[1], lim=(-4, 4), s=3, color=MODEL, max_points=1000,
                      title="after rotation + marginal layer")
    nlls = [_state(r, pca_samples if r == "PCA (frozen)" and pca_samples >= 2 else N_TRAIN)["nll"]
            for r in ROTATIONS]
    colours = [ACCENT if r == rotation else NEUTRAL for r in ROTATIONS]
    axes[2].barh(range(4), nlls, color=colours)
    axes[2].set_yticks(range(4), ["none", "random", "PCA", "Householder\n(trained)"], fontsize=8)
    axes[2].set_xlim(min(nlls) - 0.1, max(nlls) + 0.1)
    style_ax(axes[2], "test NLL (nats per sample)")
    if rotation == "PCA (frozen)":
        used = f"PCA fitted on {pca_samples} samples"
    elif pca_samples >= 2:  # the slider still moves the PCA bar on the right
        used = f"the PCA bar: fitted on {pca_samples} samples"
    else:
        used = f"the PCA bar: 1 sample is too few for PCA, it shows the {N_TRAIN}-sample fit"
    readout = (f"{rotation} ({used}): test NLL = {state['nll']:.3f} nats; trainable parameters in "
               f"the rotation: {state['rotation_params']}")
    return fig, readout


def pca_warm_start_explorer(**kwargs) -> Explorer:
    """Rotation x PCA sample size: 4 x 3 = 12 states (fits precomputed)."""
    for r in ROTATIONS:
        for n in PCA_SAMPLES:
            if not (r == "PCA (frozen)" and n < 2):
                _state(r, n if r == "PCA (frozen)" else N_TRAIN)
    controls = {"rotation": Dropdown("rotation", ROTATIONS, default="PCA (frozen)"),
                "pca_samples": Slider("PCA fitted on n samples", PCA_SAMPLES, default=N_TRAIN,
                                      fmt="{:g}", continuous=False)}
    return Explorer(_render, controls, title="the first layer of a two-layer flow", **kwargs)


def frozen_or_trained() -> Prediction:
    return Prediction(
        "The frozen PCA rotation plus an EM-fitted marginal layer uses no gradient step. The "
        "Householder flow is trained by gradient descent for 10 epochs. Which has the lower test NLL?",
        ["frozen PCA", "trained Householder", "about the same"], answer="about the same",
        explanation="The sources have different variances, so PCA's axes ARE the independent axes "
                    "(up to sampling noise): the warm start is already where training must go. "
                    "Training can only find the same rotation, at the price of d² parameters and "
                    "a compiled training loop.")
