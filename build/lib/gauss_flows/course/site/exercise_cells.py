"""Find the exercises of a notebook, and say what is wrong with how they are written.

The book's exercise convention (one exercise, in cell order)::

    markdown  ```{exercise-start}           the task, in words
              :label: ex-<notebook>-<n>
              ```
              ...task...
              ```{exercise-end}
              ```
    markdown  ```{solution-start} ex-<notebook>-<n>
              :class: dropdown
              ```
    code      # Exercise <n>: <what to write>     <- tagged `solution`; the FIRST line is
              ...the solution...                     the comment the student edition keeps
    markdown  ```{solution-end}
              ```
    code      gf.exercises.check_...(...)         <- the checker: says what is wrong

``find_exercises`` reads that structure; ``problems`` lists every departure from it in words
(used by ``make student`` to refuse a malformed notebook and by tests/test_notebooks_clean.py).
Works on plain JSON dicts (``nbformat`` nodes are dicts too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SOLUTION_TAG = "solution"

_FENCE = r"(?:`{3,}|:{3,})"
EXERCISE_START = re.compile(rf"^\s*{_FENCE}\{{exercise-start\}}", re.M)
EXERCISE_END = re.compile(rf"^\s*{_FENCE}\{{exercise-end\}}", re.M)
SOLUTION_START = re.compile(rf"^\s*{_FENCE}\{{solution-start\}}[ \t]*(\S*)", re.M)
SOLUTION_END = re.compile(rf"^\s*{_FENCE}\{{solution-end\}}", re.M)
LABEL = re.compile(r"^\s*:label:\s*(\S+)", re.M)
# The first line of a solution cell: "# Exercise 2: write the inverse of the warp".
HEADER = re.compile(r"^#\s*Exercise\s+(\d+)\s*:\s*(\S.*?)\s*$")


def source(cell) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def is_solution_cell(cell) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in tags(cell)


def is_solution_start(cell) -> bool:
    return cell.get("cell_type") == "markdown" and bool(SOLUTION_START.search(source(cell)))


def is_solution_end(cell) -> bool:
    return cell.get("cell_type") == "markdown" and bool(SOLUTION_END.search(source(cell)))


def stub_header(cell) -> tuple[int, str] | None:
    """(number, what to write) from a solution cell's first line, or None if malformed."""
    first = source(cell).lstrip("\n").split("\n", 1)[0]
    match = HEADER.match(first)
    return (int(match.group(1)), match.group(2)) if match else None


@dataclass
class Exercise:
    """Cell indices of one exercise and its parts (None where a part is missing)."""

    ordinal: int  # 1, 2, ... in notebook order
    start: int  # the markdown cell holding {exercise-start}
    label: str | None = None
    end: int | None = None  # the cell holding {exercise-end}
    solution_start: int | None = None
    solution_target: str | None = None  # the label {solution-start} points at
    solution_cells: list[int] = field(default_factory=list)
    solution_end: int | None = None
    checker: int | None = None  # first code cell after {solution-end}
    header: tuple[int, str] | None = None  # (number, what to write) of its first solution cell


def find_exercises(nb) -> list[Exercise]:
    """The exercises of a notebook, in order, with the cells that make each one."""
    cells = nb["cells"]
    found: list[Exercise] = []
    for i, cell in enumerate(cells):
        text = source(cell)
        if cell["cell_type"] == "markdown" and EXERCISE_START.search(text):
            exercise = Exercise(ordinal=len(found) + 1, start=i)
            label = LABEL.search(text)
            exercise.label = label.group(1) if label else None
            found.append(exercise)
        if not found:
            continue
        current = found[-1]
        if cell["cell_type"] == "markdown" and EXERCISE_END.search(text) and current.end is None:
            current.end = i
        if is_solution_start(cell) and current.solution_start is None:
            current.solution_start = i
            current.solution_target = SOLUTION_START.search(text).group(1) or None
        if is_solution_cell(cell):
            current.solution_cells.append(i)
            if current.header is None:
                current.header = stub_header(cell)
        if is_solution_end(cell) and current.solution_end is None:
            current.solution_end = i
        elif (
            cell["cell_type"] == "code"
            and current.solution_end is not None
            and current.checker is None
            and not is_solution_cell(cell)
        ):
            current.checker = i
    return found


def _only_directive(text: str) -> bool:
    """True if a markdown cell holds a directive fence and its options, nothing else."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    body = lines[1:-1]
    return lines[-1].strip("`:") == "" and all(line.startswith(":") for line in body)


def problems(nb, name: str = "notebook") -> list[str]:
    """Everything that departs from the exercise convention, as sentences. [] = all good."""
    cells = nb["cells"]
    found = find_exercises(nb)
    out: list[str] = []
    if len(found) < 2:
        out.append(f"{name}: has {len(found)} exercise(s); every notebook needs at least 2")
    for ex in found:
        where = f"{name}, exercise {ex.ordinal} (cell {ex.start})"
        if not ex.label or not ex.label.startswith("ex-"):
            out.append(f"{where}: needs ':label: ex-<notebook>-<n>', found {ex.label!r}")
        if ex.end is None:
            out.append(f"{where}: no {{exercise-end}} after {{exercise-start}}")
        if ex.solution_start is None or ex.solution_end is None:
            out.append(f"{where}: needs a {{solution-start}} and a {{solution-end}} cell")
            continue
        if ex.solution_target != ex.label:
            out.append(
                f"{where}: {{solution-start}} points at {ex.solution_target!r}, "
                f"the exercise label is {ex.label!r}"
            )
        start_text = source(cells[ex.solution_start])
        if ":class: dropdown" not in start_text:
            out.append(f"{where}: {{solution-start}} needs ':class: dropdown' (collapsed)")
        for index in (ex.solution_start, ex.solution_end):
            if not _only_directive(source(cells[index])):
                out.append(
                    f"{where}: cell {index} must hold only the solution directive "
                    "(the student edition deletes it whole)"
                )
        inside = [i for i in ex.solution_cells if ex.solution_start < i < ex.solution_end]
        if not inside or inside != ex.solution_cells:
            out.append(
                f"{where}: needs code cell(s) tagged 'solution' between "
                "{solution-start} and {solution-end}, and none elsewhere"
            )
        for i in ex.solution_cells:
            header = stub_header(cells[i])
            if header is None:
                first = source(cells[i]).lstrip("\n").split("\n", 1)[0]
                out.append(
                    f"{where}: solution cell {i} must start with "
                    f"'# Exercise {ex.ordinal}: <what to write>', found {first!r}"
                )
            elif header[0] != ex.ordinal:
                out.append(
                    f"{where}: solution cell {i} says 'Exercise {header[0]}', "
                    f"but it is exercise {ex.ordinal} of this notebook"
                )
        if ex.checker is None:
            out.append(f"{where}: needs a checker code cell after {{solution-end}}")
        elif "exercises." not in source(cells[ex.checker]):
            out.append(
                f"{where}: the code cell after {{solution-end}} (cell {ex.checker}) should "
                "call a checker from gauss_flows.course.exercises"
            )
    orphans = [i for i, c in enumerate(cells) if is_solution_cell(c)]
    claimed = {i for ex in found for i in ex.solution_cells}
    for i in orphans:
        if i not in claimed:
            out.append(f"{name}: cell {i} is tagged 'solution' but belongs to no exercise")
    return out


def solution_only_lines(nb) -> set[str]:
    """Lines of the solutions (code after the header comment, and prose inside solution
    blocks) that appear nowhere else in the notebook: none of them may reach a student."""
    cells = nb["cells"]
    inside, elsewhere = set(), set()
    in_block = False
    for cell in cells:
        if is_solution_start(cell):
            in_block = True
            continue
        if is_solution_end(cell):
            in_block = False
            continue
        lines = [line.strip() for line in source(cell).splitlines()]
        if is_solution_cell(cell):
            lines = lines[1:]  # the "# Exercise n: ..." header is kept on purpose
        target = inside if (in_block or is_solution_cell(cell)) else elsewhere
        target.update(line for line in lines if line)
    return inside - elsewhere
