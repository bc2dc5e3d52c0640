"""`make bench` runs: the benchmark script, at its tiny setting, writes all eleven tables.

Nothing about time is asserted (timings belong in benchmarks/RESULTS.md, not in tests);
this checks the machinery: every section runs, records its numbers, and the report has
every table and figure. FlowJAX (benchmarks/requirements.txt) is needed for two sections.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"

import flowjax  # noqa: E402,F401  (`make test` installs benchmarks/requirements.txt: a missing peer is a failure, not a skip)

# The tiny run (2-3 minutes) is checked by ONE test, so that one xdist worker runs it once while
# the other goes on with other tests. (Grouping tests with xdist_group + --dist loadgroup would
# be the usual way, but with pytest 9 and pytest-xdist 3.8 it does not group: xdist renames
# item._nodeid, which pytest 9 no longer reads; measured, both workers ran the fixture.)


def _run(out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "MPLBACKEND": "Agg"}
    env.pop("JAX_ENABLE_X64", None)  # the benchmarks are float32 unless a section says otherwise
    return subprocess.run([sys.executable, str(RUN), "--tiny", "--out", str(out), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)


def test_the_tiny_run_writes_every_table_record_and_figure_and_one_section_alone_keeps_the_rest(tmp_path):
    tiny_run = tmp_path
    done = _run(tiny_run)
    assert done.returncode == 0, done.stderr[-3000:]
    check_tables_and_figures(tiny_run)
    check_records(tiny_run)
    check_one_section_keeps_the_other_tables(tiny_run)


def check_tables_and_figures(tiny_run):
    text = (tiny_run / "RESULTS.md").read_text()
    for title in ("1. Fit quality", "2. Speed", "3. Numerics", "4. Explorer latency", "5. Notebook run times",
                  "6. Live latency", "7. Information estimators", "8. Continuous-time flows",
                  "9. Amortised posteriors", "10. Images", "11. The defaults"):
        assert f"## {title}" in text, title
    assert "Not run yet" not in text
    assert text.count("TINY test setting") == 11  # tiny numbers can never pass for real ones
    for figure in ("fit_quality.png", "speed.png"):
        assert f"]({figure})" in text
        assert (tiny_run / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def check_records(tiny_run):
    records = {p.stem: json.loads(p.read_text())["result"] for p in (tiny_run / "results").glob("*.json")}
    assert set(records) == {"fit", "speed", "numerics", "explorers", "notebooks", "live", "information", "continuous",
                           "amortised", "images", "defaults"}
    live = {r["explorer"]: r for r in records["live"]["rows"]}
    assert set(live) == {"linear_flow_explorer", "mask_explorer"}
    for row in live.values():  # driven on every control, back and forth, mask cells included
        assert row["n"] >= 4 and 0 < row["p50"] <= row["p95"] <= row["max"] and math.isfinite(row["first_draw"])
    for row in records["fit"]["rows"]:
        for library in ("gauss_flows", "flowjax"):
            assert math.isfinite(row[library]["kl"]) and row[library]["se"] > 0
    assert {r["what"] for r in records["speed"]["rows"]} >= {"log_prob", "sample", "step"}
    assert all(math.isfinite(r[k]) and r[k] > 0 for r in records["speed"]["rows"] for k in ("ratio", "ratio_stacked"))
    numerics = [r for r in records["numerics"]["rows"] if "error" not in r]
    assert {r["dtype"] for r in numerics} == {"float32", "float64"}
    assert {r["inputs"] for r in numerics} == {"typical", "far tail"}
    assert records["explorers"]["rows"] and all("error" not in r for r in records["explorers"]["rows"])
    assert all(r["error"] is None for r in records["notebooks"]["rows"])
    information = records["information"]["rows"]
    assert {r["estimator"] for r in information} >= {"KSG", "RBIG"}
    assert all(math.isfinite(r["bias"]) and r["std"] >= 0 for r in information)
    continuous = {r["model"]: r for r in records["continuous"]["rows"]}
    assert set(continuous) == {"ffjord", "flow matching", "coupling"}
    for row in continuous.values():
        assert math.isfinite(row["kl"]) and row["kl_se"] > 0 and row["seconds"] > 0 and row["evaluations"] >= 1
    # an ODE's count is the solver's (at least one step of 6 stages), the coupling's its layers
    assert continuous["ffjord"]["evaluations"] >= 6 and continuous["flow matching"]["evaluations"] >= 6
    assert continuous["coupling"]["evaluations"] == records["continuous"]["settings"]["coupling_layers"]
    (amortised,) = records["amortised"]["rows"]
    assert amortised["simulator"] == "linear-Gaussian" and amortised["seconds"] > 0 and amortised["parameters"] > 0
    assert math.isfinite(amortised["kl"]) and amortised["kl_se"] > 0 and amortised["worst"] >= amortised["kl"]
    images = {r["model"]: r for r in records["images"]["rows"]}
    assert set(images) == {"gaussian", "pca", "rbig", "diagonal", "multiscale", "multiscale_variational"}
    for row in images.values():   # nothing is compared at the tiny setting: finite scores, every seed
        assert math.isfinite(row["bits_per_dim"]) and row["se"] >= 0 and row["seconds"] > 0
        assert len(row["per_seed"]) == records["images"]["settings"]["seeds"]
    epochs = [snap["epoch"] for snap in records["images"]["training_seed0"]["snapshots"]]
    assert epochs == list(records["images"]["settings"]["snapshots"])
    defaults = {r["target"]: r for r in records["defaults"]["rows"]}
    assert {r["dim"] for r in defaults.values()} == {8}   # the 8-D density (of the 2-D ones)
    for row in defaults.values():  # every library, every seed: finite KL and time
        for library in ("gauss_flows", "FlowJAX", "gauss_flows before"):
            assert len(row[library]["kls"]) == records["defaults"]["seeds"]
            assert all(math.isfinite(kl) for kl in row[library]["kls"]) and row[library]["seconds"] > 0


def check_one_section_keeps_the_other_tables(tiny_run):
    before = json.loads((tiny_run / "results" / "fit.json").read_text())
    done = _run(tiny_run, "--only", "notebooks")
    assert done.returncode == 0, done.stderr[-3000:]
    text = (tiny_run / "RESULTS.md").read_text()
    assert "## 1. Fit quality" in text and "Not run yet" not in text
    assert json.loads((tiny_run / "results" / "fit.json").read_text()) == before


def test_an_unknown_section_is_refused(tmp_path):
    done = _run(tmp_path, "--only", "everything")
    assert done.returncode != 0 and "invalid choice" in done.stderr


def test_checkpoints_need_one_section_that_saves_models(tmp_path):
    done = _run(tmp_path, "--checkpoints", str(tmp_path / "models"))
    assert done.returncode != 0 and "--only continuous or --only images" in done.stderr
    assert not (tmp_path / "models").exists()
