"""Collect the handed-in notebooks, grade each one, write the reports (see the package doc).

Usage: ``python -m gauss_flows.course.grading SUBMISSIONS [--notebooks notebooks] [--root .]
[--out _build/grades] [--time-limit 300] [--workers 1]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from gauss_flows.course.grading import report, verdict
from gauss_flows.course.site import identity
from gauss_flows.course.site.student import notebook_paths

STATUSES = ("correct", "wrong", "not attempted", "error", "timeout")
STUDENT_SEPARATOR = "__"
LAYOUT = ("put each student's notebooks in a folder named after the student "
          "(SUBMISSIONS/<student>/...ipynb), or name the file <student>__<notebook>.ipynb")


@dataclass(frozen=True)
class GradeRow:
    """One line of grades.csv."""

    student: str
    notebook: str
    exercise: str  # the exercise's number; "" for a row about the whole notebook
    status: str
    message: str

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


@dataclass(frozen=True)
class Submission:
    student: str | None  # None: the file's place and name do not say whose it is
    path: Path
    shown_as: str  # the file as the reports name it (relative to the submissions folder)


def collect(folder: Path) -> list[Submission]:
    """Every .ipynb under ``folder`` with its student (see ``LAYOUT``), in a stable order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no submissions folder {folder}: {LAYOUT}")
    found = []
    for path in notebook_paths(folder):
        relative = path.relative_to(folder)
        if len(relative.parts) > 1:
            student = relative.parts[0]
        elif STUDENT_SEPARATOR in path.stem and path.stem.split(STUDENT_SEPARATOR, 1)[0].strip():
            student = path.stem.split(STUDENT_SEPARATOR, 1)[0].strip()
        else:
            student = None
        found.append(Submission(student, path, relative.as_posix()))
    return found


def book_exercises(notebooks_dir: Path) -> dict[str, list[verdict.ReferenceExercise]]:
    """identity -> the exercises of that book notebook."""
    out = {}
    for path in notebook_paths(notebooks_dir):
        nb = json.loads(path.read_text(encoding="utf-8"))
        out[identity.notebook_id(nb) or identity.expected_id(path, notebooks_dir)] = verdict.reference_exercises(nb)
    return out


def _notebook_row(student: str, notebook: str, message: str) -> list[GradeRow]:
    return [GradeRow(student, notebook, "", "error", message)]


def grade_submission(submission: Submission, book: dict, *, root: Path, time_limit: float) -> list[GradeRow]:
    """The rows of one handed-in notebook (never raises for anything the student did)."""
    import nbformat  # the kernel machinery only where notebooks run

    from gauss_flows.course.grading.execute import run_notebook

    student = submission.student or Path(submission.shown_as).stem
    if submission.student is None:
        return _notebook_row(student, submission.shown_as, f"cannot tell whose notebook this is: {LAYOUT}")
    raw = submission.path.read_bytes()  # the only access to the submission
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as error:  # noqa: BLE001 - whatever is wrong with the file, it is one row
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return _notebook_row(student, submission.shown_as,
                             f"{submission.shown_as} is not a readable notebook (corrupted or not JSON): {first[:200]}")
    notebook = identity.notebook_id(nb)
    if notebook is None:
        return _notebook_row(student, submission.shown_as,
                             f"{submission.shown_as} has no gauss_flows identity in its metadata: "
                             "it is not a notebook of this book (or its metadata was removed)")
    if notebook not in book:
        return _notebook_row(student, submission.shown_as,
                             f"{submission.shown_as} says it is notebook {notebook!r}, which the book does not have")
    execution = run_notebook(nb, root=root, time_limit=time_limit, file_name=submission.path.name)
    if execution.failure:
        return _notebook_row(student, notebook, execution.failure)
    if execution.timed_out_cell is not None:
        stopped, reason = execution.timed_out_cell, "timeout"
    elif execution.kernel_died_cell is not None:
        stopped, reason = execution.kernel_died_cell, "the kernel died"
    else:
        stopped, reason = None, ""
    rows = []
    for exercise in book[notebook]:
        status, message = verdict.judge(execution.nb, exercise, ran=execution.ran, stopped_at=stopped, stop_reason=reason)
        if status == "timeout":
            message += f" ({execution.time_limit:g} s for the whole notebook)"
        rows.append(GradeRow(student, notebook, str(exercise.number), status, message))
    return rows


def _grade_one(args) -> list[GradeRow]:
    submission, book, root, time_limit = args
    return grade_submission(submission, book, root=root, time_limit=time_limit)


def _distinct_notebook_names(rows_per_file: list[list[GradeRow]], submissions: list[Submission]) -> list[list[GradeRow]]:
    """A student who handed in the same notebook twice gets both graded, told apart by file."""
    seen: dict[tuple[str, str], int] = {}
    for rows in rows_per_file:
        if rows:
            key = (rows[0].student, rows[0].notebook)
            seen[key] = seen.get(key, 0) + 1
    out = []
    for rows, submission in zip(rows_per_file, submissions):
        if rows and seen[(rows[0].student, rows[0].notebook)] > 1 and rows[0].notebook != submission.shown_as:
            rows = [GradeRow(r.student, f"{r.notebook} ({submission.shown_as})", r.exercise, r.status, r.message)
                    for r in rows]
        out.append(rows)
    return out


def grade_class(submissions_dir: Path, *, notebooks_dir: Path = Path("notebooks"), root: Path = Path("."),
                out_dir: Path = Path("_build/grades"), time_limit: float = 300.0, workers: int = 1) -> list[GradeRow]:
    """Grade every notebook under ``submissions_dir``; write the reports to ``out_dir``."""
    submissions = collect(submissions_dir)
    book = book_exercises(notebooks_dir)
    jobs = [(s, book, Path(root).resolve(), time_limit) for s in submissions]
    if workers > 1 and len(jobs) > 1:
        # "spawn": a fresh interpreter per worker, never a fork of a process that holds JAX threads.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_grade_one, jobs))
    else:
        results = [_grade_one(job) for job in jobs]
    rows = [row for rows in _distinct_notebook_names(results, submissions) for row in rows]
    report.write_reports(rows, book, Path(out_dir), statuses=STATUSES)
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help=f"the folder of handed-in notebooks: {LAYOUT}")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the book's notebooks")
    parser.add_argument("--root", type=Path, default=Path("."), help="the book's root (gauss_flows, _style.py)")
    parser.add_argument("--out", type=Path, default=Path("_build/grades"))
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per notebook (default 300)")
    parser.add_argument("--workers", type=int, default=1, help="notebooks graded at the same time")
    args = parser.parse_args(argv)
    from gauss_flows.course.grading.execute import isolation_note

    start = time.monotonic()
    try:
        rows = grade_class(args.submissions, notebooks_dir=args.notebooks, root=args.root, out_dir=args.out,
                           time_limit=args.time_limit, workers=args.workers)
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 1
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    students = len({r.student for r in rows})
    print(f"graded {students} student(s), {len(rows)} row(s) in {time.monotonic() - start:.0f} s: "
          + ", ".join(f"{n} {s}" for s, n in counts.items()))
    print(f"network: {isolation_note()}")
    print(f"-> {args.out / 'grades.csv'}, {args.out / 'summary.html'}, {args.out / 'feedback'}/")
    return 0
