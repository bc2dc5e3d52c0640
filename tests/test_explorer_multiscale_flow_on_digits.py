"""The explorer of Part 12 · 03 (a multi-scale flow on the digits): its frames are one latent
mapped through every snapshot at every temperature, its readout gives the recorded held-out
bits/dim, and inconsistent records are refused."""

import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import multiscale_flow_on_digits as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_builds_and_reads_out_the_held_out_bits_of_each_epoch():
    explorer = registry.build("multiscale_flow_on_digits.training_explorer")
    records = registry.digits_training_records()
    assert isinstance(explorer, Explorer) and explorer.n_states == 2 * 2
    for epoch, bits in records["held_out"].items():
        for t in (0.5, 1.0):
            readout = explorer.render_state(epoch=epoch, temperature=t).readout
            assert f"epoch {epoch}: {bits:.3f} bits/dim" in readout and f"temperature {t:g}" in readout


def test_frames_are_one_latent_through_every_snapshot_and_temperature():
    records = registry.digits_training_records()
    frames = records["frames"]
    assert set(frames) == {(0, 0.5), (0, 1.0), (2, 0.5), (2, 1.0)}
    flow = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=2, nn_width=4)
    epsilon = jr.normal(jr.key(2), (4, 8, 8, 1))
    for t in (0.5, 1.0):   # the library's map of the same latent, unjitted
        np.testing.assert_allclose(frames[(0, t)], gf.dequantization.images_from_latent(flow, t * epsilon),
                                   rtol=1e-9, atol=1e-9)
    assert frames[(0, 1.0)].shape == (4, 8, 8, 1) and np.all((frames[(2, 1.0)] >= 0) & (frames[(2, 1.0)] <= 17))
    assert not np.allclose(frames[(0, 1.0)], frames[(2, 1.0)])     # another snapshot, other images


def test_tile_lays_images_out_in_rows_with_a_gap():
    images = np.arange(3 * 2 * 2).reshape(3, 2, 2, 1).astype(float)
    picture = ex.tile(images, columns=2)
    assert picture.shape == (2 * 3 - 1, 2 * 3 - 1)
    np.testing.assert_array_equal(picture[3:5, 0:2], images[2, ..., 0])
    assert np.isnan(picture[2]).all() and np.isnan(picture[3:5, 3:5]).all()


def test_inconsistent_records_are_refused():
    good = registry.digits_training_records()
    with pytest.raises(ValueError, match="every \\(epoch, temperature\\) pair"):
        ex.training_explorer({k: v for k, v in list(good["frames"].items())[:3]}, good["curve"], good["held_out"])
    with pytest.raises(ValueError, match="held-out bits/dim at every snapshot"):
        ex.training_explorer(good["frames"], good["curve"], {0: 4.3})
    with pytest.raises(ValueError, match="every epoch up to 2"):
        ex.training_explorer(good["frames"], [3.0], good["held_out"])
    with pytest.raises(ValueError, match="at least one snapshot"):
        ex.snapshot_frames(jr.key(0), {}, [1.0])


def test_prediction():
    assert ex.sharper_or_not().answer.startswith("it rises")
