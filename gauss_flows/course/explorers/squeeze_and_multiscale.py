"""Explorer of Part 12 · 02, squeeze and multi-scale: what each scale receives and what it factors out.

A multi-scale flow (``gf.multiscale_flow``, RealNVP's architecture) is a nest of
``gf.MultiScale`` scales. Scale :math:`l` receives an image of shape :math:`(h_l, w_l, c_l)`,
transforms it, squeezes it to :math:`(h_l/2, w_l/2, 4c_l)`, transforms that, and factors out the
first :math:`2c_l` channels as final latents; the other :math:`2c_l` channels,
:math:`(h_l/2, w_l/2, 2c_l)`, are the next scale's input. The last scale's layers transform what
is left and all of it becomes latent.

:func:`scale_by_scale` walks that nest on one image and returns, per scale, the array it receives
and the latents that leave there; :func:`scale_explorer` shows them as images, beside the map of
the pixel positions each scale's latents come from (``MultiScale.latent_levels``). The explorer
draws from precomputed arrays only.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from gauss_flows import MultiScale
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

__all__ = ["scale_by_scale", "scale_records", "scale_explorer", "how_many_go_on"]


def scale_by_scale(bijection, y) -> list[dict]:
    """The scales of a multi-scale bijection applied to one image ``y`` (its event shape).

    Returns one dict per scale, finest first: ``"received"`` (the scale's input,
    :math:`(h_l, w_l, c_l)`) and ``"factored"`` (the latents that leave at this scale:
    :math:`(h_l/2, w_l/2, 2c_l)`, or the last scale's whole output). Put back in the image layout,
    they are ``bijection.transform(y)``. Pure JAX: it can be ``vmap``-ed and ``jit``-ed.
    """
    scales = []
    while isinstance(bijection, MultiScale):
        x = bijection.before.transform(y)
        squeezed = bijection.after.transform(bijection.squeeze.transform(x))
        scales.append({"received": y, "factored": squeezed[..., :bijection.n_factored]})
        y, bijection = squeezed[..., bijection.n_factored:], bijection.inner
    scales.append({"received": y, "factored": bijection.transform(y)})
    return scales


@eqx.filter_jit
def _scales_of_batch(bijection, ys):
    return jax.vmap(lambda y: scale_by_scale(bijection, y))(ys)


def scale_records(bijection, names, pixels, ys) -> dict:
    """What :func:`scale_explorer` draws, for a batch of images: ``names`` (one per image),
    ``pixels`` ``(n, h, w)`` as shown, ``ys`` ``(n, h, w, c)`` the flow's inputs. Returns
    ``{"levels": the latent-level map (h, w, c), "digits": {name: {"pixels": (h, w),
    "scales": scale_by_scale(bijection, y)}}}`` in numpy, computed in one compiled call."""
    scales = jax.tree_util.tree_map(np.asarray, _scales_of_batch(bijection, jnp.asarray(ys)))
    return {"levels": np.asarray(bijection.latent_levels()),
            "digits": {name: {"pixels": np.asarray(pixels[k]),
                              "scales": [{key: value[k] for key, value in s.items()} for s in scales]}
                       for k, name in enumerate(names)}}


def _check(records: dict) -> int:
    if set(records) != {"levels", "digits"} or not records["digits"]:
        raise ValueError("scale_explorer: records need 'levels' and at least one digit in 'digits' "
                         "(build them with scale_records).")
    n_scales = int(np.max(records["levels"])) + 1
    for name, digit in records["digits"].items():
        if len(digit["scales"]) != n_scales:
            raise ValueError(f"scale_explorer: digit {name!r} has {len(digit['scales'])} scales, the "
                             f"latent-level map {n_scales}.")
        counts = [int(np.size(s["factored"])) for s in digit["scales"]]
        if counts != list(np.bincount(np.ravel(records["levels"]), minlength=n_scales)):
            raise ValueError(f"scale_explorer: digit {name!r} factors out {counts} latents per scale, "
                             f"the latent-level map says {list(np.bincount(np.ravel(records['levels'])))}.")
    return n_scales


def _channels(fig, box, array, title, cmap, limits):
    """Each channel of an ``(h, w, c)`` array as a small image in ``box = (x, y, width, height)``
    (figure fractions), on the grid of columns that gives the largest squares."""
    x0, y0, width, height = box
    fig_w, fig_h = fig.get_size_inches()
    c = array.shape[-1]

    def cell(columns):  # the side (inches) of one square on a grid of ``columns``
        rows = -(-c // columns)
        return min(width * fig_w / columns, height * fig_h / rows)

    columns = max(range(1, c + 1), key=cell)
    rows = -(-c // columns)
    side = 0.8 * cell(columns)
    for k in range(c):
        r, q = divmod(k, columns)
        cx = x0 + (q + 0.5) * width / columns
        cy = y0 + height - (r + 0.5) * height / rows
        ax = fig.add_axes((cx - side / fig_w / 2, cy - side / fig_h / 2, side / fig_w, side / fig_h))
        ax.imshow(array[..., k], cmap=cmap, vmin=limits[0], vmax=limits[1], interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        if c > 1:
            ax.set_title(f"channel {k}", fontsize=8, pad=2)
    fig.text(x0 + width / 2, y0 + height + 0.04, title, ha="center", va="bottom", fontsize=11)


def scale_explorer(records: dict, **kwargs) -> Explorer:
    """Controls: the scale and the digit. Left: the pixel positions whose latents leave at each
    scale (the chosen one in colour); middle: what the scale receives, channel by channel; right:
    the latents it factors out. ``kwargs`` go to ``Explorer``."""
    n_scales = _check(records)
    levels = np.asarray(records["levels"])

    def render(scale, digit):
        from matplotlib.colors import ListedColormap
        from matplotlib.figure import Figure

        from gauss_flows.presentation.style import ACCENT, FIGSIZE, SIGNED_CMAP

        level = int(round(scale))
        chosen = records["digits"][digit]["scales"][level]
        fig = Figure(figsize=FIGSIZE["triple"], layout="none")
        left = fig.add_axes((0.01, 0.04, 0.25, 0.76))
        left.imshow(records["digits"][digit]["pixels"], cmap="gray_r", interpolation="nearest")
        left.imshow(np.where(levels[..., 0] == level, 1.0, np.nan), cmap=ListedColormap([ACCENT]),
                    alpha=0.55, vmin=0, vmax=1, interpolation="nearest")
        for (i, j), value in np.ndenumerate(levels[..., 0]):
            left.text(j, i, str(value), ha="center", va="center", fontsize=7,
                      color="black" if value == level else "0.55")
        left.set_xticks([])
        left.set_yticks([])
        left.set_title(f"pixels whose latents leave at scale {level}", fontsize=11)
        everything = np.concatenate([np.ravel(s["factored"]) for s in records["digits"][digit]["scales"]]
                                    + [np.ravel(s["received"]) for s in records["digits"][digit]["scales"]])
        bound = float(np.max(np.abs(everything)))
        h, w, c = chosen["received"].shape
        _channels(fig, (0.3, 0.04, 0.31, 0.76), chosen["received"], f"scale {level} receives ({h}, {w}, {c})",
                  SIGNED_CMAP, (-bound, bound))
        fh, fw, fc = chosen["factored"].shape
        what = "its latents" if level == n_scales - 1 else "factored out"
        _channels(fig, (0.66, 0.04, 0.31, 0.76), chosen["factored"], f"{what} ({fh}, {fw}, {fc})",
                  SIGNED_CMAP, (-bound, bound))
        passed = (h * w * c - chosen["factored"].size) if level < n_scales - 1 else 0
        readout = (f"scale {level}: receives {h}×{w}×{c} = {h * w * c} numbers; "
                   + (f"squeezed to {h // 2}×{w // 2}×{4 * c}, then {chosen['factored'].size} leave as latents "
                      f"and {passed} go on to scale {level + 1}" if level < n_scales - 1
                      else f"its layers transform all of them and all {chosen['factored'].size} become latents")
                   + f" ({np.sum(levels <= level)} of {levels.size} latents fixed after this scale)")
        return fig, readout

    controls = {"scale": Slider("scale", list(range(n_scales)), default=0, fmt="{:.0f}"),
                "digit": Dropdown("digit", list(records["digits"]))}
    return Explorer(render, controls, title="What each scale receives and factors out", **kwargs)


def how_many_go_on() -> Prediction:
    """The "predict first" prompt shown before :func:`scale_explorer`."""
    return Prediction(
        "An 8×8 digit (64 numbers) enters a three-scale flow. The first scale squeezes it to "
        "4×4×4 and factors out half of the channels. On how many numbers do the second scale's "
        "couplings work?",
        ["64", "32", "16", "8"],
        answer="32",
        explanation="The squeeze keeps all 64 numbers (4×4×4); half of the channels, 4×4×2 = 32 "
                    "numbers, leave as latents and the other 32 go on. The third scale then gets 16.")
