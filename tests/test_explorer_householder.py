"""The explorer of Part 2 · 01: builds, controls change the frame, det = (-1)^k, v = 0 is a message."""

import numpy as np
import pytest

from gauss_flows.course.explorers import householder as hh
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("householder.householder_explorer")


@pytest.mark.parametrize("k", hh.K_VALUES)
def test_det_sign(explorer, k):
    frame = explorer.render_state(k=k, draw="draw B")
    assert f"det Q = (−1)^{k} = {(-1) ** k:+d}" in frame.readout
    assert ("rotation" in frame.readout) == (k % 2 == 0)
    q = np.asarray(hh.householder_layer(hh.reflection_vectors("draw B", k)).matrix())
    assert np.isclose(np.linalg.det(q), (-1) ** k)


def test_zero_vector_is_a_message(explorer):
    frame = explorer.render_state(k=2, draw="v₁ = 0 (no mirror)")
    assert frame.error is not None and "no mirror" in frame.error
    with pytest.raises(ValueError):
        explorer.set(k=9)


