"""The first code cell of every notebook: it makes the notebook run anywhere.

In the repository's environment (``make lab``, ``make book``) ``gauss_flows`` is importable
and the cell does nothing. On Colab, or in a notebook downloaded alone from the site or
unzipped from the student edition, it installs the book's library, pinned to the book's
release (the git tag ``v<version>`` of the repository named in ``_config.yml``), and says so.
The wheel carries the top-level ``_style`` module too, so the notebook's
``from _style import ...`` works after the install.

The cell is written by this module, never by hand, so that every notebook carries the same
one (``--check`` is what the tests run):

    python -m gauss_flows.course.site.anywhere --write notebooks
    python -m gauss_flows.course.site.anywhere --check notebooks

The cell is tagged ``remove-cell``: a reader of the website needs no install step. It is kept
in the student edition and in the notebooks the site offers for download.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from gauss_flows.course.site import identity

SETUP_TAG = "setup-anywhere"
TAGS = [SETUP_TAG, "remove-cell"]


def repository_url(config_path: Path) -> str:
    """The repository URL written in ``_config.yml`` (``repository: url:``), the one place it lives."""
    text = Path(config_path).read_text()
    match = re.search(r"^repository:\s*\n(?:[ \t]+.*\n)*?[ \t]+url:\s*(\S+)", text, flags=re.M)
    if match is None:
        raise ValueError(f"{config_path} has no `repository: url:` entry")
    return match.group(1).rstrip("/")


def package_version(pyproject_path: Path) -> str:
    """The ``version`` of the ``[project]`` table in ``pyproject.toml``."""
    match = re.search(r'^version\s*=\s*"([^"]+)"', Path(pyproject_path).read_text(), flags=re.M)
    if match is None:
        raise ValueError(f"{pyproject_path} has no version")
    return match.group(1)


def setup_source(url: str, version: str) -> str:
    """The cell's code: install the pinned release only where ``gauss_flows`` is missing."""
    requirement = f"gauss_flows[book] @ git+{url}@v{version}"
    return (
        "# Runs anywhere: in the book's environment this cell does nothing. On Colab, or in a\n"
        "# notebook downloaded alone, it first installs the book's library (this release).\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("gauss_flows") is None:\n'
        f'    print("gauss_flows is not installed here: installing release {version} from {url}")\n'
        f"    %pip install --quiet {json.dumps(requirement)}"
    )


def setup_cell(url: str, version: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": SETUP_TAG, "metadata": {"tags": list(TAGS)},
            "outputs": [], "source": setup_source(url, version).splitlines(keepends=True)}


def _is_setup(cell: dict) -> bool:
    return cell.get("cell_type") == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def with_setup_cell(nb: dict, url: str, version: str) -> dict:
    """``nb`` with exactly one setup cell, placed before its first code cell."""
    cells = [c for c in nb["cells"] if not _is_setup(c)]
    first_code = next((i for i, c in enumerate(cells) if c.get("cell_type") == "code"), len(cells))
    cells.insert(first_code, setup_cell(url, version))
    return {**nb, "cells": cells}


def problems(nb: dict, url: str, version: str) -> list[str]:
    """What is wrong with a notebook's setup cell (empty when it is right)."""
    setups = [i for i, c in enumerate(nb["cells"]) if _is_setup(c)]
    codes = [i for i, c in enumerate(nb["cells"]) if c.get("cell_type") == "code"]
    if len(setups) != 1:
        return [f"{len(setups)} setup cells (want exactly one)"]
    found = []
    if setups[0] != codes[0]:
        found.append("the setup cell is not the first code cell")
    cell = nb["cells"][setups[0]]
    if "".join(cell["source"]) != setup_source(url, version):
        found.append("the setup cell differs from the generated one (run --write)")
    return found


def notebooks_under(folder: Path) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="insert or update the setup cell")
    action.add_argument("--check", action="store_true", help="exit 1 if a notebook's cell is missing or stale")
    parser.add_argument("notebooks", type=Path)
    parser.add_argument("--root", type=Path, default=Path("."), help="where _config.yml and pyproject.toml are")
    args = parser.parse_args(argv)
    url = repository_url(args.root / "_config.yml")
    version = package_version(args.root / "pyproject.toml")
    bad = 0
    for path in notebooks_under(args.notebooks):
        nb = json.loads(path.read_text())
        if args.write:
            new = with_setup_cell(nb, url, version)
            if new != nb:
                path.write_text(identity.dumps(new), encoding="utf-8")  # as nbformat / nbstripout write
                print(f"wrote the setup cell of {path}")
        else:
            for problem in problems(nb, url, version):
                print(f"{path}: {problem}")
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
