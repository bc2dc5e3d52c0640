"""The explorer of Part 1 · 04 (bisection / Newton / hybrid race): builds, every control changes
the frame, the traces it draws are right, out-of-range choices give a message."""

import jax
import numpy as np
import pytest

from gauss_flows.course.explorers import numerical_inversion as ni
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry

jax.config.update("jax_enable_x64", True)

DEFAULT = dict(method="bisection", tolerance=1e-8, equation=ni.EQUATIONS[0])


@pytest.fixture(scope="module")
def data():
    return registry.solver_race_data()


@pytest.fixture(scope="module")
def explorer(data):
    return registry.build("numerical_inversion.solver_race_explorer")


def test_builds_with_at_most_30_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) == 24
    frame = explorer.render_state(**DEFAULT)
    assert frame.error is None and "stopped after" in frame.readout


def test_traces_match_the_theory(data):
    roots = data["roots"]
    bisection = data["traces"]["bisection", ni.EQUATIONS[0], 1e-8]
    width = ni.BRACKET[1] - ni.BRACKET[0]
    err = ni.errors(bisection, roots)
    k = np.arange(err.shape[0])[:, None]
    running = k <= bisection.n_evaluations[None]  # after stopping the estimate is held
    assert np.all((err <= width / 2.0 ** (k + 1) + 1e-15) | ~running)  # a binary digit per step
    assert np.all(bisection.converged)
    assert np.all(err[-1] < 1e-8 * np.maximum(1.0, np.abs(roots)))  # the tolerance is relative
    hybrid = data["traces"][ni.METHODS[2], ni.EQUATIONS[1], 1e-12]
    assert np.all(hybrid.converged) and np.all(ni.errors(hybrid, roots)[-1] < 1e-14)
    assert np.all(hybrid.n_evaluations < bisection.n_evaluations)
    newton = data["traces"]["Newton", ni.EQUATIONS[1], 1e-8]
    assert not np.any(newton.converged)  # from the flat valley it runs away for every target


def test_readout_reports_runaway_and_too_small_tolerance(explorer):
    frame = explorer.render_state(method="Newton", tolerance=1e-8, equation=ni.EQUATIONS[1])
    assert "ran away" in frame.readout
    tiny = explorer.render_state(method="bisection", tolerance=1e-17, equation=ni.EQUATIONS[0])
    assert "below float64" in tiny.readout and "did NOT stop" in tiny.readout


@pytest.mark.parametrize("values, word", [(dict(tolerance=1.0), "tolerance"),
                                          (dict(method="secant"), "method")])
def test_out_of_range_choice_gives_a_message(explorer, values, word):
    with pytest.raises(ValueError, match=word):
        explorer.set(**values)


def test_prediction_prompt():
    prompt = ni.newton_from_the_valley()
    assert isinstance(prompt, Prediction)
    assert prompt.reveal("it converges in a few steps").startswith("Not quite")
