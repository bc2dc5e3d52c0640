"""Baselines for image densities: Gaussians fitted in closed form, scored like any flow.

A flow's bits/dim mean something only beside simpler models measured with the SAME
accounting: each baseline is a density :math:`p_Y` on the logit-transformed dequantized
images (flattened to :math:`D = 64` coordinates), and its held-out bits/dim comes from
``dequantization.log_likelihood_bound``, logit log-det and :math:`D \\log K` included.

* :func:`fit_gaussian` with ``n_components=None``: the full-covariance Gaussian
  :math:`\\mathcal N(\\mu, \\Sigma)`, maximum likelihood (:math:`\\Sigma` the sample covariance
  with :math:`1/n`);
* with ``n_components=k``: the PCA-Gaussian (probabilistic PCA, Tipping & Bishop 1999): the
  top :math:`k` eigen-directions keep their variances :math:`\\lambda_1..\\lambda_k`, the other
  :math:`D - k` share their mean :math:`\\sigma^2 = \\frac{1}{D-k}\\sum_{j>k}\\lambda_j` (the maximum-
  likelihood isotropic remainder), :math:`\\Sigma_k = U \\operatorname{diag}(\\lambda_1, .., \\lambda_k,
  \\sigma^2, .., \\sigma^2) U^\\top`.

Both are returned as flows, ``Transformed(StandardNormal((D,)), Linear(W, -W\\mu))`` with the
whitening :math:`W = \\Lambda^{-1/2} U^\\top`, so that

.. math::  \\log \\mathcal N(y; \\mu, \\Sigma) = \\log \\mathcal N\\big(W(y - \\mu); 0, I\\big) + \\log|\\det W| .

:func:`baseline_bits_per_dim` is the recipe for the table of Part 12: dequantize and logit the
training images once, fit the baseline (``"gaussian"``, ``"pca"``, ``"rbig"``, ``"diagonal"``),
and report the held-out bits/dim of the test images.
"""

from __future__ import annotations

import jax.numpy as jnp
import jax.random as jr
import numpy as np
from jax import Array

from .bijectors.linear import Linear
from .bijectors.mixture_cdf import MixtureGaussianCDF
from .dequantization import ALPHA, held_out_bits_per_dim, logit_and_log_det, uniform_dequantize
from .distributions import StandardNormal, Transformed
from .flows import diagonal_flow
from .images import N_LEVELS
from .rbig import rbig
from .training import fit


def fit_gaussian(data, n_components: int | None = None) -> Transformed:
    """Maximum-likelihood Gaussian of ``data`` ``(n, D)``: full covariance, or the PCA-Gaussian
    with ``n_components`` principal directions (``1 <= n_components < D``)."""
    data = np.asarray(data, dtype=np.float64)
    if data.ndim != 2 or data.shape[0] < 2:
        raise ValueError(f"fit_gaussian expects samples of shape (n, D) with n >= 2, but got shape "
                         f"{data.shape}.")
    n, d = data.shape
    mean = data.mean(axis=0)
    covariance = (data - mean).T @ (data - mean) / n
    variances, directions = np.linalg.eigh(covariance)
    variances, directions = variances[::-1], directions[:, ::-1]      # largest first
    if n_components is not None:
        if not isinstance(n_components, (int, np.integer)) or not 1 <= n_components < d:
            raise ValueError(f"fit_gaussian needs 1 <= n_components < {d} (or None for the full "
                             f"covariance), but got n_components={n_components!r}.")
        variances = variances.copy()
        variances[n_components:] = variances[n_components:].mean()  # sigma^2, the isotropic rest
    if variances.min() <= 0:
        raise ValueError(f"fit_gaussian: the covariance is singular (smallest eigenvalue "
                         f"{variances.min():.3g}); give more samples or use n_components.")
    whitening = directions.T / np.sqrt(variances)[:, None]            # W = Lambda^{-1/2} U^T
    dtype = jnp.result_type(float)
    return Transformed(StandardNormal((d,)),
                       Linear(jnp.asarray(whitening, dtype), shift=jnp.asarray(-whitening @ mean, dtype)))


def flat_log_prob(model):
    """``model.log_prob`` for images ``(n, *event)`` of a model of flattened vectors ``(n, D)``."""
    return lambda y: model.log_prob(y.reshape(y.shape[0], -1))


def baseline_bits_per_dim(key: Array, method: str, train_images, test_images, *,
                          n_components: int = 16, n_layers: int = 10, alpha: float = ALPHA,
                          n_draws: int = 4, max_epochs: int = 200) -> float:
    """Held-out bits/dim of a baseline fitted to the dequantized, logit-transformed ``train_images``.

    Args:
        key: PRNG key (the training dequantization, the test draws, the diagonal flow's fit).
        method: ``"gaussian"`` (full covariance), ``"pca"`` (``n_components`` directions),
            ``"rbig"`` (``n_layers`` RBIG layers), ``"diagonal"`` (a trained elementwise
            8-component mixture-CDF flow: independent pixels).
        train_images, test_images: integer images ``(n, *event)``.
    """
    train_key, fit_key, test_key = jr.split(key, 3)
    y, _ = logit_and_log_det(uniform_dequantize(train_key, train_images), alpha)
    flat = y.reshape(y.shape[0], -1)
    if method == "gaussian":
        log_prob = flat_log_prob(fit_gaussian(flat))
    elif method == "pca":
        log_prob = flat_log_prob(fit_gaussian(flat, n_components))
    elif method == "rbig":
        log_prob = flat_log_prob(rbig(flat, n_layers=n_layers))
    elif method == "diagonal":
        flow = diagonal_flow(fit_key, shape=(flat.shape[1],), transformer=MixtureGaussianCDF(8))
        flow, _ = fit(fit_key, flow, flat, max_epochs=max_epochs, learning_rate=1e-2, patience=10,
                      show_progress=False)
        log_prob = flat_log_prob(flow)
    else:
        raise ValueError(f"method must be 'gaussian', 'pca', 'rbig' or 'diagonal', but got {method!r}.")
    return held_out_bits_per_dim(log_prob, test_key, test_images, n_draws=n_draws, alpha=alpha,
                                 n_levels=N_LEVELS)
