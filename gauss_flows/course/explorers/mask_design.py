"""Explorer of Part 5 · 03, mask design: what a stack of coupling masks covers, and what it mixes.

Layer :math:`l` of a coupling stack has a mask :math:`m_l` (True = active). After
:math:`k` layers coordinate :math:`i` has been **transformed** if it was active at least
once and **used as context** if it was passive at least once:

.. math::  T_k = m_1 \\lor \\dots \\lor m_k, \\qquad C_k = \\lnot m_1 \\lor \\dots \\lor \\lnot m_k .

The composite map :math:`z = (T_k \\circ \\dots \\circ T_1)(x)` has the Jacobian
:math:`J = J_k \\cdots J_1`; an entry :math:`\\partial z_i / \\partial x_j` is structurally
zero when no path of "passive feeds active" links input :math:`j` to output :math:`i`
(``gauss_flows.masks.dependence``). Repeating one mask never fills the zero block; a mask
alternating with its complement covers every coordinate after 2 layers and gives a dense
Jacobian after 3 (NICE, Dinh et al. 2015; RealNVP, Dinh et al. 2017; Glow, Kingma &
Dhariwal 2018, replaces the fixed alternation by learned 1x1 convolutions).

The explorer: a mask editor for the first layer, a rule that makes the next layers' masks
(``complement``, ``same``, ``roll`` by one position) and the number of layers ``k``; it draws
:func:`gauss_flows.presentation.viz.coverage_panel` and the pattern ``|J| > 0`` of the composite
Jacobian, computed with ``jax.jacfwd`` through real ``gf.Coupling`` layers.
"""

from __future__ import annotations

import jax.random as jr
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from gauss_flows.presentation.style import NEUTRAL, ZERO

from gauss_flows import masks as masks_lib
from gauss_flows.course.examples import MAX_LAYERS, cached_composite_jacobians, composite_jacobians
from gauss_flows.presentation.viz import coverage_panel
from gauss_flows.presentation.widgets import Dropdown, Explorer, MaskEditor, Slider

__all__ = ["RULES", "mask_stack", "composite_jacobians", "sparsity_panel", "mask_explorer",
           "image_mask_explorer"]

#: How the next layer's mask is made from the current one.
RULES = {
    "complement (m, ~m, m, ...)": "complement",
    "same (m, m, m, ...)": "same",
    "roll by one (m, roll(m), ...)": "roll",
}
TOL = 1e-12  # |J| below this counts as a structural zero (the real zeros are exact 0.0)
PATTERN_CMAP = ListedColormap([ZERO, NEUTRAL])
#: The masks of a stack: ``first``, then each made from the previous by ``rule``.
mask_stack = masks_lib.sequence


def sparsity_panel(J, *, ax, tol: float = TOL, title: str | None = None):
    """The pattern ``|J| > tol``: dark = output ``z_i`` depends on input ``x_j``, pale = exact zero."""
    pattern = np.abs(np.asarray(J)) > tol
    n = pattern.shape[0]
    ax.imshow(pattern, cmap=PATTERN_CMAP, vmin=0, vmax=1)
    ticks = range(n) if n <= 8 else range(0, n, 3)
    ax.set_xticks(list(ticks))
    ax.set_yticks(list(ticks))
    # cell borders as plain lines: minor ticks would cost one Tick object per line per frame
    edges = np.arange(n + 1) - 0.5
    width = 1.5 if n <= 8 else 0.8
    ax.hlines(edges, -0.5, n - 0.5, color="white", lw=width)
    ax.vlines(edges, -0.5, n - 0.5, color="white", lw=width)
    ax.set_xlabel("input $x_j$")
    ax.set_ylabel("output $z_i$")
    ax.set_title(title if title is not None else
                 f"$|\\partial z_i/\\partial x_j| > 0$: {int(pattern.sum())}/{pattern.size}")
    return ax


def _names(indices) -> str:
    return ", ".join(str(int(i)) for i in indices)


def _render(mask, rule: str, k: int, seed: int, shape: tuple):
    mask = np.asarray(mask, dtype=bool).reshape(shape)
    if not mask.any():
        raise ValueError("This mask has no active coordinate (all passive): the layer would "
                         "transform nothing. Click at least one cell to make it active.")
    if mask.all():
        raise ValueError("This mask has no passive coordinate (all active): the conditioner "
                         "would have nothing to read. Click at least one cell to make it passive.")
    k = int(k)
    stack = mask_stack(mask, rule, k)
    J = cached_composite_jacobians(tuple(int(b) for b in mask.ravel()), shape, rule, seed)[k - 1]

    # Fixed axes (no constrained layout): every frame has the same geometry and draws faster.
    fig = Figure(figsize=(9.6, 3.7), layout="none")
    cov_ax = fig.add_axes((0.075, 0.16, 0.42, 0.72))
    jac_ax = fig.add_axes((0.76, 0.16, 0.22, 0.70))
    coverage_panel([m.ravel() for m in stack], ax=cov_ax,
                   title=f"roles in layers 1..{k} (orange active, blue passive)")
    sparsity_panel(J, ax=jac_ax, title=f"Jacobian of {k} layer{'s' * (k > 1)}\n"
                                       f"|J| > 0: {int((np.abs(J) > TOL).sum())}/{J.size} entries")

    cov = masks_lib.coverage(stack)
    transformed, context = cov.transformed[-1].ravel(), cov.context[-1].ravel()
    d = transformed.size
    lines = [f"after k={k}: transformed {transformed.sum()}/{d}, used as context {context.sum()}/{d}"]
    if not transformed.all():
        lines.append(f"never transformed yet: coordinates {_names(np.flatnonzero(~transformed))}")
    if not context.all():
        lines.append(f"never used as context yet: coordinates {_names(np.flatnonzero(~context))}")
    long_run = mask_stack(mask, rule, 2 * d)
    covered = masks_lib.layers_until_covered(long_run)
    dense = masks_lib.dependence(long_run).reshape(len(long_run), -1).all(axis=1)
    lines.append((f"this rule covers every coordinate after {covered} layers" if covered else
                  f"this rule NEVER covers every coordinate (checked up to {2 * d} layers)")
                 + ("; the Jacobian is dense after "
                    f"{int(np.argmax(dense)) + 1} layers" if dense.any() else "; the Jacobian is never dense"))
    return fig, "\n".join(lines)


def _explorer(shape: tuple, presets: list, title: str, seed: int, rules: dict = RULES) -> Explorer:
    def render(mask, rule, k):
        return _render(mask, rule, k, seed, shape)

    label = "first layer's mask" if len(shape) == 1 else "first layer's mask (image)"
    controls = {
        "mask": MaskEditor(label, shape[0] if len(shape) == 1 else shape, presets),
        "rule": Dropdown("next layer's mask", rules),
        "k": Slider("layers k", np.arange(1, MAX_LAYERS + 1), default=1, fmt="{:.0f}"),
    }
    return Explorer(render, controls, title=title, max_states=60, dpi=72)


def mask_explorer(d: int = 6, *, seed: int = 0) -> Explorer:
    """Mask editor on a vector of ``d`` coordinates x rule x layers (4 x 3 x 4 = 48 states).

    Precomputed masks: half, alternating, a random one, and the invalid all-active mask (so
    the static page shows the message too); the complements appear as layer 2 of the
    "complement" rule. Live, any clicked mask is computed.
    """
    half = np.asarray(masks_lib.half(d))
    presets = [half, np.asarray(masks_lib.alternating(d)),
               np.asarray(masks_lib.random(jr.key(seed + 7), d)), np.ones(d, dtype=bool)]
    return _explorer((d,), presets, f"Mask design on d = {d} coordinates", seed)


def image_mask_explorer(shape: tuple[int, int] = (4, 4), *, seed: int = 0) -> Explorer:
    """The same on an image grid (3 x 2 x 4 = 24 states): the checkerboard, a channel-style split
    along the last axis (left columns passive) and the invalid all-passive mask; next layer's
    mask: complement or same. Live, any clicked mask is computed."""
    shape = tuple(shape)
    presets = [np.asarray(masks_lib.checkerboard(shape)), np.asarray(masks_lib.channel(shape)),
               np.zeros(shape, dtype=bool)]
    rules = {label: rule for label, rule in RULES.items() if rule in ("complement", "same")}
    return _explorer(shape, presets, f"Mask design on a {shape[0]} x {shape[1]} image", seed, rules)
