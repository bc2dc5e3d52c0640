"""Checkers of Part 0 · 06: references and independent solutions pass, wrong answers get hints."""

import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import ndtri
from scipy.stats import jarque_bera as scipy_jarque_bera
from scipy.stats import norm

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import diagnostics as ex


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


def numpy_jb(x):
    x = np.asarray(x, dtype=float)
    u = (x - x.mean()) / x.std()
    return len(x) / 6 * (np.mean(u**3) ** 2 + (np.mean(u**4) - 3) ** 2 / 4)


def test_jb_accepts_numpy_scipy_and_library(capsys):
    ex.check_jarque_bera_statistic(numpy_jb)
    ex.check_jarque_bera_statistic(lambda x: scipy_jarque_bera(x).statistic)  # independent code
    ex.check_jarque_bera_statistic(lambda x: gf.diagnostics.jarque_bera(jnp.asarray(x))[0])
    assert capsys.readouterr().out.count("Correct:") == 3


@pytest.mark.parametrize("mistake", ex.JB_MISTAKES, ids=lambda m: m.hint[:20])
def test_jb_known_mistakes(mistake):
    with pytest.raises(ExerciseError) as info:
        ex.check_jarque_bera_statistic(mistake.answer)
    assert mistake.hint in str(info.value)


def test_jb_other_wrong_answers():
    check = ex.check_jarque_bera_statistic
    rejects(check, lambda x: 2 * numpy_jb(x), "FACTOR")
    rejects(check, lambda x: np.exp(-numpy_jb(x) / 2), "not right yet|exp")  # the p-value instead
    rejects(check, lambda x: np.array([numpy_jb(x)]), "shape")
    rejects(check, lambda x: None, "forget the `return`")


def test_qq_reference_is_the_library_convention():
    for n in ex.SIZES:
        np.testing.assert_allclose(ex._qq_reference(n), gf.diagnostics.qq_data(np.arange(float(n)))[0],
                                   rtol=1e-12)


def test_qq_accepts_and_rejects(capsys):
    ex.check_qq_theoretical(lambda n: ndtri((np.arange(1, n + 1) - 0.5) / n))
    ex.check_qq_theoretical(lambda n: norm.ppf(np.linspace(0.5 / n, 1 - 0.5 / n, n)))  # independent
    assert capsys.readouterr().out.count("Correct:") == 2
    check = ex.check_qq_theoretical
    with np.errstate(divide="ignore"):
        rejects(check, lambda n: ndtri(np.arange(1, n + 1) / n), r"Phi\^-1\(1\) = \+inf")
        rejects(check, lambda n: ndtri(np.arange(0, n) / n), r"Phi\^-1\(0\) = -inf")
    rejects(check, lambda n: ndtri(np.arange(1, n + 1) / (n + 1)), "Weibull")
    rejects(check, lambda n: np.linspace(-2, 2, n), "not right yet")
    rejects(check, lambda n: ndtri((np.arange(1, n + 1) - 0.5) / n)[:-1], "shape")
