"""Part 5 · 00 explorer: builds, every control changes the frame, a bad mask gives a message,
and the numbers it shows are those of the library's coupling with the chosen mask."""

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import coupling_pattern as cp  # noqa: E402
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("coupling_pattern.coupling_explorer")


def test_builds_within_budget(explorer):
    assert explorer.n_states == 32 <= 60
    assert set(explorer.controls) == {"mask", "transformer", "point"}


def test_every_control_changes_the_frame(explorer):
    base = explorer.render_state(mask=cp.MASKS[0], transformer="affine", point="typical point")
    assert base.error is None and "layer's own" in base.readout
    for change in ({"mask": cp.MASKS[2]}, {"transformer": "mixture-CDF"}, {"point": "tail point"}):
        values = {**dict(mask=cp.MASKS[0], transformer="affine", point="typical point"), **change}
        frame = explorer.render_state(**values)
        assert frame.error is None
        assert frame.image != base.image and frame.readout != base.readout, change


def test_invalid_mask_shows_a_message(explorer):
    frame = explorer.render_state(mask=[True] * 4, transformer="affine", point="typical point")
    assert frame.error is not None and "no passive coordinate" in frame.error
    frame = explorer.render_state(mask=[False] * 4, transformer="affine", point="typical point")
    assert "no active coordinate" in frame.error


@pytest.mark.parametrize("transformer", ["affine", "RQ spline"])
@pytest.mark.parametrize("mask", [cp.MASKS[1], cp.MASKS[2], np.array([True, False, False, False])])
def test_numbers_are_those_of_the_coupling_with_that_mask(mask, transformer):
    """The permuted evaluation equals gf.Coupling built with the mask itself."""
    numbers = cp.analysis(tuple(int(b) for b in mask), transformer)
    layer = cp.build_coupling(mask, transformer)
    for k, x in enumerate(cp.POINTS.values()):
        z, log_det = layer.transform_and_log_det(jnp.asarray(x))
        np.testing.assert_allclose(numbers["z"][k], z, atol=1e-12)
        np.testing.assert_allclose(numbers["log_det"][k], log_det, atol=1e-12)
        np.testing.assert_allclose(numbers["J"][k], jax.jacfwd(layer.transform)(jnp.asarray(x)),
                                   atol=1e-12)
        # the picture's claims: passive copied, zero block, three log-dets agree, round trip
        np.testing.assert_array_equal(numbers["z"][k][~mask], x[~mask])
        assert np.all(numbers["J"][k][np.ix_(~mask, mask)] == 0.0)
        assert numbers["slogdet"][k] == pytest.approx(float(log_det), abs=1e-10)
        assert numbers["diagonal"][k] == pytest.approx(float(log_det), abs=1e-10)
        assert numbers["round_trip"][k] < 1e-10


def test_layers_are_moved_off_the_identity():
    numbers = cp.analysis((0, 0, 1, 1), "affine")
    assert np.abs(numbers["z"] - np.stack(list(cp.POINTS.values()))).max() > 0.5
