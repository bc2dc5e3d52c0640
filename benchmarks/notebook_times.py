"""Section 5, notebooks: wall time of executing every notebook, as the book build does.

Each ``notebooks/*/*.ipynb`` is executed with ``nbclient`` in a fresh kernel, in its own
folder (as nbmake does), with ``GAUSS_FLOWS_STATIC=1`` (explorers render every state, as
on the website), ``MPLBACKEND=Agg`` and ``JAX_PLATFORMS=cpu``. The time includes starting
the kernel. They run one after another; the total is their sum (``make book`` runs them
with 2 workers, so its wall time is lower). Goal (issue 7): <= 60 s each.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

STAND_IN = {"cells": [{"cell_type": "code", "execution_count": None, "id": "tiny", "metadata": {},
                       "outputs": [], "source": "import gauss_flows as gf\nprint(gf.__version__)"}],
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


def execute(path: Path, timeout: int = 600) -> dict:
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    env = {"GAUSS_FLOWS_STATIC": "1", "MPLBACKEND": "Agg", "JAX_PLATFORMS": "cpu",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    start = time.perf_counter()
    try:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        error = None
    except Exception as err:  # a failing notebook is a row with its error
        error = f"{type(err).__name__}: {str(err).strip().splitlines()[-1] if str(err).strip() else ''}"[:200]
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return {"seconds": time.perf_counter() - start, "error": error,
            "n_cells": sum(c.cell_type == "code" for c in notebook.cells)}


def run(root: Path, tiny: bool, log=print) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        if tiny:  # the machinery on a one-cell stand-in, not the book's notebooks
            import nbformat

            path = scratch / "stand_in.ipynb"
            nbformat.write(nbformat.from_dict(STAND_IN), path)
            paths = [(path, "stand-in (tiny setting)")]
        else:
            paths = []
            for source in sorted((root / "notebooks").glob("*/*.ipynb")):
                copy = scratch / source.parent.name / source.name  # executed on a copy
                copy.parent.mkdir(exist_ok=True)
                shutil.copy2(source, copy)
                for extra in source.parent.iterdir():  # data files next to the notebook
                    if extra.is_file() and extra.suffix != ".ipynb":
                        shutil.copy2(extra, copy.parent / extra.name)
                paths.append((copy, str(source.relative_to(root))))
        for path, label in paths:
            result = execute(path)
            rows.append({"notebook": label, **result})
            log(f"  {label}: {result['seconds']:.1f} s" + (f" ERROR {result['error']}" if result["error"] else ""))
    return {"rows": rows, "total": sum(r["seconds"] for r in rows)}
