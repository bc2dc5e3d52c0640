"""gauss_flows.trajectory: snapshots along training, the NLL split, layer-by-layer outputs."""

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import gauss_flows as gf
from gauss_flows.trajectory import fit_trajectory, layer_outputs, nll_terms

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def setup():
    data = jr.normal(jr.key(0), (300, 2)) * jnp.array([2.0, 0.5]) + jnp.array([1.0, -1.0])
    flow = gf.diagonal_flow(jr.key(1), shape=(2,), transformer=gf.Affine())
    return flow, data


def test_nll_terms_add_up_to_the_nll(setup):
    flow, data = setup
    flow = gf.perturb(flow, jr.key(2), 0.5)
    base, log_det = nll_terms(flow, data)
    assert base + log_det == pytest.approx(float(-jnp.mean(flow.log_prob(data))), rel=1e-12)
    assert log_det != 0.0


def test_snapshots_learn_and_start_at_the_initial_flow(setup):
    flow, data = setup
    flows, history = fit_trajectory(jr.key(3), flow, data, n_snapshots=4, steps_per_snapshot=50,
                                    learning_rate=0.05, batch_size=100)
    assert len(flows) == 5 and history["step"] == [0, 50, 100, 150, 200]
    assert flows[0] is flow
    assert history["loss"].shape == (200,)
    nll = history["data_nll"]
    assert nll[0] == pytest.approx(float(-jnp.mean(flow.log_prob(data))))
    assert nll[-1] < nll[0] - 0.5
    # the best affine diagonal fit is the Gaussian with the data's moments
    best = 0.5 * 2 * np.log(2 * np.pi * np.e) + np.sum(np.log(np.std(np.asarray(data), 0)))
    assert nll[-1] == pytest.approx(best, abs=0.1)
    again, _ = fit_trajectory(jr.key(3), flow, data, n_snapshots=4, steps_per_snapshot=50,
                              learning_rate=0.05, batch_size=100)
    np.testing.assert_allclose(again[-1].log_prob(data), flows[-1].log_prob(data))


def test_bad_arguments(setup):
    flow, data = setup
    with pytest.raises(ValueError, match="n_snapshots"):
        fit_trajectory(jr.key(0), flow, data, n_snapshots=0)
    with pytest.raises(ValueError, match="shape"):
        fit_trajectory(jr.key(0), flow, data[:, :1])


def test_layer_outputs_compose_to_the_flow():
    flow = gf.perturb(gf.coupling_flow(jr.key(4), shape=(2,), transformer=gf.Affine(), n_layers=3,
                                       nn_width=8), jr.key(5), 0.3)
    x = jr.normal(jr.key(6), (50, 2))
    outputs, log_dets = layer_outputs(flow, x)
    assert len(outputs) == len(log_dets) == 4
    np.testing.assert_allclose(outputs[0], x)
    z, log_det = jax.vmap(flow.bijection.transform_and_log_det)(x)
    np.testing.assert_allclose(outputs[-1], z, atol=1e-12)
    np.testing.assert_allclose(log_dets[-1], log_det, atol=1e-12)


def test_layer_report_on_a_linear_gaussian_flow():
    """Gaussian data through a flow that whitens them in two steps: every number is known."""
    from gauss_flows.trajectory import layer_report

    cov = np.array([[2.0, 0.9], [0.9, 1.0]])
    chol = np.linalg.cholesky(cov)
    z = np.asarray(jr.normal(jr.key(7), (2000, 2)))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z.T, bias=True))).T
    x = z @ chol.T  # sample mean 0 and sample covariance exactly cov
    entropy = 0.5 * np.log(np.linalg.det(2 * np.pi * np.e * cov))
    whiten = np.linalg.inv(chol)
    diag = np.diag(whiten)
    flow = gf.Transformed(gf.StandardNormal((2,)),
                          gf.Chain([gf.Linear(np.diag(diag), np.zeros(2)),
                                    gf.Linear(whiten / diag[None, :], np.zeros(2))]))
    report = layer_report(flow, x, entropy)
    assert len(report["kl"]) == 3 and len(report["outputs"]) == 3
    # KL of N(0, cov) to N(0, I), then ~0 after whitening
    exact = 0.5 * (np.trace(cov) - 2 - np.log(np.linalg.det(cov)))
    assert report["kl"][0] == pytest.approx(exact, abs=0.05)
    assert abs(report["kl"][-1]) < 0.05
    assert report["total_correlation"][0] == pytest.approx(-0.5 * np.log(1 - 0.9**2 / 2), abs=0.05)
    assert max(report["negentropy"]) < 0.05  # Gaussian marginals throughout


def test_replay_fit_is_the_run_of_fit(setup):
    from gauss_flows.trajectory import replay_fit

    flow, data = setup
    settings = dict(learning_rate=0.05, max_epochs=3, batch_size=100)
    best, history = gf.fit(jr.key(4), flow, data, patience=None, show_progress=False, **settings)
    flows, replay = replay_fit(jr.key(4), flow, data, **settings)
    assert len(flows) == 4 and flows[0] is flow
    assert replay["step"] == [0, 2, 4, 6]  # 270 training samples in minibatches of 100
    np.testing.assert_allclose(replay["val_loss"], history["val_loss"])
    np.testing.assert_allclose(flows[history["best_epoch"] + 1].log_prob(data), best.log_prob(data))


def test_canonical_form_shares_one_layout_between_rbig_and_the_template():
    from gauss_flows.trajectory import canonical_form, latent_and_log_det

    data = jr.normal(jr.key(8), (200, 2)) * jnp.array([1.0, 0.4])
    rbig, _ = gf.rbig_fit(data, n_layers=2, n_components=3, n_iterations=5)
    template = gf.gaussianization_flow(jr.key(9), shape=(2,), n_layers=2, n_components=3,
                                       rotation="random")
    a, b = canonical_form(rbig), canonical_form(template)
    assert jax.tree_util.tree_structure(a) == jax.tree_util.tree_structure(b)
    assert not any(getattr(leaf, "weak_type", False) for leaf in jax.tree_util.tree_leaves(b))
    for flow, same in ((rbig, a), (template, b)):  # the same density
        np.testing.assert_allclose(same.log_prob(data), flow.log_prob(data), atol=1e-12)
        np.testing.assert_allclose(latent_and_log_det(flow, data)[0], flow.to_latent(data),
                                   atol=1e-12)
    # training keeps each flow's own layout
    flows, _ = fit_trajectory(jr.key(10), rbig, data, n_snapshots=1, steps_per_snapshot=2)
    assert jax.tree_util.tree_structure(flows[-1]) == jax.tree_util.tree_structure(rbig)
