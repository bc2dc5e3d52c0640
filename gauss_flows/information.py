"""Information measured by Gaussianization: entropy, total correlation, mutual information.

Three kinds of function, all in nats:

**Exact values** (the yardsticks), for :math:`x \\sim \\mathcal N(\\mu, \\Sigma)` in :math:`d`
dimensions and for such an :math:`x` pushed through a known bijector :math:`y = T(x)`:

.. math::

   H(x) = \\tfrac12 \\log\\det(2\\pi e\\,\\Sigma), \\qquad
   \\mathrm{TC}(x) = \\tfrac12\\Big(\\sum_i \\log \\Sigma_{ii} - \\log\\det\\Sigma\\Big), \\qquad
   I(x_A; x_B) = \\tfrac12 \\log\\frac{\\det\\Sigma_{AA}\\,\\det\\Sigma_{BB}}{\\det\\Sigma},

   H(T(x)) = H(x) + \\mathbb E\\big[\\log|\\det J_T(x)|\\big].

For an **elementwise** :math:`T` the expectation is a sum of one-dimensional Gaussian
integrals, computed here by Gauss-Hermite quadrature (exact to round-off for smooth maps),
and total correlation and mutual information do not change at all: they are invariant
under invertible maps of each coordinate (of each block, for MI). So a correlated Gaussian
with, e.g., cubed or exponentiated coordinates is a non-Gaussian density whose entropy,
TC and MI are all known exactly.

**Estimators from Gaussianization** (Laparra et al. 2011, 2020): RBIG removes total
correlation layer by layer, and the sum of what it removed estimates :math:`\\mathrm{TC}(x)`;
then :math:`H(x) = \\sum_i H(x_i) - \\mathrm{TC}(x)` with one-dimensional entropies, and
:math:`I(x_A; x_B) = \\mathrm{TC}\\big(G_A(x_A), G_B(x_B)\\big)` after Gaussianizing each block
separately. A trained flow :math:`q` gives the cross-entropy
:math:`-\\mathbb E_p[\\log q(x)] = H(x) + \\mathrm{KL}(p\\|q) \\ge H(x)` on held-out samples, with
the standard error of a mean.

**k-nearest-neighbour baselines**: the Kozachenko-Leonenko entropy
(:func:`gauss_flows.diagnostics.joint_entropy`) and the KSG mutual information (Kraskov,
Stoegbauer & Grassberger 2004, their first estimator), whose neighbour searches use
scikit-learn's k-d trees:

.. math::  \\hat I = \\psi(k) + \\psi(n) - \\big\\langle \\psi(n_A + 1) + \\psi(n_B + 1) \\big\\rangle,

with :math:`\\varepsilon_i` the max-norm distance to the :math:`k`-th neighbour in the joint
space and :math:`n_A, n_B` the numbers of points strictly closer than :math:`\\varepsilon_i` in
each block's own space.

Estimators return a number; :func:`over_samples` repeats one over independent samples and
gives the mean, its standard error and the spread.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import digamma

from .diagnostics import joint_entropy, marginal_entropy
from .rbig import rbig_fit

__all__ = [
    "gaussian_entropy_exact", "gaussian_total_correlation_exact", "gaussian_mutual_information_exact",
    "elementwise_pushforward_entropy", "ksg_mutual_information", "knn_entropy", "knn_total_correlation",
    "rbig_total_correlation", "rbig_entropy", "rbig_mutual_information", "flow_entropy",
    "flow_total_correlation", "flow_mutual_information", "Estimate", "over_samples",
]


class Estimate(NamedTuple):
    """A mean over repeats with its standard error (``std / sqrt(n)``) and the spread (``std``)."""

    mean: float
    standard_error: float
    std: float
    values: tuple


# --- exact values --------------------------------------------------------------------------

def _covariance(cov) -> np.ndarray:
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"a covariance must be a square (d, d) matrix, got shape {cov.shape}.")
    if not np.allclose(cov, cov.T, atol=1e-12 * max(1.0, np.abs(cov).max())):
        raise ValueError("a covariance must be symmetric.")
    if np.linalg.eigvalsh(cov).min() <= 0:
        raise ValueError("a covariance must be positive definite (all eigenvalues > 0).")
    return cov


def gaussian_entropy_exact(cov) -> float:
    """:math:`H = \\tfrac12\\log\\det(2\\pi e\\,\\Sigma)` of :math:`\\mathcal N(\\mu, \\Sigma)`."""
    cov = _covariance(cov)
    return 0.5 * (cov.shape[0] * math.log(2 * math.pi * math.e) + np.linalg.slogdet(cov)[1])


def gaussian_total_correlation_exact(cov) -> float:
    """:math:`\\mathrm{TC} = \\tfrac12(\\sum_i \\log\\Sigma_{ii} - \\log\\det\\Sigma) = -\\tfrac12\\log\\det R`."""
    cov = _covariance(cov)
    return 0.5 * (np.sum(np.log(np.diag(cov))) - np.linalg.slogdet(cov)[1])


def _blocks(d: int, first: Sequence[int] | int) -> tuple[np.ndarray, np.ndarray]:
    a = np.arange(first) if np.isscalar(first) else np.asarray(first, dtype=int)
    if a.size == 0 or a.size >= d or np.unique(a).size != a.size or a.min() < 0 or a.max() >= d:
        raise ValueError(f"the first block must be a proper, non-empty subset of range({d}), got {first!r}.")
    return a, np.setdiff1d(np.arange(d), a)


def gaussian_mutual_information_exact(cov, first: Sequence[int] | int) -> float:
    """:math:`I(x_A; x_B) = \\tfrac12\\log(\\det\\Sigma_{AA}\\det\\Sigma_{BB}/\\det\\Sigma)`.

    ``first`` is block A: a count (the first coordinates) or a list of indices; B is the rest.
    """
    cov = _covariance(cov)
    a, b = _blocks(cov.shape[0], first)
    logdet = lambda m: np.linalg.slogdet(m)[1]
    return 0.5 * (logdet(cov[np.ix_(a, a)]) + logdet(cov[np.ix_(b, b)]) - logdet(cov))


def elementwise_pushforward_entropy(cov, bijector, mean=None, n_nodes: int = 96) -> float:
    """Exact :math:`H(T(x))` for :math:`x \\sim \\mathcal N(\\mu, \\Sigma)` and an elementwise bijector.

    .. math::  H(T(x)) = H(x) + \\sum_i \\mathbb E\\,\\log|T_i'(x_i)|,\\quad x_i \\sim \\mathcal N(\\mu_i, \\Sigma_{ii}),

    each expectation by ``n_nodes``-point Gauss-Hermite quadrature. ``bijector`` acts on one
    sample of shape ``(d,)`` and must be elementwise (its Jacobian diagonal): this is checked
    at the mean, since the formula is wrong otherwise.
    """
    cov = _covariance(cov)
    d = cov.shape[0]
    mean = np.zeros(d) if mean is None else np.asarray(mean, dtype=np.float64)
    jac = np.asarray(jax.jacfwd(bijector.transform)(jnp.asarray(mean)))
    if jac.shape != (d, d) or np.abs(jac - np.diag(np.diag(jac))).max() > 1e-12 * max(1.0, np.abs(jac).max()):
        raise ValueError("elementwise_pushforward_entropy needs an elementwise bijector (a diagonal Jacobian).")
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)  # weight exp(-t^2/2)
    weights = weights / math.sqrt(2 * math.pi)
    points = mean + nodes[:, None] * np.sqrt(np.diag(cov))[None, :]  # node j for every coordinate
    diag = jax.vmap(lambda x: jnp.diag(jax.jacfwd(bijector.transform)(x)))(jnp.asarray(points))
    expected_log_slope = weights @ np.log(np.abs(np.asarray(diag)))
    return gaussian_entropy_exact(cov) + float(np.sum(expected_log_slope))


# --- k-nearest-neighbour baselines ---------------------------------------------------------

def _samples(x, name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    x = x[:, None] if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[0] < 5:
        raise ValueError(f"{name} expects samples of shape (n >= 5,) or (n >= 5, d), got shape {np.shape(x)}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} got NaN or infinite samples.")
    return x


def knn_entropy(x, k: int = 4) -> float:
    """Kozachenko-Leonenko entropy of samples ``x`` (n, d); see :func:`gauss_flows.diagnostics.joint_entropy`."""
    return float(joint_entropy(_samples(x, "knn_entropy"), k))


def knn_total_correlation(x, k: int = 4) -> float:
    """:math:`\\sum_i \\hat H(x_i) - \\hat H_{KL}(x)`: 1-D spacing entropies minus the joint k-NN entropy."""
    x = _samples(x, "knn_total_correlation")
    return float(np.sum(np.asarray(marginal_entropy(x)))) - knn_entropy(x, k)


def ksg_mutual_information(x, y, k: int = 3) -> float:
    """KSG estimate (first estimator) of :math:`I(x; y)` for samples ``x`` (n, d_x), ``y`` (n, d_y).

    Each block is standardised first (MI does not change; the max-norm balls then weigh the
    coordinates alike), as scikit-learn's ``mutual_info_regression`` does in one dimension.
    """
    from sklearn.neighbors import KDTree, NearestNeighbors

    x, y = _samples(x, "ksg_mutual_information"), _samples(y, "ksg_mutual_information")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must hold the same samples: {x.shape[0]} rows vs {y.shape[0]}.")
    n = x.shape[0]
    if not 1 <= k < n:
        raise ValueError(f"k must be in [1, n); got k={k} with n={n}.")
    x = (x - x.mean(0)) / x.std(0)
    y = (y - y.mean(0)) / y.std(0)
    joint = np.hstack([x, y])
    radius = NearestNeighbors(metric="chebyshev", n_neighbors=k).fit(joint).kneighbors()[0][:, -1]
    radius = np.nextafter(radius, 0)  # strictly closer than the k-th neighbour
    count = lambda block: KDTree(block, metric="chebyshev").query_radius(block, radius, count_only=True) - 1
    value = digamma(k) + digamma(n) - np.mean(digamma(count(x) + 1) + digamma(count(y) + 1))
    return float(value)


# --- estimators from Gaussianization -------------------------------------------------------

def rbig_total_correlation(x, **rbig_options) -> float:
    """RBIG's estimate :math:`\\sum_\\ell \\Delta\\mathrm{TC}_\\ell` (see :func:`gauss_flows.rbig_fit`).

    ``rbig_options`` go to :func:`~gauss_flows.rbig_fit` (default here: up to 50 PCA layers,
    stopping once 5 layers in a row removed less than 0.01 nats on average).
    """
    x = _samples(x, "rbig_total_correlation")
    options = {"n_layers": 50, "tol": 0.01, "patience": 5, **rbig_options}
    return float(rbig_fit(jnp.asarray(x), **options)[1]["total_correlation"])


def rbig_entropy(x, **rbig_options) -> float:
    """:math:`\\hat H(x) = \\sum_i \\hat H(x_i) - \\widehat{\\mathrm{TC}}_{RBIG}(x)` (1-D spacing entropies)."""
    x = _samples(x, "rbig_entropy")
    return float(np.sum(np.asarray(marginal_entropy(x)))) - rbig_total_correlation(x, **rbig_options)


def rbig_mutual_information(x, y, **rbig_options) -> float:
    """:math:`I(x; y) = \\mathrm{TC}(G_x(x), G_y(y))`: Gaussianize each block, then RBIG's TC of the pair.

    Each block's own Gaussianization removes the dependence inside it (and keeps the
    dependence between blocks, since it is a bijection of each block), so what total
    correlation is left is the mutual information (Laparra et al. 2020).
    """
    x, y = _samples(x, "rbig_mutual_information"), _samples(y, "rbig_mutual_information")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must hold the same samples: {x.shape[0]} rows vs {y.shape[0]}.")
    options = {"n_layers": 50, "tol": 0.01, "patience": 5, **rbig_options}

    def gaussianize(block):
        flow, _ = rbig_fit(jnp.asarray(block), **options)
        return np.asarray(jax.vmap(flow.bijection.transform)(jnp.asarray(block)))

    return rbig_total_correlation(np.hstack([gaussianize(x), gaussianize(y)]), **rbig_options)


def _mean_with_error(values) -> tuple[float, float]:
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError("a log-density is NaN or infinite on some sample: the flow does not cover the data.")
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))


def flow_entropy(flow, x) -> tuple[float, float]:
    """Cross-entropy :math:`-\\frac1n\\sum\\log q(x_j)` on held-out samples, and its standard error.

    It estimates :math:`H(x) + \\mathrm{KL}(p\\|q)`: an upper bound on the entropy, tight when
    the flow is right.
    """
    from .distributions import jit_log_prob

    value, error = _mean_with_error(-np.asarray(jit_log_prob(flow, jnp.asarray(x))))
    return value, error


def flow_total_correlation(flow, x) -> tuple[float, float]:
    """:math:`\\sum_i \\hat H(x_i) - (-\\frac1n\\sum\\log q(x_j))`, and the flow term's standard error.

    A lower bound on TC in expectation when the marginal entropies are right, since the
    flow's cross-entropy over-estimates :math:`H(x)` by :math:`\\mathrm{KL}(p\\|q)`.
    """
    x = _samples(x, "flow_total_correlation")
    joint, error = flow_entropy(flow, x)
    return float(np.sum(np.asarray(marginal_entropy(x)))) - joint, error


def flow_mutual_information(joint_flow, x_flow, y_flow, x, y) -> tuple[float, float]:
    """:math:`\\frac1n\\sum_j[\\log q(x_j, y_j) - \\log q(x_j) - \\log q(y_j)]` and its standard error.

    Three flows: one for the pair (on ``concatenate([x, y], -1)``) and one for each block.
    """
    from .distributions import jit_log_prob

    x, y = _samples(x, "flow_mutual_information"), _samples(y, "flow_mutual_information")
    pair = jnp.asarray(np.hstack([x, y]))
    terms = (np.asarray(jit_log_prob(joint_flow, pair))
             - np.asarray(jit_log_prob(x_flow, jnp.asarray(x).reshape((x.shape[0],) + x_flow.shape)))
             - np.asarray(jit_log_prob(y_flow, jnp.asarray(y).reshape((y.shape[0],) + y_flow.shape))))
    return _mean_with_error(terms)


def over_samples(estimator: Callable[..., float], draws: Sequence) -> Estimate:
    """Run ``estimator`` on each of several independent draws; mean, standard error and spread.

    ``draws`` is a sequence of argument tuples (or single arrays), e.g.
    ``over_samples(knn_entropy, [density.sample(k, 1000) for k in jr.split(key, 10)])``.
    """
    values = [float(estimator(*(d if isinstance(d, tuple) else (d,)))) for d in draws]
    if len(values) < 2:
        raise ValueError("over_samples needs at least 2 draws for a standard error.")
    std = float(np.std(values, ddof=1))
    return Estimate(float(np.mean(values)), std / math.sqrt(len(values)), std, tuple(values))
