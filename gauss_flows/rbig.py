"""Rotation-Based Iterative Gaussianization (RBIG; Laparra, Camps-Valls & Malo 2011).

RBIG builds a flow without gradients, one layer at a time. Layer :math:`\\ell` takes the
current data :math:`z^{(\\ell-1)}` (with :math:`z^{(0)} = x`) and

1. **marginally Gaussianizes** every coordinate, :math:`u_i = \\Phi^{-1}(F_i(z_i))`, with
   :math:`F_i` a Gaussian mixture fitted by EM (:mod:`gauss_flows.marginal_fit`);
2. **rotates**, :math:`z^{(\\ell)} = R_\\ell\\, u`, with :math:`R_\\ell` the PCA rotation of
   :math:`u` (default) or a random rotation.

A marginal map leaves the total correlation
:math:`\\mathrm{TC}(z) = \\sum_i H(z_i) - H(z)` unchanged, and a rotation keeps :math:`H(z)`,
so the information removed by layer :math:`\\ell` is

.. math::  \\Delta\\mathrm{TC}_\\ell = \\sum_i H(u_i) - \\sum_i H(z^{(\\ell)}_i) \\ \\ge 0,

a difference of one-dimensional entropies (estimated with
:func:`gauss_flows.diagnostics.marginal_entropy`). Laparra et al. estimate the data's total
correlation as :math:`\\mathrm{TC}(x) = \\sum_\\ell \\Delta\\mathrm{TC}_\\ell` once the iteration
has converged, and stop when a run of layers removes (almost) nothing.

Every layer is an ordinary bijector, so the result is a :class:`~gauss_flows.Transformed`
like any other flow: it has an exact ``log_prob``, ``sample`` runs the layers backwards, and
its mixture parameters stay trainable (RBIG as a warm start for maximum likelihood).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array

from . import batched
from .bijectors import Chain, PCARotation, RandomRotation
from .diagnostics import marginal_entropy, negentropy
from .distributions import StandardNormal, Transformed
from .marginal_fit import fit_marginal_mixture

__all__ = ["rbig", "rbig_fit", "rbig_path", "rbig_inverse", "rbig_log_prob", "layers_kept"]

_ROTATIONS = ("pca", "random")


def _check(data, n_layers, rotation, key, tol, patience):
    data = jnp.asarray(data)
    if data.ndim != 2 or data.shape[0] < 2 or data.shape[1] < 1:
        raise ValueError(f"rbig expects data of shape (n_samples >= 2, dim), got shape {data.shape}.")
    if not jnp.issubdtype(data.dtype, jnp.floating):
        data = data.astype(jnp.result_type(float))
    if not bool(jnp.all(jnp.isfinite(data))):
        raise ValueError("rbig got data with NaN or infinite values.")
    if isinstance(n_layers, bool) or not isinstance(n_layers, (int, np.integer)) or n_layers < 1:
        raise ValueError(f"rbig expects a positive integer n_layers, got {n_layers!r}.")
    if rotation not in _ROTATIONS:
        raise ValueError(f"rbig: rotation must be one of {_ROTATIONS}, got {rotation!r}.")
    if rotation == "random" and key is None:
        raise ValueError("rbig with rotation='random' needs a PRNG key: rbig(data, rotation='random', key=jr.key(0)).")
    if tol is not None and not tol >= 0:
        raise ValueError(f"rbig expects tol >= 0 (nats) or None, got {tol!r}.")
    if int(patience) < 1:
        raise ValueError(f"rbig expects patience >= 1, got {patience!r}.")
    return data


def rbig_fit(data, *, n_layers: int = 50, rotation: str = "pca", n_components: int = 8,
             key: Array | None = None, tol: float | None = None, patience: int = 5,
             n_iterations: int = 100, tail_weight: float = 0.02) -> tuple[Transformed, dict]:
    """Fit RBIG to ``data`` of shape ``(n_samples, dim)``; return ``(flow, info)``.

    Args:
        data: the training samples.
        n_layers: the (maximum) number of layers, each a marginal Gaussianization followed by
            a rotation.
        rotation: ``"pca"`` (principal axes of the marginally Gaussianized data; deterministic)
            or ``"random"`` (a Haar-random rotation per layer; needs ``key``).
        n_components: mixture components per coordinate and layer.
        key: PRNG key for random rotations (unused with PCA).
        tol: if given, stop once the last ``patience`` layers removed less than ``tol``
            nats of total correlation per layer on average, and drop those layers. The
            per-layer estimates are noisy (about 0.02 nats at 2000 samples), hence the average.
        patience: the number of layers in that average.
        n_iterations: EM iterations per marginal fit.
        tail_weight: weight of the fixed broad component in each marginal mixture (see
            :func:`~gauss_flows.marginal_fit.fit_gaussian_mixture`); it keeps new points
            beyond the training range from being thrown far out, layer after layer.

    Returns:
        ``flow``: a :class:`Transformed` whose bijection is ``Chain([layer_1, ...])`` with
        ``layer_l = Chain([MixtureGaussianCDF, rotation])``, so ``flow.bijection[:k]`` are the
        first ``k`` layers. ``info``: a dict with

        * ``n_layers``: layers kept; ``stopped_early``: whether ``tol`` ended the loop;
        * ``tc_reduction``: per layer, the total correlation it removed (nats);
        * ``total_correlation``: their sum, RBIG's estimate of :math:`\\mathrm{TC}(x)`;
        * ``remaining_total_correlation``: per layer, the estimate still left after it;
        * ``negentropy``: per layer, :math:`\\sum_i J(z_i)` of the output's marginals;
        * ``log_likelihood``: per layer, the mean log-density of the training data under
          the flow made of the layers so far.
    """
    data = _check(data, n_layers, rotation, key, tol, patience)
    n, dim = data.shape
    keys = jr.split(key, n_layers) if key is not None else [None] * n_layers
    z, log_det = data, jnp.zeros(n, data.dtype)
    layers, reduction, non_gaussianity, log_likelihood = [], [], [], []
    stopped_early = False
    for layer_key in keys:
        marginal = fit_marginal_mixture(z, n_components, n_iterations=n_iterations,
                                        tail_weight=tail_weight)
        u, marginal_log_det = jax.vmap(marginal.transform_and_log_det)(z)
        rotate = PCARotation.fit(u) if rotation == "pca" else RandomRotation(layer_key, shape=(dim,))
        z = jax.vmap(rotate.transform)(u)
        log_det = log_det + marginal_log_det  # rotations have log-det 0
        layers.append(Chain([marginal, rotate]))
        # a marginal map keeps TC, a rotation keeps the joint entropy: only marginals change
        reduction.append(float(jnp.sum(marginal_entropy(u)) - jnp.sum(marginal_entropy(z))))
        non_gaussianity.append(float(jnp.sum(negentropy(z))))
        log_base = -0.5 * jnp.sum(z**2, -1) - 0.5 * dim * math.log(2.0 * math.pi)
        log_likelihood.append(float(jnp.mean(log_base + log_det)))
        if tol is not None and len(reduction) >= patience and np.mean(reduction[-patience:]) < tol:
            stopped_early = True
            break
    kept = max(1, len(layers) - patience) if stopped_early else len(layers)
    reduction = reduction[:kept]
    total = float(np.sum(reduction))
    info = {
        "n_layers": kept,
        "stopped_early": stopped_early,
        "tc_reduction": reduction,
        "total_correlation": total,
        "remaining_total_correlation": list(total - np.cumsum(reduction)),
        "negentropy": non_gaussianity[:kept],
        "log_likelihood": log_likelihood[:kept],
    }
    return Transformed(StandardNormal((dim,)), Chain(layers[:kept])), info


def rbig(data, *, n_layers: int = 50, rotation: str = "pca", n_components: int = 8,
         key: Array | None = None, tol: float | None = None, patience: int = 5,
         n_iterations: int = 100, tail_weight: float = 0.02) -> Transformed:
    """RBIG flow fitted to ``data`` (n_samples, dim); see :func:`rbig_fit`, which also
    returns the per-layer information."""
    return rbig_fit(data, n_layers=n_layers, rotation=rotation, n_components=n_components,
                    key=key, tol=tol, patience=patience, n_iterations=n_iterations,
                    tail_weight=tail_weight)[0]


# Every RBIG layer has the same structure (a mixture CDF, then a rotation), so these compile
# once per layer type and data shape, however many layers the flow has; a jit of the whole
# chain would compile all the layers' inverses (numerical solves) into one large program.
def _layers(flow) -> list:
    bijection = getattr(flow, "bijection", flow)
    layers = getattr(bijection, "bijectors", None)
    if layers is None:
        raise TypeError("expected an RBIG flow (a Transformed whose bijection is a Chain of layers) "
                        f"or its Chain, got {type(flow).__name__}.")
    return list(layers)


def rbig_path(flow, x) -> list[Array]:
    """``[x, z_1, ..., z_L]``: a batch ``x`` of shape ``(n, dim)`` after each layer of an RBIG flow.

    ``flow`` is what :func:`rbig_fit` returns (or its ``Chain``); the last entry is
    ``flow.bijection.transform`` of every row, computed layer by layer.
    """
    path = [jnp.asarray(x)]
    for layer in _layers(flow):
        path.append(batched.transform(layer, path[-1]))
    return path


def rbig_inverse(flow, z, n_layers: int | None = None) -> Array:
    """Undo the first ``n_layers`` layers (all by default) of an RBIG flow on a batch ``z``.

    The last of those layers is undone first, so ``rbig_inverse(flow, rbig_path(flow, x)[k], k)``
    recovers ``x``, and ``rbig_inverse(flow, flow.base.sample(key, n), k)`` samples the flow
    made of the first ``k`` layers.
    """
    layers = _layers(flow)
    n_layers = len(layers) if n_layers is None else int(n_layers)
    if not 0 <= n_layers <= len(layers):
        raise ValueError(f"rbig_inverse: n_layers must be between 0 and {len(layers)}, got {n_layers}.")
    z = jnp.asarray(z)
    for layer in reversed(layers[:n_layers]):
        z = batched.inverse(layer, z)
    return z


def rbig_log_prob(flow, x) -> Array:
    """``flow.log_prob(x)`` for a batch ``x`` of shape ``(n, dim)``, computed layer by layer
    (one compiled program per layer type instead of one for the whole chain)::

        log p(x) = log N(z_L; 0, I) + sum_l log|det J_l|.
    """
    z = jnp.asarray(x)
    total = jnp.zeros(z.shape[0], z.dtype)
    for layer in _layers(flow):
        z, log_det = batched.transform_and_log_det(layer, z)
        total = total + log_det
    return flow.base.log_prob(z) + total


def layers_kept(tc_reduction, tol: float, patience: int = 5) -> int:
    """The number of layers :func:`rbig_fit` keeps with ``tol`` and ``patience``, from a
    recorded curve ``tc_reduction`` (``info["tc_reduction"]`` of a fit without ``tol``).

    The rule: stop after the first layer :math:`L \\ge` ``patience`` at which the last
    ``patience`` reductions average less than ``tol``, and keep :math:`\\max(1, L -` ``patience``
    :math:`)` layers; if it never fires, keep them all. Replaying it on one long recorded curve
    shows every tolerance's choice without refitting.
    """
    curve = np.asarray(tc_reduction, dtype=float)
    if curve.ndim != 1 or curve.size == 0:
        raise ValueError(f"layers_kept expects a non-empty 1-D curve of reductions, got shape {curve.shape}.")
    if not tol >= 0 or int(patience) < 1:
        raise ValueError(f"layers_kept expects tol >= 0 and patience >= 1, got {tol!r} and {patience!r}.")
    patience = int(patience)
    for stop in range(patience, curve.size + 1):
        if np.mean(curve[stop - patience:stop]) < tol:
            return max(1, stop - patience)
    return int(curve.size)
