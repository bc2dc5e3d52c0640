"""Let nbmake execute the staged notebooks under ``_build/src``.

nbmake never collects a notebook whose path has a ``_build`` folder in it (it assumes
those are Jupyter Book outputs), which is exactly where ``make book`` stages the copies it
executes. This pytest plugin (``pytest -p gauss_flows.course.site.nbmake_collect --nbmake``)
collects those staged notebooks with nbmake's own item class, so the run is nbmake's
(``--overwrite`` writes the outputs back into the staged copy). Notebooks outside
``_build`` are left to nbmake itself, so nothing is collected twice.
"""

from __future__ import annotations

from pathlib import Path

from nbmake.pytest_items import NotebookFile


def pytest_collect_file(file_path: Path, parent):
    if (
        parent.config.option.nbmake
        and file_path.suffix == ".ipynb"
        and "_build" in file_path.parts
        and ".ipynb_checkpoints" not in file_path.parts
    ):
        return NotebookFile.from_parent(parent, path=file_path)
    return None
