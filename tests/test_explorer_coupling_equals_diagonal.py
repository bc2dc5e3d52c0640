"""Part 5 · 06 explorer: the trained pair and diagonal flow start equal; every step redraws."""

import jax
import numpy as np
import pytest

from gauss_flows.course.explorers import coupling_equals_diagonal as ced

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def small():
    patch = pytest.MonkeyPatch()
    for name, value in dict(N_TRAIN=300, N_SNAPSHOTS=3, STEPS_PER_SNAPSHOT=4, GRID_N=16).items():
        patch.setattr(ced, name, value)
    ced.trajectories.cache_clear()
    yield ced
    patch.undo()
    ced.trajectories.cache_clear()


def test_flows_start_equal_and_part_after_training(small):
    rows = small.trajectories()["rows"]
    assert rows[0]["max_latent"] < 1e-12 and rows[0]["mean_log_q"] < 1e-12 and rows[0]["kernel"] == 0.0
    assert rows[1]["kernel"] > 0 and rows[1]["mean_log_q"] > 1e-6
    diagonal, pair = small.matched_pair()
    assert len(pair.bijection.bijectors) == 2 and len(diagonal.bijection.bijectors) == 1


def test_every_step_changes_the_frame(small):
    explorer = small.equivalence_explorer()
    steps = small.trajectories()["steps"]
    assert explorer.n_states == len(steps) == 4
    frames = [explorer.render_state(step=s) for s in steps]
    assert all(f.error is None for f in frames)
    assert len({f.image for f in frames}) == len(frames) and len({f.readout for f in frames}) == len(frames)
    with pytest.raises(ValueError, match="step"):
        explorer.set(step=10_000)


def test_prediction_answer_is_an_option():
    prediction = ced.when_does_it_break()
    assert prediction.answer in prediction.options
