"""Every notebook carries its identity (gauss_flows/course/site/identity.py), the grader's key.

A notebook without one, or with one that is not its path under notebooks/, fails here: run
``python -m gauss_flows.course.site.identity --write notebooks`` and commit the result.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from gauss_flows.course.site import identity, student

ROOT = Path(os.environ.get("GAUSS_FLOWS_BOOK_ROOT", Path(__file__).resolve().parents[1]))
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_FILES = student.notebook_paths(NOTEBOOKS) if NOTEBOOKS.is_dir() else []
FIX = "run `python -m gauss_flows.course.site.identity --write notebooks`"


def test_there_are_notebooks():
    assert NOTEBOOK_FILES, f"no notebooks under {NOTEBOOKS}"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_notebook_has_its_path_as_identity(path):
    nb = student.read_notebook(path)
    found, want = identity.notebook_id(nb), identity.expected_id(path, NOTEBOOKS)
    assert found == want, f"{path.name}: identity {found!r}, expected {want!r}: {FIX}"
    assert identity.notebook_id(student.student_notebook(nb, path.name)) == want, (
        "the student edition dropped the identity"
    )


def test_identities_are_unique():
    ids = Counter(identity.notebook_id(student.read_notebook(p)) for p in NOTEBOOK_FILES)
    assert [i for i, n in ids.items() if n > 1] == []


def test_write_ids_changes_only_the_metadata(tmp_path):
    cells = [{"cell_type": "markdown", "id": "a", "metadata": {}, "source": "é ü, no ASCII escapes"}]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "03_part" / "01_topic.ipynb"
    path.parent.mkdir()
    path.write_text(identity.dumps(nb), encoding="utf-8")
    assert identity.main([str(tmp_path)]) == 1, "a missing identity must be reported"
    assert identity.write_ids(tmp_path) == [path]
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["metadata"] == {"gauss_flows": {"id": "03_part/01_topic"}, "kernelspec": {"name": "python3"}}
    assert written["cells"] == cells and "é ü" in path.read_text(encoding="utf-8")
    assert identity.write_ids(tmp_path) == [] and identity.main([str(tmp_path)]) == 0


@pytest.mark.parametrize("metadata", [{}, {"gauss_flows": "x"}, {"gauss_flows": {"id": ""}}, {"gauss_flows": {"id": 3}}])
def test_no_or_malformed_identity_reads_as_none(metadata):
    assert identity.notebook_id({"cells": [], "metadata": metadata}) is None
