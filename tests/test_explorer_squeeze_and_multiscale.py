"""The explorer of Part 12 · 02 (squeeze and multi-scale): the scales it walks put back together
are the flow's latent, each frame reads out the bookkeeping, and inconsistent records are refused."""

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import squeeze_and_multiscale as ex  # noqa: E402
from gauss_flows.presentation.widgets import Explorer  # noqa: E402
import explorer_registry as registry  # noqa: E402


def test_the_scales_put_back_together_are_the_latent():
    flow = gf.multiscale_flow(jr.key(1), shape=(8, 4, 2), transformer=gf.Affine(), n_levels=3, n_couplings=2,
                              nn_width=2, nn_depth=0, init_scale=1.0)
    bijection = flow.bijection          # init_scale=1: far from the identity
    y = jr.normal(jr.key(3), (8, 4, 2))
    scales, latent = eqx.filter_jit(lambda b, y: (ex.scale_by_scale(b, y), b.transform(y)))(bijection, y)
    assert [s["received"].shape for s in scales] == [(8, 4, 2), (4, 2, 4), (2, 1, 8)]
    assert [s["factored"].shape for s in scales] == [(4, 2, 4), (2, 1, 8), (2, 1, 8)]
    # rebuild the latent the way MultiScale lays it out: innermost first, un-squeezing outwards
    z = scales[-1]["factored"]
    for s in reversed(scales[:-1]):
        z = gf.depth_to_space(jnp.concatenate([s["factored"], z], axis=-1))
    np.testing.assert_allclose(z, latent, rtol=0, atol=1e-12)
    levels = bijection.latent_levels()
    for level, s in enumerate(scales):        # each scale's latents sit where latent_levels says
        np.testing.assert_allclose(np.sort(np.ravel(z)[np.ravel(levels) == level]), np.sort(np.ravel(s["factored"])),
                                   atol=1e-12)


def test_builds_and_reads_out_the_bookkeeping():
    explorer = registry.build("squeeze_and_multiscale.scale_explorer")
    assert isinstance(explorer, Explorer) and explorer.n_states == 3 * 2
    readouts = [explorer.render_state(scale=level, digit="first").readout for level in range(3)]
    assert "receives 8×8×1 = 64 numbers" in readouts[0] and "32 leave as latents and 32 go on" in readouts[0]
    assert "receives 4×4×2 = 32 numbers" in readouts[1] and "(48 of 64 latents fixed" in readouts[1]
    assert "all 16 become latents" in readouts[2]


def test_records_for_a_batch_match_one_image_at_a_time():
    records = registry.squeeze_records()
    flow = gf.multiscale_flow(jr.key(0), shape=gf.images.IMAGE_SHAPE, transformer=gf.Affine(), n_levels=3,
                              nn_width=4)
    image = gf.images.digits().test_images[1:2]
    y, _ = gf.dequantization.logit_and_log_det((jnp.asarray(image) + 0.5) / gf.images.N_LEVELS)
    one = eqx.filter_jit(ex.scale_by_scale)(flow.bijection, y[0])      # one image, no vmap
    for mine, theirs in zip(records["digits"]["second"]["scales"], one):
        np.testing.assert_allclose(mine["factored"], theirs["factored"], atol=1e-12)


def test_inconsistent_records_are_refused():
    good = registry.squeeze_records()
    with pytest.raises(ValueError, match="need 'levels'"):
        ex.scale_explorer({"levels": good["levels"], "digits": {}})
    short = {"first": {**good["digits"]["first"], "scales": good["digits"]["first"]["scales"][:2]}}
    with pytest.raises(ValueError, match="2 scales, the latent-level map 3"):
        ex.scale_explorer({**good, "digits": short})
    with pytest.raises(ValueError, match="factors out"):
        ex.scale_explorer({**good, "levels": np.where(good["levels"] == 1, 2, good["levels"])})


def test_prediction():
    assert ex.how_many_go_on().answer == "32"
