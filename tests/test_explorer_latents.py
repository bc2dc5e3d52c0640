"""The explorers of Part 12 · 04 (what the latents mean): the paths they show start and end at the
digits, the latent path is straight in latent space, the log-densities are the three terms'
sums, redraws keep the other scales' latents, and inconsistent records are refused."""

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import latents as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_the_paths_join_the_digits_and_the_latent_one_is_straight_in_latents():
    flow, paths, _, _ = registry.latents_inputs()
    v = ex.cell_middles(gf.images.digits().test_images[:3])
    for name in ("x_path", "z_path"):
        np.testing.assert_allclose(paths[name][:, 0], v[:2], atol=1e-12)
        np.testing.assert_allclose(paths[name][:, -1], v[1:], atol=1e-12)
    np.testing.assert_allclose(paths["x_path"][:, 1], (v[:2] + v[1:]) / 2, atol=1e-12)   # a cross-fade
    logit = gf.Logit(gf.images.IMAGE_SHAPE, alpha=gf.dequantization.ALPHA)
    z_mid = flow.bijection.transform(logit.transform(jnp.asarray(paths["z_path"][0, 1])))
    np.testing.assert_allclose(z_mid, paths["z_ends"][0].mean(0), atol=1e-10)            # the latents' midpoint
    assert float(np.max(np.abs(paths["z_path"][:, 1] - paths["x_path"][:, 1]))) > 1e-3


def test_the_log_densities_are_the_images_densities():
    flow, paths, _, _ = registry.latents_inputs()
    np.testing.assert_allclose(paths["log_p_x"], paths["terms_x"].sum(-1))
    whole = gf.Transformed(gf.StandardNormal(gf.images.IMAGE_SHAPE),
                           gf.Chain([gf.Logit(gf.images.IMAGE_SHAPE, alpha=gf.dequantization.ALPHA), flow.bijection]))
    np.testing.assert_allclose(paths["log_p_z"][1], whole.log_prob(jnp.asarray(paths["z_path"][1])), rtol=1e-10)


def test_redraws_keep_the_other_scales_latents():
    flow, _, _, resampling = registry.latents_inputs()
    levels = flow.bijection.latent_levels()
    logit = gf.Logit(gf.images.IMAGE_SHAPE, alpha=gf.dequantization.ALPHA)
    digit = resampling["digits"]["first"]
    encode = jax.vmap(lambda v: flow.bijection.transform(logit.transform(v)))
    z = encode(jnp.asarray(digit["original"])[None])[0]
    redrawn = encode(jnp.asarray(digit["variations"]["finest scale (0)", 1.0]))
    np.testing.assert_allclose(redrawn[:, levels == 1], jnp.broadcast_to(z[levels == 1], redrawn[:, levels == 1].shape),
                               atol=1e-9)
    assert float(jnp.min(jnp.abs(redrawn[:, levels == 0] - z[levels == 0]))) > 0


def test_builds_and_reads_out():
    interpolation = registry.build("latents.interpolation_explorer")
    assert isinstance(interpolation, Explorer) and interpolation.n_states == 2 * 3
    _, paths, _, _ = registry.latents_inputs()
    readout = interpolation.render_state(pair="first", t=0.5).readout
    assert f"{paths['log_p_x'][0, 1]:.1f} nats on the pixel path" in readout
    resampling = registry.build("latents.resampling_explorer")
    assert resampling.n_states == 2 * 2 * 2
    readout = resampling.render_state(digit="second", scale="coarsest scale (1)", temperature=0.5).readout
    assert "its 32 latents redrawn at T = 0.50, the other 32 kept" in readout


def test_inconsistent_records_are_refused():
    _, _, interpolation, resampling = registry.latents_inputs()
    with pytest.raises(ValueError, match="at least one pair"):
        ex.interpolation_explorer({"ts": interpolation["ts"], "pairs": {}})
    short = {"first": {**interpolation["pairs"]["first"], "log_p_x": interpolation["pairs"]["first"]["log_p_x"][:2]}}
    with pytest.raises(ValueError, match="one image and one log-density per t"):
        ex.interpolation_explorer({**interpolation, "pairs": short})
    missing = {"first": {**resampling["digits"]["first"], "variations": {}}}
    with pytest.raises(ValueError, match="no variations"):
        ex.resampling_explorer({**resampling, "digits": missing})


def test_predictions():
    assert ex.where_is_the_midpoint().answer == "the latent midpoint"
    assert ex.which_scale_keeps_the_digit().answer == "redrawing the coarsest scale"
