"""Every explorer of the book, built the way its tests build it (small, fast inputs).

``EXPLORERS`` maps ``"<module>.<function>"`` (a function of ``gauss_flows.course.explorers``
that returns an ``Explorer``) to a zero-argument builder; ``PREDICTIONS`` maps each explorer
module to the function that returns its ``Prediction`` (``None``: the notebook writes its own).
:func:`build` caches, so the shared contract test (``test_explorer_contract.py``) and a
module's own tests share one built explorer per test process. A new explorer is one line here.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np

jax.config.update("jax_enable_x64", True)

import gauss_flows as gf  # noqa: E402
from gauss_flows.course.explorers import (amortised_posteriors, bijector_menu, boundaries_and_support,  # noqa: E402
                                          calibration, change_of_variables, checkerboard_and_channel_masks,
                                          composition, dequantization_and_bits_per_dim,
                                          conditional_density_estimation, conditioner_design,
                                          coupling_equals_diagonal, coupling_vs_autoregressive,
                                          depth_and_residual_flows, diagonal_vs_coupling_revisited,
                                          entropy_from_a_flow, estimators_under_the_microscope, flow_matching,
                                          instantaneous_change_of_variables,
                                          multiscale_flow_on_digits, mutual_information, zero_initialisation,
                                          convergence, coupling_pattern, density_destructors,
                                          diagnostics, diagonal_vs_coupling, empirical_cdf,
                                          forward_vs_inverse, householder, hutchinson, kde_and_mixture_cdf, latents,
                                          layerwise_inspection, learnable_mixture_cdf, linear_ode, mask_design,
                                          nll_training, numerical_inversion, numerical_mechanics,
                                          one_by_one_and_actnorm, pca_warm_start, rbig_loop,
                                          rbig_warm_start, rotation_zoo, spline_cdfs, squeeze_and_multiscale,
                                          three_ways_to_condition,
                                          total_correlation, training_a_continuous_flow, which_rotation,
                                          why_standard_normal)
from gauss_flows.trajectory import fit_trajectory  # noqa: E402


# ------------------------------------------------------------------ inputs that need a fit
@lru_cache(maxsize=None)
def bijector_menu_flows() -> dict:
    """Unfitted small flows: the explorer only needs something with a log_prob."""
    return {name: gf.coupling_flow(jr.key(3), shape=(2,), transformer=bijector_menu.template(name),
                                   n_layers=2, nn_width=8, nn_depth=1)
            for name in bijector_menu.TRANSFORMERS if name != "deep sigmoid"}


@lru_cache(maxsize=None)
def flow_matching_inputs():
    """Part 6 · 04: a small field trained briefly by flow matching on two moons, and its data."""
    data = gf.datasets.TwoMoons(noise=0.1).sample(jr.key(1), 200)
    field = gf.VectorField(jr.key(2), (2,), width=8, depth=1)
    field, _ = gf.fit_flow_matching(jr.key(3), field, data, learning_rate=1e-2, n_steps=100, batch_size=64,
                                    log_every=100)
    return field, data


#: Part 3 · 03's samples: uniform training and held-out points.
_RNG = np.random.default_rng(0)
SUPPORT_TRAIN, SUPPORT_TEST = _RNG.uniform(size=100), _RNG.uniform(size=600)

#: Part 14 · 00's recorded estimates over seeds (flow and k-NN) and the exact entropies.
ENTROPY_EXACT = {"Gaussian": 2.33, "cubed Gaussian": 3.39}
ENTROPY_RESULTS = {(name, n): {"flow": list(h + np.array([0.05, 0.02, 0.04]) / (n / 500)),
                               "k-NN": list(h + np.array([-0.08, 0.03, -0.02]) / (n / 500))}
                   for name, h in ENTROPY_EXACT.items() for n in (500, 2000)}

#: Part 6 · 03's recorded snapshots (a coarse density per epoch, its KL) and tolerance sweep.
_GRID_X, _GRID_Y = np.meshgrid(np.linspace(-2, 2, 12), np.linspace(-1.5, 1.5, 9))
CONTINUOUS_EXACT = np.exp(-0.5 * ((_GRID_X ** 2 + _GRID_Y ** 2 - 1.0) / 0.3) ** 2)
CONTINUOUS_SNAPSHOTS = {e: np.exp(-0.5 * (_GRID_X ** 2 + _GRID_Y ** 2) * (1 + e / 10)) for e in (0, 5, 20)}
CONTINUOUS_KLS = {0: 1.4, 5: 0.6, 20: 0.1}
CONTINUOUS_TOLERANCES = [{"rtol": 10.0 ** -k, "evaluations": 12.0 + 6 * k, "error": 10.0 ** (-k - 1)}
                         for k in range(1, 6)]

#: Part 5 · 04's grid, recorded: KL over 3 seeds at two budgets and two depths, a coarse density.
def _dvc_record(family, depth, offset):
    n = 12
    log_q = np.asarray(gf.datasets.TwoMoons().log_prob(
        jnp.asarray(diagonal_vs_coupling_revisited.grid_points(n)))) - offset
    return {"family": family, "depth": depth, "budgets": [40, 80], "n_parameters": [40 + depth, 80 + depth],
            "kl": np.array([[0.30, 0.32, 0.29], [0.20, 0.22, 0.21]]) / depth + offset,
            "log_q_grid": np.stack([log_q, log_q - 0.1])}


DVC_GRID = {(f, d): _dvc_record(f, d, 0.05 * i) for i, (f, d) in
            enumerate((f, d) for f in diagonal_vs_coupling_revisited.FAMILIES for d in (1, 2))}

#: Part 14 · 01's recorded TC estimates over seeds (RBIG and k-NN) and the exact values.
TC_EXACT = {(2, 0.3): 0.05, (2, 0.8): 0.51, (5, 0.3): 0.32, (5, 0.8): 2.5}
TC_RESULTS = {key: {"RBIG": list(tc + np.array([-0.01, 0.02, -0.03])), "k-NN": list(tc + np.array([-0.1, 0.0, -0.05]))}
              for key, tc in TC_EXACT.items()}

#: Part 14 · 02's recorded MI estimates over seeds (KSG, RBIG, flow) and the exact values.
MI_EXACT = {0.3: 0.047, 0.9: 0.83}
MI_RESULTS = {(rho, n): {"KSG": list(mi + np.array([-0.02, 0.01, -0.03]) / (n / 250)),
                         "RBIG": list(mi + np.array([0.03, -0.01, 0.02]) / (n / 250)),
                         "flow": list(mi + np.array([0.05, 0.0, -0.04]) / (n / 250))}
              for rho, mi in MI_EXACT.items() for n in (250, 1000)}

#: Part 14 · 03's recorded estimates over seeds, per quantity and estimator, and the exact values.
MICROSCOPE_EXACT = {2: {"entropy": 3.76, "total correlation": 0.14, "mutual information": 0.14},
                    8: {"entropy": 13.9, "total correlation": 1.67, "mutual information": 0.46}}
MICROSCOPE_RESULTS = {
    (d, n): {"entropy": {"k-NN": list(h["entropy"] + d * np.array([0.02, -0.01, 0.03]) * 250 / n)},
             "total correlation": {"k-NN": list(h["total correlation"] - d * np.array([0.1, 0.08, 0.12]) * 250 / n),
                                   "RBIG": list(h["total correlation"] + np.array([0.1, -0.02, 0.05]) * d / 8)},
             "mutual information": {"KSG": list(h["mutual information"] - np.array([0.02, 0.03, 0.01]) * d / 2)}}
    for d, h in MICROSCOPE_EXACT.items() for n in (250, 1000)}

#: Part 3 · 01's recorded run of RBIG.
CONVERGENCE_CURVE = [0.3, 0.1, 0.08, 0.03, 0.02, 0.0, 0.01, -0.01, 0.02, 0.005, -0.02, 0.01]
CONVERGENCE_INFO = {"tc_reduction": CONVERGENCE_CURVE,
                    "log_likelihood": list(np.linspace(-1.7, -1.1, len(CONVERGENCE_CURVE)))}

#: Part 3 · 02's recorded runs: total correlation removed per layer, and the starting TC.
WHICH_ROTATION_TC = {2: 0.4, 4: 1.0}
WHICH_ROTATION_RUNS = {(2, "pca"): np.array([0.1, 0.1, 0.05, 0.05]),
                       (2, "random"): np.array([0.15, 0.1, 0.05, 0.02]),
                       (4, "pca"): np.array([0.8, 0.1, 0.05, 0.05]),
                       (4, "random"): np.array([0.3, 0.1, 0.05, 0.02])}


@lru_cache(maxsize=None)
def destructor_inputs():
    x = gf.datasets.TwoMoons(noise=0.08).sample(jr.key(0), 400)
    flow, _ = gf.rbig_fit(x, n_layers=3, rotation="random", key=jr.key(1), n_iterations=20)
    return flow, x


@lru_cache(maxsize=None)
def diagnostic_states():
    samples = {k: v[:300] for k, v in diagnostics.default_samples(300).items()}
    return diagnostics.diagnostic_states(samples, layers=[0, 1, 2], key=jr.key(0))


@lru_cache(maxsize=None)
def budget_inputs():
    test_data = gf.datasets.TwoMoons().sample(jr.key(0), 200)
    results = [{"budget": 28 * L,
                "diagonal": gf.perturb(gf.gaussianization_flow(jr.key(L), shape=(2,), n_layers=L,
                                                               n_components=4), jr.key(5), 0.2),
                "coupling": gf.perturb(gf.coupling_flow(jr.key(L), shape=(2,), transformer=gf.Affine(),
                                                        n_layers=2, nn_width=2 * L, nn_depth=1),
                                       jr.key(6), 0.3)} for L in (1, 2)]
    return results, test_data


@lru_cache(maxsize=None)
def layerwise_inputs():
    moons = gf.datasets.TwoMoons()
    data = moons.sample(jr.key(0), 300)
    entropy = float(-jnp.mean(moons.log_prob(data)))
    flow = gf.perturb(gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(), n_layers=2,
                                       nn_width=8), jr.key(2), 0.3)
    return flow, data, entropy


#: The steps Part 1 · 03's replay shows.
REPLAY_STEPS = (0, 5, 20, 40)


@lru_cache(maxsize=None)
def replay_inputs():
    data = learnable_mixture_cdf.skewed_sample(jr.key(0), 500)
    snapshots, losses = learnable_mixture_cdf.record_training(
        learnable_mixture_cdf.mixture_flow(n_components=3), data, n_records=8, record_every=5)
    return data, snapshots, losses


@lru_cache(maxsize=None)
def nll_training_inputs():
    data = gf.datasets.TwoMoons().sample(jr.key(0), 200)
    flow = gf.coupling_flow(jr.key(1), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=8)
    flows, history = fit_trajectory(jr.key(2), flow, data, n_snapshots=2, steps_per_snapshot=10,
                                    learning_rate=0.02, batch_size=100)
    return flows, history["step"], data


@lru_cache(maxsize=None)
def solver_race_data():
    return numerical_inversion.precompute()


@lru_cache(maxsize=None)
def rbig_loop_inputs():
    x = gf.datasets.TwoMoons(noise=0.1).sample(jr.key(0), 300)
    flow, info = gf.rbig_fit(x, n_layers=3, rotation="random", key=jr.key(1), n_iterations=20)
    return x, flow, info


@lru_cache(maxsize=None)
def warm_start_inputs():
    data = gf.datasets.TwoMoons().sample(jr.key(0), 200)
    rbig = gf.rbig(data, n_layers=1, n_components=2, n_iterations=10)
    neutral = gf.gaussianization_flow(jr.key(1), shape=(2,), n_layers=1, n_components=2,
                                      rotation="random")
    settings = dict(n_snapshots=2, steps_per_snapshot=5, learning_rate=0.02, batch_size=100)
    runs = {"random": fit_trajectory(jr.key(2), neutral, data, **settings)[0],
            "RBIG": fit_trajectory(jr.key(2), rbig, data, **settings)[0]}
    return runs, [0, 5, 10], data


@lru_cache(maxsize=None)
def icov_snapshots():
    """Part 6 · 01: a few particles carried to three times, densities on a small grid."""
    return instantaneous_change_of_variables.along_the_way(jr.normal(jr.key(0), (200, 2)), [0.0, 0.5, 1.0],
                                                           n_grid=40)


@lru_cache(maxsize=None)
def conditioning_frames():
    """Part 7 · 00: untrained (perturbed) flows of the three mechanisms, small grids and few draws."""
    models = {name: gf.perturb(three_ways_to_condition.build(jr.key(i), conditioning, n_layers=2, nn_width=4,
                                                             hyper_width=2), jr.key(9), 0.1)
              for i, (name, conditioning) in enumerate(three_ways_to_condition.MECHANISMS.items())}
    return three_ways_to_condition.density_frames(models, three_ways_to_condition.BendingBanana(), jr.key(0),
                                                  contexts=[-1.0, 0.0, 1.0], n_grid=12, n_kl=100)


@lru_cache(maxsize=None)
def conditional_curves():
    """Part 7 · 01: untrained (perturbed) small models of both families, few inputs and draws."""
    models = {family: gf.perturb(conditional_density_estimation.build(jr.key(i), family, nn_width=4, nn_depth=1),
                                 jr.key(9), 0.2)
              for i, family in enumerate(conditional_density_estimation.FAMILIES)}
    return conditional_density_estimation.conditional_curves(
        models, gf.conditional_data.HeteroscedasticBimodal(), jr.key(0), xs=[-2.0, 0.0, 2.0], n_y=41, n_kl=100)


@lru_cache(maxsize=None)
def amortised_records():
    """Part 7 · 02: an untrained conditional flow against the linear-Gaussian posterior, three positions."""
    simulator = gf.conditional_data.LinearGaussian()
    flow = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=4, nn_depth=1,
                            condition_shape=(2,))
    positions = [-1.0, 0.0, 1.0]
    observations = jnp.asarray(np.array(positions)[:, None] * np.ones(2))
    extent = (-3.0, 3.0, -3.0, 3.0)
    flow_grid, exact_grid = amortised_posteriors.posterior_grids(flow, simulator.posterior, observations, extent,
                                                                 n_grid=12)
    record = {"positions": positions, "observations": np.asarray(observations), "extent": extent,
              "exact": exact_grid, "flow": flow_grid, "kl": [0.3, 0.1, 0.2], "kl_se": [0.01, 0.02, 0.03]}
    # a second "simulator": the same grids seen through a square root, other KLs
    other = {**record, "exact": np.sqrt(exact_grid), "flow": np.sqrt(flow_grid), "kl": [0.5, 0.4, 0.6]}
    return {"linear-Gaussian": record, "other": other}


@lru_cache(maxsize=None)
def calibration_records():
    """Part 7 · 03: an untrained flow's regions at one observation, a made-up coverage curve."""
    simulator = gf.conditional_data.LinearGaussian()
    flow = gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.Affine(), n_layers=2, nn_width=4, nn_depth=1,
                            condition_shape=(2,))
    levels, extent, curve = [0.5, 0.9], (-3.0, 3.0, -3.0, 3.0), np.array([0.25, 0.5, 0.75])
    x = jnp.array([0.5, 0.2])
    observations = {"typical": jnp.array([0.5, 0.2]), "unusual": jnp.array([2.5, 1.5])}
    grid = jnp.asarray(np.stack(np.meshgrid(np.linspace(-3, 3, 12), np.linspace(-3, 3, 12)), -1).reshape(-1, 2))
    exact = {o: np.exp(np.asarray(simulator.posterior.log_prob(grid, x))).reshape(12, 12)
             for o, x in observations.items()}
    regions = {o: calibration.region_at(jr.key(1), flow, simulator.posterior, x, levels, extent, n_draws=200,
                                        n_grid=12) for o, x in observations.items()}
    # a second model: the same density, regions drawn lower (wider), other numbers
    wider = {o: {**r, "threshold": r["threshold"] - 1.0, "inside": (1 + r["inside"]) / 2} for o, r in regions.items()}
    models = {"untrained": {"curve": np.array([0.3, 0.55, 0.7]), "regions": regions},
              "wider": {"curve": np.array([0.4, 0.7, 0.9]), "regions": wider}}
    return {"levels": levels, "extent": extent, "curve_levels": curve, "band": (curve - 0.05, curve + 0.05),
            "n_pairs": 100, "exact": exact, "models": models}


@lru_cache(maxsize=None)
def squeeze_records():
    """Part 12 · 02: two test digits through a small untrained three-scale flow."""
    flow = gf.multiscale_flow(jr.key(0), shape=gf.images.IMAGE_SHAPE, transformer=gf.Affine(), n_levels=3,
                              nn_width=4)
    images = gf.images.digits().test_images[:2]
    y, _ = gf.dequantization.logit_and_log_det((jnp.asarray(images) + 0.5) / gf.images.N_LEVELS)
    return squeeze_and_multiscale.scale_records(flow.bijection, ["first", "second"], images[..., 0], y)


@lru_cache(maxsize=None)
def latents_inputs():
    """Part 12 · 04: a small untrained two-scale flow, two test digits, their paths and redraws."""
    flow = gf.multiscale_flow(jr.key(0), shape=gf.images.IMAGE_SHAPE, transformer=gf.Affine(), n_levels=2,
                              nn_width=4, nn_depth=0)
    v = latents.cell_middles(gf.images.digits().test_images[:3])
    ts = np.linspace(0.0, 1.0, 3)
    paths = latents.interpolation_paths(flow, v[:2], v[1:], ts)
    interpolation = {"ts": ts, "pairs": {name: {k: paths[k][p] for k in ("x_path", "z_path", "log_p_x", "log_p_z")}
                                         for p, name in enumerate(["first", "second"])}}
    levels = flow.bijection.latent_levels()
    scales = {"finest scale (0)": 0, "coarsest scale (1)": 1}
    temperatures = (0.5, 1.0)
    drawn = {(name, T): latents.resampled_digits(jr.key(1), flow, v[:2], levels == s, T, 2)
             for name, s in scales.items() for T in temperatures}
    resampling = {"scales": {name: int(np.sum(levels == s)) for name, s in scales.items()}, "temperatures": temperatures,
                  "digits": {name: {"original": np.asarray(v[k]), "variations": {key: d[k] for key, d in drawn.items()}}
                             for k, name in enumerate(["first", "second"])}}
    return flow, paths, interpolation, resampling


@lru_cache(maxsize=None)
def digits_subset():
    """Part 12 · 00: a few hundred training and a hundred test digits."""
    d = gf.images.digits()
    return d.train_images[:400], d.test_images[:100]


@lru_cache(maxsize=None)
def digits_training_records():
    """Part 12 · 03: two "snapshots" of a small multi-scale flow (untrained, perturbed), made-up
    training and held-out numbers."""
    flow = gf.multiscale_flow(jr.key(0), shape=(8, 8, 1), transformer=gf.Affine(), n_levels=2, nn_width=4)
    snapshots = {0: flow, 2: gf.perturb(flow, jr.key(1), scale=0.3)}
    frames = multiscale_flow_on_digits.snapshot_frames(jr.key(2), snapshots, [0.5, 1.0], n=4)
    return {"frames": frames, "curve": [3.1, 2.6], "held_out": {0: 4.3, 2: 2.7}, "references": {"Gaussian": 2.45}}


# ------------------------------------------------------------------ the registry
EXPLORERS = {
    "checkerboard_and_channel_masks.masks_explorer":
        lambda: checkerboard_and_channel_masks.masks_explorer(dpi=30),
    "dequantization_and_bits_per_dim.accounting_explorer":
        lambda: dequantization_and_bits_per_dim.accounting_explorer(*digits_subset(), alphas=(0.05,), dpi=30),
    "amortised_posteriors.posterior_explorer":
        lambda: amortised_posteriors.posterior_explorer(amortised_records(), dpi=30),
    "calibration.calibration_explorer": lambda: calibration.calibration_explorer(calibration_records(), dpi=30),
    "multiscale_flow_on_digits.training_explorer":
        lambda: multiscale_flow_on_digits.training_explorer(**digits_training_records(), dpi=30),
    "latents.interpolation_explorer": lambda: latents.interpolation_explorer(latents_inputs()[2], dpi=30),
    "latents.resampling_explorer": lambda: latents.resampling_explorer(latents_inputs()[3], dpi=30),
    "squeeze_and_multiscale.scale_explorer":
        lambda: squeeze_and_multiscale.scale_explorer(squeeze_records(), dpi=30),
    "bijector_menu.bijector_menu_explorer":
        lambda: bijector_menu.bijector_menu_explorer(bijector_menu_flows(), kl={"affine": (0.412, 0.009)}),
    "boundaries_and_support.support_explorer":
        lambda: boundaries_and_support.support_explorer(SUPPORT_TRAIN, SUPPORT_TEST, dpi=30),
    "change_of_variables.linear_flow_explorer": lambda: change_of_variables.linear_flow_explorer(dpi=40),
    "composition.composition_explorer": lambda: composition.composition_explorer(dpi=30),
    # builds without training; its controls train a grid, checked on a small grid in its own tests
    "conditioner_design.conditioner_explorer": conditioner_design.conditioner_explorer,
    "conditional_density_estimation.conditional_explorer":
        lambda: conditional_density_estimation.conditional_explorer(conditional_curves(), dpi=30),
    "three_ways_to_condition.conditioning_explorer":
        lambda: three_ways_to_condition.conditioning_explorer(conditioning_frames(), dpi=30),
    "convergence.stopping_explorer":
        lambda: convergence.stopping_explorer(CONVERGENCE_INFO, noise=0.02, dpi=30),
    "coupling_pattern.coupling_explorer": coupling_pattern.coupling_explorer,
    "density_destructors.destructor_explorer":
        lambda: density_destructors.destructor_explorer(*destructor_inputs(), dpi=40),
    "diagnostics.gaussianity_explorer":
        lambda: diagnostics.gaussianity_explorer(diagnostic_states(), dpi=40),
    "diagonal_vs_coupling.budget_explorer":
        lambda: diagonal_vs_coupling.budget_explorer(*budget_inputs(), dpi=40),
    "entropy_from_a_flow.entropy_explorer":
        lambda: entropy_from_a_flow.entropy_explorer(ENTROPY_RESULTS, ENTROPY_EXACT, dpi=30),
    "empirical_cdf.empirical_cdf_explorer": lambda: empirical_cdf.empirical_cdf_explorer(dpi=40),
    "flow_matching.flow_matching_explorer":
        lambda: flow_matching.flow_matching_explorer(*flow_matching_inputs(), jr.key(0), n_pairs=10,
                                                     n_particles=20, n_grid=5, dpi=30),
    "forward_vs_inverse.cost_explorer": lambda: forward_vs_inverse.cost_explorer(dpi=30),
    "householder.householder_explorer": lambda: householder.householder_explorer(dpi=30),
    "hutchinson.hutchinson_explorer":
        lambda: hutchinson.hutchinson_explorer(hutchinson.jacobian_family(4), jr.key(0), n_draws=300, dpi=30),
    "kde_and_mixture_cdf.kde_explorer": lambda: kde_and_mixture_cdf.kde_explorer(dpi=40),
    "kde_and_mixture_cdf.mixture_explorer": lambda: kde_and_mixture_cdf.mixture_explorer(dpi=40),
    "layerwise_inspection.layerwise_explorer":
        lambda: layerwise_inspection.layerwise_explorer(*layerwise_inputs(), dpi=40),
    "learnable_mixture_cdf.training_replay_explorer":
        lambda: learnable_mixture_cdf.training_replay_explorer(
            *replay_inputs()[1:], replay_inputs()[0], steps=REPLAY_STEPS, dpi=40),
    "instantaneous_change_of_variables.flow_explorer":
        lambda: instantaneous_change_of_variables.flow_explorer(icov_snapshots(), dpi=30),
    "linear_ode.linear_ode_explorer": lambda: linear_ode.linear_ode_explorer(dpi=30),
    "mask_design.mask_explorer": lambda: mask_design.mask_explorer(6),
    "mask_design.image_mask_explorer": lambda: mask_design.image_mask_explorer((4, 4)),
    "nll_training.nll_training_explorer":
        lambda: nll_training.nll_training_explorer(*nll_training_inputs(), dpi=40),
    "numerical_inversion.solver_race_explorer":
        lambda: numerical_inversion.solver_race_explorer(data=solver_race_data(), dpi=40),
    "numerical_mechanics.precision_explorer": lambda: numerical_mechanics.precision_explorer(dpi=40),
    "one_by_one_and_actnorm.actnorm_explorer": lambda: one_by_one_and_actnorm.actnorm_explorer(dpi=30),
    "pca_warm_start.pca_warm_start_explorer": lambda: pca_warm_start.pca_warm_start_explorer(dpi=30),
    "rbig_loop.rbig_loop_explorer":
        lambda: rbig_loop.rbig_loop_explorer(*rbig_loop_inputs()[1:], rbig_loop_inputs()[0],
                                             key=jr.key(2), n_samples=200, dpi=30),
    "rbig_warm_start.warm_start_explorer":
        lambda: rbig_warm_start.warm_start_explorer(*warm_start_inputs(), dpi=40),
    "rotation_zoo.rotation_angle_explorer": lambda: rotation_zoo.rotation_angle_explorer(dpi=30),
    "spline_cdfs.spline_explorer": lambda: spline_cdfs.spline_explorer(dpi=40),
    "total_correlation.tc_explorer":
        lambda: total_correlation.tc_explorer(TC_RESULTS, TC_EXACT, dpi=30),
    "mutual_information.mi_explorer":
        lambda: mutual_information.mi_explorer(MI_RESULTS, MI_EXACT, dpi=30),
    "estimators_under_the_microscope.microscope_explorer":
        lambda: estimators_under_the_microscope.microscope_explorer(MICROSCOPE_RESULTS, MICROSCOPE_EXACT, dpi=30),
    "which_rotation.rotation_explorer":
        lambda: which_rotation.rotation_explorer(WHICH_ROTATION_RUNS, WHICH_ROTATION_TC, dpi=30),
    "why_standard_normal.standard_normal_explorer":
        lambda: why_standard_normal.standard_normal_explorer(dpi=30),
    "zero_initialisation.initialisation_explorer": lambda: zero_initialisation.initialisation_explorer(),
    "coupling_equals_diagonal.equivalence_explorer": lambda: coupling_equals_diagonal.equivalence_explorer(),
    "coupling_vs_autoregressive.explorer": lambda: coupling_vs_autoregressive.explorer(),
    "depth_and_residual_flows.explorer": lambda: depth_and_residual_flows.explorer(),
    "diagonal_vs_coupling_revisited.budget_explorer":
        lambda: diagonal_vs_coupling_revisited.budget_explorer(DVC_GRID),
    "training_a_continuous_flow.snapshot_explorer":
        lambda: training_a_continuous_flow.snapshot_explorer(CONTINUOUS_SNAPSHOTS, CONTINUOUS_KLS, CONTINUOUS_EXACT,
                                                             (-2, 2, -1.5, 1.5), dpi=30),
    "training_a_continuous_flow.tolerance_explorer":
        lambda: training_a_continuous_flow.tolerance_explorer(CONTINUOUS_TOLERANCES, dpi=30),
}

#: Explorers whose controls are checked elsewhere (with the reason): the contract test still
#: builds them and renders their default frame.
CONTROLS_CHECKED_ELSEWHERE = {
    "zero_initialisation.initialisation_explorer":
        "each state trains: test_explorer_zero_initialisation.py checks it on a smaller stack",
    "coupling_equals_diagonal.equivalence_explorer":
        "its states are training snapshots: test_explorer_coupling_equals_diagonal.py checks every step "
        "on a shorter run",
    "coupling_vs_autoregressive.explorer":
        "test_explorer_coupling_vs_autoregressive.py checks every control",
    "depth_and_residual_flows.explorer":
        "each state trains: test_explorer_depth_and_residual_flows.py checks it on a smaller setting",
    "conditioner_design.conditioner_explorer":
        "every state trains a grid of flows: test_explorer_conditioner_design.py checks each "
        "control on a smaller grid",
}

#: Each explorer module's Prediction: a function of no arguments returning it, or None when the
#: notebook writes its own ``Prediction(...)`` (the contract test then looks in the notebook).
PREDICTIONS = {
    "amortised_posteriors": amortised_posteriors.where_is_it_worst,
    "calibration": calibration.too_narrow_or_too_wide,
    "checkerboard_and_channel_masks": checkerboard_and_channel_masks.which_grows_faster,
    "dequantization_and_bits_per_dim": dequantization_and_bits_per_dim.which_term_is_largest,
    "multiscale_flow_on_digits": multiscale_flow_on_digits.sharper_or_not,
    "squeeze_and_multiscale": squeeze_and_multiscale.how_many_go_on,
    "latents": latents.where_is_the_midpoint,
    "zero_initialisation": zero_initialisation.what_happens_at_random_init,
    "coupling_equals_diagonal": coupling_equals_diagonal.when_does_it_break,
    "diagonal_vs_coupling_revisited": diagonal_vs_coupling_revisited.which_wins,
    "coupling_vs_autoregressive": None,
    "depth_and_residual_flows": None,
    "bijector_menu": None,
    "boundaries_and_support": boundaries_and_support.what_happens_at_the_edge,
    "change_of_variables": change_of_variables.denser_or_thinner,
    "composition": composition.rotation_prediction,
    "conditional_density_estimation": conditional_density_estimation.where_is_the_gaussian_worst,
    "three_ways_to_condition": three_ways_to_condition.which_mechanism_struggles,
    "conditioner_design": None,
    "convergence": convergence.more_or_fewer_layers,
    "coupling_pattern": None,
    "density_destructors": density_destructors.marginal_step_prediction,
    "diagnostics": diagnostics.marginal_prediction,
    "diagonal_vs_coupling": diagonal_vs_coupling.which_family,
    "empirical_cdf": empirical_cdf.band_prediction,
    "entropy_from_a_flow": entropy_from_a_flow.above_or_below,
    "training_a_continuous_flow": training_a_continuous_flow.cheaper_or_dearer,
    "estimators_under_the_microscope": estimators_under_the_microscope.too_high_or_too_low,
    "flow_matching": flow_matching.what_happens_where_paths_cross,
    "forward_vs_inverse": forward_vs_inverse.cost_prediction,
    "householder": householder.flip_or_turn,
    "hutchinson": hutchinson.predict_the_spread,
    "kde_and_mixture_cdf": kde_and_mixture_cdf.bandwidth_prediction,
    "layerwise_inspection": layerwise_inspection.first_layer_prediction,
    "learnable_mixture_cdf": lambda: learnable_mixture_cdf.where_does_the_loss_end(1.5),
    "instantaneous_change_of_variables": instantaneous_change_of_variables.where_does_density_fall,
    "linear_ode": linear_ode.shear_prediction,
    "mask_design": None,
    "mutual_information": mutual_information.same_or_not,
    "nll_training": nll_training.which_term_rises,
    "numerical_inversion": numerical_inversion.newton_from_the_valley,
    "numerical_mechanics": numerical_mechanics.epsilon_prediction,
    "one_by_one_and_actnorm": one_by_one_and_actnorm.init_prediction,
    "pca_warm_start": pca_warm_start.frozen_or_trained,
    "rbig_loop": rbig_loop.what_do_samples_look_like,
    "rbig_warm_start": rbig_warm_start.does_the_gap_close,
    "rotation_zoo": rotation_zoo.which_angle,
    "spline_cdfs": spline_cdfs.knot_prediction,
    "total_correlation": total_correlation.which_keeps_up,
    "which_rotation": which_rotation.pca_or_random,
    "why_standard_normal": why_standard_normal.moons_prediction,
}


@lru_cache(maxsize=None)
def build(name: str):
    """The explorer ``name`` (a key of :data:`EXPLORERS`), built once per test process."""
    return EXPLORERS[name]()
