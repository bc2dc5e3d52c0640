"""Explorer of Part 12 · 03, a multi-scale coupling flow on the 8x8 digits: its samples and its
held-out bits/dim through training, and the temperature of the samples.

A sample at temperature :math:`T` is the image of :math:`z = T\\varepsilon`,
:math:`\\varepsilon \\sim \\mathcal N(0, I)`, through the flow's inverse and the undone logit
pre-processing (``gf.dequantization.images_from_latent``). :func:`snapshot_frames` draws ONE
:math:`\\varepsilon` and maps it through every training snapshot at every temperature, so moving a
slider changes only the epoch or only :math:`T`: the same latent, seen by another model or shrunk.
The explorer only looks the frames up.
"""

from __future__ import annotations

import equinox as eqx
import jax.random as jr
import numpy as np

from gauss_flows.dequantization import images_from_latent
from gauss_flows.presentation.widgets import Explorer, Prediction, Slider

__all__ = ["snapshot_frames", "tile", "training_explorer", "sharper_or_not"]

_images_from_latent = eqx.filter_jit(images_from_latent)     # one compilation per architecture


def snapshot_frames(key, snapshots: dict, temperatures, n: int = 16) -> dict:
    """``{(epoch, T): images (n, h, w, c)}`` for every snapshot ``{epoch: flow}`` and temperature,
    all from the same standard-normal draw (``key``)."""
    flows = list(snapshots.values())
    if not flows:
        raise ValueError("snapshot_frames needs at least one snapshot {epoch: flow}.")
    epsilon = jr.normal(key, (n,) + tuple(flows[0].shape))
    return {(int(epoch), float(t)): np.asarray(_images_from_latent(flow, float(t) * epsilon))
            for epoch, flow in snapshots.items() for t in temperatures}


def tile(images, columns: int = 8) -> np.ndarray:
    """``(n, h, w, 1)`` images as one ``(rows h, columns w)`` picture (a blank pixel between)."""
    images = np.asarray(images)[..., 0]
    n, h, w = images.shape
    rows = -(-n // columns)
    picture = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for k, image in enumerate(images):
        i, j = divmod(k, columns)
        picture[i * (h + 1):i * (h + 1) + h, j * (w + 1):j * (w + 1) + w] = image
    return picture


def training_explorer(frames: dict, curve, held_out: dict, references: dict | None = None,
                      n_levels: int = 17, **kwargs) -> Explorer:
    """Controls: the training epoch (a snapshot) x the sample temperature.

    ``frames``: :func:`snapshot_frames`; ``curve``: the training bits/dim of each epoch
    ``1..E``; ``held_out``: ``{epoch: test bits/dim}`` at every snapshot; ``references``:
    ``{name: bits/dim}`` drawn as horizontal lines (e.g. the baselines). ``kwargs`` go to
    ``Explorer``."""
    epochs = sorted({e for e, _ in frames})
    temperatures = sorted({t for _, t in frames})
    if not epochs or set(frames) != {(e, t) for e in epochs for t in temperatures}:
        raise ValueError("training_explorer needs a frame for every (epoch, temperature) pair.")
    if set(held_out) != set(epochs):
        raise ValueError(f"training_explorer needs a held-out bits/dim at every snapshot: frames at "
                         f"epochs {epochs}, held-out numbers at {sorted(held_out)}.")
    curve = np.asarray(curve, dtype=float)
    if curve.ndim != 1 or len(curve) < max(epochs):
        raise ValueError(f"training_explorer needs the training bits/dim of every epoch up to {max(epochs)}, "
                         f"but got {len(curve)} values.")
    references = dict(references or {})

    def render(epoch, temperature):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, MODEL, NEUTRAL, PASSIVE, style_ax

        epoch = min(epochs, key=lambda e: abs(e - epoch))
        temperature = min(temperatures, key=lambda t: abs(t - temperature))
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        left, right = fig.add_axes((0.02, 0.1, 0.44, 0.78)), fig.add_axes((0.58, 0.15, 0.39, 0.72))
        left.imshow(tile(frames[(epoch, temperature)]), cmap="gray_r", vmin=0, vmax=n_levels,
                    interpolation="nearest")
        left.set_axis_off()
        left.set_title(f"samples after {epoch} epochs, T = {temperature:g}")
        right.plot(np.arange(1, len(curve) + 1), curve, color=PASSIVE, lw=1.5, label="training (bound)")
        right.plot(epochs, [held_out[e] for e in epochs], "o", color=MODEL, ms=5, label="test set")
        right.plot([epoch], [held_out[epoch]], "o", color=ACCENT, ms=11, zorder=3)
        for k, (name, value) in enumerate(references.items()):
            right.axhline(value, color=NEUTRAL, lw=1, ls=("--", ":", "-.")[k % 3], label=name)
        top = max([held_out[e] for e in epochs if e > 0] + list(references.values()) + [float(curve[0])])
        right.set_ylim(min(np.min(curve), min(held_out.values())) - 0.1, top + 0.3)
        style_ax(right, "bits per dimension", "epoch", "bits/dim", legend=True)
        return fig, (f"epoch {epoch}: {held_out[epoch]:.3f} bits/dim on the test images; "
                     f"samples drawn at temperature {temperature:g}")

    controls = {"epoch": Slider("epochs trained", epochs, default=epochs[-1], fmt="{:.0f}"),
                "temperature": Slider("temperature T", temperatures, default=temperatures[-1], fmt="{:.2f}")}
    return Explorer(render, controls, title="The multi-scale flow during training", **kwargs)


def sharper_or_not() -> Prediction:
    """The "predict first" prompt shown before :func:`training_explorer`."""
    return Prediction(
        "Draw the trained flow's samples at temperature T = 0.5 instead of 1 (the same latent, halved). "
        "What happens to the test bits/dim of the model the samples come from?",
        ["it drops: cleaner samples, a better model", "nothing: temperature only changes sampling",
         "it rises: the tempered model fits the test images worse"],
        answer="it rises: the tempered model fits the test images worse",
        explanation="Shrinking z draws from N(0, T² I) instead of N(0, I): a different density, "
                    "narrower around the most typical images. The flow was trained so that the test "
                    "images look like draws from N(0, I) in z; the tempered model gives their typical "
                    "latents, at distance about sqrt(D) from 0, too little density. Cleaner-looking "
                    "samples and a worse likelihood go together.")
