"""Checkers for Part 5 · 06, when a coupling equals a diagonal flow.

Exercise 1: ``marginal_parameters(first_rows, second_rows, mask)``: the ``(d, p)`` parameters of
the marginal layer equal to a complementary pair of zero-kernel couplings. ``mask`` (length
``d``, True = active) is the FIRST layer's mask; ``first_rows`` ``(n_active, p)`` are the first
layer's constant parameters of its active coordinates in increasing order, ``second_rows``
``(d - n_active, p)`` the second layer's, whose active coordinates are ``~mask``.
Exercise 2: ``zero_kernel_affine_log_det(x, mask, log_scale)``: the log-det of an affine coupling
whose conditioner is the constant ``(shift, log_scale)``, ``log_scale`` holding one value per
ACTIVE coordinate: :math:`\\sum_{i\\ \\text{active}} s_i`, the same for every ``x``.
"""

from __future__ import annotations

import numpy as np

from gauss_flows.course.exercises.core import Mistake, check_function

__all__ = ["check_marginal_parameters", "check_zero_kernel_affine_log_det"]


def _marginal(first_rows, second_rows, mask):
    mask = np.asarray(mask, dtype=bool)
    first_rows, second_rows = np.asarray(first_rows, float), np.asarray(second_rows, float)
    out = np.zeros((mask.size, first_rows.shape[1]))
    out[mask] = first_rows
    out[~mask] = second_rows
    return out


def _marginal_cases():
    rng = np.random.default_rng(6)
    cases = []
    # coupling flows alternate a mask and its complement; with d even both layers have d/2 rows
    for mask in ([False, True], [True, False], [False, False, True, True], [True, False, False, True, False, True]):
        mask = np.array(mask)
        p = 3 if mask.size < 6 else 2
        cases.append((rng.normal(size=(int(mask.sum()), p)), rng.normal(size=(int((~mask).sum()), p)), mask))
    return cases


MARGINAL_MISTAKES = [
    Mistake(lambda a, b, m: _marginal(b, a, m),
            "The two layers are swapped: the FIRST layer's rows belong to the coordinates where "
            "`mask` is True (its active ones), the second layer's to the others."),
    Mistake(lambda a, b, m: np.concatenate([np.asarray(a), np.asarray(b)]),
            "You stacked the first layer's rows above the second's. Put each row at the position "
            "of its coordinate: rows of the first layer where mask is True, of the second where it is False."),
    Mistake(lambda a, b, m: np.concatenate([np.asarray(b), np.asarray(a)]),
            "You stacked the second layer's rows above the first's. Put each row at the position "
            "of its coordinate: rows of the first layer where mask is True, of the second where it is False."),
]


def check_marginal_parameters(marginal_parameters) -> None:
    """Exercise 1: the ``(d, p)`` parameters of the marginal layer equal to the pair."""
    cases = _marginal_cases()
    mistakes = [Mistake(m.answer, m.hint) for m in MARGINAL_MISTAKES]
    # a pair with the SAME rows in both layers cannot tell where a row goes; the cases differ
    check_function(marginal_parameters, _marginal, cases, name="marginal_parameters", exercise=1,
                   mistakes=mistakes)


def _log_det(x, mask, log_scale):
    del x  # the point: a constant conditioner gives the same log-det everywhere
    return float(np.sum(np.asarray(log_scale, float)))


def _log_det_cases():
    rng = np.random.default_rng(7)
    cases = []
    for d, n_active in ((2, 1), (4, 2), (5, 3), (3, 2)):
        mask = np.zeros(d, dtype=bool)
        mask[rng.permutation(d)[:n_active]] = True
        for scale in (0.3, 1.5):
            cases.append((rng.normal(size=d) * 2.0, mask, scale * rng.normal(size=n_active)))
    cases.append((np.zeros(4), np.array([False, True, False, True]), np.array([0.4, -0.1])))
    return cases


LOG_DET_MISTAKES = [
    Mistake(lambda x, m, s: float(np.sum(np.exp(s))),
            "You summed the scales exp(s_i); the log-det sums their LOGS, log exp(s_i) = s_i."),
    Mistake(lambda x, m, s: float(np.prod(np.exp(s))),
            "That is the determinant itself, prod exp(s_i); the exercise asks for its log, sum s_i."),
    Mistake(lambda x, m, s: float(np.mean(s)),
            "A determinant multiplies the diagonal, so the log-det SUMS the log-scales, not averages."),
    Mistake(lambda x, m, s: float(np.sum(s) + np.sum(np.asarray(x)[~np.asarray(m)])),
            "The passive coordinates are copied: their diagonal entries are 1 and add log 1 = 0."),
    Mistake(lambda x, m, s: float(np.sum(np.asarray(s) * np.asarray(x)[np.asarray(m)])),
            "The affine map is z = exp(s) x + t: its derivative is exp(s), which does not depend on "
            "x. Do not multiply the log-scales by x."),
]


def check_zero_kernel_affine_log_det(zero_kernel_affine_log_det) -> None:
    """Exercise 2: log|det J| of a constant-conditioner affine coupling, sum of the log-scales."""
    check_function(zero_kernel_affine_log_det, _log_det, _log_det_cases(),
                   name="zero_kernel_affine_log_det", exercise=2, mistakes=LOG_DET_MISTAKES)
