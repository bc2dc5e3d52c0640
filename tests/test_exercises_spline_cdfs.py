"""Part 1 · 02 checkers: each accepts correct answers and rejects plausible wrong ones with the right hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import spline_cdfs as ex

jax.config.update("jax_enable_x64", True)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def test_references_agree_with_the_library():
    spline = ex.library_spline()
    for args in ex.INVERSE_INPUTS[:-2]:
        assert ex._rq_inverse(*args) == pytest.approx(float(spline.inverse(args[0])), abs=1e-12)
    for args in ex.DERIVATIVE_INPUTS[:-2]:
        assert ex._rq_derivative(*args) == pytest.approx(float(jax.grad(spline.transform)(args[0])), rel=1e-10)
    # every bin of the spline is visited
    xs, ys, _ = (np.asarray(a) for a in spline._spline())
    assert {ex.bin_of(spline, a[0], "y")[0] for a in ex.INVERSE_INPUTS[:-2]} == set(xs[:-1])


# ------------------------------------------------------------ Exercise 1: inverse in a bin
def inverse_stable(y, x_k, y_k, w, h, dk, dn):
    s = h / w
    delta = y - y_k
    beta = dn + dk - 2 * s
    a, b, c = h * (s - dk) + delta * beta, h * dk - delta * beta, -s * delta
    return x_k + w * 2 * c / (-b - np.sqrt(b * b - 4 * a * c))


def inverse_by_bisection(y, x_k, y_k, w, h, dk, dn):
    # independent: bisection on the forward formula
    s = h / w
    forward = lambda xi: y_k + h * (s * xi**2 + dk * xi * (1 - xi)) / (s + (dn + dk - 2 * s) * xi * (1 - xi))
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if forward(mid) < y else (lo, mid)
    return x_k + w * 0.5 * (lo + hi)


@pytest.mark.parametrize("answer", [inverse_stable, inverse_by_bisection])
def test_inverse_accepts_correct_answers(answer, capsys):
    ex.check_rq_inverse_in_bin(answer)
    assert capsys.readouterr().out.startswith("Correct")


def naive(y, x_k, y_k, w, h, dk, dn):
    s = h / w
    delta = y - y_k
    beta = dn + dk - 2 * s
    a, b, c = h * (s - dk) + delta * beta, h * dk - delta * beta, -s * delta
    return x_k + w * (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)


@pytest.mark.parametrize("wrong, hint", [
    (naive, "textbook root"),
    (lambda y, x_k, y_k, w, h, dk, dn: x_k + w * (
        2 * (-(h / w) * (y - y_k)) / (-(h * dk - (y - y_k) * (dn + dk - 2 * h / w))
                                     + np.sqrt((h * dk - (y - y_k) * (dn + dk - 2 * h / w)) ** 2
                                               + 4 * (h * (h / w - dk) + (y - y_k) * (dn + dk - 2 * h / w)) * (h / w) * (y - y_k)))),
     "OTHER root"),
    (lambda *args: (inverse_stable(*args) - args[1]) / args[3], "returned xi"),
    (lambda y, x_k, y_k, w, h, dk, dn: inverse_stable(y, x_k, 0.0, w, h, dk, dn), "y - y_k"),
    (lambda y, x_k, y_k, w, h, dk, dn: x_k + (y - y_k) * w / h, "not right yet"),  # linear interpolation
    (lambda *args: None, "None"),
])
def test_inverse_rejects_wrong_answers(wrong, hint):
    rejects(ex.check_rq_inverse_in_bin, wrong, hint)


# ------------------------------------------------------------ Exercise 2: derivative in a bin
def derivative_formula(x, x_k, y_k, w, h, dk, dn):
    s, xi = h / w, (x - x_k) / w
    return s**2 * (dn * xi**2 + 2 * s * xi * (1 - xi) + dk * (1 - xi) ** 2) / (s + (dn + dk - 2 * s) * xi * (1 - xi)) ** 2


def derivative_autodiff(x, x_k, y_k, w, h, dk, dn):
    s = h / w
    forward = lambda t: y_k + h * (s * ((t - x_k) / w) ** 2 + dk * ((t - x_k) / w) * (1 - (t - x_k) / w)) / (
        s + (dn + dk - 2 * s) * ((t - x_k) / w) * (1 - (t - x_k) / w))
    return float(jax.grad(forward)(jnp.asarray(float(x))))


@pytest.mark.parametrize("answer", [derivative_formula, derivative_autodiff])
def test_derivative_accepts_correct_answers(answer, capsys):
    ex.check_rq_derivative_in_bin(answer)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, x_k, y_k, w, h, dk, dn: derivative_formula(x, x_k, y_k, w, h, dk, dn)
     * (h / w + (dn + dk - 2 * h / w) * ((x - x_k) / w) * (1 - (x - x_k) / w)), "SQUARED"),
    (lambda *a: derivative_formula(*a) * a[3], "chain rule"),
    (lambda x, x_k, y_k, w, h, dk, dn: derivative_formula(x, x_k, y_k, w, h, dn, dk), "swapped"),
    (lambda *a: derivative_formula(*a) / (a[4] / a[3]) ** 2, "s\\^2"),
    (lambda x, x_k, y_k, w, h, dk, dn: h / w, "not right yet"),
    (lambda *a: np.log(derivative_formula(*a)), "LOG"),
])
def test_derivative_rejects_wrong_answers(wrong, hint):
    rejects(ex.check_rq_derivative_in_bin, wrong, hint)


def test_root_residuals_stable_root_solves_straight_bins_the_textbook_root_does_not():
    rows = ex.root_residuals(ex._rq_inverse, y=0.7, wiggles=[1e-2, 1e-6, 0.0])
    assert [r[0] for r in rows] == [1e-2, 1e-6, 0.0]
    assert all(stable < 1e-12 for _, stable, _ in rows)
    assert rows[0][2] < 1e-12  # a curved bin: both roots are fine
    assert rows[1][2] > 1e-11  # nearly straight: cancellation loses digits
    assert np.isnan(rows[2][2])  # straight: 0/0
