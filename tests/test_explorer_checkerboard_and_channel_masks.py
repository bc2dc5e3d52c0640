"""The explorer of Part 12 · 01 (checkerboard and channel masks): the masks it draws, the
receptive fields it reports, and the channel mask refused where a one-channel image has no
channels to split."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows import masks  # noqa: E402
from gauss_flows.course.explorers import checkerboard_and_channel_masks as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_layer_masks_alternate_and_live_on_the_pixels():
    stack = ex.layer_masks("checkerboard", 0, 3)
    assert len(stack) == 3 and all(m.shape == (8, 8, 1) for m in stack)
    np.testing.assert_array_equal(stack[1], ~stack[0])
    np.testing.assert_array_equal(stack[2], stack[0])
    channel = ex.layer_masks("channel", 1, 1)[0][..., 0]
    assert channel.sum() == 32 and not channel[0].any() and channel[1].all()   # bottom pixel row of each block
    with pytest.raises(ValueError, match="at least two channels"):
        ex.layer_masks("channel", 0, 2)
    with pytest.raises(ValueError, match="kind"):
        ex.layer_masks("stripes", 0, 2)


def test_readout_reports_the_library_receptive_field():
    explorer = registry.build("checkerboard_and_channel_masks.masks_explorer")
    assert isinstance(explorer, Explorer) and explorer.n_states == 2 * 3 * 4 * 2
    for kind, level in [("checkerboard", 0), ("channel", 1), ("checkerboard", 2)]:
        stack = ex.layer_masks(kind, level, 3)
        field = masks.receptive_field(stack, (3, 3, 0), masks.local_reads((8, 8, 1), 3, level))
        readout = explorer.render_state(kind=kind, level=level, layers=3, pixel="centre (3, 3)").readout
        assert f"{', '.join(str(int(f.sum())) for f in field)} of 64 pixels" in readout, readout


def test_the_channel_mask_without_a_squeeze_shows_a_message():
    frame = registry.build("checkerboard_and_channel_masks.masks_explorer").render_state(
        kind="channel", level=0, layers=1, pixel="corner (0, 0)")
    assert "at least two channels" in frame.readout


def test_prediction_agrees_with_the_computation():
    reads = {level: masks.local_reads((8, 8, 1), 3, level) for level in (0, 1)}
    sizes = {kind: int(masks.receptive_field(ex.layer_masks(kind, level, 2), (3, 3, 0), reads[level])[-1].sum())
             for kind, level in [("checkerboard", 0), ("channel", 1)]}
    assert sizes["channel"] > sizes["checkerboard"]
    assert ex.which_grows_faster().answer == "the channel mask's after a squeeze"
