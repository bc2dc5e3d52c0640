"""The plotting panels draw, return their axes, and show what they claim to show."""

import jax
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from gauss_flows.presentation import viz  # noqa: E402

MASK = np.array([False, True, False, True])  # alternating: coordinates 1 and 3 active


def coupling_like(x):
    """Active coordinates scaled and shifted by functions of the passive ones (pure jnp)."""
    passive = x[~MASK]
    active = x[MASK] * jnp.exp(0.3 * jnp.tanh(passive)) + jnp.sin(passive)
    return x.at[np.flatnonzero(MASK)].set(active)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_jacobian_heatmap_shows_the_zero_block():
    J = jax.jacfwd(coupling_like)(jnp.array([0.3, -0.2, 0.8, 1.1]))
    ax = viz.jacobian_heatmap(J, mask=MASK, sort_by_mask=True)
    assert list(ax.order) == [0, 2, 1, 3]  # passive first
    shown = ax.images[0].get_array()
    # passive outputs do not depend on active inputs: the top-right 2x2 block is blank (masked)
    assert shown.mask[:2, 2:].all()
    assert not shown.mask[2:, :2].all()  # the conditioner fills the bottom-left block
    block = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_label() == "zero block"]
    assert len(block) == 1 and block[0].get_xy() == (1.5, -0.5) and block[0].get_width() == 2
    tick_colours = {t.get_text(): t.get_color() for t in ax.get_xticklabels()}
    assert tick_colours["$x_{1}$"] != tick_colours["$x_{0}$"]


def test_jacobian_heatmap_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        viz.jacobian_heatmap(np.ones((2, 3)))
    with pytest.raises(ValueError, match="mask"):
        viz.jacobian_heatmap(np.eye(3), mask=[True, False])


def test_warped_grid_colours_cells_by_log_det():
    A = jnp.array([[2.0, 0.3], [0.0, 1.0]])
    ax = viz.warped_grid(lambda z: A @ z, n_lines=5, color_by_log_det=True)
    assert len(ax.lines) == 10
    mesh = ax.collections[0]
    np.testing.assert_allclose(mesh.get_array(), np.log(2.0))  # constant volume change, log|det A|
    xs = np.concatenate([line.get_xdata() for line in ax.lines])
    assert xs.max() == pytest.approx(2 * 3 + 0.3 * 3)  # the grid really was mapped


def test_density_panel_integrates_to_one():
    log_prob = lambda x: -0.5 * jnp.sum(x**2) - jnp.log(2 * jnp.pi)
    ax = viz.density_panel(log_prob, xlim=(-5, 5), ylim=(-5, 5), n=101)
    values = np.asarray(ax.images[0].get_array())
    assert values.sum() * (10 / 100) ** 2 == pytest.approx(1.0, abs=0.02)
    with pytest.raises(ValueError, match="NaN"):
        viz.density_panel(lambda x: jnp.nan * x[0])


def test_samples_map_mask_and_coverage_panels():
    ax = viz.samples_panel(np.random.default_rng(0).normal(size=(300, 2)))
    assert len(ax.collections[0].get_offsets()) == 300
    with pytest.raises(ValueError):
        viz.samples_panel(np.zeros((3, 3)))
    map_ax, deriv_ax = viz.map_1d_panel({"cubic": lambda x: x**3 + x}, xlim=(-1, 1))
    cubic = [line for line in deriv_ax.lines if line.get_label() == "cubic"][0]
    np.testing.assert_allclose(cubic.get_ydata(), 3 * cubic.get_xdata() ** 2 + 1, rtol=1e-5)
    assert viz.mask_panel(MASK).images[0].get_array().shape == (1, 4)
    assert viz.mask_panel(np.eye(3, dtype=bool)).images[0].get_array().shape == (3, 3)
    ax = viz.coverage_panel([MASK, ~MASK])
    texts = [t.get_text() for t in ax.texts]
    assert "transformed 2/4, context 2/4" in texts[0] and "\u2713" in texts[1]
    repeated = viz.coverage_panel([MASK, MASK])  # one mask repeated never covers
    assert "\u2713" not in repeated.texts[-1].get_text()


def test_estimates_frame_is_one_fixed_size_panel_with_its_readout():
    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import FIGSIZE

    fig, readout = viz.estimates_frame({"a": [1.0, 3.0], "b": [0.0, 0.0, 0.0]}, 0.5, heading="case 1",
                                       title="t", ylabel="nats")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    assert tuple(fig.get_size_inches()) == pytest.approx(FIGSIZE["single"])
    assert readout == "case 1; a: 2.000 ± 1.000 (bias +1.500); b: 0.000 ± 0.000 (bias -0.500)"
