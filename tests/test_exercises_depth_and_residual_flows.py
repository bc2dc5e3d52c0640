"""Checkers of Part 5 · 07: the reference passes; generic wrong answers and the known mistakes get hints."""

import numpy as np
import pytest

from gauss_flows.bijectors import residual
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import depth_and_residual_flows as ex


def fixed_point(g, y, tol, max_iterations):
    x = np.asarray(y, dtype=float)
    for k in range(1, max_iterations + 1):
        x_new = y - g(x)
        if np.linalg.norm(x_new - x) <= tol:
            return x_new, k
        x = x_new
    return None


def test_fixed_point_accepts_the_answer(capsys):
    ex.check_fixed_point(fixed_point)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ex.FIXED_POINT_MISTAKES, ids=lambda m: m.hint[:25])
def test_fixed_point_rejects_each_known_mistake_with_its_hint(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_fixed_point(mistake.answer)
    assert mistake.hint in str(info.value)


def _shifted(bias=0.0, factor=1.0, count=0):
    def answer(g, y, tol, n):
        out = fixed_point(g, y, tol, n)
        return None if out is None else (factor * out[0] + bias, out[1] + count)
    return answer


@pytest.mark.parametrize("wrong, message", [
    (lambda g, y, tol, n: (np.zeros_like(y), 1), "solution"),
    (lambda g, y, tol, n: (np.random.default_rng(0).normal(size=np.shape(y)), 5), "solution"),
    (lambda g, y, tol, n: (y, 1), "solution"),                    # the input returned
    (_shifted(factor=-1.0), "solution"),                          # sign flipped
    (_shifted(bias=1e-3), "solution"),                             # a small bias
    (_shifted(factor=2.0), "solution"),                            # a factor
    (_shifted(count=5), "iterations"),                             # a wrong count
    (lambda g, y, tol, n: None, "returned None"),                  # never converges
    (lambda g, y, tol, n: fixed_point(g, y, tol, n)[0] if fixed_point(g, y, tol, n) else None, "pair"),
])
def test_fixed_point_rejects_generic_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ex.check_fixed_point(wrong)


def test_cases_cover_convergence_and_divergence():
    lips = [abs(case[0]) for case in ex.FIXED_POINT_CASES]
    assert min(lips) < 1 and max(lips) > 1 and 1.0 in lips


def log_det_series(J, n_terms):
    power, total = np.eye(len(J)), 0.0
    for k in range(1, n_terms + 1):
        power = power @ J
        total += (-1) ** (k + 1) * np.trace(power) / k
    return total


def test_series_accepts_the_answer_and_the_library(capsys):
    ex.check_log_det_series(log_det_series)
    ex.check_log_det_series(lambda J, n: residual.log_det_series(np.asarray(J), n))
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("mistake", ex.SERIES_MISTAKES, ids=lambda m: m.hint[:25])
def test_series_rejects_each_known_mistake_with_its_hint(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_log_det_series(mistake.answer)
    assert mistake.hint in str(info.value)


@pytest.mark.parametrize("wrong, message", [
    (lambda J, n: 0.0, "log_det_series"),
    (lambda J, n: float(np.random.default_rng(n).normal()), "log_det_series"),
    (lambda J, n: J, "shape"),                                     # the input returned
    (lambda J, n: -log_det_series(J, n), "log_det_series"),
    (lambda J, n: log_det_series(J, n) + 0.5, "constant"),
    (lambda J, n: 2 * log_det_series(J, n), "FACTOR"),
    (lambda J, n: np.linalg.slogdet(np.eye(len(J)) + J)[1], "log_det_series"),  # the exact value, not the truncation
])
def test_series_rejects_generic_wrong_answers(wrong, message):
    with pytest.raises(ExerciseError, match=message):
        ex.check_log_det_series(wrong)
