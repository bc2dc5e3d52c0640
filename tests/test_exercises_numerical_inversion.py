"""Checkers of Part 1 · 04: references pass, plausible wrong answers get the right hint."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import numerical_inversion as ex
from gauss_flows.numerics import solve_monotone

jax.config.update("jax_enable_x64", True)


# ---- exercise 1 ---------------------------------------------------------------------------

def implicit_with_autodiff(theta, target):
    x = solve_monotone(lambda x: ex.warp(x, theta), jnp.asarray(target, float))
    df_dx, df_dtheta = jax.grad(ex.warp, argnums=(0, 1))(x, jnp.asarray(theta, float))
    return -df_dtheta / df_dx


def implicit_by_hand(theta, target):  # an independent solution: Newton in NumPy, formula by hand
    x = float(target)
    for _ in range(60):
        x -= (x + theta * math.sin(2 * x) - target) / (1 + 2 * theta * math.cos(2 * x))
    return -math.sin(2 * x) / (1 + 2 * theta * math.cos(2 * x))


@pytest.mark.parametrize("answer", [implicit_with_autodiff, implicit_by_hand])
def test_implicit_derivative_accepts_correct_answers(answer, capsys):
    ex.check_implicit_derivative(answer)
    assert "Correct" in capsys.readouterr().out


def _solution(theta, target):
    return float(solve_monotone(lambda x: ex.warp(x, theta), jnp.asarray(target, float)))


@pytest.mark.parametrize("wrong, hint", [
    (lambda th, t: math.sin(2 * _solution(th, t)) / (1 + 2 * th * math.cos(2 * _solution(th, t))),
     "SIGN"),
    (lambda th, t: -math.sin(2 * _solution(th, t)), "did not divide"),
    (lambda th, t: -math.sin(2 * t) / (1 + 2 * th * math.cos(2 * t)), "at the target"),
    (lambda th, t: 0.0, "BISECTION"),
    (lambda th, t: -(1 + 2 * th * jnp.cos(2 * _solution(th, t))) / jnp.sin(2 * _solution(th, t)),
     "upside down"),  # -inf at theta = t = 0, like the reference mistake
])
def test_implicit_derivative_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_implicit_derivative(wrong)


# ---- exercise 2 ---------------------------------------------------------------------------

def safe_newton_other(f, slope, target, lo, hi, n_steps):
    """An independent correct solution: residual-based bracket, Newton from the better end."""
    x = lo if abs(f(lo) - target) < abs(f(hi) - target) else hi
    for _ in range(n_steps - 2):
        r = f(x) - target
        if r == 0:
            break
        if r < 0:
            lo = x
        else:
            hi = x
        d = slope(x)
        proposal = x - r / d if d > 0 else math.inf
        if abs(proposal - x) < 1e-15:
            return proposal
        x = proposal if lo < proposal < hi else 0.5 * (lo + hi)
    return x


def plain_newton(f, slope, target, lo, hi, n_steps):
    x = 0.5 * (lo + hi)
    for _ in range(n_steps):
        x = x - (f(x) - target) / slope(x)
    return x


def plain_bisection(f, slope, target, lo, hi, n_steps):
    for _ in range(n_steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


def reversed_bracket(f, slope, target, lo, hi, n_steps):
    x = 0.5 * (lo + hi)
    for _ in range(n_steps):
        value = f(x)
        lo, hi = (lo, x) if value < target else (x, hi)
        step = x - (value - target) / slope(x)
        x = step if lo < step < hi else 0.5 * (lo + hi)
    return x


def test_safe_newton_accepts_reference_and_an_independent_solution(capsys):
    ex.check_safe_newton(ex._safe_newton)
    ex.check_safe_newton(safe_newton_other)
    assert capsys.readouterr().out.count("Correct") == 2


@pytest.mark.parametrize("wrong, hint", [
    (plain_newton, "Safeguard it|safeguard is for"),
    (plain_bisection, "pure bisection"),
    (reversed_bracket, "reversed"),
    (lambda f, slope, target, lo, hi, n_steps: None, "return"),
])
def test_safe_newton_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_safe_newton(wrong)


def test_the_problems_need_the_safeguard_and_newton():
    """Plain Newton fails on the first two problems; bisection is too slow on all of them."""
    for (what, f, slope, target, lo, hi, n_steps), root in list(zip(ex.PROBLEMS, ex._ROOTS))[:2]:
        with np.errstate(all="ignore"):
            try:
                x = plain_newton(f, slope, target, lo, hi, n_steps)
            except (OverflowError, ZeroDivisionError):
                x = math.inf
        assert not (lo <= x <= hi and abs(x - root) < ex.TOLERANCE), what
    for (what, f, slope, target, lo, hi, n_steps), root in zip(ex.PROBLEMS, ex._ROOTS):
        assert abs(plain_bisection(f, slope, target, lo, hi, n_steps) - root) > ex.TOLERANCE, what
        assert abs(f(root) - target) < 1e-12, what


def test_stub_passes_through():
    def stub(*args):
        raise NotImplementedError
    with pytest.raises(NotImplementedError):
        ex.check_safe_newton(stub)
    with pytest.raises(NotImplementedError):
        ex.check_implicit_derivative(stub)
