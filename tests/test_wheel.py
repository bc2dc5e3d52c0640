"""The installed package runs a notebook alone, as on Colab or after a download from the site.

Builds the wheel (``pip wheel .``, not an editable install), installs it with its ``book``
extra into a fresh virtual environment OUTSIDE the checkout (versions constrained to
``requirements.txt``, so the same ones the book is tested with), copies one notebook of every
part alone into an empty folder and executes it there with that environment's kernel. The
notebook's first cell (``gauss_flows.course.site.anywhere``) must find the library installed
and do nothing; ``from _style import ...`` must come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: One notebook of every part: the quickest of each. A new part adds a line.
LONE_NOTEBOOKS = {
    "00_foundations": "05_numerical_mechanics.ipynb",
    "01_marginal": "00_empirical_cdf.ipynb",
    "02_rotations": "01_householder.ipynb",
    "03_rbig": "01_convergence.ipynb",
    "04_maximum_likelihood": "01_rbig_warm_start.ipynb",
    "05_coupling": "03_mask_design.ipynb",
    "06_continuous": "00_linear_ode.ipynb",
    "07_conditional": "03_calibration.ipynb",
    "14_information": "00_entropy_from_a_flow.ipynb",
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


def test_every_part_has_a_lone_notebook():
    parts = sorted(p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))
    assert sorted(LONE_NOTEBOOKS) == parts
    for part, name in LONE_NOTEBOOKS.items():
        assert (ROOT / "notebooks" / part / name).exists(), (part, name)


def test_the_installed_wheel_runs_a_lone_notebook_of_every_part(tmp_path):
    # One test, not one per part: the venv is built once (xdist would build it per worker).
    assert ROOT not in tmp_path.parents
    python = _install(tmp_path)
    # The trained models a notebook loads (6·03, 6·04) are package data: the wheel must carry them
    # and they must load from the installed package (loading them is the notebooks' first use).
    probe = ("import gauss_flows, _style, gauss_flows.presentation.widgets, gauss_flows.course.exercises;"
             "from gauss_flows.course import checkpoints;"
             "models = checkpoints.continuous_two_moons();"
             "assert len(models.ffjord) == models.settings['seeds'] >= 1, models.settings;"
             "print(gauss_flows.__file__); print(_style.__file__); print(checkpoints.__file__)")
    out = subprocess.run([str(python), "-c", probe], check=True, capture_output=True, text=True,
                         cwd=tmp_path, env=_clean_env()).stdout.split()
    for path in out:
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
