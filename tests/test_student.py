"""The student edition (``make student``; gauss_flows/course/site/student.py).

- nothing of a solution survives in a student notebook (code, prose, outputs, metadata);
- a student notebook plus the solutions put back is exactly the source notebook;
- a student notebook stops at its first exercise with ``NotImplementedError("Exercise <n>:
  ...")`` after everything before it ran (the code before it is the code the build ran; one
  student notebook is executed in a kernel);
- the source notebook (= student edition + solutions) ran to its end in the build.

The last two need the built book (and one a kernel), and are marked ``site`` (run by
``make test-site`` after ``make book``); the rest run with the library tests.
"""

from __future__ import annotations

import copy
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from gauss_flows.course.site import exercise_cells as ec
from gauss_flows.course.site import student

ROOT = Path(os.environ.get("GAUSS_FLOWS_BOOK_ROOT", Path(__file__).resolve().parents[1]))
NOTEBOOKS = ROOT / "notebooks"
STAGED = ROOT / "_build" / "src" / "notebooks"
NOTEBOOK_FILES = student.notebook_paths(NOTEBOOKS) if NOTEBOOKS.is_dir() else []
IDS = [p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOK_FILES]
STUB = re.compile(r'^# (Exercise (\d+): .+)\nraise NotImplementedError\((".*")\)\n?$')


def stub_number(cell) -> int | None:
    match = STUB.match(ec.source(cell)) if cell["cell_type"] == "code" else None
    if match and json.loads(match.group(3)) == match.group(1):
        return int(match.group(2))
    return None


def put_back(student_nb: dict, source_nb: dict) -> list[tuple[str, str]]:
    """Student cells with each exercise's stubs replaced by the source's solution block."""
    cells = source_nb["cells"]
    blocks = {
        ex.ordinal: cells[ex.solution_start : ex.solution_end + 1] for ex in ec.find_exercises(source_nb)
    }
    out, done = [], set()
    for cell in student_nb["cells"]:
        number = stub_number(cell)
        if number is None:
            out.append(cell)
        elif number not in done:
            out.extend(blocks[number])
            done.add(number)
    return [(c["cell_type"], ec.source(c)) for c in out]


def _env_for_notebooks(monkeypatch):
    monkeypatch.setenv("GAUSS_FLOWS_STATIC", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JAX_PLATFORMS", "cpu")


def execute_until_error(nb: dict, cwd: Path):
    """Run a notebook top to bottom in a fresh kernel; returns (executed nb, error or None)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = copy.deepcopy(nb)
    import nbformat

    node = nbformat.from_dict(nb)
    client = NotebookClient(node, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
        return node, None
    except CellExecutionError as error:
        return node, error


def assert_stops_at_first_exercise(executed, student_nb):
    stubs = [i for i, c in enumerate(student_nb["cells"]) if stub_number(c) is not None]
    assert stubs, "the student notebook has no exercise stub"
    first = stubs[0]
    expected = json.loads(STUB.match(ec.source(student_nb["cells"][first])).group(3))
    errors = [
        (i, out)
        for i, cell in enumerate(executed.cells)
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors, "the student notebook ran to the end: no exercise stopped it"
    index, error = errors[0]
    assert index == first, (
        f"stopped at cell {index} with {error['ename']}: {error['evalue']}; "
        f"the first exercise stub is cell {first}"
    )
    assert error["ename"] == "NotImplementedError", error["ename"]
    assert error["evalue"] == expected
    not_run = [
        i for i, c in enumerate(executed.cells[:first]) if c.cell_type == "code" and c.execution_count is None
    ]
    assert not not_run, f"cells {not_run} before the first exercise did not run"


# --- the mechanism, on a small notebook made here ----------------------------------------------


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, tags=(), outputs=()):
    metadata = {"tags": list(tags)} if tags else {}
    return {"cell_type": "code", "metadata": metadata, "execution_count": 3 if outputs else None,
            "outputs": list(outputs), "source": text}


SECRET = "return x * 1234.5  # the secret"


def small_notebook() -> dict:
    out = {"output_type": "stream", "name": "stdout", "text": "42\n"}
    secret_out = {"output_type": "execute_result", "execution_count": 5, "metadata": {},
                  "data": {"text/plain": "1234.5"}}
    cells = [
        _md("# A small notebook"),
        _code("import types\nx = 2\nprint(x)", outputs=[out]),
        _code("gf = types.SimpleNamespace(exercises=types.SimpleNamespace(check=lambda f: print('correct' if f(2) == 2469 else 'wrong')))"),
    ]
    for n in (1, 2):
        label = f"ex-small-{n}"
        cells += [
            _md(f"```{{exercise-start}}\n:label: {label}\n```\nWrite f{n}.\n```{{exercise-end}}\n```"),
            _md(f"```{{solution-start}} {label}\n:class: dropdown\n```"),
            _code(f"# Exercise {n}: write f{n}(x) = 1234.5 x\ndef f{n}(x):\n    {SECRET}", tags=["solution"],
                  outputs=[secret_out]),
            _md("The trick is the number 1234.5, see the secret."),
            _md("```{solution-end}\n```"),
            _code(f"gf.exercises.check(f{n})"),
        ]
    cells.append(_md("## Recap"))
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                         "language_info": {"name": "python"},
                                         "widgets": {"state": {"secret": SECRET}}, "solution_notes": SECRET},
            "nbformat": 4, "nbformat_minor": 5}


def test_student_edition_of_a_small_notebook():
    source = small_notebook()
    edition = student.student_notebook(source)
    text = json.dumps(edition)
    assert "1234.5" not in text.replace("Exercise 1: write f1(x) = 1234.5 x", "").replace(
        "Exercise 2: write f2(x) = 1234.5 x", ""
    ), "solution code, prose, output or metadata survived"
    assert "solution-start" not in text and "solution-end" not in text
    assert [stub_number(c) for c in edition["cells"] if stub_number(c)] == [1, 2]
    assert ec.source(edition["cells"][4]) == (
        '# Exercise 1: write f1(x) = 1234.5 x\nraise NotImplementedError("Exercise 1: write f1(x) = 1234.5 x")\n'
    )
    for cell in edition["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        assert "solution" not in cell.get("metadata", {}).get("tags", [])
    assert set(edition["metadata"]) == {"kernelspec", "language_info"}
    assert put_back(edition, source) == [(c["cell_type"], ec.source(c)) for c in source["cells"]]
    assert source == small_notebook(), "student_notebook modified its input"


def test_a_malformed_notebook_is_refused_with_the_reason():
    source = small_notebook()
    source["cells"][5]["source"] = "def f1(x):\n    return x"  # no "# Exercise 1: ..." header
    with pytest.raises(student.ExerciseFormatError, match="must start with '# Exercise 1"):
        student.student_notebook(source)


def test_small_student_notebook_stops_at_its_first_exercise(tmp_path, monkeypatch):
    _env_for_notebooks(monkeypatch)
    edition = student.student_notebook(small_notebook())
    executed, error = execute_until_error(edition, tmp_path)
    assert error is not None
    assert_stops_at_first_exercise(executed, edition)
    # ... and with the solutions put back, the same notebook runs to the end.
    executed, error = execute_until_error(small_notebook(), tmp_path)
    assert error is None, error


def test_make_student_writes_the_tree_and_a_zip(tmp_path):
    notebooks = tmp_path / "notebooks" / "05_part"
    notebooks.mkdir(parents=True)
    student.write_notebook(small_notebook(), notebooks / "00_small.ipynb")
    out, archive = tmp_path / "student", tmp_path / "student.zip"
    assert student.main(["--notebooks", str(tmp_path / "notebooks"), "--out", str(out), "--zip", str(archive)]) == 0
    written = student.read_notebook(out / "05_part" / "00_small.ipynb")
    assert written == student.student_notebook(small_notebook())
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() == ["gauss_flows_student/notebooks/05_part/00_small.ipynb"]
        assert json.loads(z.read(z.namelist()[0])) == written


# --- the book's notebooks -------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_student_notebook_has_no_solution_text(path):
    source = student.read_notebook(path)
    edition = student.student_notebook(source, path.name)
    lines = {line.strip() for c in edition["cells"] for line in ec.source(c).splitlines()}
    leaked = sorted(ec.solution_only_lines(source) & lines)
    assert not leaked, f"{path.name}: solution lines in the student edition: {leaked[:5]}"
    assert not any(ec.is_solution_cell(c) or ec.is_solution_start(c) or ec.is_solution_end(c) for c in edition["cells"])
    assert all(not c.get("outputs") for c in edition["cells"] if c["cell_type"] == "code")
    assert set(edition["metadata"]) <= {"kernelspec", "language_info", "gauss_flows"}
    assert edition["metadata"].get("gauss_flows", {}) == source["metadata"].get("gauss_flows", {}), "identity only"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_student_notebook_plus_solutions_is_the_source(path):
    source = student.read_notebook(path)
    edition = student.student_notebook(source, path.name)
    numbers = [stub_number(c) for c in edition["cells"] if stub_number(c) is not None]
    assert sorted(set(numbers)) == list(range(1, len(ec.find_exercises(source)) + 1)), numbers
    assert put_back(edition, source) == [(c["cell_type"], ec.source(c)) for c in source["cells"]]


@pytest.mark.site
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_source_notebook_ran_to_the_end_in_the_build(path):
    """The build executed exactly this notebook (nbmake), every code cell, with no error."""
    staged = STAGED / path.relative_to(NOTEBOOKS)
    assert staged.is_file(), f"{staged} missing: run `make book`"
    executed, source = student.read_notebook(staged), student.read_notebook(path)
    assert [ec.source(c) for c in executed["cells"]] == [ec.source(c) for c in source["cells"]], (
        f"{path.name} changed since the last `make book`"
    )
    for i, cell in enumerate(executed["cells"]):
        if cell["cell_type"] != "code" or not ec.source(cell).strip():
            continue
        assert cell.get("execution_count") is not None, f"{path.name}: cell {i} did not run"
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"], f"{path.name}: cell {i} failed"


def code_sources(cells) -> list[str]:
    return [ec.source(c) for c in cells if c["cell_type"] == "code"]


@pytest.mark.site
@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_student_notebook_stops_at_its_first_exercise(path):
    """Up to its first exercise a student notebook runs exactly the code the build ran without
    error, and there it stops with the exercise's message.

    Executing every student edition again would repeat the build's work cell for cell (the
    code before the first stub IS the source's code before its first solution); so this
    compares the code, reads the build's executed copy, and runs the stub itself. One student
    edition is executed in a real kernel below, the mechanism end to end.
    """
    edition = student.student_notebook(student.read_notebook(path), path.name)
    stubs = [i for i, c in enumerate(edition["cells"]) if stub_number(c) is not None]
    assert stubs, f"{path.name}: the student notebook has no exercise stub"
    first = stubs[0]
    before = code_sources(edition["cells"][:first])
    executed = student.read_notebook(STAGED / path.relative_to(NOTEBOOKS))
    ran = [c for c in executed["cells"] if c["cell_type"] == "code"][: len(before)]
    assert code_sources(ran) == before, f"{path.name}: the student edition changes code before its first exercise"
    for cell in ran:
        assert cell.get("execution_count") is not None or not ec.source(cell).strip()
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    expected = json.loads(STUB.match(ec.source(edition["cells"][first])).group(3))
    with pytest.raises(NotImplementedError) as raised:
        exec(compile(ec.source(edition["cells"][first]), f"{path.name} (stub)", "exec"), {})
    assert str(raised.value) == expected


#: The student edition run in a kernel, top to bottom: a quick notebook with its first exercise late.
KERNEL_RUN = [p for p in NOTEBOOK_FILES if p.relative_to(NOTEBOOKS).as_posix() == "02_rotations/01_householder.ipynb"]


@pytest.mark.site
@pytest.mark.parametrize("path", KERNEL_RUN, ids=[p.name for p in KERNEL_RUN])
def test_a_student_notebook_run_in_a_kernel_stops_at_its_first_exercise(path, monkeypatch):
    _env_for_notebooks(monkeypatch)
    edition = student.student_notebook(student.read_notebook(path), path.name)
    executed, error = execute_until_error(edition, path.parent)
    assert error is not None, f"{path.name}: the student edition ran to the end"
    assert_stops_at_first_exercise(executed, edition)
