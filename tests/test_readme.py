"""The README's code runs as printed, and what it trains is good.

Every ```python block of README.md is executed as written, in a fresh interpreter (float32,
the library's defaults: what a reader who copies it gets), then checked on the objects it
made: the ten-line coupling flow's KL to the exact two-moons density, and the conditional
flow's KL to the linear-Gaussian simulator's exact posterior at held-out observations. The
bounds are loose (measured 2026-12-08 at the defaults: two moons KL 0.019 +- 0.001, bound 0.04,
which the defaults before issue 16 broke with 0.067 +- 0.002; posterior mean KL 0.011 over 8
observations, bound 0.03) so that only a regression of the defaults or of the README breaks them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECKS = """
import jax.random as jr, numpy as np
import gauss_flows as gf
assert "flow" in dir() and "posterior" in dir(), "the README no longer builds `flow` and `posterior`"
kl, se = gf.datasets.kl_divergence(jr.key(99), gf.datasets.TwoMoons(noise=0.05), flow, n=20_000)
print(f"two moons: KL {kl:.4f} +- {se:.4f}")
assert kl < 0.04, f"the README's coupling flow reaches KL {kl:.4f} on two moons (bound 0.04)"
held_out = simulator.sample(jr.key(98), 8)[1]
kls, _ = gf.conditional_data.conditional_kl(jr.key(97), simulator.posterior, posterior, held_out, n=4000)
print("posterior KLs:", np.round(kls, 4))
assert float(np.mean(kls)) < 0.03, f"the README's amortised posterior: mean KL {np.mean(kls):.4f} (bound 0.03)"
assert draws.shape == (1000, 2) and np.all(np.isfinite(log_q)), (draws.shape, log_q)
"""


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_examples_run_as_printed_and_train_well(tmp_path):
    blocks = python_blocks()
    assert len(blocks) >= 2, "the README lost its examples"
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    done = subprocess.run([sys.executable, "-c", "\n".join(blocks) + CHECKS], cwd=tmp_path, env={**env, "JAX_PLATFORMS": "cpu"},
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
