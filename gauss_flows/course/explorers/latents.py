"""Explorers of Part 12 · 04, what the latents mean: interpolation in pixels and in latents, and
resampling one scale of a multi-scale flow.

Images live in the unit cube, :math:`v = (x + 1/2)/K` for a digit (the middle of each pixel's
dequantization cell, 12·00); the flow models :math:`y = \\operatorname{logit}(\\alpha + (1-2\\alpha)v)`,
so the model's log-density of an image is that of :math:`y` plus the logit's log-det,

.. math::  \\log p_V(v) = \\log\\mathcal N\\big(f(y)\\big) + \\log|\\det J_f(y)|
           + \\log|\\det \\partial y/\\partial v| ,

the density on the pixels' own scale, where every image gets the same volume
(``gf.latents.log_density_terms`` gives the three terms).
Between two digits :math:`v_0, v_1`:

* the **pixel path** :math:`v_t = (1-t)v_0 + t v_1`, a cross-fade;
* the **latent path**, the straight line between the latents mapped back,
  :math:`y_t = f^{-1}((1-t)f(y_0) + t f(y_1))` (what ``gf.latents.latent_path`` computes), then
  :math:`v_t` from :math:`y_t`.

:func:`interpolation_paths` computes both, and the log-density along each, for a batch of pairs in
one compiled call; :func:`resampled_digits` redraws the latents of one scale
(``gf.latents.resample_latents``). The explorers draw from these precomputed arrays only.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows import Logit
from gauss_flows.dequantization import ALPHA
from gauss_flows.images import N_LEVELS
from gauss_flows.latents import linear_path, log_density_terms, resample_latents
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["cell_middles", "interpolation_paths", "resampled_digits",
           "interpolation_explorer", "resampling_explorer", "where_is_the_midpoint",
           "which_scale_keeps_the_digit"]


def cell_middles(images) -> jnp.ndarray:
    """Integer images to the unit cube: :math:`v = (x + 1/2)/K`, the middle of each cell."""
    return (jnp.asarray(images) + 0.5) / N_LEVELS


def _logit(v):
    return Logit(v.shape[1:], alpha=ALPHA)


@eqx.filter_jit
def _paths(flow, v0s, v1s, ts):
    logit, f = _logit(v0s), flow.bijection

    def one(v0, v1):
        # each of the flow's maps traced once: the ends' latents, the way back, the terms of all points
        z_ends = jax.vmap(f.transform)(jax.vmap(logit.transform)(jnp.stack([v0, v1])))
        z_path = jax.vmap(logit.inverse)(jax.vmap(f.inverse)(linear_path(z_ends[0], z_ends[1], ts)))
        x_path = linear_path(v0, v1, ts)
        terms = log_density_terms(f, jnp.concatenate([x_path, z_path]))
        return x_path, z_path, terms[:len(ts)], terms[len(ts):], z_ends
    return jax.vmap(one)(v0s, v1s)


def interpolation_paths(flow, v0s, v1s, ts) -> dict:
    """For pairs of images in the unit cube (``(m, *shape)`` each): the pixel path and the latent
    path at ``ts``, ``"x_path"``, ``"z_path"`` ``(m, len(ts), *shape)`` in the unit cube; the
    three terms of the log-density along each (``gf.latents.log_density_terms``), ``"terms_x"``,
    ``"terms_z"`` ``(m, len(ts), 3)``, and their sums ``"log_p_x"``, ``"log_p_z"``
    ``(m, len(ts))``; the latents of the two ends, ``"z_ends"`` ``(m, 2, *shape)``. Numpy, from
    one compiled call."""
    x_path, z_path, terms_x, terms_z, z_ends = _paths(flow, jnp.asarray(v0s), jnp.asarray(v1s), jnp.asarray(ts))
    terms_x, terms_z = np.asarray(terms_x), np.asarray(terms_z)
    return {"x_path": np.asarray(x_path), "z_path": np.asarray(z_path), "terms_x": terms_x, "terms_z": terms_z,
            "log_p_x": terms_x.sum(-1), "log_p_z": terms_z.sum(-1), "z_ends": np.asarray(z_ends)}


@eqx.filter_jit
def _resample(key, bijection, vs, where, temperature, n):
    logit = _logit(vs)
    keys = jax.random.split(key, vs.shape[0])

    def one(k, v):
        return jax.vmap(logit.inverse)(resample_latents(k, bijection, logit.transform(v), where,
                                                        temperature=temperature, n=n))
    return jax.vmap(one)(keys, vs)


def resampled_digits(key, flow, vs, where, temperature: float, n: int) -> np.ndarray:
    """``n`` variations of each image of ``vs`` (``(m, *shape)``, unit cube): the latents at
    ``where`` redrawn at ``temperature``, mapped back. Returns ``(m, n, *shape)`` in the unit cube."""
    # the temperature is an array, not a Python float: one compilation serves every temperature
    return np.asarray(_resample(key, flow.bijection, jnp.asarray(vs), jnp.asarray(where),
                                jnp.asarray(temperature, dtype=jnp.asarray(vs).dtype), n))


def _image(ax, v, title):
    """An image of the unit cube in grey levels (0 white, K black)."""
    ax.imshow(N_LEVELS * np.clip(np.asarray(v)[..., 0], 0, 1), cmap="gray_r", vmin=0, vmax=N_LEVELS,
              interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)


def interpolation_explorer(records: dict, **kwargs) -> Explorer:
    """Controls: the pair of digits and ``t``. Left: the pixel path at ``t``; middle: the latent
    path; right: the model's log-density along both, the current ``t`` marked.

    ``records``: ``ts`` and ``pairs`` ``{name: {"x_path", "z_path"}`` (``(len(ts), h, w, c)``,
    unit cube) ``, "log_p_x", "log_p_z"`` (``(len(ts),)``) ``}``: what :func:`interpolation_paths`
    returns for one pair. ``kwargs`` go to ``Explorer``."""
    ts = [float(t) for t in records["ts"]]
    if not records.get("pairs"):
        raise ValueError("interpolation_explorer: records need at least one pair in 'pairs'.")
    for name, pair in records["pairs"].items():
        lengths = {len(pair[k]) for k in ("x_path", "z_path", "log_p_x", "log_p_z")}
        if lengths != {len(ts)}:
            raise ValueError(f"interpolation_explorer: pair {name!r} needs one image and one log-density "
                             f"per t ({len(ts)}), but has lengths {sorted(lengths)}.")

    def render(pair, t):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, MODEL, style_ax

        k = int(np.argmin(np.abs(np.asarray(ts) - t)))
        p = records["pairs"][pair]
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        _image(fig.add_axes((0.02, 0.12, 0.22, 0.72)), p["x_path"][k], f"in pixels, t = {ts[k]:.2f}")
        _image(fig.add_axes((0.25, 0.12, 0.22, 0.72)), p["z_path"][k], f"in latents, t = {ts[k]:.2f}")
        ax = fig.add_axes((0.57, 0.17, 0.4, 0.68))
        ax.plot(ts, p["log_p_x"], "o-", ms=3, color=DATA, label="pixel path")
        ax.plot(ts, p["log_p_z"], "o-", ms=3, color=MODEL, label="latent path")
        ax.plot([ts[k]] * 2, [p["log_p_x"][k], p["log_p_z"][k]], "o", ms=9, color=ACCENT, zorder=3)
        style_ax(ax, "the model's log-density along the path", "t", "log p (nats)", legend=True)
        return fig, (f"t = {ts[k]:.2f}: log p = {p['log_p_x'][k]:.1f} nats on the pixel path, "
                     f"{p['log_p_z'][k]:.1f} on the latent path (ends: {p['log_p_x'][0]:.1f} and "
                     f"{p['log_p_x'][-1]:.1f})")

    controls = {"pair": Dropdown("digits", list(records["pairs"])),
                "t": Slider("t", ts, default=ts[len(ts) // 2], fmt="{:.2f}")}
    return Explorer(render, controls, title="Interpolating in pixels and in latents", **kwargs)


def resampling_explorer(records: dict, **kwargs) -> Explorer:
    """Controls: the digit, the scale whose latents are redrawn and the temperature. The digit,
    then its variations with the other scales' latents kept.

    ``records``: ``scales`` ``{label: number of latents}``, ``temperatures``, ``digits``
    ``{name: {"original": (h, w, c), "variations": {(scale label, temperature): (n, h, w, c)}}}``,
    images in the unit cube. ``kwargs`` go to ``Explorer``."""
    scales, temperatures = dict(records["scales"]), [float(t) for t in records["temperatures"]]
    if not records.get("digits"):
        raise ValueError("resampling_explorer: records need at least one digit in 'digits'.")
    for name, digit in records["digits"].items():
        missing = {(s, t) for s in scales for t in temperatures} - set(digit["variations"])
        if missing:
            raise ValueError(f"resampling_explorer: digit {name!r} has no variations for {sorted(missing)}.")

    def render(digit, scale, temperature):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import FIGSIZE

        T = temperatures[int(np.argmin(np.abs(np.asarray(temperatures) - temperature)))]
        d = records["digits"][digit]
        variations = d["variations"][(scale, T)]
        n = len(variations)
        fig = Figure(figsize=(FIGSIZE["triple"][0], 2.4), layout="none")
        width = 0.9 / (n + 1)
        _image(fig.add_axes((0.02, 0.08, width * 0.92, 0.72)), d["original"], "the digit")
        for i, image in enumerate(variations):
            _image(fig.add_axes((0.02 + (i + 1.15) * width, 0.08, width * 0.92, 0.72)), image, f"draw {i + 1}")
        change = float(N_LEVELS * np.mean(np.abs(variations - d["original"][None])))
        return fig, (f"{scale}: its {scales[scale]} latents redrawn at T = {T:.2f}, the other "
                     f"{sum(scales.values()) - scales[scale]} kept; mean |change| per pixel "
                     f"{change:.2f} grey levels")

    controls = {"digit": Dropdown("digit", list(records["digits"])),
                "scale": Dropdown("redraw the latents of", list(scales)),
                "temperature": Slider("temperature T", temperatures, default=temperatures[-1], fmt="{:.2f}")}
    return Explorer(render, controls, title="Redraw one scale, keep the others", **kwargs)


def where_is_the_midpoint() -> Prediction:
    """The "predict first" prompt before :func:`interpolation_explorer`."""
    return Prediction(
        "Halfway between two different test digits, which image does the trained flow find more "
        "probable: the cross-fade in pixels or the midpoint of the latent path?",
        ["the cross-fade in pixels", "the latent midpoint", "about the same"],
        answer="the latent midpoint",
        explanation="The cross-fade of two digits is a ghostly double exposure, unlike any training "
                    "image: the model finds it less probable than either digit. The latent path stays near "
                    "images the model finds likely; its midpoint is even denser than the ends, partly "
                    "because the average of two latents lies closer to the origin of the Gaussian.")


def which_scale_keeps_the_digit() -> Prediction:
    """The "predict first" prompt before :func:`resampling_explorer`."""
    return Prediction(
        "Take a digit's latents. Redraw those of the finest scale and keep all the others, or redraw "
        "those of the coarsest scale and keep all the others. Which is more likely to turn the digit "
        "into another one?",
        ["redrawing the finest scale", "redrawing the coarsest scale", "no difference"],
        answer="redrawing the coarsest scale",
        explanation="The coarsest latents went through every squeeze and every coupling: they carry the "
                    "overall shape. The finest ones left the flow first and hold the detail the coarse "
                    "shape does not predict; redrawing them changes the strokes, and the digit far less often.")
