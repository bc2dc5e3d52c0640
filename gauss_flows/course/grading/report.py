"""Write the grades: grades.csv, the summary per notebook (CSV and HTML), a feedback page per student.

Every text that came from a notebook (messages, names) is HTML-escaped on the pages.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from collections import defaultdict
from pathlib import Path

COLUMNS = ("student", "notebook", "exercise", "status", "message")
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }}
td.n {{ text-align: right; }}
.correct {{ color: #1a7f37; }} .wrong {{ color: #b35900; }} .error, .timeout {{ color: #b00020; }}
.not-attempted {{ color: #666; }}
</style></head><body>
{body}
</body></html>
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _css(status: str) -> str:
    return status.replace(" ", "-")


def _sort_key(exercise: str):
    return (0, int(exercise), "") if exercise.isdigit() else (1, 0, exercise)


def feedback_file_names(students) -> dict[str, str]:
    """A safe, distinct file name for each student's page (names may hold spaces, slashes...)."""
    names: dict[str, str] = {}
    for student in sorted(students):
        stem = re.sub(r"[^\w.-]+", "_", student).strip("._") or "student"
        name, n = f"{stem}.html", 1
        while name in names.values():
            n += 1
            name = f"{stem}_{n}.html"
        names[student] = name
    return names


def summary_table(rows, statuses) -> list[dict]:
    """Per notebook and exercise: how many rows have each status."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {s: 0 for s in statuses})
    for row in rows:
        counts[(row.notebook, row.exercise)][row.status] += 1
    table = []
    for (notebook, exercise) in sorted(counts, key=lambda k: (k[0], _sort_key(k[1]))):
        c = counts[(notebook, exercise)]
        table.append({"notebook": notebook, "exercise": exercise, "submissions": sum(c.values()), **c})
    return table


def write_reports(rows, book: dict, out_dir: Path, *, statuses) -> None:
    out_dir = Path(out_dir)
    if (out_dir / "feedback").exists():
        shutil.rmtree(out_dir / "feedback")
    (out_dir / "feedback").mkdir(parents=True)
    with open(out_dir / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([getattr(row, c) for c in COLUMNS])

    table = summary_table(rows, statuses)
    tasks = {(nb, str(ex.number)): ex.task for nb, exercises in book.items() for ex in exercises}
    summary_columns = ("notebook", "exercise", "task", "submissions", *statuses)
    with open(out_dir / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(summary_columns)
        for line in table:
            writer.writerow([line.get(c, tasks.get((line["notebook"], line["exercise"]), "")) for c in summary_columns])

    body = ["<h1>Grades: summary</h1>",
            f"<p>{len({r.student for r in rows})} student(s), {len(rows)} row(s). "
            "Per notebook and exercise, how many hand-ins have each status "
            "(a row with no exercise is about the whole file). All rows: <code>grades.csv</code>.</p>"]
    by_notebook = defaultdict(list)
    for line in table:
        by_notebook[line["notebook"]].append(line)
    for notebook, lines in by_notebook.items():
        body.append(f"<h2>{_e(notebook)}</h2><table><tr><th>exercise</th><th>task</th><th>hand-ins</th>"
                    + "".join(f'<th class="{_css(s)}">{_e(s)}</th>' for s in statuses) + "</tr>")
        for line in lines:
            task = tasks.get((notebook, line["exercise"]), "")
            body.append(f"<tr><td>{_e(line['exercise'] or '-')}</td><td>{_e(task)}</td>"
                        f"<td class='n'>{line['submissions']}</td>"
                        + "".join(f"<td class='n'>{line[s]}</td>" for s in statuses) + "</tr>")
        body.append("</table>")
    students = sorted({r.student for r in rows})
    pages = feedback_file_names(students)
    body.append("<h2>Feedback pages</h2><ul>"
                + "".join(f'<li><a href="feedback/{_e(pages[s])}">{_e(s)}</a></li>' for s in students)
                + "</ul>")
    (out_dir / "summary.html").write_text(PAGE.format(title="Grades: summary", body="\n".join(body)), encoding="utf-8")

    for student in students:
        mine = [r for r in rows if r.student == student]
        body = [f"<h1>Feedback for {_e(student)}</h1>",
                "<p>What the book's checkers said about each exercise of the notebooks you handed in.</p>"]
        for notebook in dict.fromkeys(r.notebook for r in mine):
            body.append(f"<h2>{_e(notebook)}</h2><table><tr><th>exercise</th><th>task</th><th>result</th><th>message</th></tr>")
            for r in (r for r in mine if r.notebook == notebook):
                body.append(f"<tr><td>{_e(r.exercise or '-')}</td><td>{_e(tasks.get((notebook, r.exercise), ''))}</td>"
                            f'<td class="{_css(r.status)}">{_e(r.status)}</td><td>{_e(r.message)}</td></tr>')
            body.append("</table>")
        page = PAGE.format(title=f"Feedback: {_e(student)}", body="\n".join(body))
        (out_dir / "feedback" / pages[student]).write_text(page, encoding="utf-8")
