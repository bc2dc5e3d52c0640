"""Explorer of Part 5 · 00, the coupling pattern (RealNVP, Dinh et al. 2017).

A coupling layer with mask :math:`m` (True = active) copies the passive coordinates and
transforms the active ones with a scalar transformer whose parameters a conditioner reads
off the passive ones,

.. math::  z_P = x_P, \\qquad z_A = \\tau(x_A;\\ \\theta = c(x_P)), \\qquad
           \\log\\lvert\\det J\\rvert = \\textstyle\\sum_{i \\in A} \\log \\tau'(x_i;\\theta_i).

The reader picks the mask (on ``d = 4``), the transformer from the menu and the input
point, and sees (1) which coordinates pass and which move, (2) the Jacobian with its zero
block (passive outputs x active inputs), (3) the 2-D density of a single coupling with the
same transformer. The readout compares three log-det estimates (autodiff ``slogdet``, the
sum of the log-diagonal, the layer's own) and prints the round-trip error.

Every layer is built once per (mask, transformer) and its numbers for all preset points are
computed by one jitted call, so moving a control after that only draws.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.presentation.viz import density_panel, jacobian_heatmap
from gauss_flows.presentation.widgets import Dropdown, Explorer, MaskEditor
from gauss_flows.presentation.style import ACTIVE, NEUTRAL, PASSIVE, style_ax
from gauss_flows.distributions import jit_log_prob

D = 4
#: The menu: coupling class and its transformer's size (the notebook builds the same layers,
#: so the two share their compiled code).
TRANSFORMERS = {
    "affine": (gf.AffineCoupling, {}),
    "mixture-CDF": (gf.MixtureGaussianCDFCoupling, {"n_components": 8}),
    "deep sigmoid": (gf.DeepSigmoidCoupling, {"n_hidden": 8}),
    "RQ spline": (gf.RQSplineCoupling, {"knots": 8, "interval": 4.0}),
}
#: Precomputed masks of the static page (True = active). The last one is not a coupling.
MASKS = [
    np.array([False, False, True, True]),  # half: 0, 1 read, 2, 3 transformed
    np.array([True, True, False, False]),  # its complement
    np.array([False, True, False, True]),  # alternating
    np.array([True, True, True, True]),  # all active: nothing left for the conditioner
]
#: Preset input points.
POINTS = {
    "typical point": np.array([0.8, -0.6, 1.1, -0.4]),
    "tail point": np.array([-2.5, 2.2, 2.6, -2.8]),
}
#: Noise added to the parameters (gf.perturb): a fresh coupling is built to start close to
#: the identity, where its Jacobian is nearly I and the picture would show nothing.
PERTURB_SCALE = 0.5
#: Smaller for the 2-D flow: at 0.5 its density collapses onto thin spikes.
DENSITY_PERTURB_SCALE = 0.2
DENSITY_LIM = (-3.5, 3.5)
FIGSIZE = (13.0, 4.2)


def build_coupling(mask, transformer: str, *, shape=(D,), seed: int = 0,
                   scale: float = PERTURB_SCALE) -> gf.Coupling:
    """A coupling with this mask and transformer, its parameters moved off the identity."""
    if transformer not in TRANSFORMERS:
        raise ValueError(f"transformer must be one of {list(TRANSFORMERS)}, got {transformer!r}.")
    cls, sizes = TRANSFORMERS[transformer]
    layer = cls(jr.key(seed), shape=shape, mask=np.asarray(mask, dtype=bool), nn_width=32,
                nn_depth=2, **sizes)
    return gf.perturb(layer, jr.key(seed + 1), scale)


def passive_first(mask) -> np.ndarray:
    """The permutation that lists the passive coordinates, then the active ones (each by index)."""
    mask = np.asarray(mask, dtype=bool)
    return np.concatenate([np.flatnonzero(~mask), np.flatnonzero(mask)])


def canonical_mask(n_passive: int, d: int = D) -> np.ndarray:
    """Passive coordinates first: ``n_passive`` False, then True."""
    return np.arange(d) >= n_passive


@lru_cache(maxsize=None)
def canonical_coupling(n_passive: int, transformer: str) -> gf.Coupling:
    return build_coupling(canonical_mask(n_passive), transformer)


@lru_cache(maxsize=None)
def analysis(mask_key: tuple[int, ...], transformer: str) -> dict[str, np.ndarray]:
    """Numbers of the (mask, transformer) coupling at every preset point (cached).

    The coupling with mask ``m`` is evaluated as ``x -> P^T C(P x)``, where ``P x =
    x[order]`` puts m's passive coordinates first and ``C`` is the coupling with the
    passive-first mask and the same parameters. ``Coupling`` reads and transforms
    coordinates in index order, so this IS ``build_coupling(m, ...)`` (the explorer's
    test checks it); doing it this way compiles each transformer once for all masks with
    as many passive coordinates, instead of once per mask.
    """
    mask = gf.masks.validate(np.array(mask_key, dtype=bool), (D,))
    layer = canonical_coupling(int((~mask).sum()), transformer)
    order = passive_first(mask)
    back = np.argsort(order)
    rows = []
    for x in POINTS.values():
        z_sorted, log_det = layer.transform_and_log_det(jnp.asarray(x[order]))
        J_sorted = np.asarray(jax.jacfwd(layer.transform)(jnp.asarray(x[order])))
        x_sorted, inverse_log_det = layer.inverse_and_log_det(z_sorted)
        J = J_sorted[np.ix_(back, back)]  # J = P^T J_C(P x) P
        rows.append(dict(z=np.asarray(z_sorted)[back], J=J, log_det=float(log_det),
                         slogdet=np.linalg.slogdet(J)[1],
                         diagonal=np.sum(np.log(np.abs(np.diag(J)))),
                         round_trip=np.max(np.abs(np.asarray(x_sorted)[back] - x)),
                         inverse_log_det=float(inverse_log_det)))
    return {k: np.stack([np.asarray(r[k]) for r in rows]) for k in rows[0]}


@lru_cache(maxsize=None)
def flow_2d(transformer: str) -> gf.Transformed:
    """A single 2-D coupling (x_0 passive, x_1 active) on a standard normal base."""
    layer = build_coupling(np.array([False, True]), transformer, shape=(2,),
                           scale=DENSITY_PERTURB_SCALE)
    return gf.Transformed(gf.StandardNormal((2,)), layer)


def _passes_panel(ax, x, z, mask):
    """Each coordinate as an arrow from x_i (ring) to z_i (dot): passive ones do not move."""
    for i in range(len(x)):
        colour = ACTIVE if mask[i] else PASSIVE
        if abs(z[i] - x[i]) > 1e-12:
            ax.annotate("", xy=(i, z[i]), xytext=(i, x[i]),
                        arrowprops=dict(arrowstyle="-|>", color=colour, lw=2))
        ax.plot(i, x[i], "o", mfc="white", mec=colour, mew=2, ms=11, zorder=3)
        ax.plot(i, z[i], "o", color=colour, ms=6, zorder=4)
    ax.plot([], [], "o", mfc="white", mec=NEUTRAL, mew=2, label="$x_i$ (input)")
    ax.plot([], [], "o", color=NEUTRAL, label="$z_i$ (output)")
    ax.axhline(0.0, color="0.8", lw=0.8, zorder=0)
    ax.set_xticks(range(len(x)), [f"{i}\n{'active' if mask[i] else 'passive'}" for i in range(len(x))])
    for label, active in zip(ax.get_xticklabels(), mask):
        label.set_color(ACTIVE if active else PASSIVE)
    ax.set_xlim(-0.5, len(x) - 0.5)
    style_ax(ax, "which coordinates move", ylabel="value")
    ax.legend(loc="best", fontsize=9)


def render(mask, transformer: str, point: str):
    """One state of the explorer: (figure, readout)."""
    from matplotlib.figure import Figure

    mask = gf.masks.validate(np.asarray(mask, dtype=bool), (D,))  # readable ValueError if invalid
    k = list(POINTS).index(point)
    numbers = analysis(tuple(int(b) for b in mask), transformer)
    x = POINTS[point]
    z, J = numbers["z"][k], numbers["J"][k]

    # a fixed layout: frames do not jump, and drawing is twice as fast as a constrained one.
    # A bare Figure, not pyplot: the live explorer renders neighbouring states in a thread.
    fig = Figure(figsize=FIGSIZE, layout="none")
    axes = fig.subplots(1, 3, width_ratios=[1.0, 1.15, 1.0])
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.22, top=0.9, wspace=0.32)
    _passes_panel(axes[0], x, z, mask)
    jacobian_heatmap(J, mask=mask, sort_by_mask=True, ax=axes[1],
                     title="Jacobian $|\\partial z_i/\\partial x_j|$ (passive first)")
    flow = flow_2d(transformer)
    density_panel(lambda pts: jit_log_prob(flow, pts), batched=True, xlim=DENSITY_LIM,
                  ylim=DENSITY_LIM, n=90, ax=axes[2],
                  title=f"2-D coupling, {transformer}: density")
    axes[2].set_xlabel("$x_0$ (passive)", color=PASSIVE)
    axes[2].set_ylabel("$x_1$ (active)", color=ACTIVE)

    passive, active = np.flatnonzero(~mask), np.flatnonzero(mask)
    names = lambda idx: "{" + ", ".join(str(int(i)) for i in idx) + "}"  # noqa: E731
    moved = np.abs(z - x)
    readout = (
        f"passive {names(passive)} copied (max |z - x| = {moved[passive].max():.1e}); "
        f"active {names(active)} moved by up to {moved[active].max():.3f}\n"
        f"log|det J|:  autodiff slogdet = {numbers['slogdet'][k]:+.10f}   "
        f"sum log|diag J| = {numbers['diagonal'][k]:+.10f}   "
        f"layer's own = {numbers['log_det'][k]:+.10f}\n"
        f"round trip max |T^-1(T(x)) - x| = {numbers['round_trip'][k]:.1e};  "
        f"inverse log-det + forward log-det = {numbers['inverse_log_det'][k] + numbers['log_det'][k]:.1e}")
    return fig, readout


def coupling_explorer() -> Explorer:
    """Mask x transformer x input point: 4 x 4 x 2 = 32 states (the all-active mask shows
    why it is not a coupling instead of a figure)."""
    return Explorer(render, {
        "mask": MaskEditor("mask (orange = active)", D, masks=MASKS),
        "transformer": Dropdown("transformer", list(TRANSFORMERS)),
        "point": Dropdown("input x", list(POINTS), default="typical point"),
    }, title="The coupling pattern: split, condition, transform", max_states=60)
