"""Checkers for Part 3 · 00, the RBIG loop (Laparra, Camps-Valls & Malo 2011; Chen & Gopinath 2000).

Exercise 1: ``rbig_by_hand(data, n_layers, key)`` -> the data after ``n_layers`` RBIG layers,
each a marginal Gaussianization (``fit_marginal_mixture``) followed by a rotation. The
checker compares with :func:`gauss_flows.rbig_fit` (random rotations, the same keys); an
answer that differs but Gaussianizes as well (PCA rotations, other mixture settings) is
accepted too, judged by what RBIG guarantees: an output that follows its input (neighbours
stay neighbours: noise of the right shape is not an answer), with mean 0 and average variance
1, and no more total correlation left than the library leaves.
Exercise 2: ``rbig_log_likelihood(layers, x)`` -> ``log p(x)`` per point for the flow made of
``layers``: :math:`\\log\\mathcal N(z; 0, I) + \\sum_\\ell \\log|\\det J_\\ell|`, layer by layer.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

from gauss_flows import datasets, diagnostics
from gauss_flows.bijectors import RandomRotation
from gauss_flows.marginal_fit import fit_marginal_mixture
from gauss_flows.rbig import rbig_fit
from gauss_flows.course.exercises.core import ExerciseError, Mistake, check_function

__all__ = ["check_rbig_by_hand", "check_rbig_log_likelihood"]

N_POINTS, N_LAYERS = 2000, 6  # the size of the notebook's data: the EM fits are compiled already
#: an answer is "as good as the library" if it leaves at most this much more TC (nats)
TC_SLACK = 0.08
#: the output of RBIG layers: column means within this of 0, the average variance within this of 1
MEAN_LIMIT, VARIANCE_LIMIT = 0.01, 0.03
#: above this, the output does not follow its input (see _continuity)
CONTINUITY_LIMIT = 0.35


def _fail(message: str) -> ExerciseError:
    return ExerciseError(f"Exercise 1: {message}")


@lru_cache(maxsize=1)
def _problem():
    data = datasets.TwoMoons(noise=0.1).sample(jr.key(11), N_POINTS)
    key = jr.key(12)
    flow, _ = rbig_fit(data, n_layers=N_LAYERS, rotation="random", key=key)
    reference = jax.vmap(flow.bijection.transform)(data)
    return data, key, np.asarray(reference)


@lru_cache(maxsize=None)
def _library_output(n_layers: int) -> np.ndarray:
    """gf.rbig_fit's output with another number of layers (the keys are jr.split(key, n_layers))."""
    data, key, _ = _problem()
    flow, _ = rbig_fit(data, n_layers=n_layers, rotation="random", key=key)
    return np.asarray(jax.vmap(flow.bijection.transform)(data))


def _continuity(data, z, n_probe: int = 400) -> float:
    """How much an output follows its input: the median output distance between each of
    ``n_probe`` points and its nearest neighbour in the data, over the median output distance
    between random pairs. About 0.02 for RBIG on the two moons, about 1 for an output
    that does not depend on its input (noise)."""
    x, z = np.asarray(data, dtype=float), np.asarray(z, dtype=float)
    probe = np.arange(n_probe) * (len(x) // n_probe)
    distances = np.linalg.norm(x[probe, None, :] - x[None, :, :], axis=-1)
    distances[np.arange(n_probe), probe] = np.inf
    neighbour = np.argmin(distances, axis=1)
    partner = np.roll(probe, n_probe // 2)
    near = np.median(np.linalg.norm(z[probe] - z[neighbour], axis=1))
    far = np.median(np.linalg.norm(z[probe] - z[partner], axis=1))
    return float(near / far)


def _tc(z) -> float:
    return float(diagnostics.total_correlation(jnp.asarray(z)))


def _marginal_only(data, n_layers, key):
    z = data
    for _ in range(n_layers):
        z = jax.vmap(fit_marginal_mixture(z, tail_weight=0.02).transform)(z)
    return z


def _not_chained(data, n_layers, key):
    z = data
    for layer_key in jr.split(key, n_layers):  # every layer starts again from the data
        u = jax.vmap(fit_marginal_mixture(data, tail_weight=0.02).transform)(data)
        z = jax.vmap(RandomRotation(layer_key, dim=data.shape[1]).transform)(u)
    return z


LOOP_MISTAKES = [
    Mistake(_marginal_only,
            "There is no rotation in your loop. A marginal map never changes the total correlation "
            "(it acts on each coordinate alone), so after the first layer nothing more can happen: "
            "rotate after each marginal Gaussianization (gf.RandomRotation(layer_key, dim=d))."),
    Mistake(_not_chained,
            "Each layer starts again from `data`: fit the marginals of the CURRENT z and transform "
            "z, so that layer l works on the output of layer l - 1."),
]


def check_rbig_by_hand(rbig_by_hand) -> None:
    """Exercise 1: ``rbig_by_hand(data, n_layers, key)`` -> data after ``n_layers`` RBIG layers."""
    if not callable(rbig_by_hand):
        raise _fail("`rbig_by_hand` should be a function (def rbig_by_hand(data, n_layers, key): ...).")
    data, key, reference = _problem()
    try:
        got = rbig_by_hand(data, N_LAYERS, key)
    except NotImplementedError:
        raise
    except Exception as err:
        raise _fail(f"`rbig_by_hand(data, {N_LAYERS}, key)` raised {type(err).__name__}: {err}") from err
    if got is None:
        raise _fail("`rbig_by_hand` returned None: did you forget `return z`?")
    got = np.asarray(got, dtype=float)
    if got.shape != data.shape:
        raise _fail(f"`rbig_by_hand` returned shape {got.shape}; expected the data's shape {data.shape} "
                    "(one transformed point per data point).")
    if not np.all(np.isfinite(got)):
        raise _fail("the output has NaN or infinite values.")
    if np.allclose(got, reference, rtol=1e-6, atol=1e-6):
        print(f"Correct: `rbig_by_hand` matches gf.rbig_fit layer for layer (largest difference "
              f"{np.abs(got - reference).max():.1e}).")
        return
    for mistake in LOOP_MISTAKES:
        if np.allclose(got, np.asarray(mistake.answer(data, N_LAYERS, key)), rtol=1e-6, atol=1e-6):
            raise _fail(mistake.hint)
    for n_layers, which in ((N_LAYERS - 1, "one layer short"), (N_LAYERS + 1, "one layer too many")):
        if np.allclose(got, _library_output(n_layers), rtol=1e-6, atol=1e-6):
            raise _fail(f"your output is gf.rbig_fit's with {n_layers} layers instead of {N_LAYERS}: {which}. "
                        "Run exactly `n_layers` layers, one per key of jr.split(key, n_layers).")
    if _continuity(data, got) > CONTINUITY_LIMIT:
        raise _fail(f"your output does not follow its input: points that are neighbours in the data "
                    f"are not neighbours in your output (distance ratio {_continuity(data, got):.2f}, "
                    f"RBIG gives a few hundredths). RBIG is a map of the data: transform `data` layer by layer; "
                    "do not draw new points.")
    tc_data, tc_library, tc_yours = _tc(data), _tc(reference), _tc(got)
    numbers = (f"TC (kNN estimate) of the data {tc_data:.3f} nats, after {N_LAYERS} library layers "
               f"{tc_library:.3f}, after yours {tc_yours:.3f}")
    means, stds = got.mean(0), got.std(0)
    # Each marginal step leaves every coordinate with sample mean ~0 and variance ~1 (to ~1e-3)
    # and a rotation keeps the mean at 0 and the total variance, so these are tight.
    if np.any(np.abs(means) > MEAN_LIMIT) or abs(np.mean(stds**2) - 1) > VARIANCE_LIMIT:
        raise _fail(f"the output is not standardised (column means {np.round(means, 3)}, standard "
                    f"deviations {np.round(stds, 3)}); "
                    "after RBIG layers the coordinates have mean 0 and an average variance of 1 "
                    "(a rotation keeps the total variance). Did you apply the marginal maps with "
                    "`transform` (data -> Gaussian), and only rotations after them?")
    if tc_yours > tc_library + TC_SLACK:
        raise _fail(f"your loop removes much less total correlation than RBIG should: {numbers}. "
                    "Each layer: fit the marginals of the current z, Gaussianize them, rotate.")
    print(f"Correct: not identical to gf.rbig_fit (other rotations or mixture settings), but it "
          f"Gaussianizes as well: {numbers}.")


# ----------------------------------------------------------------------------- exercise 2
@lru_cache(maxsize=1)
def _layers_and_points():
    data = datasets.TwoMoons(noise=0.1).sample(jr.key(13), N_POINTS)
    flow, _ = rbig_fit(data, n_layers=3, rotation="random", key=jr.key(14))
    points = jnp.concatenate([data[:5], jnp.array([[0.0, 0.0], [2.5, -1.0]])])
    return list(flow.bijection.bijectors), points


def _log_normal(z):
    return -0.5 * jnp.sum(z**2, -1) - 0.5 * z.shape[-1] * np.log(2 * np.pi)


def _log_likelihood(layers, x, *, log_det_sign=1.0, with_base=True, base_at_x=False):
    z, total = jnp.asarray(x), jnp.zeros(jnp.shape(x)[0])
    for layer in layers:
        z, log_det = jax.vmap(layer.transform_and_log_det)(z)
        total = total + log_det_sign * log_det
    return (_log_normal(x if base_at_x else z) if with_base else 0.0) + total


LIKELIHOOD_MISTAKES = [
    Mistake(lambda layers, x: _log_likelihood(layers, x, log_det_sign=0.0),
            "You have log N(z) at the final z but no log-determinants: each layer's marginal "
            "Gaussianization squeezes and stretches space, add its log|det J_l| (the rotations add 0)."),
    Mistake(lambda layers, x: _log_likelihood(layers, x, log_det_sign=-1.0),
            "The log-determinants have the wrong sign: log p(x) = log N(T(x)) + log|det dT/dx|, and "
            "`transform_and_log_det` already returns log|det dT/dx| for the data -> latent direction."),
    Mistake(lambda layers, x: _log_likelihood(layers, x, base_at_x=True),
            "The base density is evaluated at x: evaluate N(0, I) at z = T(x), the output of the last layer."),
    Mistake(lambda layers, x: _log_likelihood(layers, x, with_base=False),
            "Only the log-determinants: add the base log-density log N(z; 0, I) at the final z."),
]


def check_rbig_log_likelihood(rbig_log_likelihood) -> None:
    """Exercise 2: ``rbig_log_likelihood(layers, x)`` -> log p(x) per point (shape (n,))."""
    layers, points = _layers_and_points()
    # the inputs are (number of layers, points): short to print in a hint
    if not callable(rbig_log_likelihood):
        raise ExerciseError("Exercise 2: `rbig_log_likelihood` should be a function "
                            "(def rbig_log_likelihood(layers, x): ...).")
    mistakes = [Mistake(lambda k, x, m=m: m.answer(layers[:k], x), m.hint) for m in LIKELIHOOD_MISTAKES]
    check_function(lambda k, x: rbig_log_likelihood(layers[:k], x),
                   lambda k, x: _log_likelihood(layers[:k], x), [(1, points), (3, points)],
                   name="rbig_log_likelihood", exercise=2, mistakes=mistakes, rtol=1e-6, atol=1e-8)
