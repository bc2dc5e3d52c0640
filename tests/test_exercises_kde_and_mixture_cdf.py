"""Part 1 · 01 checkers: each accepts correct answers and rejects plausible wrong ones with the right hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.scipy.special import ndtri
from scipy.stats import norm

from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import kde_and_mixture_cdf as ex

jax.config.update("jax_enable_x64", True)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def rejects(check, answer, hint):
    with pytest.raises(ExerciseError, match=hint):
        check(answer)


# ------------------------------------------------------------ Exercise 1: log|T'|
def slope_formula(x, w, m, s):
    f = np.sum(w * norm.pdf(x, m, s))
    z = norm.ppf(np.sum(w * norm.cdf(x, m, s)))
    return np.log(f) - norm.logpdf(z)


def slope_autodiff(x, w, m, s):
    # independent: differentiate the map itself
    T = lambda t: ndtri(jnp.sum(w * jax.scipy.stats.norm.cdf((t - m) / s)))
    return float(jnp.log(jax.grad(T)(jnp.asarray(float(x)))))


def test_reference_is_the_autodiff_slope_and_the_library_log_det():
    import gauss_flows as gf
    for x, w, m, s in ex.SLOPE_INPUTS:
        assert ex._log_abs_slope(x, w, m, s) == pytest.approx(slope_autodiff(x, w, m, s), rel=1e-9, abs=1e-10)
        layer = gf.MixtureGaussianCDF.from_mixture(jnp.asarray(w), jnp.asarray(m), jnp.asarray(s))
        library = float(layer.transform_and_log_det(jnp.asarray(float(x)))[1])
        assert ex._log_abs_slope(x, w, m, s) == pytest.approx(library, rel=1e-9, abs=1e-10)


@pytest.mark.parametrize("answer", [slope_formula, slope_autodiff])
def test_slope_accepts_correct_answers(answer, capsys):
    ex.check_log_abs_slope(answer)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, w, m, s: np.log(np.sum(w * norm.pdf(x, m, s))), "log f\\(x\\) only"),
    (lambda x, w, m, s: np.log(np.sum(w * norm.pdf(x, m, s))) + norm.logpdf(norm.ppf(np.sum(w * norm.cdf(x, m, s)))),
     "wrong sign"),
    (lambda x, w, m, s: np.log(np.sum(w * norm.pdf(x, m, s))) - norm.logpdf(x), "evaluated phi at x"),
    (lambda x, w, m, s: np.log(np.sum(w * norm.pdf((x - m) / s))) - norm.logpdf(norm.ppf(np.sum(w * norm.cdf(x, m, s)))),
     "1/s_k"),
    (lambda x, w, m, s: np.sum(w * norm.pdf(x, m, s)) / norm.pdf(norm.ppf(np.sum(w * norm.cdf(x, m, s)))),
     "exp of the answer"),
    (lambda x, w, m, s: float(norm.ppf(np.sum(w * norm.cdf(x, m, s)))), "not right yet"),
])
def test_slope_rejects_wrong_answers(wrong, hint):
    rejects(ex.check_log_abs_slope, wrong, hint)


# ------------------------------------------------------------ Exercise 2: BIC
def bic_numpy(x, w, m, s):
    log_lik = np.sum(np.log(np.sum(w * norm.pdf(x[:, None], m, s), axis=1)))
    return -2 * log_lik + (3 * len(w) - 1) * np.log(len(x))


def bic_loop(x, w, m, s):
    # independent: scipy logpdf per component, logsumexp by hand, parameters counted one by one
    from scipy.special import logsumexp
    log_f = logsumexp(np.stack([np.log(wk) + norm.logpdf(x, mk, sk) for wk, mk, sk in zip(w, m, s)]), axis=0)
    n_params = len(m) + len(s) + (len(w) - 1)
    return -2 * log_f.sum() + n_params * np.log(x.size)


@pytest.mark.parametrize("answer", [bic_numpy, bic_loop])
def test_bic_accepts_correct_answers(answer, capsys):
    ex.check_mixture_bic(answer)
    assert capsys.readouterr().out.startswith("Correct")


@pytest.mark.parametrize("wrong, hint", [
    (lambda x, w, m, s: bic_numpy(x, w, m, s) + np.log(len(x)), "3K parameters"),
    (lambda x, w, m, s: bic_numpy(x, w, m, s) - (3 * len(w) - 1) * (np.log(len(x)) - 2), "AIC"),
    (lambda x, w, m, s: bic_numpy(x, w, m, s) - (3 * len(w) - 1) * np.log(len(x)), "penalty is missing"),
    (lambda x, w, m, s: bic_numpy(x, w, m, s) / 2, "BIC / 2"),
    (lambda x, w, m, s: -bic_numpy(x, w, m, s) + 2 * (3 * len(w) - 1) * np.log(len(x)), "wrong sign"),
    (lambda x, w, m, s: bic_numpy(x, w, m, s) - (3 * len(w) - 1) * (np.log(len(x)) - np.log10(len(x))),
     "not right yet"),
    (lambda x, w, m, s: None, "None"),
])
def test_bic_rejects_wrong_answers(wrong, hint):
    rejects(ex.check_mixture_bic, wrong, hint)
