"""Checkers of Part 0 · 02: accept the reference and independent correct answers, reject
plausible wrong answers with the right hint."""

import jax
import jax.numpy as jnp
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import forward_vs_inverse as ex

jax.config.update("jax_enable_x64", True)


# ---- exercise 1: bisect
def _bisect_loop(f, y, lo, hi):  # independent: a fixed number of halvings
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < y else (lo, mid)
    return (lo + hi) / 2


def test_bisect_accepts_reference_and_another_solution(capsys):
    ex.check_bisect(ex._bisect)
    ex.check_bisect(_bisect_loop)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("wrong, hint", [
    (lambda f, y, lo, hi: ex._bisect(f, y, lo, hi, n_steps=25), "stopped too early"),
    (lambda f, y, lo, hi: ex._bisect(f, y, lo, hi, n_steps=12), "stopped too early"),
    (lambda f, y, lo, hi: ex._bisect(f, y, lo, hi, wrong_side=True), "wrong way"),
    (lambda f, y, lo, hi: ex._bisect(f, y, -1.0, 1.0), "ignored the bracket"),
    (lambda f, y, lo, hi: ex._bisect(f, y, lo, hi) - 0.5 * (hi - lo), "FINAL bracket"),
    (lambda f, y, lo, hi: lo, "not right yet"),
])
def test_bisect_rejects(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_bisect(wrong)


# ---- exercise 2: flow_log_prob
def test_flow_log_prob_accepts_reference_and_library(capsys):
    ex.check_flow_log_prob(ex._flow_log_prob)
    ex.check_flow_log_prob(
        lambda b, x: gf.Transformed(gf.StandardNormal((2,)), b).log_prob(jnp.asarray(x, float)))
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("index, hint", [(0, "SAMPLING direction"), (1, "wrong sign"),
                                         (2, "LATENT point"), (3, "volume term")])
def test_flow_log_prob_rejects_known_mistakes(index, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_flow_log_prob(ex.FLOW_MISTAKES[index][0])


def test_flow_log_prob_rejects_a_missing_constant():
    with pytest.raises(ExerciseError, match="log\\(2 pi\\)"):
        ex.check_flow_log_prob(lambda b, x: ex._flow_log_prob(b, x) + jnp.log(2 * jnp.pi))
