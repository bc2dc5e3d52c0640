"""Trained models that a notebook loads instead of training them for minutes on a CPU.

Each folder is written by a script of ``benchmarks/`` (its ``manifest.json`` records the command,
the settings, the library versions and the numbers the script measured); this module rebuilds
the models' skeletons from those settings with the public library and fills in the saved leaves
(``equinox.tree_deserialise_leaves``). They ship inside the package, so a notebook downloaded
alone finds them wherever ``gauss_flows`` is installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr

HERE = Path(__file__).resolve().parent

__all__ = ["ContinuousTwoMoons", "continuous_two_moons"]


@dataclass(frozen=True)
class ContinuousTwoMoons:
    """The models of ``benchmarks/continuous.py`` (Part 6 · 03): per seed, the continuous flow's
    vector field trained by maximum likelihood (``ffjord``) and by flow matching, Part 5's coupling
    flow, and the first seed's field at a few epochs of its training (``snapshots``)."""

    manifest: dict
    ffjord: tuple
    flow_matching: tuple
    coupling: tuple
    snapshots: dict

    @property
    def settings(self) -> dict:
        return self.manifest["settings"]


def _load(path: Path, like):
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `{json.loads((path.parent / 'manifest.json').read_text())['command']}`.")
    return eqx.tree_deserialise_leaves(path, like)


@lru_cache(maxsize=1)
def continuous_two_moons(folder: str | Path | None = None) -> ContinuousTwoMoons:
    """Load the Part 6 · 03 models, in float32 as they were trained (``gf.cast`` them to float64)."""
    import gauss_flows as gf

    folder = Path(folder) if folder is not None else HERE / "continuous_two_moons"
    manifest = json.loads((folder / "manifest.json").read_text())
    s = manifest["settings"]
    field = gf.VectorField(jr.key(0), (2,), width=s["width"], depth=s["depth"], dtype=jnp.float32)
    coupling = gf.cast(gf.coupling_flow(jr.key(0), shape=(2,), transformer=gf.RationalQuadraticSpline(knots=s["coupling_knots"], interval=4.0),
                                n_layers=s["coupling_layers"], nn_width=s["coupling_width"], nn_depth=2), jnp.float32)
    seeds = range(s["seeds"])
    return ContinuousTwoMoons(
        manifest=manifest,
        ffjord=tuple(_load(folder / f"ffjord_seed{i}.eqx", field) for i in seeds),
        flow_matching=tuple(_load(folder / f"flow_matching_seed{i}.eqx", field) for i in seeds),
        coupling=tuple(_load(folder / f"coupling_seed{i}.eqx", coupling) for i in seeds),
        snapshots={int(e): _load(folder / f"ffjord_seed0_epoch{e}.eqx", field) for e in s["snapshots"]})
