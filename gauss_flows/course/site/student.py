"""The student edition: every notebook with its solutions taken out.

For each notebook under ``notebooks/`` (same tree under ``_build/student/``, and a zip):

- a code cell tagged ``solution`` becomes a stub that keeps only its first line, the comment
  ``# Exercise <n>: <what to write>``, and raises
  ``NotImplementedError("Exercise <n>: <what to write>")``, so running the notebook top to
  bottom stops at the first exercise the student has not done;
- the ``{solution-start}`` / ``{solution-end}`` markdown cells, and anything between them
  that is not the code the student writes, are deleted;
- all outputs and execution counts are cleared and only harmless metadata is kept
  (kernelspec, language, the notebook's identity of ``identity``, cell tags other than
  ``solution``), so nothing of a solution survives in code, markdown, outputs or metadata.

A notebook whose exercises break the convention of ``exercise_cells`` is refused with the
list of problems, rather than half-stripped.

Usage: ``python -m gauss_flows.course.site.student [--notebooks notebooks] [--out _build/student]
[--zip _build/student.zip]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import shutil
import sys
import zipfile
from pathlib import Path

from gauss_flows.course.site import exercise_cells as ec

# "gauss_flows" holds the notebook's identity (site/identity.py): the grader matches by it.
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", "gauss_flows")
KEPT_CELL_METADATA = ("tags",)
ZIP_ROOT = "gauss_flows_student"
# A fixed timestamp so that the same notebooks always give the same zip.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


class ExerciseFormatError(ValueError):
    """A notebook's exercises do not follow the book's convention."""


def stub_source(number: int, what: str) -> str:
    message = f"Exercise {number}: {what}"
    return f"# {message}\nraise NotImplementedError({json.dumps(message)})\n"


def _clean_metadata(metadata: dict, keep) -> dict:
    out = {k: copy.deepcopy(v) for k, v in metadata.items() if k in keep}
    if "tags" in out:
        out["tags"] = [t for t in out["tags"] if t != ec.SOLUTION_TAG]
        if not out["tags"]:
            del out["tags"]
    return out


def student_notebook(nb: dict, name: str = "notebook") -> dict:
    """The student edition of one notebook (a new dict; ``nb`` is not modified)."""
    found_problems = [p for p in ec.problems(nb, name) if "at least 2" not in p]
    if found_problems:
        raise ExerciseFormatError("\n".join(found_problems))
    cells_out = []
    inside_solution = False
    for cell in nb["cells"]:
        if ec.is_solution_start(cell):
            inside_solution = True
            continue
        if ec.is_solution_end(cell):
            inside_solution = False
            continue
        if ec.is_solution_cell(cell):
            number, what = ec.stub_header(cell)
            cells_out.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": stub_source(number, what),
                }
            )
            continue
        if inside_solution:
            continue  # prose that explains the solution is part of the solution
        new = {
            "cell_type": cell["cell_type"],
            "metadata": _clean_metadata(cell.get("metadata", {}), KEPT_CELL_METADATA),
            "source": ec.source(cell),
        }
        if "attachments" in cell:  # images pasted into markdown
            new["attachments"] = copy.deepcopy(cell["attachments"])
        if cell["cell_type"] == "code":
            new["execution_count"] = None
            new["outputs"] = []
        cells_out.append(new)
    for i, cell in enumerate(cells_out):
        # Short deterministic ids (nbformat >= 4.5 wants one per cell); never the solution's.
        cell["id"] = f"cell-{i:03d}"
    return {
        "cells": cells_out,
        "metadata": _clean_metadata(nb.get("metadata", {}), KEPT_NOTEBOOK_METADATA),
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_notebook(nb: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def notebook_paths(notebooks_dir: Path) -> list[Path]:
    return sorted(
        p for p in Path(notebooks_dir).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def write_student_edition(notebooks_dir: Path, out_dir: Path, zip_path: Path | None) -> list[Path]:
    """Write the student edition of every notebook; returns the paths written."""
    notebooks_dir, out_dir = Path(notebooks_dir), Path(out_dir)
    sources = notebook_paths(notebooks_dir)
    editions = {}
    errors = []
    for path in sources:
        relative = path.relative_to(notebooks_dir)
        try:
            editions[relative] = student_notebook(read_notebook(path), str(relative))
        except ExerciseFormatError as error:
            errors.append(str(error))
    if errors:
        raise ExerciseFormatError("cannot write the student edition:\n" + "\n".join(errors))
    if out_dir.exists():
        shutil.rmtree(out_dir)
    written = []
    for relative, nb in editions.items():
        write_notebook(nb, out_dir / relative)
        written.append(out_dir / relative)
    if zip_path is not None:
        zip_path = Path(zip_path)
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                arcname = f"{ZIP_ROOT}/notebooks/{path.relative_to(out_dir).as_posix()}"
                info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", default="notebooks", type=Path)
    parser.add_argument("--out", default="_build/student", type=Path)
    parser.add_argument("--zip", default="_build/student.zip", type=Path)
    args = parser.parse_args(argv)
    try:
        written = write_student_edition(args.notebooks, args.out, args.zip)
    except ExerciseFormatError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"student edition: {len(written)} notebook(s) in {args.out}, zip {args.zip}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
