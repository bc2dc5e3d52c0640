"""Checkers of Part 1 · 03: references pass, plausible wrong answers get the right hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.exercises import ExerciseError
from gauss_flows.course.exercises import learnable_mixture_cdf as ex

jax.config.update("jax_enable_x64", True)


def nll_by_likelihood(x):  # independent: average the Gaussian log-density at the ML fit
    x = np.asarray(x, float)
    mu, sigma = x.mean(), np.sqrt(np.mean((x - x.mean()) ** 2))
    return -np.mean(-0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))


def nll_with_jax(x):
    x = jnp.asarray(x)
    return -jnp.mean(jax.scipy.stats.norm.logpdf(x, x.mean(), x.std()))


@pytest.mark.parametrize("answer", [ex._gaussian_nll, nll_by_likelihood, nll_with_jax])
def test_gaussian_nll_accepts_correct_answers(answer, capsys):
    ex.check_gaussian_nll(answer)
    assert "Correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: 0.5 * np.log(2 * np.pi * np.var(x, ddof=1)) + 0.5, "ddof=1"),
    (lambda x: np.log(2 * np.pi * np.var(x)) + 0.5, "dropped the 1/2"),
    (lambda x: 0.5 * np.log(2 * np.pi * np.var(x)), "1/2"),                    # forgot +1/2
    (lambda x: -(0.5 * np.log(2 * np.pi * np.var(x)) + 0.5), "SIGN"),          # log-likelihood
    (lambda x: len(x) * (0.5 * np.log(2 * np.pi * np.var(x)) + 0.5), "not right yet|FACTOR"),  # sum
])
def test_gaussian_nll_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_gaussian_nll(wrong)


def warm_start_reference(data, n_components):
    return ex._warm_start(data, n_components)


def warm_start_one_liner(data, n_components):  # independent: the library's one-call version
    return gf.marginal_fit.fit_marginal_mixture(data, n_components)


@pytest.mark.parametrize("answer", [warm_start_reference, warm_start_one_liner])
def test_warm_start_accepts_correct_answers(answer, capsys):
    ex.check_warm_start(answer)
    assert "Correct" in capsys.readouterr().out


def _em(data, k):
    return gf.marginal_fit.fit_gaussian_mixture(jnp.asarray(data)[:, 0], k)


@pytest.mark.parametrize("wrong, hint", [
    (lambda d, k: gf.MixtureGaussianCDF.from_mixture(*(a[None] for a in (_em(d, k)[0], _em(d, k)[1],
                                                                          _em(d, k)[2] ** 2))),
     "variances"),
    (lambda d, k: gf.MixtureGaussianCDF(k, shape=(1,)), "default initialisation"),
    (lambda d, k: gf.MixtureGaussianCDF.from_mixture(*_em(d, k)), "shape"),   # shape () layer
    (lambda d, k: gf.MixtureGaussianCDF.from_mixture(*(a[None] for a in (_em(d, k)[0], _em(d, k)[2],
                                                                          _em(d, k)[1]))),
     "swapped"),
    (lambda d, k: None, "None"),
])
def test_warm_start_rejects_wrong_answers(wrong, hint):
    with pytest.raises(ExerciseError, match=hint):
        ex.check_warm_start(wrong)
