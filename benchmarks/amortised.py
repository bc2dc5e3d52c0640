"""Section 9, amortised posteriors: one conditional flow q(theta | x) per seed, trained on simulated
pairs (theta, x) from the joint, scored against the exact posterior at held-out observations.

For every row (a simulator and a way of conditioning) ``seeds`` flows are trained side by side
(``gf.fit_ensemble``: each member its own initialisation, validation split and minibatch order,
on the same simulations) for ``epochs`` epochs. Each member is scored by the forward KL
KL(p(. | x) || q(. | x)) = E_p[log p - log q] at ``n_obs`` observations drawn from the prior
predictive with a key no training used (``gf.conditional_data.conditional_kl``, ``n_draws`` exact
posterior draws per observation), averaged over the observations; the table gives mean +- SE of
that average over seeds, the worst observation's KL (mean over seeds), and the wall time of the
whole ensemble fit (compilation included).

    python benchmarks/run.py --only amortised          # about 3 min on 2 cores
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import equinox as eqx
import jax
import jax.random as jr
import numpy as np

import gauss_flows as gf
from gauss_flows.conditional_data import Bilinear, LinearGaussian, conditional_kl


@dataclass(frozen=True)
class Settings:
    seeds: int = 5
    n_train: int = 4000
    epochs: int = 40
    n_obs: int = 50
    n_draws: int = 1000
    width: int = 16
    layers: int = 4
    # (simulator, conditioning, transformer) per row
    rows: tuple = (("linear-Gaussian", "input", "affine"), ("linear-Gaussian", "hypernetwork", "affine"),
                   ("linear-Gaussian", "base", "affine"), ("bilinear", "input", "spline"))

    def tiny(self) -> "Settings":
        return replace(self, seeds=2, n_train=256, epochs=2, n_obs=3, n_draws=50, width=4, layers=2,
                       rows=(("linear-Gaussian", "input", "affine"),))


SIMULATORS = {"linear-Gaussian": LinearGaussian, "bilinear": Bilinear}


def make_flow(key, s: Settings, simulator, conditioning: str, transformer: str):
    template = gf.Affine() if transformer == "affine" else gf.RationalQuadraticSpline(knots=8, interval=4.0)
    return gf.coupling_flow(key, shape=simulator.parameter_shape, transformer=template, n_layers=s.layers,
                            nn_width=s.width, nn_depth=1, condition_shape=simulator.observation_shape,
                            conditioning=conditioning)


def run(s: Settings = Settings()) -> dict:
    jax.config.update("jax_enable_x64", False)
    rows = []
    for name, conditioning, transformer in s.rows:
        simulator = SIMULATORS[name]()
        theta, x = simulator.sample(jr.key(0), s.n_train)
        observations = simulator.sample(jr.key(10_000), s.n_obs)[1]
        flows = eqx.filter_vmap(lambda k: make_flow(k, s, simulator, conditioning, transformer))(
            jr.split(jr.key(1), s.seeds))
        start = time.perf_counter()
        flows, history = gf.fit_ensemble(jr.key(2), flows, theta, condition=x, learning_rate=3e-3,
                                         max_epochs=s.epochs, batch_size=128, patience=None)
        jax.block_until_ready(flows)
        seconds = time.perf_counter() - start
        kls = np.stack([conditional_kl(jr.key(20_000), simulator.posterior, gf.ensembles.member(flows, m),
                                       observations, n=s.n_draws)[0] for m in range(s.seeds)])   # (seeds, n_obs)
        per_seed = kls.mean(axis=1)
        rows.append({"simulator": name, "conditioning": conditioning, "transformer": transformer,
                     "kl": float(per_seed.mean()), "kl_se": float(per_seed.std(ddof=1) / math.sqrt(s.seeds)),
                     "worst": float(kls.max(axis=1).mean()), "seconds": seconds,
                     "parameters": gf.count_parameters(gf.ensembles.member(flows, 0)),
                     "epochs": int(history["n_epochs"])})
        print(f"{name:16s} {conditioning:12s}: KL {rows[-1]['kl']:.4f} ± {rows[-1]['kl_se']:.4f} nats, "
              f"fit {seconds:.1f} s", flush=True)
    return {"settings": {k: v for k, v in s.__dict__.items() if k != "rows"}, "rows": rows}
