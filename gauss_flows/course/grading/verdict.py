"""Which cells make each exercise of a handed-in notebook, and what their outputs say.

The exercises come from the BOOK's notebook with the same identity (its structure is read by
:func:`gauss_flows.course.site.exercise_cells.find_exercises`): number, task, and the checker
functions its check cell calls. In the handed-in notebook, which may be the student edition
(no ``solution`` tags, no solution directives) or an edited copy, exercise ``n`` is

- its **answer cells**: the code cells whose first line is ``# Exercise <n>: ...`` (the line the
  student edition keeps in every stub), and
- its **check cell**: the first code cell after them that calls one of its checkers.

The verdict, first match wins:

==================  ================================================================
``error``           the check cell is missing (deleted or changed)
``timeout``         the time ran out before the exercise's cells had all run
``error``           an answer cell raised anything but ``NotImplementedError``; the
                    message is the error's last line
``not attempted``   an answer cell raised ``NotImplementedError`` (the stub), unless the
                    checker still gave a verdict (the answer written in a new cell below
                    the stub)
``wrong``           the check cell raised ``ExerciseError``; its hint is the message
``not attempted``   the check cell raised ``NotImplementedError``
``error``           the check cell raised anything else, or printed no verdict
``correct``         the check cell printed ``Correct: ...``
==================  ================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gauss_flows.course.site import exercise_cells as ec

CHECKER_CALL = re.compile(r"\b(check_\w+)\s*\(")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CORRECT = re.compile(r"^Correct:.*$", re.M)
CHECKER_ERROR = "ExerciseError"
STUB_ERROR = "NotImplementedError"


@dataclass(frozen=True)
class ReferenceExercise:
    """One exercise of a book notebook: its number, task and the checkers its check cell calls."""

    number: int
    task: str
    checkers: tuple[str, ...]


def reference_exercises(nb) -> list[ReferenceExercise]:
    """The exercises of a book notebook (the source, with its solutions)."""
    out = []
    for ex in ec.find_exercises(nb):
        number, task = ex.header if ex.header else (ex.ordinal, "")
        check = ec.source(nb["cells"][ex.checker]) if ex.checker is not None else ""
        out.append(ReferenceExercise(number, task, tuple(dict.fromkeys(CHECKER_CALL.findall(check)))))
    return out


@dataclass
class ExerciseCells:
    answers: list[int]
    check: int | None


def locate(nb, exercise: ReferenceExercise) -> ExerciseCells:
    """The answer cells and the check cell of ``exercise`` in a handed-in notebook."""
    cells = nb["cells"]
    answers = [
        i for i, cell in enumerate(cells)
        if cell["cell_type"] == "code" and (ec.stub_header(cell) or (None,))[0] == exercise.number
    ]
    after = answers[-1] + 1 if answers else 0
    calls = re.compile(r"\b(?:" + "|".join(map(re.escape, exercise.checkers)) + r")\s*\(") if exercise.checkers else None
    check = None
    if calls is not None:
        check = next(
            (i for i in range(after, len(cells))
             if cells[i]["cell_type"] == "code" and i not in answers and calls.search(ec.source(cells[i]))),
            None,
        )
    return ExerciseCells(answers, check)


def error_of(cell) -> tuple[str, str] | None:
    """(name, value) of the exception a code cell raised, or None."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), ANSI.sub("", str(output.get("evalue", "")))
    return None


def last_line(error: tuple[str, str]) -> str:
    """The last line of a traceback: ``ZeroDivisionError: division by zero``."""
    name, value = error
    return f"{name}: {value}" if value else name


def printed(cell) -> str:
    """Everything a cell printed or displayed as text."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return ANSI.sub("", "".join("".join(p) if isinstance(p, list) else p for p in parts))


def judge(nb, exercise: ReferenceExercise, *, ran: set[int], stopped_at: int | None,
          stop_reason: str) -> tuple[str, str]:
    """(status, message) of one exercise in an executed notebook.

    ``ran`` are the cells that ran; ``stopped_at`` the cell at which the run stopped early
    (time limit or dead kernel; ``stop_reason`` says which, e.g. "timeout").
    """
    cells = nb["cells"]
    where = locate(nb, exercise)
    names = " or ".join(exercise.checkers) or "its checker"
    if where.check is None:
        return "error", (f"Exercise {exercise.number}: the check cell (calling {names}) is not in the "
                         "notebook after the exercise's answer: it was deleted or changed")
    needed = [*where.answers, where.check]
    if stopped_at is not None and any(i not in ran for i in needed):
        if stop_reason == "timeout":
            own = stopped_at in needed
            return "timeout", (f"Exercise {exercise.number}: "
                               + ("this exercise's cell did not finish within the time limit"
                                  if own else f"not checked: the notebook hit its time limit in cell {stopped_at}, "
                                              "before this exercise's check"))
        return "error", f"Exercise {exercise.number}: not checked: {stop_reason} in cell {stopped_at}"
    check_error = error_of(cells[where.check])
    verdict = CORRECT.search(printed(cells[where.check])) if check_error is None else None
    answer_errors = [e for e in (error_of(cells[i]) for i in where.answers) if e]
    stub_left = any(e[0] == STUB_ERROR for e in answer_errors)
    other = next((e for e in answer_errors if e[0] != STUB_ERROR), None)
    if other:
        return "error", last_line(other)
    # A stub left in place with the answer written in a cell of its own: the checker decides.
    if stub_left and not (verdict or (check_error and check_error[0] == CHECKER_ERROR)):
        return "not attempted", f"Exercise {exercise.number}: not attempted (the stub raised NotImplementedError)"
    if check_error and check_error[0] == CHECKER_ERROR:
        return "wrong", check_error[1]
    if check_error and check_error[0] == STUB_ERROR:
        return "not attempted", f"Exercise {exercise.number}: not attempted ({last_line(check_error)})"
    if check_error:
        return "error", last_line(check_error)
    if verdict:
        return "correct", verdict.group(0).strip()
    return "error", f"Exercise {exercise.number}: the check cell ran but printed no verdict"
