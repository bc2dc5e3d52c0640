"""Explorer of Part 2 · 01: a product of k Householder reflections in the plane.

``gf.Householder`` maps :math:`z = H_{v_k}\\cdots H_{v_1} x` with
:math:`H_v = I - 2vv^\\top/\\lVert v\\rVert^2`. The reader picks the number of reflections
:math:`k` and one of two fixed draws of the vectors; the frame shows an asymmetric letter "F"
before and after the map (with the mirror line of each reflection), the matrix :math:`Q`, and
:math:`\\det Q = (-1)^k`: odd :math:`k` flips the letter (a reflection), even :math:`k` only turns
it (a rotation by twice the angle between the mirrors, for two of them). A zero vector defines
no mirror: that choice shows a message.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows.bijectors import Householder
from gauss_flows.presentation.widgets import Dropdown, Explorer, Prediction, Slider

K_VALUES = [1, 2, 3, 4]
DRAWS = {"draw A": 0, "draw B": 1, "v₁ = 0 (no mirror)": None}

#: the letter F as a polyline (it has no mirror symmetry, so a flip is visible)
LETTER_F = np.array([[-0.5, -1.0], [-0.5, 1.0], [0.6, 1.0], [-0.5, 1.0], [-0.5, 0.15], [0.3, 0.15]])


def reflection_vectors(draw: str, k: int) -> np.ndarray:
    """The ``k`` reflection vectors (k, 2) of a draw (seeded)."""
    if draw not in DRAWS:
        raise ValueError(f"Unknown draw {draw!r}; choose one of {list(DRAWS)}.")
    seed = DRAWS[draw]
    vectors = np.asarray(jr.normal(jr.key(10 + (seed or 0)), (4, 2)))[:k]
    if seed is None:
        vectors = vectors.copy()
        vectors[0] = 0.0
    return vectors


def householder_layer(vectors) -> Householder:
    """A ``gf.Householder`` with the given reflection vectors (k, d)."""
    vectors = jnp.asarray(vectors)
    if np.any(np.linalg.norm(np.asarray(vectors), axis=1) == 0):
        raise ValueError("A reflection vector is zero: H = I − 2vvᵀ/|v|² divides by |v|² = 0. "
                         "v is the normal of the mirror, and a zero vector has no direction, so it "
                         "defines no mirror. Pick another draw.")
    layer = Householder(jr.key(0), shape=(vectors.shape[1],), n_reflections=vectors.shape[0])
    return eqx.tree_at(lambda h: h.vectors, layer, vectors)


def _render(k: int, draw: str):
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT, DATA, FIGSIZE, NEUTRAL, SIGNED_CMAP, style_ax

    k = int(k)
    vectors = reflection_vectors(draw, k)
    layer = householder_layer(vectors)
    q = np.asarray(layer.matrix())
    det = float(np.linalg.det(q))
    image = np.asarray(jax.vmap(layer.transform)(jnp.asarray(LETTER_F)))

    fig = Figure(figsize=FIGSIZE["wide"], layout="none")
    ax = fig.add_axes((0.05, 0.1, 0.4, 0.78))
    ax.plot(*LETTER_F.T, color=NEUTRAL, lw=3, alpha=0.5, label="x (the letter F)")
    ax.plot(*image.T, color=DATA, lw=3, label="Q x")
    for i, v in enumerate(vectors):
        mirror = np.array([-v[1], v[0]]) / np.linalg.norm(v)
        ax.plot(*np.stack([-1.6 * mirror, 1.6 * mirror]).T, "--", color=ACCENT, lw=1,
                alpha=0.4 + 0.6 * (i + 1) / k)
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.6, 1.6)
    style_ax(ax, f"{k} reflection{'s' if k > 1 else ''} (dashed: mirrors)", equal=True)
    ax.legend(fontsize=8, loc="lower right")
    ax2 = fig.add_axes((0.58, 0.1, 0.3, 0.78))
    ax2.imshow(q, cmap=SIGNED_CMAP, vmin=-1, vmax=1)
    for (i, j), value in np.ndenumerate(q):
        ax2.text(j, i, f"{value:+.2f}", ha="center", va="center", fontsize=12)
    ax2.set_xticks([])
    ax2.set_yticks([])
    style_ax(ax2, f"Q,  det Q = {det:+.0f}")
    kind = (f"a rotation by {np.rad2deg(np.arctan2(q[1, 0], q[0, 0])):+.1f}°" if det > 0 else
            f"a reflection across the line at {np.rad2deg(np.arctan2(q[1, 0], q[0, 0])) / 2:.1f}°")
    readout = (f"k = {k}: det Q = (−1)^{k} = {det:+.0f}, log|det Q| = 0;  Q is {kind};  "
               f"max |QᵀQ − I| = {np.abs(q.T @ q - np.eye(2)).max():.1e}")
    return fig, readout


def householder_explorer(**kwargs) -> Explorer:
    """Number of reflections x draw: 4 x 3 = 12 states."""
    controls = {"k": Slider("reflections k", K_VALUES, default=1, fmt="{:g}"),
                "draw": Dropdown("vectors", list(DRAWS))}
    return Explorer(_render, controls, title="Q = H_vk ··· H_v1 in the plane", **kwargs)


def flip_or_turn() -> Prediction:
    return Prediction("With k = 3 reflections, will the letter F come out flipped (a mirror image) "
                      "or only turned?", ["flipped", "only turned"], answer="flipped",
                      explanation="Each reflection has det −1, so det Q = (−1)³ = −1: an odd number "
                                  "of reflections reverses orientation. In the plane, three "
                                  "reflections are always one reflection in disguise.")
