"""gauss_flows.destructors: the step-by-step path ends where the flow ends, log-dets add up."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.destructors import destruction_path, structure_left


@pytest.fixture(scope="module")
def fitted():
    x = gf.datasets.TwoMoons(noise=0.1).sample(jr.key(0), 300)
    flow, _ = gf.rbig_fit(x, n_layers=3, rotation="random", key=jr.key(1), n_iterations=20)
    return flow, x


def test_path_ends_at_the_flow_output_and_log_dets_add(fitted):
    flow, x = fitted
    z, log_det = jax.vmap(flow.bijection.transform_and_log_det)(x)
    for half in (False, True):
        samples, log_dets = destruction_path(flow.bijection, x, half_steps=half)
        assert len(samples) == len(log_dets) == 1 + (6 if half else 3)
        np.testing.assert_allclose(samples[0], x)
        np.testing.assert_allclose(samples[-1], z, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(log_dets[-1], log_det, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(log_dets[0], 0.0)
    samples, log_dets = destruction_path(flow.bijection, x, half_steps=True)
    # a rotation (even half-step) adds nothing to the log-det
    np.testing.assert_allclose(log_dets[2], log_dets[1], atol=1e-12)
    assert not np.allclose(log_dets[1], 0.0)
    short, _ = destruction_path(flow.bijection, x, half_steps=True, max_steps=3)
    assert len(short) == 4


def test_single_bijector_and_bad_shape():
    A = jnp.array([[2.0, 0.0], [0.5, 1.0]])
    x = jr.normal(jr.key(2), (10, 2))
    samples, log_dets = destruction_path(gf.Linear(A, jnp.zeros(2)), x)
    np.testing.assert_allclose(samples[1], x @ A.T, rtol=1e-12)
    np.testing.assert_allclose(log_dets[1], np.log(2.0), rtol=1e-12)
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        destruction_path(gf.Linear(A, jnp.zeros(2)), x[0])


def test_structure_left_is_small_for_gaussian_and_large_for_moons():
    gauss = structure_left(jr.normal(jr.key(3), (1000, 2)))
    moons = structure_left(gf.datasets.TwoMoons(noise=0.08).sample(jr.key(4), 1000))
    assert set(gauss) == {"total_correlation", "negentropy", "structure"}
    assert abs(gauss["structure"]) < 0.05
    assert moons["total_correlation"] > 0.3 and moons["negentropy"] > 0.1
    assert moons["structure"] == pytest.approx(moons["total_correlation"] + moons["negentropy"])
