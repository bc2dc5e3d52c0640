"""Checkers of Part 0 · 05: references and independent solutions pass, near misses get hints."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import erfcx, log_ndtr, ndtr

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import numerical_mechanics as ex


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ----------------------------------------------------------------------------- exercise 1
def halving(dtype):
    one, eps = dtype(1.0), dtype(0.5)
    while one - dtype(eps / 2) < one:
        eps = dtype(eps / 2)
    return eps


def test_epsilon_accepts_experiment_and_finfo(capsys):
    ex.check_smallest_safe_epsilon(halving)
    ex.check_smallest_safe_epsilon(lambda dtype: np.finfo(dtype).epsneg)
    # independent: count bits with jax arithmetic
    def by_bits(dtype):
        k = 1
        while float(jnp.asarray(1, dtype) - jnp.asarray(2.0 ** -(k + 1), dtype)) < 1:
            k += 1
        return 2.0**-k
    ex.check_smallest_safe_epsilon(by_bits)
    assert capsys.readouterr().out.count("Correct:") == 3


def test_epsilon_rejects_near_misses():
    check = ex.check_smallest_safe_epsilon
    rejects(check, lambda dtype: np.finfo(dtype).eps, "not the smallest")
    rejects(check, lambda dtype: np.finfo(dtype).tiny, "rounds to exactly 1")
    rejects(check, lambda dtype: halving(dtype) / 2, "One halving too far")
    rejects(check, lambda dtype: 2.0**-53, r"\(float32\): That is the answer for the other float type")
    rejects(check, lambda dtype: 1e-6, "larger than needed")
    rejects(check, lambda dtype: 1e-30, "not safe")
    rejects(check, lambda dtype: None, "forget the `return`")
    rejects(check, lambda dtype: [1e-7, 1e-16], "one number")


# ----------------------------------------------------------------------------- exercise 2
def erfcx_solution(x):
    x = np.asarray(x, dtype=float)
    return np.log(0.5 * erfcx(-x / np.sqrt(2.0))) - 0.5 * x**2


def test_log_cdf_accepts_two_solutions(capsys):
    ex.check_log_normal_cdf(erfcx_solution)
    ex.check_log_normal_cdf(lambda x: log_ndtr(np.asarray(x, dtype=float)))  # scipy's own
    assert capsys.readouterr().out.count("Correct:") == 2


def test_log_cdf_rejects_wrong_answers():
    check = ex.check_log_normal_cdf
    with np.errstate(divide="ignore", invalid="ignore"):
        rejects(check, lambda x: np.log(ndtr(x)), "underflows to 0")
        rejects(check, lambda x: -0.5 * np.asarray(x) ** 2 - np.log(-np.asarray(x)) - 0.5 * np.log(2 * np.pi),
                "leading term")
        rejects(check, lambda x: erfcx_solution(x) + np.log(2.0), "log 2")
        rejects(check, lambda x: np.exp(erfcx_solution(x)), "exp of the answer|not finite|returned the density")
        rejects(check, lambda x: np.log(erfcx(-np.asarray(x) / np.sqrt(2.0))) - 0.5 * np.asarray(x) ** 2,
                "log 2")
