"""Grading a class (``make grade``; gauss_flows/course/grading/).

A constructed class is graded end to end, with real kernels:

- a tiny "book" of one notebook with two cheap exercises, a function and a value, whose
  checkers are written here and raise real ``ExerciseError``s (numpy only: kernels start fast);
  handed in as: the full solution, the student edition (``site.student``), a wrong answer per
  exercise kind, a broken cell, an infinite loop, a cell that deletes every file it can see, a
  kernel that dies, a corrupted file, a renamed file, a notebook of another book, a file whose
  owner cannot be told;
- ONE real notebook of the book (the quickest to run), as its full solution and as its student
  edition.

Every submission is hashed before and after: grading never modifies it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import textwrap
from pathlib import Path

import nbformat
import pytest

from gauss_flows.course.grading import STATUSES, execute, grade_class
from gauss_flows.course.grading.grade import collect
from gauss_flows.course.site import identity, student

# Meant to keep this module in one xdist worker (make test-lib uses --dist loadgroup) so each class is graded
# once; with pytest 9 + pytest-xdist 3.8 loadgroup does not group yet, and both workers may grade it (~40 s).
pytestmark = pytest.mark.xdist_group("grading")

ROOT = Path(__file__).resolve().parents[1]
REAL_NOTEBOOK = "02_rotations/01_householder"  # the quickest of the book (benchmarks/RESULTS.md)
TINY = "00_tiny/00_sums"
TIME_LIMIT = 25  # seconds per notebook for the tiny book: each needs well under 1 s on a quiet machine

CHECKERS = '''
"""Checkers of the tiny test book: the book's protocol (print "Correct: ..." or raise an
ExerciseError "Exercise <n>: <hint>") without importing gauss_flows, so a kernel starts fast."""
import numpy as np


class ExerciseError(AssertionError):
    pass


def check_double(fn):
    inputs = [0.0, 1.5, np.array([-1.0, 3.0])]
    got = [np.asarray(fn(x), dtype=float) for x in inputs]
    if all(np.allclose(g, 2 * np.asarray(x)) for g, x in zip(got, inputs)):
        print(f"Correct: `double` matches the reference on {len(inputs)} inputs.")
    elif all(np.allclose(g, np.asarray(x) ** 2) for g, x in zip(got, inputs)):
        raise ExerciseError("Exercise 1: you returned x**2 <not> 2 x; double it")
    else:
        raise ExerciseError("Exercise 1: `double` is not right yet")


def check_total(value):
    if value == 10:
        print("Correct: `total` is 10.")
    elif value == 6:
        raise ExerciseError("Exercise 2: you left out the last term, 4")
    else:
        raise ExerciseError(f"Exercise 2: `total` is {value}, not the sum")
'''


def _md(text):
    return nbformat.v4.new_markdown_cell(text)


def _code(text, tags=()):
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _exercise(n, task, answer, check):
    label = f"ex-sums-{n}"
    return [
        _md(f"```{{exercise-start}}\n:label: {label}\n```\n{task}\n```{{exercise-end}}\n```"),
        _md(f"```{{solution-start}} {label}\n:class: dropdown\n```"),
        _code(f"# Exercise {n}: {task}\n{answer}", tags=["solution"]),
        _md("```{solution-end}\n```"),
        _code(f"from tinybook import exercises\n\nexercises.{check}"),
    ]


def tiny_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        _md("# Sums"),
        _code("import numpy as np\nimport _style\nassert _style.MARK == 'tiny book'"),
        *_exercise(1, "write double(x) = 2 x", "def double(x):\n    return 2 * np.asarray(x, dtype=float)",
                   "check_double(double)"),
        *_exercise(2, "compute total = 1 + 2 + 3 + 4", "total = 1 + 2 + 3 + 4", "check_total(total)"),
    ]
    return identity.with_id(nb, TINY)


def _answer_cell(nb, n):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(f"# Exercise {n}:"))


def _variant(change):
    nb = nbformat.from_dict(json.loads(json.dumps(tiny_notebook())))
    change(nb)
    return nb


def _insert_after_check(nb, n, source):
    checks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "exercises.check_" in c.source]
    nb.cells.insert(checks[n - 1] + 1, _code(source))


def _set_answer(nb, n, source):
    _answer_cell(nb, n).source = f"# Exercise {n}: ...\n{source}"


def _after_stub(nb, n, source):
    nb.cells.insert(nb.cells.index(_answer_cell(nb, n)) + 1, _code(source))
    return nb


def _write(path: Path, nb) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(identity.dumps(nb), encoding="utf-8")


DELETE_EVERYTHING = textwrap.dedent("""\
    import os, shutil
    for name in os.listdir("."):
        shutil.rmtree(name) if os.path.isdir(name) else os.remove(name)
    assert os.listdir(".") == []
""")

# student -> what the tiny class hands in (file name relative to the student's folder)
TINY_CLASS = {
    "full": ("00_sums.ipynb", lambda: tiny_notebook()),
    "edition": ("00_sums.ipynb", lambda: nbformat.from_dict(student.student_notebook(tiny_notebook()))),
    "wrong": ("00_sums.ipynb", lambda: _variant(lambda nb: (
        _set_answer(nb, 1, "def double(x):\n    return np.asarray(x, dtype=float) ** 2"),
        _set_answer(nb, 2, "total = 1 + 2 + 3")))),
    "broken": ("00_sums.ipynb", lambda: _variant(lambda nb: _set_answer(
        nb, 1, "def double(x):\n    return 2 * x\n1 / 0"))),
    "loops": ("00_sums.ipynb", lambda: _variant(lambda nb: _insert_after_check(nb, 1, "while True:\n    pass"))),
    "cleaner": ("00_sums.ipynb", lambda: _variant(lambda nb: _insert_after_check(nb, 1, DELETE_EVERYTHING))),
    "crasher": ("00_sums.ipynb", lambda: _variant(lambda nb: _insert_after_check(nb, 1, "import os\nos._exit(3)"))),
    "renamer": ("my homework (final).ipynb", lambda: tiny_notebook()),
    # the stub left in place, the answer written in a new cell below it: the checker decides
    "late": ("00_sums.ipynb", lambda: _after_stub(nbformat.from_dict(student.student_notebook(tiny_notebook())), 1,
                                                  "def double(x):\n    return 2 * np.asarray(x, dtype=float)")),
    "foreign": ("00_sums.ipynb", lambda: _variant(lambda nb: nb.metadata.pop("gauss_flows"))),
}


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _book(tmp: Path, notebooks: dict[str, dict]) -> Path:
    """A book root: notebooks/, the tiny checkers (package tinybook) and a _style.py of its own."""
    root = tmp / "book"
    for name, nb in notebooks.items():
        _write(root / "notebooks" / f"{name}.ipynb", nb)
    (root / "tinybook").mkdir(parents=True)
    (root / "tinybook" / "__init__.py").write_text("")
    (root / "tinybook" / "exercises.py").write_text(CHECKERS)
    (root / "_style.py").write_text("MARK = 'tiny book'\n")
    return root


def _read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, list(reader)


@pytest.fixture(scope="module")
def tiny_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiny_class")
    root = _book(tmp, {TINY: tiny_notebook()})
    submissions = tmp / "submissions"
    for name, (file_name, make) in TINY_CLASS.items():
        _write(submissions / name / file_name, make())
    (submissions / "corrupt").mkdir()
    (submissions / "corrupt" / "00_sums.ipynb").write_text('{"cells": [ this is not JSON')
    _write(submissions / "nobody.ipynb", tiny_notebook())
    _write(submissions / "dana__sums.ipynb", tiny_notebook())
    before = _hashes(submissions)
    out = tmp / "grades"
    rows = grade_class(submissions, notebooks_dir=root / "notebooks", root=root, out_dir=out,
                       time_limit=TIME_LIMIT, workers=2)
    return {"rows": rows, "out": out, "root": root, "before": before, "after": _hashes(submissions)}


def _by_student(rows) -> dict[str, list[tuple[str, str, str, str]]]:
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r["student"], []).append((r["notebook"], r["exercise"], r["status"], r["message"]))
    return out


# The graded classes are checked by ONE test each: xdist's loadgroup does not group under pytest 9
# (see the Makefile), so a module fixture used by tests on both workers graded the class twice.
def test_the_tiny_class(tiny_class):
    for check in (check_csv_has_exactly_the_columns_and_statuses, check_submissions_are_never_modified,
                  check_each_kind_of_hand_in_gets_its_rows, check_messages_say_what_happened,
                  check_summary_counts_each_exercise, check_feedback_pages_escape_the_messages):
        check(tiny_class)


def check_csv_has_exactly_the_columns_and_statuses(tiny_class):
    columns, rows = _read_csv(tiny_class["out"] / "grades.csv")
    assert columns == ["student", "notebook", "exercise", "status", "message"]
    assert {r["status"] for r in rows} == set(STATUSES) == {"correct", "wrong", "not attempted", "error", "timeout"}
    assert len(rows) == len(tiny_class["rows"])


def check_submissions_are_never_modified(tiny_class):
    assert tiny_class["after"] == tiny_class["before"]
    assert (tiny_class["root"] / "_style.py").read_text() == "MARK = 'tiny book'\n", "the book's files were touched"


def check_each_kind_of_hand_in_gets_its_rows(tiny_class):
    _, rows = _read_csv(tiny_class["out"] / "grades.csv")
    got = _by_student(rows)
    statuses = {s: [(nb, ex, status) for nb, ex, status, _ in r] for s, r in got.items()}
    both = lambda a, b: [(TINY, "1", a), (TINY, "2", b)]  # noqa: E731
    assert statuses["full"] == both("correct", "correct")
    assert statuses["edition"] == both("not attempted", "not attempted")
    assert statuses["wrong"] == both("wrong", "wrong")
    assert statuses["broken"] == both("error", "correct"), "an error in exercise 1 hid exercise 2"
    assert statuses["loops"] == both("correct", "timeout")
    assert statuses["cleaner"] == both("correct", "correct")
    assert statuses["crasher"] == both("correct", "error")
    assert statuses["renamer"] == both("correct", "correct"), "a renamed notebook is matched by identity"
    assert statuses["dana"] == both("correct", "correct"), "file-name prefix <student>__"
    assert statuses["late"] == both("correct", "not attempted")
    assert statuses["foreign"] == [("foreign/00_sums.ipynb", "", "error")]
    assert statuses["corrupt"] == [("corrupt/00_sums.ipynb", "", "error")]
    assert statuses["nobody"] == [("nobody.ipynb", "", "error")]


def check_messages_say_what_happened(tiny_class):
    _, rows = _read_csv(tiny_class["out"] / "grades.csv")
    messages = {s: [m for *_, m in r] for s, r in _by_student(rows).items()}
    assert messages["full"] == ["Correct: `double` matches the reference on 3 inputs.", "Correct: `total` is 10."]
    assert messages["wrong"] == ["Exercise 1: you returned x**2 <not> 2 x; double it",
                                 "Exercise 2: you left out the last term, 4"]
    assert messages["edition"][0] == "Exercise 1: not attempted (the stub raised NotImplementedError)"
    assert messages["broken"][0] == "ZeroDivisionError: division by zero"
    assert "time limit" in messages["loops"][1] and f"{TIME_LIMIT} s" in messages["loops"][1]
    assert "kernel died" in messages["crasher"][1]
    assert "not JSON" in messages["corrupt"][0]
    assert "no gauss_flows identity" in messages["foreign"][0]
    assert "<student>__<notebook>.ipynb" in messages["nobody"][0] and "folder named after the student" in messages["nobody"][0]


def check_summary_counts_each_exercise(tiny_class):
    columns, summary = _read_csv(tiny_class["out"] / "summary.csv")
    assert columns == ["notebook", "exercise", "task", "submissions", *STATUSES]
    first = next(r for r in summary if r["notebook"] == TINY and r["exercise"] == "1")
    _, rows = _read_csv(tiny_class["out"] / "grades.csv")
    mine = [r for r in rows if r["notebook"] == TINY and r["exercise"] == "1"]
    assert int(first["submissions"]) == len(mine) == 10
    assert {s: int(first[s]) for s in STATUSES} == {s: sum(r["status"] == s for r in mine) for s in STATUSES}
    assert first["task"] == "write double(x) = 2 x"
    assert "00_tiny/00_sums" in (tiny_class["out"] / "summary.html").read_text()


def check_feedback_pages_escape_the_messages(tiny_class):
    page = (tiny_class["out"] / "feedback" / "wrong.html").read_text()
    assert "you returned x**2 &lt;not&gt; 2 x; double it" in page and "<not>" not in page
    assert "you left out the last term, 4" in page
    assert sorted(p.name for p in (tiny_class["out"] / "feedback").iterdir()) == sorted(
        f"{s}.html" for s in [*TINY_CLASS, "corrupt", "nobody", "dana"])


def test_layout_is_a_folder_per_student_or_a_prefix(tmp_path):
    for name in ("ada/a.ipynb", "ada/deeper/b.ipynb", "bo__c.ipynb", "loose.ipynb", "ada/.ipynb_checkpoints/a.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    found = {s.shown_as: s.student for s in collect(tmp_path)}
    assert found == {"ada/a.ipynb": "ada", "ada/deeper/b.ipynb": "ada", "bo__c.ipynb": "bo", "loose.ipynb": None}
    with pytest.raises(FileNotFoundError, match="folder named after the student"):
        collect(tmp_path / "missing")


NETWORK_PROBE = textwrap.dedent("""\
    import os, socket, urllib.request
    results = {}
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=3)  # TEST-NET-1: never a real host
        results["socket"] = "connected"
    except OSError as error:
        results["socket"] = f"refused: {error}"
    try:
        urllib.request.urlopen("http://example.com", timeout=3)
        results["http"] = "connected"
    except OSError as error:
        results["http"] = f"refused: {error}"
    print(results)
    print(sorted(os.listdir(".")))
""")


@pytest.mark.parametrize("namespace", [True, False], ids=["unshare", "guard-only"])
def test_kernel_has_no_network_and_a_scratch_directory(namespace, monkeypatch, tmp_path):
    if namespace and not execute.network_namespace_available():
        pytest.skip("unshare cannot make a network namespace on this machine")
    monkeypatch.setattr(execute, "network_namespace_available", lambda: namespace)
    (tmp_path / "_style.py").write_text("MARK = 1\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [_code(NETWORK_PROBE), _code("print(os.getcwd())")]
    run = execute.run_notebook(nb, root=tmp_path, time_limit=60, file_name="hand_in.ipynb")
    assert run.failure is None and run.ran == {0, 1}
    printed = nb.cells[0].outputs[0]["text"]
    assert "'socket': 'refused" in printed and "'http': 'refused" in printed, printed
    assert "['_style.py', 'hand_in.ipynb']" in printed
    scratch = Path(nb.cells[1].outputs[0]["text"].strip())
    assert scratch != tmp_path and not scratch.exists(), "the scratch directory is removed afterwards"


# -- one real notebook of the book, as its full solution and as its student edition ---------------

@pytest.fixture(scope="module")
def real_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real_class")
    source = student.read_notebook(ROOT / "notebooks" / f"{REAL_NOTEBOOK}.ipynb")
    root = _book(tmp, {REAL_NOTEBOOK: source})
    shutil.copy2(ROOT / "_style.py", root / "_style.py")
    submissions = tmp / "submissions"
    _write(submissions / "solver" / "householder.ipynb", source)
    _write(submissions / "starter" / "01_householder.ipynb", student.student_notebook(source))
    before = _hashes(submissions)
    rows = grade_class(submissions, notebooks_dir=root / "notebooks", root=root, out_dir=tmp / "grades",
                       time_limit=600, workers=2)
    assert _hashes(submissions) == before
    return rows


def test_the_real_class(real_class):
    check_real_notebook_full_solution_is_all_correct(real_class)
    check_real_notebook_student_edition_is_all_not_attempted(real_class)


def check_real_notebook_full_solution_is_all_correct(real_class):
    mine = [r for r in real_class if r.student == "solver"]
    assert len(mine) >= 2 and {r.notebook for r in mine} == {REAL_NOTEBOOK}
    assert [r.status for r in mine] == ["correct"] * len(mine), mine
    assert all(r.message.startswith("Correct:") for r in mine)


def check_real_notebook_student_edition_is_all_not_attempted(real_class):
    mine = [r for r in real_class if r.student == "starter"]
    solver = [r for r in real_class if r.student == "solver"]
    assert [r.exercise for r in mine] == [r.exercise for r in solver]
    assert [r.status for r in mine] == ["not attempted"] * len(mine), mine


def test_feedback_pages_get_safe_distinct_names():
    from gauss_flows.course.grading.report import feedback_file_names

    assert feedback_file_names(["a b", "a/b", "ada", "../x"]) == {
        "../x": "x.html", "a b": "a_b.html", "a/b": "a_b_2.html", "ada": "ada.html"}
