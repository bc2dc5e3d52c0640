"""ICARotation.fit (Part 2 · 00): a proper rotation that undoes a tilt of independent sources."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

from gauss_flows.bijectors.rotations import ICARotation


def _tilt(degrees):
    t = np.deg2rad(degrees)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


@pytest.mark.parametrize("tilt", [20.0, 50.0])
def test_undoes_the_tilt_of_a_square(tilt):
    s = np.asarray(jr.uniform(jr.key(0), (2000, 2), minval=-1.0, maxval=1.0))
    x = s @ _tilt(tilt).T + np.array([3.0, -1.0])
    ica = ICARotation.fit(x)
    q = np.asarray(ica.rotation.get())
    np.testing.assert_allclose(q @ q.T, np.eye(2), atol=1e-12)
    assert np.isclose(np.linalg.det(q), 1.0)
    product = q @ _tilt(tilt)  # should be a signed permutation (a multiple of a quarter turn)
    assert np.abs(np.abs(product) - np.round(np.abs(product))).max() < 0.06
    z = np.asarray(jax.vmap(ica.transform)(jnp.asarray(x)))
    assert np.abs(z.mean(0)).max() < 1e-10  # centred


def test_three_dimensions_and_errors():
    rng = np.random.default_rng(0)
    s = rng.uniform(-1, 1, size=(1500, 3))
    q0, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    ica = ICARotation.fit(s @ q0.T, n_angles=45, n_sweeps=3)
    product = np.asarray(ica.rotation.get()) @ q0
    assert np.abs(np.abs(product) - np.round(np.abs(product))).max() < 0.1
    with pytest.raises(ValueError, match="n_samples >= 8"):
        ICARotation.fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="n_angles"):
        ICARotation.fit(s, n_angles=1)
    with pytest.raises(ValueError, match="not orthogonal"):
        ICARotation(np.ones((2, 2)), np.zeros(2))
