"""Explorer of Part 7 · 00, three ways to condition: the context value and the mechanism.

The page's target is a banana whose bend is the context :math:`c \\in [-1, 1]`,

.. math::  x_1 \\sim \\mathcal N(0, 1), \\qquad x_2 \\mid x_1, c \\sim \\mathcal N\\big(b\\,c\\,(x_1^2 - 1),\\ \\sigma^2\\big),
           \\qquad \\log p(x \\mid c) = \\log\\varphi(x_1) + \\log\\mathcal N\\big(x_2;\\ b c (x_1^2 - 1), \\sigma^2\\big),

a Gaussian blob at :math:`c = 0` that bends up for :math:`c > 0` and down for :math:`c < 0`, with
the same mean and a variance that grows with :math:`|c|`. Its density is exact, so every model is
judged by the forward KL at each context (``gf.conditional_data.conditional_kl``).

Three affine coupling flows learn it, one per way of letting :math:`c` in (``coupling_flow``'s
``conditioning``): the conditioners read :math:`c` beside the passive coordinate (``"input"``), a
hypernetwork turns :math:`c` into the conditioners' weights (``"hypernetwork"``), or the couplings
ignore :math:`c` and the base :math:`\\mathcal N(\\mu(c), \\operatorname{diag} e^{2 s(c)})` moves
instead (``"base"``). The explorer shows each model's :math:`p(x \\mid c)` beside the truth.
The models are trained in the notebook and passed in; nothing trains here.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import count_parameters, jit_log_prob
from gauss_flows.bijectors import Affine
from gauss_flows.conditional_data import ConditionalDensity, conditional_kl
from gauss_flows.flows import coupling_flow
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["MECHANISMS", "CONTEXTS", "WINDOW", "SETTINGS", "BendingBanana", "build", "density_frames",
           "conditioning_explorer", "which_mechanism_struggles"]

#: The three mechanisms: the page's name for each -> ``coupling_flow``'s ``conditioning``.
MECHANISMS = {"conditioner input": "input", "hypernetwork": "hypernetwork", "conditional base": "base"}
#: The contexts of the explorer's slider (and of the KL table).
CONTEXTS = [float(c) for c in np.round(np.linspace(-1.0, 1.0, 7), 4)]
#: The window of the density images, the same in x1 and x2.
WINDOW = (-3.5, 3.5)
#: The flows of the page: small, so that the three have comparable sizes and train in seconds.
SETTINGS = dict(n_layers=4, nn_width=16, nn_depth=1, hyper_width=4)

_LOG_2PI = math.log(2.0 * math.pi)


class BendingBanana(ConditionalDensity):
    """:math:`p(x \\mid c)`: :math:`x_1 \\sim \\mathcal N(0, 1)`, :math:`x_2 \\sim \\mathcal N(b c (x_1^2 - 1), \\sigma^2)`.

    Args:
        bend: :math:`b`; noise: :math:`\\sigma`; half_width: contexts are drawn from :math:`U(-L, L)`.
    """

    bend: float = eqx.field(static=True, default=0.6)
    noise: float = eqx.field(static=True, default=0.35)
    half_width: float = eqx.field(static=True, default=1.0)
    shape = (2,)
    condition_shape = (1,)

    def __check_init__(self):
        for name in ("noise", "half_width"):
            if not getattr(self, name) > 0:
                raise ValueError(f"BendingBanana expects {name} > 0, got {getattr(self, name)!r}.")

    def centre(self, x1, c):
        """:math:`b c (x_1^2 - 1)`, the middle of the banana above :math:`x_1`."""
        return self.bend * c * (x1 ** 2 - 1.0)

    def _log_prob(self, x, c):
        x1, x2 = x[..., 0], x[..., 1]
        residual = (x2 - self.centre(x1, c[..., 0])) / self.noise
        return -0.5 * x1 ** 2 - 0.5 * residual ** 2 - math.log(self.noise) - _LOG_2PI

    def _sample_given(self, key, c):
        k1, k2 = jr.split(key)
        x1 = jr.normal(k1, c.shape[:-1], c.dtype)
        x2 = self.centre(x1, c[..., 0]) + self.noise * jr.normal(k2, c.shape[:-1], c.dtype)
        return jnp.stack([x1, x2], -1)

    def sample(self, key, n: int):
        """``n`` pairs ``(x (n, 2), c (n, 1))``: ``c ~ U(-L, L)``, then ``x ~ p(x | c)``."""
        k_c, k_x = jr.split(key)
        c = jr.uniform(k_c, (int(n), 1), minval=-self.half_width, maxval=self.half_width)
        return self._sample_given(k_x, c), c


def build(key, conditioning: str, **changes):
    """The page's affine coupling flow :math:`q(x \\mid c)` on 2-D points with a scalar context,
    conditioned by ``conditioning`` (``"input"``, ``"hypernetwork"`` or ``"base"``)."""
    if conditioning not in MECHANISMS.values():
        raise ValueError(f"build: conditioning must be one of {list(MECHANISMS.values())}, got {conditioning!r}.")
    settings = {**SETTINGS, **changes}
    return coupling_flow(key, shape=(2,), transformer=Affine(), condition_shape=(1,),
                         conditioning=conditioning, **settings)


def _grid(n_grid: int) -> tuple[np.ndarray, jnp.ndarray]:
    axis = np.linspace(*WINDOW, n_grid)
    X1, X2 = np.meshgrid(axis, axis)
    return axis, jnp.asarray(np.stack([X1.ravel(), X2.ravel()], -1))


def density_frames(models: dict, target: BendingBanana, key, *, contexts=CONTEXTS, n_grid: int = 60,
                   n_kl: int = 2000) -> dict:
    """Everything the explorer draws, computed once from trained models.

    Args:
        models: ``{mechanism name: flow}`` (names of :data:`MECHANISMS`).
        target: the exact :math:`p(x \\mid c)`.
        key: PRNG key of the KL's draws (the same draws for every model).
        contexts: the slider's contexts; n_grid: points per axis of the images; n_kl: draws per context.

    Returns ``{"contexts", "axis" (n_grid,), "exact" (m, n_grid, n_grid), "density" {name: (m, n_grid,
    n_grid)}, "kl" {name: (m,)}, "kl_se" {name: (m,)}, "n_parameters" {name: int}}``.
    """
    unknown = set(models) - set(MECHANISMS)
    if not models or unknown:
        raise ValueError(f"density_frames expects models named from {list(MECHANISMS)}, got {sorted(models)}.")
    contexts = [float(c) for c in contexts]
    axis, points = _grid(n_grid)
    c_column = jnp.asarray(contexts)[:, None]
    frames = {"contexts": contexts, "axis": axis, "density": {}, "kl": {}, "kl_se": {}, "n_parameters": {}}
    frames["exact"] = np.stack([np.exp(np.asarray(target.log_prob(points, jnp.array([c])))).reshape(n_grid, n_grid)
                                for c in contexts])
    for name, model in models.items():
        frames["density"][name] = np.stack([
            np.exp(np.asarray(jit_log_prob(model, points, jnp.array([c])))).reshape(n_grid, n_grid)
            for c in contexts])
        kl, se = conditional_kl(key, target, model, c_column, n=n_kl)
        frames["kl"][name], frames["kl_se"][name] = np.asarray(kl), np.asarray(se)
        frames["n_parameters"][name] = count_parameters(model)
    return frames


def _render(c: float, mechanism: str, *, frames):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, CYCLE, DENSITY_CMAP, FIGSIZE, style_ax

    if mechanism not in frames["density"]:
        raise ValueError(f"no model was trained for {mechanism!r}; this explorer has {list(frames['density'])}.")
    k = frames["contexts"].index(c)
    exact, learned = frames["exact"][k], frames["density"][mechanism][k]
    top = float(max(exact.max(), learned.max()))
    fig = Figure(figsize=FIGSIZE["triple"], layout="constrained")
    left, middle, right = fig.subplots(1, 3)
    extent = (*WINDOW, *WINDOW)
    for ax, image, title in ((left, exact, f"exact p(x | c = {c:+.2f})"),
                             (middle, learned, f"{mechanism}: q(x | c = {c:+.2f})")):
        ax.imshow(image, origin="lower", extent=extent, cmap=DENSITY_CMAP, vmin=0.0, vmax=top, aspect="equal")
        style_ax(ax, title, "x₁", "x₂", grid=False)
    contexts = frames["contexts"]
    for colour, name in zip(CYCLE, frames["kl"]):
        kl, se = frames["kl"][name], frames["kl_se"][name]
        right.errorbar(contexts, kl, yerr=2 * se, color=colour, marker="o", ms=4, capsize=2,
                       lw=2.6 if name == mechanism else 1.2, alpha=1.0 if name == mechanism else 0.55,
                       label=name)
    right.axvline(c, color=ACCENT, ls=":", lw=1.5)
    right.set_yscale("log")
    style_ax(right, "KL(p ‖ q) at each context (± 2 SE)", "context c", "nats")
    kl, se = frames["kl"][mechanism][k], frames["kl_se"][mechanism][k]
    readout = (f"c = {c:+.2f}, {mechanism} ({frames['n_parameters'][mechanism]} parameters): "
               f"KL(p ‖ q) = {kl:.3f} ± {se:.3f} nats\n"
               + "; ".join(f"{name}: {frames['kl'][name][k]:.3f}" for name in frames["kl"] if name != mechanism))
    return fig, readout


def conditioning_explorer(frames: dict, **kwargs) -> Explorer:
    """Controls: the context (``frames["contexts"]``) x the mechanism (the trained models').

    ``frames`` is :func:`density_frames`'s result; ``kwargs`` go to ``Explorer`` (e.g. ``dpi``)."""
    missing = {"contexts", "axis", "exact", "density", "kl", "kl_se", "n_parameters"} - set(frames)
    if missing:
        raise ValueError(f"conditioning_explorer needs the result of density_frames; missing {sorted(missing)}.")
    names = list(frames["density"])
    controls = {"c": Slider("context c", frames["contexts"], default=frames["contexts"][-1], fmt="{:+.2f}"),
                "mechanism": Dropdown("mechanism", names, default=names[0])}

    def render(c, mechanism):
        return _render(c, mechanism, frames=frames)

    return Explorer(render, controls, title="p(x | c) by three mechanisms, against the truth", **kwargs)


def which_mechanism_struggles() -> Prediction:
    """The "predict first" prompt shown before :func:`conditioning_explorer`."""
    return Prediction(
        "All three flows have four affine couplings. As c goes from -1 to +1 the banana turns from "
        "bending down to bending up. Which mechanism will fit the strongly bent bananas (|c| = 1) worst?",
        ["the conditional base: its map is the same for every c", "the conditioner input",
         "the hypernetwork", "none: they all fit equally well"],
        answer="the conditional base: its map is the same for every c",
        explanation="With a conditional base the couplings never see c: one fixed map has to turn a "
                    "Gaussian that only moves and stretches with c into bananas that bend both ways. "
                    "Through the conditioners (input or hypernetwork) every layer can bend by a "
                    "different amount for each c.")
