"""Explorer of Part 12 · 01, checkerboard and channel masks on images: which pixels condition which.

A coupling layer on an image transforms its **active** pixels with parameters computed from
its **passive** ones. Two masks are used on images (RealNVP, Dinh et al. 2017):

* the **checkerboard**, pixel :math:`(i, j)` active when :math:`i + j` is odd, alternated with
  its complement;
* the **channel** mask, half of the channels active, which needs several channels: on a
  one-channel digit it exists only after a squeeze (``(8, 8, 1) -> (4, 4, 4)``), whose four
  channels are the four pixels of each 2x2 block.

At squeeze level :math:`s` a mask is made on the image squeezed :math:`s` times and drawn back
on the 8x8 grid (``gf.masks.unsqueeze``). The conditioner is a 3x3 convolution on the squeezed
image: an active pixel reads the passive pixels of its own block and of the 8 blocks around it
(``gf.masks.local_reads``). After :math:`k` layers, the pixels an output may depend on, its
**receptive field**, follow from "passive feeds active" layer after layer
(``gf.masks.receptive_field``).
"""

from __future__ import annotations

import numpy as np

from gauss_flows import masks as masks_lib
from gauss_flows.images import IMAGE_SHAPE
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["KINDS", "layer_masks", "masks_explorer", "which_grows_faster"]

KINDS = ("checkerboard", "channel")


def layer_masks(kind: str, level: int, n_layers: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> list:
    """The masks of ``n_layers`` alternating layers of ``kind`` at squeeze ``level``, each in the
    image's own layout ``shape`` (True = transformed)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, but got {kind!r}.")
    h, w, c = shape
    squeezed = (h >> level, w >> level, c * 4 ** level)
    if kind == "channel" and squeezed[-1] < 2:
        raise ValueError(f"A channel mask needs at least two channels; the image {tuple(shape)} squeezed "
                         f"{level} times has {squeezed[-1]}. Squeeze first (level >= 1).")
    first = masks_lib.checkerboard(squeezed) if kind == "checkerboard" else masks_lib.channel(squeezed)
    return [masks_lib.unsqueeze(m, level) for m in masks_lib.sequence(first, "complement", n_layers)]


def _panels(grids, level, gap: int = 1):
    """Three RGB 8x8 panels side by side in one image (one Axes is much cheaper to draw than
    three), and the segments of their block borders at this squeeze level."""
    h, w, _ = grids[0].shape
    white = np.ones((h, gap, 3))
    image = np.concatenate([grids[0], white, grids[1], white, grids[2]], axis=1)
    step, segments = 2 ** level, []
    for p in range(3):
        x0 = p * (w + gap) - 0.5
        segments += [[(x0, t - 0.5), (x0 + w, t - 0.5)] for t in range(0, h + 1, step)]
        segments += [[(x0 + t, -0.5), (x0 + t, h - 0.5)] for t in range(0, w + 1, step)]
    return image, segments


def masks_explorer(pixels: dict | None = None, *, max_layers: int = 4, kernel_size: int = 3,
                   **kwargs) -> Explorer:
    """Controls: mask kind x squeeze level x number of layers k x the chosen pixel.

    Three 8x8 panels: layer k's mask (orange transformed, blue passive), the passive pixels the
    chosen pixel's conditioner reads in layer k (if it is transformed there), and its receptive
    field after k layers (purple). ``pixels`` maps a label to a ``(row, col)``; ``kwargs`` go to
    ``Explorer``."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import to_rgb

    from gauss_flows.presentation.style import ACCENT, ACTIVE, NEUTRAL, PASSIVE, ZERO

    pixels = pixels or {"centre (3, 3)": (3, 3), "corner (0, 0)": (0, 0)}
    shape = IMAGE_SHAPE
    reads = {level: masks_lib.local_reads(shape, kernel_size, level) for level in range(3)}
    paint = {name: np.array(to_rgb(c)) for name, c in
             {"active": ACTIVE, "passive": PASSIVE, "off": ZERO, "field": "#6a3d9a"}.items()}

    def render(kind, level, layers, pixel):
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import FIGSIZE

        level, layers = int(level), int(layers)
        stack = layer_masks(kind, level, layers)
        row, col = pixels[pixel]
        index = (row, col, 0)
        field = masks_lib.receptive_field(stack, index, reads[level])
        last = np.asarray(stack[-1])[..., 0]
        flat = int(np.ravel_multi_index(index, shape))
        is_active = bool(last[row, col])
        read = (reads[level][flat].reshape(shape)[..., 0] & ~last) if is_active else np.zeros_like(last)
        grids = [np.where(last[..., None], paint["active"], paint["passive"]),
                 np.where(read[..., None], paint["passive"], paint["off"]),
                 np.where(field[-1][..., :1], paint["field"], paint["off"])]
        image, segments = _panels(grids, level)
        fig = Figure(figsize=FIGSIZE["wide"], layout="none")
        ax = fig.add_axes((0.01, 0.02, 0.98, 0.8))
        ax.imshow(image, interpolation="nearest")
        ax.add_collection(LineCollection(segments, colors=NEUTRAL, linewidths=1.6 if level else 0.4))
        ax.plot([col + p * 9 for p in range(3)], [row] * 3, ls="none", marker="s", ms=9, mfc="none",
                mec=ACCENT, mew=2.5)
        titles = [f"layer {layers}: transformed (orange)", f"what {pixels[pixel]} reads in layer {layers}",
                  f"its receptive field after {layers} layer{'s' if layers > 1 else ''}"]
        for p, title in enumerate(titles):
            ax.text(p * 9 + 3.5, -0.9, title, ha="center", va="bottom", fontsize=9)
        ax.set_axis_off()
        covered = masks_lib.layers_until_covered(stack)
        sizes = ", ".join(str(int(f.sum())) for f in field)
        return fig, (f"{kind} mask at squeeze level {level} ({2 ** level}x{2 ** level} blocks), "
                     f"{kernel_size}x{kernel_size} conditioner. In layer {layers} pixel {pixels[pixel]} is "
                     f"{'transformed, reading ' + str(int(read.sum())) + ' passive pixels' if is_active else 'passive (copied)'}. "
                     f"Receptive field after layers 1..{layers}: {sizes} of 64 pixels. "
                     + (f"Every pixel has been transformed after {covered} layers." if covered else
                        "Not every pixel has been both transformed and read yet."))

    controls = {"kind": Dropdown("mask", list(KINDS)),
                "level": Slider("squeeze level", [0, 1, 2], default=0, fmt="{:.0f}"),
                "layers": Slider("layers k", list(range(1, max_layers + 1)), default=2, fmt="{:.0f}"),
                "pixel": Dropdown("pixel", list(pixels))}
    return Explorer(render, controls, title="Which pixels condition which", **kwargs)


def which_grows_faster() -> Prediction:
    """The "predict first" prompt shown before :func:`masks_explorer`."""
    return Prediction(
        "With the same 3x3 conditioner, after two layers, whose receptive field is larger for the centre "
        "pixel: checkerboard masks on the 8x8 image, or channel masks after one squeeze?",
        ["the checkerboard's", "about the same", "the channel mask's after a squeeze"],
        answer="the channel mask's after a squeeze",
        explanation="After a squeeze the 3x3 kernel runs over 2x2 blocks, so each layer reaches up to two "
                    "pixels farther in each direction, and the passive pixels of a block condition its active ones: "
                    "the receptive field grows by blocks instead of by single pixels.")
