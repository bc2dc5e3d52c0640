"""Part 5 · 04 experiment: the benchmark writes the table the explorer reads; controls redraw."""

import json

import jax
import numpy as np
import pytest

from gauss_flows.course.explorers import diagonal_vs_coupling_revisited as dvc

jax.config.update("jax_enable_x64", True)


@pytest.fixture(scope="module")
def tiny_table(tmp_path_factory):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "diagonal_vs_coupling.py"
    spec = importlib.util.spec_from_file_location("diagonal_vs_coupling", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("table")
    parts = [out / "a.json", out / "b.json"]
    for budget, path in zip((100, 200), parts):
        module.main(["--out", str(path), "--budgets", str(budget), "--depths", "1", "--seeds", "2", "--tiny"])
    module.main(["--merge", *map(str, parts), "--out", str(out / "table.json")])
    return dvc.load_table(out / "table.json")


def test_the_benchmark_output_has_the_format_the_notebook_reads(tiny_table):
    assert tiny_table["settings"]["budgets"] == [100, 200] and tiny_table["settings"]["seeds"] == 2
    record = dvc.lookup(tiny_table, "coupling", 200, 1)
    assert record["n_parameters"] > 0 and len(record["kl"]) == 2 and all(np.isfinite(record["kl"]))
    broken = json.loads(json.dumps(tiny_table))
    broken["records"].pop()
    with pytest.raises(ValueError, match="misses"):
        dvc.validate_table(broken)
    broken = json.loads(json.dumps(tiny_table))
    broken["records"][0]["kl"] = [1.0]
    with pytest.raises(ValueError, match="finite KL"):
        dvc.validate_table(broken)


def test_architectures_match_the_budgets():
    import jax.random as jr
    import gauss_flows as gf

    for family in dvc.FAMILIES:
        for depth in dvc.DEPTHS:
            for budget in dvc.BUDGETS:
                n = gf.count_parameters(dvc.make_flow(family, budget, depth, jr.key(0)))
                assert abs(n - budget) <= 0.25 * budget, (family, depth, budget, n)
    with pytest.raises(ValueError, match="family"):
        dvc.architecture("triangular", 100, 1)


def test_every_control_changes_the_frame(tiny_table):
    explorer = dvc.budget_explorer(tiny_table)
    assert explorer.n_states == 2
    a, b = explorer.render_state(budget=100, depth=1), explorer.render_state(budget=200, depth=1)
    assert a.error is None and b.error is None and a.image != b.image and a.readout != b.readout
    with pytest.raises(ValueError, match="no record"):
        dvc.lookup(tiny_table, "diagonal", 400, 1)
    assert dvc.which_wins().answer in dvc.which_wins().options
