"""Additive RBIG helpers used by Part 3: rbig_path, rbig_inverse, rbig_log_prob, layers_kept."""

from __future__ import annotations

import jax
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.rbig import layers_kept, rbig_inverse, rbig_log_prob, rbig_path


@pytest.fixture(scope="module")
def moons():
    return gf.datasets.TwoMoons(noise=0.1).sample(jr.key(0), 400)


@pytest.fixture(scope="module")
def fitted(moons):
    return gf.rbig_fit(moons, n_layers=5, rotation="random", key=jr.key(1), n_iterations=20)


# ---- layer-by-layer helpers (Part 3) ------------------------------------------------------

def test_rbig_path_inverse_and_log_prob_agree_with_the_flow(moons, fitted):
    flow, info = fitted
    x = moons[:200]
    path = rbig_path(flow, x)
    assert len(path) == len(flow.bijection.bijectors) + 1
    np.testing.assert_allclose(path[-1], jax.vmap(flow.bijection.transform)(x), atol=1e-10)
    np.testing.assert_allclose(rbig_inverse(flow, path[-1]), x, atol=1e-8)
    np.testing.assert_allclose(rbig_inverse(flow, path[3], 3), x, atol=1e-8)
    np.testing.assert_allclose(rbig_inverse(flow, path[0], 0), x)
    np.testing.assert_allclose(rbig_log_prob(flow, x), flow.log_prob(x), rtol=1e-10)
    with pytest.raises(ValueError, match="n_layers"):
        rbig_inverse(flow, x, 99)


def test_layers_kept_replays_the_stopping_rule(moons):
    _, full = gf.rbig_fit(moons, n_layers=15, rotation="random", key=jr.key(4), n_iterations=20)
    for tol, patience in [(0.02, 3), (0.01, 5), (0.1, 1)]:
        _, stopped = gf.rbig_fit(moons, n_layers=15, rotation="random", key=jr.key(4), n_iterations=20,
                                 tol=tol, patience=patience)
        assert stopped["n_layers"] == layers_kept(full["tc_reduction"], tol, patience)
    assert layers_kept([0.3, 0.2], 0.01, 1) == 2
    with pytest.raises(ValueError):
        layers_kept([0.1], -1.0)
