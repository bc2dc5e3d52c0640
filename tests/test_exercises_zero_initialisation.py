"""Part 5 · 05 checkers: the identity contract as a function; the log-det spread of a random start."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import zero_initialisation as zi

jax.config.update("jax_enable_x64", True)


def rejects(check, answer, hint=""):
    with pytest.raises(ExerciseError, match=hint or None):
        check(answer)


def identity_error(bijector, x):
    z, log_det = jax.vmap(bijector.transform_and_log_det)(jnp.asarray(x))
    return np.array([float(jnp.max(jnp.abs(z - x))), float(jnp.max(jnp.abs(log_det)))])


def identity_error_by_loop(bijector, x):
    worst_move = worst_log_det = 0.0
    for point in np.asarray(x):
        z, log_det = bijector.transform_and_log_det(point)
        worst_move = max(worst_move, float(np.max(np.abs(np.asarray(z) - point))))
        worst_log_det = max(worst_log_det, abs(float(log_det)))
    return [worst_move, worst_log_det]


def test_identity_error_accepts_correct_answers(capsys):
    zi.check_identity_error(identity_error)
    zi.check_identity_error(identity_error_by_loop)
    assert capsys.readouterr().out.count("Correct") == 2


def _parts(b, x):
    z, ld = jax.vmap(b.transform_and_log_det)(jnp.asarray(x))
    return np.asarray(z), np.asarray(ld)


@pytest.mark.parametrize("answer, hint", [
    (lambda b, x: np.array([np.max(np.abs(_parts(b, x)[0] - x)), np.max(_parts(b, x)[1])]), "negative"),
    (lambda b, x: np.array([np.mean(np.abs(_parts(b, x)[0] - x)), np.mean(np.abs(_parts(b, x)[1]))]), "WORST"),
    (lambda b, x: np.array([np.max(np.abs(_parts(b, x)[0])), np.max(np.abs(_parts(b, x)[1]))]), r"max \|T\(x\)\|"),
    (lambda b, x: np.array([np.max(np.abs(_parts(b, x)[0] - x)), np.max(np.abs(np.exp(_parts(b, x)[1]) - 1))]), "determinant"),
    (lambda b, x: np.zeros(2), ""),
    (lambda b, x: np.random.default_rng(1).uniform(size=2), ""),
    (lambda b, x: 2 * identity_error(b, x), "FACTOR"),
    (lambda b, x: identity_error(b, x) + 0.01, "constant"),
    (lambda b, x: identity_error(b, x)[0], "shape"),
    (lambda b, x: x, "shape"),
])
def test_identity_error_rejects_wrong_answers(answer, hint):
    rejects(zi.check_identity_error, answer, hint)


def test_spread_accepts_correct_answers(capsys):
    zi.check_log_det_spread(lambda L, n, s: s * np.sqrt(L * n))
    zi.check_log_det_spread(lambda L, n, s: np.sqrt(sum(s ** 2 for _ in range(L * n))))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("answer, hint", [
    (lambda L, n, s: s * L * n, "VARIANCES"),
    (lambda L, n, s: s ** 2 * L * n, "variance"),
    (lambda L, n, s: s * np.sqrt(L), "L \\* n_active"),
    (lambda L, n, s: s * np.sqrt(n), "not n_active"),
    (lambda L, n, s: s * np.sqrt(L) * n, "sqrt\\(n_active\\)"),
    (lambda L, n, s: -s * np.sqrt(L * n), "SIGN"),
    (lambda L, n, s: 0.0, ""),
    (lambda L, n, s: s, ""),
    (lambda L, n, s: 2 * s * np.sqrt(L * n), "FACTOR"),
    (lambda L, n, s: s * np.sqrt(L * n) + 0.1, "constant"),
])
def test_spread_rejects_wrong_answers(answer, hint):
    rejects(zi.check_log_det_spread, answer, hint)
