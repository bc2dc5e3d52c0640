"""The installed package works without the checkout, as on Colab or after a download from the site.

Builds the wheel (``pip wheel .``, not an editable install) and installs it with its ``book``
extra into a fresh virtual environment OUTSIDE the checkout (versions constrained to
``requirements.txt``, so the same ones the book is tested with). What a wheel can lose is files,
so the test checks files: every module of the package imports from the installed copy (every
explorer and checker a notebook may import), every data file of the package (the trained
models some notebooks load) is installed and loads, and two notebooks copied alone into an
empty folder run there with that environment's kernel: their first cell
(``gauss_flows.course.site.anywhere``) must find the library installed and do nothing, and
``from _style import ...`` must come from the wheel. (Running one notebook of every part alone
repeated what the module imports check, at four minutes of the test budget.)
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Notebooks run alone from the installed wheel: the quickest of the book, and one that loads
#: the trained models shipped as package data (6·03 reads them through the same loader).
LONE_NOTEBOOKS = {
    "00_foundations": "05_numerical_mechanics.ipynb",
    "06_continuous": "00_linear_ode.ipynb",
}

RUN_ALONE = """
import sys, nbformat, nbclient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
for cell in nb.cells:
    if "setup-anywhere" in cell.metadata.get("tags", []):
        printed = "".join(o.get("text", "") for o in cell.outputs)
        assert "installing" not in printed, printed
print("ran", path)
"""


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(JAX_PLATFORMS="cpu", GAUSS_FLOWS_STATIC="1", **extra)
    return env


def _install(work: Path) -> Path:
    """A fresh venv in ``work`` (outside the checkout) with the built wheel; returns its python."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work / "dist"),
                    str(ROOT)], check=True, cwd=work)
    (wheel,) = (work / "dist").glob("gauss_flows-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    python = work / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-c", str(ROOT / "requirements.txt"),
                    f"{wheel}[book]", "nbclient", "ipykernel"], check=True, cwd=work, env=_clean_env())
    return python


def test_the_lone_notebooks_exist():
    for part, name in LONE_NOTEBOOKS.items():
        assert (ROOT / "notebooks" / part / name).exists(), (part, name)


#: Build tooling, not a reader's: the nbmake collector is a pytest plugin (pytest and nbmake are the
#: test environment's, not dependencies of the package or of its ``book`` extra).
NOT_IMPORTED = ("gauss_flows.course.site.nbmake_collect",)

PROBE = """
import importlib, json, sys
from pathlib import Path
import gauss_flows, _style
root = Path(gauss_flows.__file__).parent
names = json.loads(sys.argv[1])
imported = [importlib.import_module(name).__file__ for name in names]
from gauss_flows.course import checkpoints
models = checkpoints.continuous_two_moons()  # package data: the models 6·03 and 6·04 load
assert len(models.ffjord) == models.settings["seeds"] >= 1, models.settings
digits = checkpoints.digits_multiscale()  # package data: the flow Part 12 loads
assert sorted(digits.snapshots) == sorted(digits.settings["snapshots"]), digits.settings
print(json.dumps({"files": package_files(root), "imported": imported,
                  "paths": [gauss_flows.__file__, _style.__file__, checkpoints.__file__]}))
"""


def package_files(root: Path) -> dict:
    """``{"modules": dotted names of every module, "data": every other file}`` under a package root."""
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    modules = sorted(".".join((root.name, *p.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
                     for p in files if p.suffix == ".py")
    return {"modules": modules, "data": sorted(str(p.relative_to(root)) for p in files if p.suffix != ".py")}


def test_the_installed_wheel_has_every_module_and_data_file_and_runs_notebooks_alone(tmp_path):
    # One test: the venv is built once (xdist would build it per worker).
    assert ROOT not in tmp_path.parents
    python = _install(tmp_path)
    source = package_files(ROOT / "gauss_flows")
    names = [name for name in source["modules"] if name not in NOT_IMPORTED]
    probe = "from pathlib import Path\n" + inspect.getsource(package_files) + PROBE
    done = subprocess.run([str(python), "-c", probe, json.dumps(names)],
                          capture_output=True, text=True, cwd=tmp_path, env=_clean_env())
    assert done.returncode == 0, done.stderr[-3000:]
    installed = json.loads(done.stdout.strip().splitlines()[-1])
    assert installed["files"] == source, (
        "the wheel differs from the source package: missing modules "
        f"{sorted(set(source['modules']) - set(installed['files']['modules']))}, missing data "
        f"{sorted(set(source['data']) - set(installed['files']['data']))} (package-data in pyproject.toml?)")
    for path in installed["paths"] + installed["imported"]:
        assert Path(path).is_relative_to(tmp_path / "venv"), f"{path} does not come from the installed wheel"
    failures = []
    for part, name in sorted(LONE_NOTEBOOKS.items()):
        lone = tmp_path / "lone" / part
        lone.mkdir(parents=True)
        copy = lone / name
        shutil.copy(ROOT / "notebooks" / part / name, copy)
        result = subprocess.run([str(python), "-c", RUN_ALONE, str(copy), str(lone)], capture_output=True,
                                text=True, cwd=lone, env=_clean_env())
        if result.returncode != 0:
            failures.append(f"{part}/{name}:\n{result.stderr[-2000:]}")
        elif sorted(p.name for p in lone.iterdir()) != [name]:
            failures.append(f"{part}/{name} wrote files beside itself: {sorted(p.name for p in lone.iterdir())}")
    assert not failures, "\n\n".join(failures)
