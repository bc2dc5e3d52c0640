"""Let nbmake execute the staged notebooks under ``_build/src``.

nbmake never collects a notebook whose path has a ``_build`` folder in it (it assumes
those are Jupyter Book outputs), which is exactly where ``make book`` stages the copies it
executes. This pytest plugin (``pytest -p gauss_flows.course.site.nbmake_collect --nbmake``)
collects those staged notebooks with a subclass of nbmake's own item, so the run is nbmake's
(``--overwrite`` writes the outputs back into the staged copy). Notebooks outside
``_build`` are left to nbmake itself, so nothing is collected twice.

The one difference: a kernel that dies while STARTING is started again. Two notebooks run at
a time (two xdist workers); each launcher picks ports that are free at that moment, and two
launchers can pick the same one, so the second kernel dies on "Address already in use"
before it runs a single cell. That is a race between launchers, not a property of the
notebook, and nothing of the notebook has run, so starting again is safe. A cell's error, a
timeout, or a kernel that dies while running a cell is reported exactly as nbmake reports it.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from nbmake.pytest_items import NotebookItem

#: How many times a notebook's kernel may be started before its failure to start is reported.
KERNEL_START_ATTEMPTS = 3
#: What jupyter_client raises when the kernel exits before it answered its first request.
DIED_WHILE_STARTING = "Kernel died before replying to kernel_info"


def died_while_starting(error: BaseException) -> bool:
    return isinstance(error, RuntimeError) and DIED_WHILE_STARTING in str(error)


class StagedNotebookItem(NotebookItem):
    """nbmake's notebook item, whose kernel is started again if it died while starting."""

    def runtest(self):
        for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
            try:
                return super().runtest()
            except RuntimeError as error:
                if not died_while_starting(error) or attempt == KERNEL_START_ATTEMPTS:
                    raise
                # a different moment than the other worker's launcher, so different free ports
                time.sleep(random.uniform(0.5, 2.0))


class StagedNotebookFile(pytest.File):
    def collect(self):
        yield StagedNotebookItem.from_parent(self, filename=str(Path(self.fspath)))


def pytest_collect_file(file_path: Path, parent):
    if (
        parent.config.option.nbmake
        and file_path.suffix == ".ipynb"
        and "_build" in file_path.parts
        and ".ipynb_checkpoints" not in file_path.parts
    ):
        return StagedNotebookFile.from_parent(parent, path=file_path)
    return None
