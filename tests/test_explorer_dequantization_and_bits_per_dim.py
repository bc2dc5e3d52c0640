"""The explorer of Part 12 · 00 (dequantization and bits per dimension): its terms add up, the
uniform term agrees with the library's Monte Carlo bound, the variational one is the exact
discrete likelihood, and bad input is refused."""

import math

import jax
import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
jax.config.update("jax_enable_x64", True)

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import dequantization_and_bits_per_dim as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def images():
    d = gf.images.digits()
    return d.train_images[:400], d.test_images[:100]


def test_terms_add_up_and_the_readout_shows_them(images):
    explorer = registry.build("dequantization_and_bits_per_dim.accounting_explorer")
    assert isinstance(explorer, Explorer) and explorer.n_states == 3 * 2
    result = ex.accounting(*images, "uniform", 0.05)
    shares = ex.bits_per_dim_terms(result)
    assert abs(sum(shares.values()) - result["bits_per_dim"]) < 1e-12
    assert abs(shares["1/K scale"] - math.log2(17)) < 1e-12 and shares["dequantization"] == 0.0
    readout = explorer.render_state(dequantization="uniform", transform="logit, α = 0.05").readout
    assert f"total {result['bits_per_dim']:.3f} bits/dim" in readout


def test_the_uniform_terms_match_the_library_bound(images):
    train, test = images
    result = ex.accounting(train, test, "uniform", 0.05, n_nodes=256)
    mean, sd = result["mean"], result["sd"]

    def log_prob(y):          # the same independent-pixel Gaussian, in logit space
        z = (y.reshape(y.shape[0], -1) - mean) / sd
        return jnp.sum(-0.5 * z ** 2 - 0.5 * math.log(2 * math.pi) - jnp.log(sd), axis=1)

    bound = jax.jit(jax.vmap(lambda k: gf.dequantization.log_likelihood_bound(log_prob, k, test, alpha=0.05)))
    bounds = np.asarray(bound(jr.split(jr.key(0), 20))).ravel()
    se = bounds.std() / math.sqrt(bounds.size)
    assert abs(bounds.mean() - result["total"]) < 4 * se, (bounds.mean(), result["total"], se)


def test_the_variational_bound_is_the_exact_likelihood_and_the_uniform_one_is_below(images):
    for alpha in (None, 0.05):
        uniform = ex.accounting(*images, "uniform", alpha)
        variational = ex.accounting(*images, "variational", alpha)
        exact = ex.exact_log_likelihood(uniform["mean"], uniform["sd"], alpha, images[1])
        assert abs(variational["total"] - exact) < 1e-3 * abs(exact)
        assert uniform["total"] < variational["total"] - 0.1
        assert variational["terms"]["dequantization"] < 0.0 < variational["terms"]["dequantization"] + 10


def test_bad_input_is_refused(images):
    with pytest.raises(ValueError, match="dequantization must be"):
        ex.accounting(*images, "gaussian", 0.05)
    with pytest.raises(ValueError, match="must match"):
        ex.accounting(images[0], images[1][:, :4], "uniform", 0.05)
    with pytest.raises(ValueError, match="sd_floor"):
        ex.accounting(*images, "none", None, sd_floor=0.0)


def test_prediction():
    assert ex.which_term_is_largest().answer == "it drops: the number looks better"
