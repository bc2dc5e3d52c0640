"""Part 5 · 05 explorer: zero-initialised stacks are the identity; every control redraws."""

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import zero_initialisation as zi

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def small():
    patch = pytest.MonkeyPatch()
    for name, value in dict(DEPTH=4, N_POINTS=100, NN_WIDTH=8).items():
        patch.setattr(zi, name, value)
    zi.state.cache_clear()
    zi.data.cache_clear()
    yield zi
    patch.undo()
    zi.state.cache_clear()
    zi.data.cache_clear()


def test_zero_start_is_the_identity_for_affine_and_spline(small):
    for name in ("Affine", "RationalQuadraticSpline"):
        s = small.state(name, "zero (0.0)")
        assert s["moved"] < 1e-12 and np.all(s["log_det"] < 1e-12)
        assert small.state(name, "random (1.0)")["moved"] > 1e-3
    assert len(small.state("Affine", "zero (0.0)")["std"]) == small.DEPTH + 1


def test_layer_gradient_norms_match_a_direct_gradient(small):
    flow = small.stack("Affine", 1.0, jr.key(3))
    x = small.data()[:50]
    norms = np.asarray(small.layer_gradient_norms(flow, x))
    assert norms.shape == (small.DEPTH,) and np.all(norms > 0)
    # independently: differentiate the NLL with respect to the first layer alone
    def nll_of_first(layer):
        replaced = eqx.tree_at(lambda f: f.bijection.bijectors[0], flow, layer)
        return -jnp.mean(replaced.log_prob(x))

    grads = eqx.filter_grad(nll_of_first)(flow.bijection.bijectors[0])
    first = jnp.sqrt(sum(jnp.sum(g ** 2) for g in jax.tree_util.tree_leaves(eqx.filter(grads, eqx.is_inexact_array))))
    np.testing.assert_allclose(norms[0], float(first), rtol=1e-10)


def test_every_control_changes_the_frame(small):
    explorer = small.initialisation_explorer()
    assert explorer.n_states == len(small.TRANSFORMERS) * len(small.INIT_SCALES)
    base = explorer.render_state(transformer="Affine", init="random (1.0)")
    assert base.error is None and "max |T(x) - x|" in base.readout
    for change in ({"transformer": "RationalQuadraticSpline"}, {"init": "zero (0.0)"}):
        other = explorer.render_state(**{"transformer": "Affine", "init": "random (1.0)", **change})
        assert other.error is None and other.image != base.image and other.readout != base.readout, change
    with pytest.raises(ValueError):
        explorer.set(init="huge")
    with pytest.raises(ValueError, match="transformer must be one of"):
        small.transformer("Spline")
    assert small.what_happens_at_random_init().answer in small.what_happens_at_random_init().options
