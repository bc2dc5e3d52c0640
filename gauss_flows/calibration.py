"""Is a posterior calibrated? Coverage of credible regions over simulated pairs.

A conditional density :math:`q(\\theta \\mid x)` that claims to be a posterior makes a testable
promise: over pairs drawn from the joint, :math:`\\theta_i \\sim p(\\theta)`,
:math:`x_i \\sim p(x \\mid \\theta_i)`, the true parameter falls inside the model's
:math:`\\alpha`-credible region of :math:`q(\\cdot \\mid x_i)` a fraction :math:`\\alpha` of the
time, at every level :math:`\\alpha`. The exact posterior keeps the promise whatever the
simulator (this is why simulation-based calibration works: Talts et al. 2018); a model that is
too narrow covers less, one that is too wide covers more.

Everything here works from draws of the model, so it applies to any flow that samples:

* :func:`sbc_ranks` and :func:`pit_values` - per coordinate, where the truth falls among
  :math:`n` posterior draws. Calibrated: the rank is uniform on :math:`\\{0, \\dots, n\\}`, the
  probability integral transform (PIT) uniform on :math:`[0, 1]`.
* :func:`hdr_levels` - the credibility of the smallest highest-density region that contains the
  truth, from the model's log-densities at its own draws (a joint test, not one coordinate at
  a time). Calibrated: uniform on :math:`[0, 1]`.
* :func:`coverage` - the fraction of pairs whose truth lies inside the :math:`\\alpha`-region,
  per nominal level; :func:`binomial_band` - the range a calibrated model's coverage falls in
  by chance with :math:`m` pairs; :func:`uniformity_test` - a Kolmogorov-Smirnov test of PIT
  values or levels against the uniform.

Shapes follow ``Transformed.sample(key, (n,), condition)``: draws ``(n, *batch, d)`` for truths
``(*batch, d)``, log-densities ``(n, *batch)`` for ``(*batch)``.
"""

from __future__ import annotations


import numpy as np
import scipy.stats

__all__ = ["sbc_ranks", "pit_values", "hdr_levels", "coverage", "binomial_band", "uniformity_test"]


def _draws_and_truth(samples, truth, where: str, *, event: bool) -> tuple[np.ndarray, np.ndarray]:
    samples, truth = np.asarray(samples, dtype=float), np.asarray(truth, dtype=float)
    what = "(n, *batch, d) draws and (*batch, d) truths" if event else "(n, *batch) and (*batch)"
    if samples.ndim != truth.ndim + 1 or samples.shape[1:] != truth.shape or samples.shape[0] < 1:
        raise ValueError(f"{where} expects {what}: the draws' shape after their first axis must be "
                         f"the truth's, but got {samples.shape} and {truth.shape}.")
    if event and truth.ndim == 0:
        raise ValueError(f"{where} expects truths with an event axis (*batch, d), got a scalar.")
    if not (np.all(np.isfinite(samples)) and np.all(np.isfinite(truth))):
        raise ValueError(f"{where} got NaN or infinite values.")
    return samples, truth


def sbc_ranks(samples, truth) -> np.ndarray:
    """The rank of the truth among the draws, per coordinate (Talts et al. 2018):

    .. math::  r_{ij} = \\sum_{s=1}^{n} \\mathbb 1\\big[\\theta^{(s)}_{ij} < \\theta_{ij}\\big]
               \\in \\{0, \\dots, n\\},

    for pair :math:`i`, coordinate :math:`j`. If the draws come from the exact posterior and
    the truth from the joint, the truth is one more draw of the same distribution and
    :math:`r` is uniform on :math:`\\{0, \\dots, n\\}`.

    Args:
        samples: ``(n, *batch, d)``, ``n`` draws of the model for each pair.
        truth: ``(*batch, d)``, the parameter that made each pair's observation.

    Returns:
        integer ranks ``(*batch, d)``.
    """
    samples, truth = _draws_and_truth(samples, truth, "sbc_ranks", event=True)
    return np.sum(samples < truth[None], axis=0)


def pit_values(samples, truth) -> np.ndarray:
    """The probability integral transform of the truth under each marginal of the model,
    estimated from its draws: :math:`u_{ij} = \\hat F_{ij}(\\theta_{ij}) = r_{ij} / n`
    (:func:`sbc_ranks` over ``n``). Calibrated marginals give :math:`u \\sim U(0, 1)`;
    too-narrow ones pile :math:`u` up at 0 and 1, too-wide ones in the middle, a biased one on one
    side. Shapes as in :func:`sbc_ranks`; returns floats ``(*batch, d)`` in :math:`[0, 1]`.
    """
    return sbc_ranks(samples, truth) / np.shape(samples)[0]


def hdr_levels(sample_log_probs, truth_log_prob) -> np.ndarray:
    """The credibility of the smallest highest-density region of :math:`q` containing the truth:

    .. math::  \\lambda_i = q\\big(\\{\\theta : q(\\theta \\mid x_i) > q(\\theta_i \\mid x_i)\\}
               \\mid x_i\\big) \\approx \\frac1n \\sum_{s=1}^n
               \\mathbb 1\\big[\\log q(\\theta^{(s)} \\mid x_i) > \\log q(\\theta_i \\mid x_i)\\big].

    The truth lies inside the :math:`\\alpha`-HDR exactly when :math:`\\lambda_i \\le \\alpha`, so
    :func:`coverage` of these levels is the HDR coverage; for a calibrated model :math:`\\lambda`
    is uniform on :math:`[0, 1]`. Only log-densities are needed, whatever the dimension.

    Args:
        sample_log_probs: ``(n, *batch)``, :math:`\\log q` at the model's own draws for each pair
            (``flow.sample_and_log_prob(key, (n,), condition=x)[1]``).
        truth_log_prob: ``(*batch)``, :math:`\\log q(\\theta_i \\mid x_i)` at each pair's truth.

    Returns:
        levels ``(*batch)`` in :math:`[0, 1]`.
    """
    log_q, log_q_truth = _draws_and_truth(sample_log_probs, truth_log_prob, "hdr_levels", event=False)
    return np.mean(log_q > log_q_truth[None], axis=0)


def coverage(levels, nominal) -> np.ndarray:
    """The empirical coverage at each nominal level :math:`\\alpha`: the fraction of pairs whose
    truth lies in the :math:`\\alpha`-region, :math:`\\hat c(\\alpha) = \\frac1m \\sum_i
    \\mathbb 1[\\lambda_i \\le \\alpha]`.

    Args:
        levels: ``(m,)`` levels of :func:`hdr_levels` (or, for a central interval of one
            coordinate, :math:`|2u - 1|` of its PIT values :math:`u`).
        nominal: a level or an array of levels in :math:`[0, 1]`.

    Returns:
        the coverage, shaped like ``nominal``.
    """
    levels, nominal = np.asarray(levels, dtype=float).reshape(-1), np.asarray(nominal, dtype=float)
    if levels.size == 0 or not np.all((levels >= 0) & (levels <= 1)):
        raise ValueError(f"coverage expects a non-empty array of levels in [0, 1], got {levels.size} "
                         f"values from {levels.min() if levels.size else None} to {levels.max() if levels.size else None}.")
    if not np.all((nominal >= 0) & (nominal <= 1)):
        raise ValueError(f"coverage expects nominal levels in [0, 1], got {nominal}.")
    return np.mean(levels[:, None] <= nominal.reshape(-1)[None, :], axis=0).reshape(nominal.shape)


def binomial_band(n_pairs: int, nominal, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Where a calibrated model's coverage falls by chance: with :math:`m` independent pairs the
    number covered is :math:`\\mathrm{Binomial}(m, \\alpha)`, so the central ``confidence``
    interval of the coverage is

    .. math::  \\Big[\\tfrac1m F^{-1}_{m,\\alpha}\\big(\\tfrac{1-\\gamma}{2}\\big),\\
               \\tfrac1m F^{-1}_{m,\\alpha}\\big(\\tfrac{1+\\gamma}{2}\\big)\\Big],

    :math:`F_{m,\\alpha}` the binomial CDF (exact quantiles; about :math:`\\alpha \\pm
    1.96\\sqrt{\\alpha(1-\\alpha)/m}` for large :math:`m`). The band holds level by level; a whole
    coverage curve of a calibrated model leaves it somewhere more often than ``1 - confidence``.

    Returns:
        ``(lower, upper)``, each shaped like ``nominal``.
    """
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)) or n_pairs < 1:
        raise ValueError(f"binomial_band expects a positive integer number of pairs, got {n_pairs!r}.")
    if not 0 < confidence < 1:
        raise ValueError(f"binomial_band expects 0 < confidence < 1, got {confidence!r}.")
    nominal = np.asarray(nominal, dtype=float)
    if not np.all((nominal >= 0) & (nominal <= 1)):
        raise ValueError(f"binomial_band expects nominal levels in [0, 1], got {nominal}.")
    tail = (1.0 - confidence) / 2.0
    lower = scipy.stats.binom.ppf(tail, n_pairs, nominal) / n_pairs
    upper = scipy.stats.binom.ppf(1.0 - tail, n_pairs, nominal) / n_pairs
    return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)


def uniformity_test(values) -> tuple[float, float]:
    """The Kolmogorov-Smirnov test of :math:`m` values against :math:`U(0, 1)`:

    .. math::  D = \\sup_u \\big|\\hat F_m(u) - u\\big| = \\max_{k} \\max\\Big(\\frac{k}{m} - u_{(k)},\\
               u_{(k)} - \\frac{k - 1}{m}\\Big),

    with :math:`u_{(1)} \\le \\dots \\le u_{(m)}` sorted, and its p-value from the exact
    distribution of :math:`D` (``scipy.stats.kstwo``). PIT values estimated from :math:`n` draws
    are discrete (steps of :math:`1/n`); with :math:`n \\gg \\sqrt m` that is far below what the
    test resolves.

    Returns:
        ``(D, p_value)`` as Python floats.
    """
    u = np.sort(np.asarray(values, dtype=float).reshape(-1))
    if u.size == 0 or not np.all((u >= 0) & (u <= 1)):
        raise ValueError(f"uniformity_test expects a non-empty array of values in [0, 1], got {u.size} "
                         f"values" + (f" from {u[0]} to {u[-1]}." if u.size else "."))
    m = u.size
    k = np.arange(1, m + 1)
    statistic = float(max(np.max(k / m - u), np.max(u - (k - 1) / m)))
    return statistic, float(scipy.stats.kstwo.sf(statistic, m))
