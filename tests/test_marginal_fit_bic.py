"""mixture_log_pdf and mixture_bic (gauss_flows.marginal_fit): against scipy and by hand."""

import jax
import numpy as np
import pytest
from scipy.stats import norm

from gauss_flows import marginal_fit as mf

jax.config.update("jax_enable_x64", True)

WEIGHTS, MEANS, SCALES = np.array([0.5, 0.3, 0.2]), np.array([-1.0, 0.8, 2.5]), np.array([0.5, 0.6, 0.8])


def test_mixture_log_pdf_matches_scipy():
    x = np.linspace(-5, 7, 31)
    expected = np.log(sum(w * norm.pdf(x, m, s) for w, m, s in zip(WEIGHTS, MEANS, SCALES)))
    np.testing.assert_allclose(mf.mixture_log_pdf(x, WEIGHTS, MEANS, SCALES), expected, rtol=1e-12)
    assert mf.mixture_log_pdf(x.reshape(31, 1), WEIGHTS, MEANS, SCALES).shape == (31, 1)


def test_mixture_bic_counts_3k_minus_1_parameters():
    x = np.random.default_rng(0).normal(size=500)
    log_lik = np.sum(np.log(sum(w * norm.pdf(x, m, s) for w, m, s in zip(WEIGHTS, MEANS, SCALES))))
    bic = float(mf.mixture_bic(x, WEIGHTS, MEANS, SCALES))
    assert bic == pytest.approx(-2 * log_lik + 8 * np.log(500), rel=1e-12)
    one = float(mf.mixture_bic(x, np.ones(1), np.zeros(1), np.ones(1)))
    assert one == pytest.approx(-2 * np.sum(norm.logpdf(x)) + 2 * np.log(500), rel=1e-12)


def test_bic_picks_the_true_number_of_components():
    rng = np.random.default_rng(1)
    component = rng.choice(3, size=3000, p=WEIGHTS)
    x = rng.normal(MEANS[component], SCALES[component])
    bics = [float(mf.mixture_bic(x, *mf.fit_gaussian_mixture(x, k, n_iterations=300)))
            for k in range(1, 6)]
    assert int(np.argmin(bics)) + 1 == 3


def test_mixture_bic_rejects_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        mf.mixture_bic(np.zeros((10, 2)), WEIGHTS, MEANS, SCALES)
    with pytest.raises(ValueError, match="one shape"):
        mf.mixture_log_pdf(0.0, WEIGHTS, MEANS[:2], SCALES)
