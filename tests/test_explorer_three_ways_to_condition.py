"""The explorer of Part 7 · 00 (three ways to condition): the banana's density is exact (it
integrates to 1 and matches its samples), the three builders give the three mechanisms, the frames
hold a density per context and mechanism, and bad inputs get messages."""

import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import three_ways_to_condition as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return registry.build("three_ways_to_condition.conditioning_explorer")


def test_builds(explorer):
    assert isinstance(explorer, Explorer) and set(explorer.controls) == {"c", "mechanism"}
    assert explorer.n_states == 3 * len(registry.conditioning_frames()["contexts"])


@pytest.mark.parametrize("c", [-1.0, 0.3, 1.0])
def test_the_banana_integrates_to_one_and_matches_its_samples(c):
    target = ex.BendingBanana()
    a1, a2 = np.linspace(-7, 7, 281), np.linspace(-20, 20, 801)   # x2 reaches b |c| x1^2 in the tails
    X1, X2 = np.meshgrid(a1, a2)
    density = np.exp(np.asarray(target.log_prob(jnp.asarray(np.stack([X1.ravel(), X2.ravel()], -1)), jnp.array([c]))))
    assert abs(density.sum() * (a1[1] - a1[0]) * (a2[1] - a2[0]) - 1) < 1e-6
    draws = np.asarray(target.sample_given(jr.key(1), jnp.array([c]), 40_000))
    # E[x2 | x1] = b c (x1^2 - 1): regress x2 on x1^2 and compare slope and intercept
    slope, intercept = np.polyfit(draws[:, 0] ** 2, draws[:, 1], 1)
    assert abs(slope - target.bend * c) < 0.01 and abs(intercept + target.bend * c) < 0.015
    residual = draws[:, 1] - target.centre(draws[:, 0], c)
    assert abs(residual.std() - target.noise) < 0.01 and abs(draws[:, 0].std() - 1) < 0.02


def test_pairs_and_their_contexts():
    x, c = ex.BendingBanana().sample(jr.key(0), 500)
    assert x.shape == (500, 2) and c.shape == (500, 1)
    assert float(jnp.abs(c).max()) <= 1.0


def test_build_gives_the_three_mechanisms():
    input_flow = ex.build(jr.key(0), "input")
    base_flow = ex.build(jr.key(0), "base")
    hyper_flow = ex.build(jr.key(0), "hypernetwork")
    assert isinstance(base_flow.base, gf.ConditionalNormal) and isinstance(input_flow.base, gf.StandardNormal)
    assert isinstance(hyper_flow.bijection.bijectors[0].conditioner, gf.HyperConditioner)
    assert all(f.condition_shape == (1,) for f in (input_flow, base_flow, hyper_flow))
    with pytest.raises(ValueError, match="conditioning"):
        ex.build(jr.key(0), "film")


def test_frames_hold_a_normalised_density_per_context():
    frames = registry.conditioning_frames()
    m, n = len(frames["contexts"]), len(frames["axis"])
    assert frames["exact"].shape == (m, n, n)
    for name in ex.MECHANISMS:
        assert frames["density"][name].shape == (m, n, n) and frames["kl"][name].shape == (m,)
        assert np.all(frames["kl_se"][name] > 0) and frames["n_parameters"][name] > 0
    cell = (frames["axis"][1] - frames["axis"][0]) ** 2
    assert np.all(np.abs(frames["exact"].sum(axis=(1, 2)) * cell - 1) < 0.1)   # a coarse 12 x 12 grid


def test_messages():
    with pytest.raises(ValueError, match="models named"):
        ex.density_frames({"film": None}, ex.BendingBanana(), jr.key(0))
    with pytest.raises(ValueError, match="missing"):
        ex.conditioning_explorer({"contexts": [0.0]})
    with pytest.raises(ValueError, match="noise"):
        ex.BendingBanana(noise=0.0)


def test_prediction():
    prediction = ex.which_mechanism_struggles()
    assert prediction.answer in prediction.options and "base" in prediction.answer
