"""Checkers for Part 0 · 04, density destructors (Chen & Gopinath 2000; Inouye & Ravikumar 2018).

Exercise 1: one Gaussianization step by hand, ``gaussianization_step(x, R)``: Gaussianize
every column of ``x`` (n, d) by an increasing map, :math:`u_i = \\Phi^{-1}(F_i(x_i))`, then
rotate each row, :math:`z = R u` (for rows: ``z = u @ R.T``). Any marginal Gaussianizer is
accepted (empirical ranks, a KDE, a Gaussian mixture): the checker undoes the rotation and
verifies the two properties that define the step, (a) each column of ``u`` is an increasing
function of the same column of ``x``, (b) each column of ``u`` looks standard normal.

Exercise 2: the density from the destructor, ``destructor_log_density(layers, x)``:
:math:`\\log p(x) = \\log\\mathcal N(z; 0, I) + \\sum_s \\log|\\det J_s|`, with ``z`` the
output of all layers.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import norm, rankdata

from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

# ----------------------------------------------------------------------------- exercise 1
N_SAMPLES = 1000
#: sample mean / std within these of 0 / 1, and a Kolmogorov-Smirnov distance to N(0, 1) below
#: KS_LIMIT (the 99.9 % quantile of the KS statistic at n = 1000 is 0.062)
# Any increasing marginal Gaussianization (ranks, a fitted mixture, a KDE) leaves the columns of
# u with mean within ~1e-3 of 0 and standard deviation within ~0.02 of 1; a shifted or scaled
# answer is off by more.
MEAN_TOLERANCE = 0.02
MOMENT_TOLERANCE = 0.05
KS_LIMIT = 0.07


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def step_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, x, R): two moons with a 30 degree rotation, and a skewed, dependent sample."""
    rng = np.random.default_rng(40)  # numpy: the checker's data must be cheap to make
    t = rng.uniform(0.0, math.pi, N_SAMPLES)
    upper = np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], 1)
    moons = np.where(rng.random((N_SAMPLES, 1)) < 0.5, -upper, upper)
    moons = moons + 0.08 * rng.standard_normal((N_SAMPLES, 2))
    e = rng.exponential(size=(N_SAMPLES, 2))
    skewed = np.stack([e[:, 0], e[:, 0] + 0.5 * e[:, 1] ** 2], 1)  # skewed and dependent
    return [("two moons", moons, _rotation(math.pi / 6)), ("a skewed sample", skewed, _rotation(-1.0))]


def _ks(column: np.ndarray) -> float:
    s = np.sort(column)
    n = s.size
    cdf = norm.cdf(s)
    return float(max(np.max(np.arange(1, n + 1) / n - cdf), np.max(cdf - np.arange(n) / n)))


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])


def _increasing(u: np.ndarray, x: np.ndarray) -> bool:
    return all(_spearman(u[:, i], x[:, i]) > 0.999 for i in range(x.shape[1]))


def _decreasing(u: np.ndarray, x: np.ndarray) -> bool:
    return any(_spearman(u[:, i], x[:, i]) < -0.999 for i in range(x.shape[1]))


def _gaussian(u: np.ndarray) -> bool:
    return all(abs(u[:, i].mean()) < MEAN_TOLERANCE and abs(u[:, i].std() - 1) < MOMENT_TOLERANCE
               and _ks(u[:, i]) < KS_LIMIT for i in range(u.shape[1]))


def _standardised(u: np.ndarray) -> bool:
    return all(abs(u[:, i].mean()) < MEAN_TOLERANCE and abs(u[:, i].std() - 1) < MOMENT_TOLERANCE
               for i in range(u.shape[1]))


def _diagnose_step(z: np.ndarray, x: np.ndarray, R: np.ndarray) -> str | None:
    u = z @ R  # undo z = u @ R.T (R is orthogonal)
    if _increasing(u, x) and _gaussian(u):
        return None
    if _increasing(z, x) and _gaussian(z):
        return ("Your output has Gaussian columns that still follow x coordinate by coordinate: the "
                "rotation is missing. After u = Phi^-1(F(x)) column by column, rotate every row: "
                "z = u @ R.T.")
    if _increasing(z @ R.T, x) and _gaussian(z @ R.T):
        return ("You rotated with R^T instead of R. For one point z = R u; for rows stacked in a "
                "matrix that is z = u @ R.T (not u @ R).")
    if _gaussian(z) and _increasing(z, x @ R.T):
        return ("The order is swapped: you rotated first and Gaussianized afterwards. A step is "
                "marginal Gaussianization FIRST (u = Phi^-1(F(x)) per column), then the rotation z = R u.")
    if _decreasing(u, x):
        return ("A column of u DEcreases with x: the marginal map must be increasing, "
                "u = Phi^-1(F(x)). (Phi^-1(1 - F(x)) flips the order of the points.)")
    if _increasing(u, x) and _standardised(u):
        return ("Each column has mean 0 and variance 1 but is not Gaussian (its histogram keeps its "
                "shape): standardising (x - mean) / std is affine. Use the CDF: u = Phi^-1(F(x)), "
                "e.g. gf.marginal_fit.gaussianize_empirical(column).")
    if _increasing(u, x):
        return ("The marginal map is increasing, but the columns of u are not standard normal "
                "(mean, standard deviation or histogram off). Did you return F(x) (uniform on (0, 1)) "
                "instead of Phi^-1(F(x))?")
    return ("After undoing the rotation (u = z @ R), the columns of u are not increasing functions "
            "of the columns of x. Each coordinate must be Gaussianized on its own, from its own column.")


def check_gaussianization_step(gaussianization_step) -> None:
    """Exercise 1: ``gaussianization_step(x, R)`` = marginal Gaussianization, then ``z = R u``."""
    if not callable(gaussianization_step):
        raise ExerciseError("Exercise 1: `gaussianization_step` should be a function "
                            "(def gaussianization_step(x, R): ...).")
    for name, x, R in step_cases():
        try:
            z = gaussianization_step(jnp.asarray(x), jnp.asarray(R))
        except NotImplementedError:
            raise
        except Exception as err:
            raise ExerciseError(f"Exercise 1: `gaussianization_step` raised {type(err).__name__} on "
                                f"{name}: {err}") from err
        if z is None:
            raise ExerciseError("Exercise 1: `gaussianization_step` returned None: did you forget "
                                "the `return` statement?")
        z = np.asarray(z, dtype=float)
        if z.shape != x.shape:
            raise ExerciseError(f"Exercise 1: on {name} (shape {x.shape}) `gaussianization_step` "
                                f"returned shape {z.shape}; a step keeps the shape of the data.")
        if not np.all(np.isfinite(z)):
            raise ExerciseError(f"Exercise 1: on {name} the output has NaN or inf values. Phi^-1 "
                                "of 0 or 1 is infinite: keep F away from 0 and 1 (ranks (i + 1/2)/(n + 1), "
                                "or gf.marginal_fit.gaussianize_empirical, do that).")
        hint = _diagnose_step(z, x, R)
        if hint is not None:
            raise ExerciseError(f"Exercise 1 ({name}): {hint}")
    u = z @ R
    print(f"Correct: on both samples the step is an increasing map per coordinate onto N(0, 1) "
          f"marginals, followed by the rotation (largest KS distance of u to N(0, 1): "
          f"{max(_ks(u[:, 0]), _ks(u[:, 1])):.3f}).")


# ----------------------------------------------------------------------------- exercise 2
def exercise_layers():
    """A small fixed destructor: marginal mixture CDF, rotation, marginal mixture CDF, rotation."""
    from gauss_flows.bijectors import MixtureGaussianCDF, PCARotation

    first = MixtureGaussianCDF.from_mixture(
        jnp.array([[0.3, 0.7], [0.5, 0.5]]), jnp.array([[-1.0, 0.8], [-0.5, 0.6]]),
        jnp.array([[0.5, 0.7], [0.4, 0.9]]))
    second = MixtureGaussianCDF.from_mixture(
        jnp.array([[0.6, 0.4], [0.2, 0.8]]), jnp.array([[0.2, -0.9], [1.0, -0.2]]),
        jnp.array([[1.2, 0.6], [0.8, 1.1]]))
    # fixed rotations by 40 and -75 degrees (PCARotation holds any orthogonal matrix and a mean)
    return [first, PCARotation(_rotation(0.7), np.zeros(2)), second,
            PCARotation(_rotation(-1.3), np.zeros(2))]


INPUTS = [np.zeros((3, 2)), np.array([[0.5, -0.3], [1.5, 2.0], [-2.0, 0.7]]),
          np.array([[-3.0, -3.0], [4.0, -1.0], [0.1, 5.0]])]  # one shape: one compilation
_LOG_2PI = math.log(2.0 * math.pi)


def _push(layers, x):
    """(z, [log-det of each layer]) for rows x. Eager on purpose: a student's eager loop then
    reuses the operations compiled here (a jit would compile everything a second time)."""
    z, parts = jnp.asarray(x, dtype=float), []
    for layer in layers:
        z, log_det = jax.vmap(layer.transform_and_log_det)(z)
        parts.append(log_det)
    return z, parts


def _log_normal(z):
    return -0.5 * jnp.sum(z**2, -1) - _LOG_2PI


def _mistakes(layers):
    cache = {}

    def pushed(x):
        key = np.asarray(x, dtype=float).tobytes()
        if key not in cache:
            z, parts = _push(layers, jnp.asarray(x, dtype=float))
            cache[key] = (np.asarray(z), [np.asarray(p) for p in parts])
        return cache[key]

    def no_log_det(x):
        return _log_normal(pushed(x)[0])

    def minus_log_det(x):
        z, parts = pushed(x)
        return _log_normal(z) - sum(parts)

    def last_marginal_only(x):
        z, parts = pushed(x)
        return _log_normal(z) + parts[-2]

    def base_at_data(x):
        return _log_normal(np.asarray(x, dtype=float)) + sum(pushed(x)[1])

    return [
        Mistake(no_log_det,
                "You have log N(z) at the destroyed point, but no log-determinant: the steps stretch "
                "and squeeze space, add log|det J| of every step (transform_and_log_det gives it)."),
        Mistake(minus_log_det,
                "The log-determinant has the wrong sign. `transform` maps data to latent, and "
                "log p(x) = log N(T(x)) + log|det dT/dx|: ADD the log-dets of the steps."),
        Mistake(last_marginal_only,
                "Only the last marginal step's log-det is counted. The log-dets of ALL steps add up "
                "(the rotations contribute 0): keep a running sum."),
        Mistake(base_at_data,
                "You evaluated the standard normal at the data x. The base density is evaluated at "
                "the OUTPUT of the destructor, z = T(x)."),
    ]


def _reference(layers, x):
    z, parts = _push(layers, jnp.asarray(x, dtype=float))
    return np.asarray(_log_normal(z) + sum(parts))


def check_destructor_log_density(destructor_log_density) -> None:
    """Exercise 2: ``destructor_log_density(layers, x)`` for rows ``x`` (n, 2) -> shape (n,)."""
    layers = exercise_layers()
    check_function(lambda x: destructor_log_density(layers, x), lambda x: _reference(layers, x),
                   INPUTS, name="destructor_log_density", exercise=2, mistakes=_mistakes(layers),
                   rtol=1e-6, atol=1e-8)
