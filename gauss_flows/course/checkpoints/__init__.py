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

__all__ = ["ContinuousTwoMoons", "continuous_two_moons", "DigitsMultiscale", "digits_multiscale",
           "digits_held_out_bits_per_dim", "DIGITS_EVAL_KEY"]


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


#: Held-out scores of seed ``s`` in ``benchmarks/images.py`` use ``jr.key(DIGITS_EVAL_KEY + s)``.
DIGITS_EVAL_KEY = 10_000


def digits_held_out_bits_per_dim(flow, seed: int, n_draws: int, dequantizer=None) -> float:
    """Test-set bits/dim of a model of the digits exactly as ``benchmarks/images.py`` measures it:
    float32 (the dequantization noise is drawn in float32, whatever ``jax_enable_x64`` says),
    ``n_draws`` dequantizations of each test image from ``jr.key(DIGITS_EVAL_KEY + seed)``, so
    a checkpoint re-measured here gives the manifest's number."""
    import jax
    import gauss_flows as gf

    with jax.enable_x64(False):
        return gf.dequantization.held_out_bits_per_dim(
            lambda y: gf.jit_log_prob(flow, y), jr.key(DIGITS_EVAL_KEY + seed),
            gf.images.digits().test_images, n_draws=n_draws, dequantizer=dequantizer)


@dataclass(frozen=True)
class DigitsMultiscale:
    """The models of ``benchmarks/images.py`` (Part 12): the first seed's multi-scale flow on the
    8x8 digits (a density of logit space) trained with uniform dequantization (``flow``), the
    same flow at a few epochs of that training (``snapshots``, ``{epoch: flow}``), and the flow
    trained jointly with its variational ``dequantizer``. (The last snapshot is ``flow`` itself, stored once.) The manifest holds the table of
    ``benchmarks/RESULTS.md`` section 10 (``rows``), the training curve and how the held-out
    bits/dim were measured."""

    manifest: dict
    flow: object
    snapshots: dict
    variational_flow: object
    dequantizer: object

    @property
    def settings(self) -> dict:
        return self.manifest["settings"]

    def row(self, model: str) -> dict:
        """The manifest's record of ``model`` ("gaussian", "pca", "rbig", "diagonal", "multiscale",
        "multiscale_variational"): mean bits/dim, its SE, per-seed numbers, fit time."""
        rows = {row["model"]: row for row in self.manifest["rows"]}
        if model not in rows:
            raise KeyError(f"no model {model!r} in the manifest; it has {sorted(rows)}.")
        return rows[model]


@lru_cache(maxsize=1)
def digits_multiscale(folder: str | Path | None = None) -> DigitsMultiscale:
    """Load the Part 12 models, in float32 as they were trained (``gf.cast`` them to float64)."""
    import gauss_flows as gf

    folder = Path(folder) if folder is not None else HERE / "digits_multiscale"
    manifest = json.loads((folder / "manifest.json").read_text())
    s = manifest["settings"]
    # the skeletons are abstract (shapes and dtypes only, eqx.filter_eval_shape): building them for
    # real would initialise, and compile, every conditioner just to overwrite it (seconds)
    flow = eqx.filter_eval_shape(lambda: gf.cast(gf.multiscale_flow(
        jr.key(0), shape=gf.images.IMAGE_SHAPE,
        transformer=gf.RationalQuadraticSpline(knots=s["knots"], interval=s["interval"]), n_levels=s["n_levels"],
        n_couplings=s["n_couplings"], nn_width=s["width"], nn_depth=s["depth"]), jnp.float32))
    dequantizer = eqx.filter_eval_shape(lambda: gf.cast(gf.dequantization.VariationalDequantizer(
        jr.key(0), n_layers=s["dequantizer_layers"], nn_width=s["dequantizer_width"]), jnp.float32))
    return DigitsMultiscale(
        manifest=manifest,
        flow=_load(folder / "multiscale_seed0.eqx", flow),
        snapshots={int(e): _load(folder / (f"multiscale_seed0_epoch{e}.eqx" if e != s["epochs"] else
                                           "multiscale_seed0.eqx"), flow) for e in s["snapshots"]},
        variational_flow=_load(folder / "multiscale_variational_seed0.eqx", flow),
        dequantizer=_load(folder / "dequantizer_seed0.eqx", dequantizer))
