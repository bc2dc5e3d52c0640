"""The explorer of Part 0 · 00 (x = A z + b): builds, every control changes the frame and the
numbers it reports, a singular A gives a message, the density it draws is the right one."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gauss_flows.course.explorers import change_of_variables as cov
from gauss_flows.presentation.widgets import Explorer, Prediction
import explorer_registry as registry


@pytest.fixture(scope="module")
def explorer():
    return registry.build("change_of_variables.linear_flow_explorer")


def test_builds_with_at_most_60_states(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.n_states == len(explorer.states()) <= 60
    assert set(explorer.controls) == {"a11", "a12", "a22"}
    frame = explorer.render_state()  # the default: a shear with det A = 1
    assert frame.error is None
    assert "det A = 1·1 − 0·0.5 = 1" in frame.readout
    assert "the same as N(z*)" in frame.readout


def test_readout_reports_det_and_the_density_at_the_marked_point(explorer):
    frame = explorer.render_state(a11=2.0, a12=-1.0, a22=1.5)
    A = np.array([[2.0, -1.0], [cov.A21, 1.5]])
    det = np.linalg.det(A)  # 3 + 0.5
    assert f"= {det:g}" in frame.readout and "(-1)·0.5" in frame.readout
    x_star = A @ cov.Z_STAR + cov.SHIFT
    expected = multivariate_normal(cov.SHIFT, A @ A.T).pdf(x_star)
    assert f"= {expected:.4f}" in frame.readout
    assert "thinner than" in frame.readout
    denser = explorer.render_state(a11=1.0, a12=1.0, a22=1.0)  # det = 1 - 0.5
    assert "denser than" in denser.readout


def test_negative_determinant_is_explained_not_an_error(explorer):
    frame = explorer.render_state(a11=-1.0, a12=0.0, a22=1.0)
    assert frame.error is None
    assert "flips orientation" in frame.readout
    kept = explorer.render_state(a11=1.0, a12=0.0, a22=1.0)
    assert "orientation: kept" in kept.readout
    # as many lines either way: the readout does not change height with the sign of det
    assert len(kept.readout.splitlines()) == len(frame.readout.splitlines())


@pytest.mark.parametrize("values", [dict(a11=0.0, a12=0.0, a22=1.5),
                                    dict(a11=1.0, a12=1.0, a22=0.5),
                                    dict(a11=-1.0, a12=-1.0, a22=0.5)])
def test_singular_matrix_shows_a_message(explorer, values):
    frame = explorer.render_state(**values)
    assert frame.error is not None
    assert "= 0" in frame.error and "no inverse" in frame.error
    assert "Traceback" not in frame.readout


def test_linear_flow_density_and_direction():
    A, b = np.array([[1.5, 0.4], [-0.2, 0.7]]), np.array([0.3, -1.0])
    flow = cov.linear_flow(A, b)
    x = np.array([[0.1, 0.2], [2.0, -1.5], [-3.0, 0.5]])
    np.testing.assert_allclose(flow.log_prob(x), multivariate_normal(b, A @ A.T).logpdf(x),
                               rtol=1e-10)
    z = np.array([0.5, -1.0])  # sampling direction: the inverse of transform is z -> A z + b
    np.testing.assert_allclose(flow.bijection.inverse(z), A @ z + b, rtol=1e-12)
    with pytest.raises(ValueError, match="no inverse"):
        cov.linear_flow(np.array([[1.0, 2.0], [0.5, 1.0]]), b)


def test_static_html_holds_every_state(explorer):
    html = explorer.to_html()
    assert f'data-n-states="{explorer.n_states}"' in html
    assert html.count('data-control="a') >= 3
    assert "no inverse" in html  # the singular states' message is on the page too


def test_prediction_prompt():
    prompt = cov.denser_or_thinner()
    assert isinstance(prompt, Prediction)
    assert prompt.answer == "thinner"
    assert prompt.reveal("denser").startswith("Not quite")
