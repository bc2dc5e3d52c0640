"""Checkers for Part 3 · 03, boundaries and support (Laparra, Camps-Valls & Malo 2011).

Exercise 1: ``dequantize(key, x, bin_width)`` -> ``(y, log_correction)``: uniform dequantization
of discrete data ``x`` (shape ``(n, d)``, values on a grid of spacing ``bin_width``),
:math:`y = x + h\\,u` with :math:`u \\sim \\mathcal U[0, 1)^d` independent per entry, and
``log_correction`` :math:`= d \\log h`, the term that turns a continuous log-density of ``y`` into a
lower bound on the discrete log-probability: :math:`\\log P(x) \\ge \\mathbb E_u[\\log p(x + hu)] + d\\log h`.
Exercise 2: ``gaussianize_clipped(u, eps)`` -> :math:`\\Phi^{-1}(\\mathrm{clip}(u, \\varepsilon, 1 - \\varepsilon))`.
"""

from __future__ import annotations

import jax.random as jr
import numpy as np
from scipy.special import ndtri

from gauss_flows.course.exercises.core import Mistake, call_student, check_function
from gauss_flows.course.exercises.core import fail as _fail

__all__ = ["check_dequantize", "check_gaussianize_clipped"]


def _counts(seed: int, n: int, d: int) -> np.ndarray:
    return np.random.default_rng(seed).poisson(3.0, (n, d)).astype(float)


#: (data seed, n, d, bin width)
CASES = [(0, 4000, 2, 1.0), (1, 3000, 3, 0.5), (2, 3000, 1, 2.0)]


def check_dequantize(dequantize) -> None:
    """Exercise 1: ``dequantize(key, x, bin_width)`` -> ``(y, log_correction)``."""
    if not callable(dequantize):
        raise _fail(1, "`dequantize` should be a function (def dequantize(key, x, bin_width): ...).")
    for seed, n, d, h in CASES:
        x = _counts(seed, n, d) * h
        where = f"for x of shape {x.shape} with bin_width = {h:g}"
        out = call_student(dequantize, jr.key(seed), x, h, exercise=1, call="dequantize",
                           context=f" ({where}).")
        if not (isinstance(out, tuple) and len(out) == 2):
            raise _fail(1, "`dequantize` should return a pair (y, log_correction).")
        y, correction = np.asarray(out[0], dtype=float), np.asarray(out[1], dtype=float)
        if y.shape != x.shape:
            raise _fail(1, f"y has shape {y.shape}; expected the shape of x, {x.shape} ({where}).")
        jitter = (y - x) / h
        if np.all(np.abs(jitter) < 1e-12):
            raise _fail(1, "y equals x: no noise was added, so y is still discrete.")
        if jitter.min() < -1e-12 and jitter.max() <= 0.5 + 1e-9:
            raise _fail(1, f"Your noise is centred on 0 (jitter between {jitter.min():.2f} and "
                           f"{jitter.max():.2f} bin widths). The exercise fixes the convention u in [0, 1): "
                           "count k covers the bin [k, k + h), so y = x + h u.")
        if jitter.min() < -1e-12 or jitter.max() >= 1.0:
            scale = " Did you forget to multiply u by bin_width?" if h != 1 and 0 <= (y - x).min() and (y - x).max() < 1 else ""
            raise _fail(1, f"(y - x) / bin_width runs from {jitter.min():.3f} to {jitter.max():.3f}; for "
                           f"uniform dequantization it must lie in [0, 1) ({where}).{scale}")
        if d > 1 and np.allclose(jitter, jitter[:, :1]):
            raise _fail(1, "Every coordinate of a row got the same jitter: draw an independent u for every "
                           "entry (shape x.shape), otherwise y lives on a diagonal line within each cell "
                           "and still has no density in d dimensions.")
        if np.allclose(jitter, jitter[:1]):
            raise _fail(1, "Every row got the same jitter: draw an independent u for every data point.")
        if abs(jitter.std() - np.sqrt(1 / 12)) > 0.02 or abs(jitter.mean() - 0.5) > 0.03:
            raise _fail(1, f"The jitter (y - x) / bin_width has mean {jitter.mean():.3f} and sd {jitter.std():.3f}; "
                           "a uniform on [0, 1) has 0.5 and 0.289. Use jr.uniform(key, x.shape).")
        if correction.shape not in ((), (1,)):
            raise _fail(1, f"log_correction should be one number, got shape {correction.shape}.")
        want = d * np.log(h)
        got = float(correction.ravel()[0])
        if not np.isclose(got, want, atol=1e-9):
            if h != 1 and np.isclose(got, -want):
                hint = ("The correction has the wrong sign. p(y) is a density per unit volume, and a cell "
                        "has volume h^d: P(x) ≈ p(y) h^d, so ADD d log h.")
            elif h != 1 and np.isclose(got, np.log(h)):
                hint = "The correction is per coordinate: a cell of side h in d dimensions has volume h^d, so d log h."
            else:
                hint = f"log_correction is {got:.4g}; expected d log(bin_width) = {want:.4g} ({where})."
            raise _fail(1, hint)
    again = np.asarray(dequantize(jr.key(0), _counts(0, 4000, 2), 1.0)[0])
    other = np.asarray(dequantize(jr.key(99), _counts(0, 4000, 2), 1.0)[0])
    if np.allclose(again, other):
        raise _fail(1, "Two different keys gave the same y: draw the noise from `key` (jr.uniform(key, x.shape)).")
    print("Correct: y = x + h u with u ~ U[0, 1) independent per entry, and log_correction = d log h, "
          f"on {len(CASES)} data sets (d = 2, 3, 1; h = 1, 0.5, 2).")


# ----------------------------------------------------------------------------- exercise 2
def _clipped(u, eps):
    return ndtri(np.clip(np.asarray(u, dtype=float), eps, 1 - eps))


CLIP_INPUTS = [(0.5, 1e-3), (np.array([0.0, 1e-9, 0.2, 0.7, 1 - 1e-9, 1.0]), 1e-3),
               (np.array([0.0, 0.01, 0.99, 1.0]), 0.05), (np.array([1e-12, 0.3]), 1e-10)]
CLIP_MISTAKES = [
    Mistake(lambda u, eps: ndtri(np.clip(np.asarray(u, dtype=float), eps, 1.0)),
            "You clip only from below: u = 1 still gives Φ⁻¹(1) = +∞. Clip to [eps, 1 - eps]."),
    Mistake(lambda u, eps: ndtri(np.clip(np.asarray(u, dtype=float), 0.0, 1 - eps)),
            "You clip only from above: u = 0 still gives Φ⁻¹(0) = −∞. Clip to [eps, 1 - eps]."),
    Mistake(lambda u, eps: np.clip(ndtri(np.asarray(u, dtype=float)), -1 / eps, 1 / eps),
            "You clip z at ±1/eps. Clip the CDF value u to [eps, 1 - eps] before Φ⁻¹ (or, equivalently, "
            "z to ±Φ⁻¹(1 - eps))."),
    Mistake(lambda u, eps: np.clip(np.asarray(u, dtype=float), eps, 1 - eps),
            "That is the clipped u itself: apply Φ⁻¹ (scipy.special.ndtri or jax.scipy.special.ndtri)."),
]


def check_gaussianize_clipped(gaussianize_clipped) -> None:
    """Exercise 2: ``gaussianize_clipped(u, eps)`` = Φ⁻¹(clip(u, eps, 1 - eps))."""
    check_function(gaussianize_clipped, _clipped, CLIP_INPUTS, name="gaussianize_clipped", exercise=2,
                   mistakes=CLIP_MISTAKES, rtol=1e-8, atol=1e-10)
