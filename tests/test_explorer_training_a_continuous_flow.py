"""The explorers of Part 6 · 03 (training a continuous flow): built from recorded snapshots and a
tolerance sweep, their readouts give the recorded numbers, and inconsistent records are refused."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gauss_flows.course.explorers import training_a_continuous_flow as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_snapshot_explorer_reads_out_each_epoch_kl():
    explorer = registry.build("training_a_continuous_flow.snapshot_explorer")
    assert isinstance(explorer, Explorer) and explorer.n_states == len(registry.CONTINUOUS_SNAPSHOTS)
    for epoch, kl in registry.CONTINUOUS_KLS.items():
        assert f"epoch {epoch}: KL(p || q) = {kl:.3f} nats" in explorer.render_state(epoch=epoch).readout


def test_tolerance_explorer_reads_out_the_record_of_the_chosen_tolerance():
    explorer = registry.build("training_a_continuous_flow.tolerance_explorer")
    assert explorer.n_states == len(registry.CONTINUOUS_TOLERANCES)
    for record in registry.CONTINUOUS_TOLERANCES:
        readout = explorer.render_state(log10_rtol=np.log10(record["rtol"])).readout
        assert f"rtol = {record['rtol']:.0e}: {record['evaluations']:.0f} field evaluations" in readout
        assert f"{record['error']:.1e} nats" in readout


def test_inconsistent_records_are_refused():
    with pytest.raises(ValueError, match="KL for every snapshot"):
        ex.snapshot_explorer({0: registry.CONTINUOUS_EXACT}, {1: 0.5}, registry.CONTINUOUS_EXACT, (-2, 2, -1.5, 1.5))
    with pytest.raises(ValueError, match="share the grid"):
        ex.snapshot_explorer({0: np.ones((3, 3))}, {0: 0.5}, registry.CONTINUOUS_EXACT, (-2, 2, -1.5, 1.5))
    with pytest.raises(ValueError, match="rtol > 0"):
        ex.tolerance_explorer([{"rtol": 0.0, "evaluations": 6.0, "error": 0.1}])


def test_prediction():
    assert ex.cheaper_or_dearer().answer == "a few times more"
