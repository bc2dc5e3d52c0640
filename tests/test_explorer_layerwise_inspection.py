"""The explorer of Part 4 · 03: builds, the layer slider changes the frame and the per-layer
numbers it reports, out-of-range layers and oversized flows are refused with a message."""

import jax
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import layerwise_inspection as li
from gauss_flows.trajectory import layer_report
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def built():
    flow, data, entropy = registry.layerwise_inputs()
    return registry.build("layerwise_inspection.layerwise_explorer"), flow, data, entropy


def test_builds(built):
    explorer = built[0]
    assert isinstance(explorer, Explorer) and explorer.n_states == 3 <= 30
    frame = explorer.render_state()
    assert frame.error is None and frame.readout.startswith("after layer 0")


def test_layer_changes_frame_and_readout(built):
    explorer, flow, data, entropy = built
    report = layer_report(flow, data, entropy)
    frames = [explorer.render_state(layer=k) for k in range(3)]
    assert len({f.image for f in frames}) == 3
    assert f"KL to N(0, I) {report['kl'][2]:.3f}" in frames[2].readout
    assert f"removed {report['kl'][1] - report['kl'][2]:+.3f}" in frames[2].readout


def test_bad_input_is_refused(built):
    explorer, flow, data, entropy = built
    with pytest.raises(ValueError, match="layer"):
        explorer.set(layer=7)
    long = gf.Transformed(flow.base, gf.Chain([flow.bijection[0]] * 30))
    with pytest.raises(ValueError, match="1 to 29 layers"):
        li.layerwise_explorer(long, data, entropy)


def test_prediction_prompt():
    prompt = li.first_layer_prediction()
    assert isinstance(prompt, Prediction) and prompt.answer.startswith("it is spread out")
