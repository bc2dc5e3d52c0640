"""The explorer of Part 4 · 01: builds from two stored runs, the step slider changes the frame
and the NLLs it reports, bad input is refused with a message."""

import jax
import jax.random as jr
import pytest

import gauss_flows as gf
from gauss_flows.course.explorers import rbig_warm_start as rw
from gauss_flows.trajectory import fit_trajectory, nll_terms
from gauss_flows.presentation.widgets import Explorer, Prediction

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def built():
    data = gf.datasets.TwoMoons().sample(jr.key(0), 200)
    rbig = gf.rbig(data, n_layers=1, n_components=2, n_iterations=10)
    neutral = gf.gaussianization_flow(jr.key(1), shape=(2,), n_layers=1, n_components=2,
                                      rotation="random")
    settings = dict(n_snapshots=2, steps_per_snapshot=5, learning_rate=0.02, batch_size=100)
    runs = {"random": fit_trajectory(jr.key(2), neutral, data, **settings)[0],
            "RBIG": fit_trajectory(jr.key(2), rbig, data, **settings)[0]}
    return rw.warm_start_explorer(runs, [0, 5, 10], data, dpi=40), runs, data


def test_builds(built):
    explorer, _, _ = built
    assert isinstance(explorer, Explorer) and explorer.n_states == 3 <= 30
    frame = explorer.render_state()
    assert frame.error is None and frame.readout.startswith("step 0:")


def test_step_changes_frame_and_readout(built):
    explorer, runs, data = built
    first, last = explorer.render_state(step=0), explorer.render_state(step=10)
    assert first.image != last.image and first.readout != last.readout
    for name in ("random", "RBIG"):
        assert f"{sum(nll_terms(runs[name][-1], data)):.3f}" in last.readout


def test_bad_input_is_refused(built):
    explorer, runs, data = built
    with pytest.raises(ValueError, match="training step"):
        explorer.set(step=99)
    with pytest.raises(ValueError, match="needs the runs"):
        rw.warm_start_explorer({"random": runs["random"]}, [0, 5, 10], data)
    with pytest.raises(ValueError, match="one per step"):
        rw.warm_start_explorer(runs, [0, 5], data)


def test_prediction_prompt():
    prompt = rw.does_the_gap_close()
    assert isinstance(prompt, Prediction) and "RBIG still ahead" in prompt.answer
