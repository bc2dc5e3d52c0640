"""The notebooks as stored in the repository: clean, listed in the book, and with exercises
that follow the book's convention (see gauss_flows/course/site/exercise_cells.py).

These run with the library tests (no build needed). ``GAUSS_FLOWS_BOOK_ROOT`` points them
at another checkout (default: this one).
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gauss_flows.course.site import exercise_cells as ec
from gauss_flows.course.site.student import notebook_paths, read_notebook

ROOT = Path(os.environ.get("GAUSS_FLOWS_BOOK_ROOT", Path(__file__).resolve().parents[1]))
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_FILES = notebook_paths(NOTEBOOKS) if NOTEBOOKS.is_dir() else []
IDS = [p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOK_FILES]
# notebooks/NN_part_name/NN_topic.ipynb
PATH_PATTERN = re.compile(r"^notebooks/(\d\d)_[a-z0-9_]+/(\d\d)_[a-z0-9_]+$")


def _toc_entries() -> list[dict]:
    """Every entry of _toc.yml (chapters and sections), in order, with its part caption."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    entries = [{"file": toc["root"], "caption": None}]

    def walk(items, caption):
        for item in items or []:
            entries.append({**item, "caption": caption})
            walk(item.get("sections"), caption)

    for part in toc.get("parts", []):
        walk(part.get("chapters"), part.get("caption"))
    return entries


def test_toc_is_a_numbered_jb_book():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc["format"] == "jb-book"
    captions = [part["caption"] for part in toc["parts"]]
    for number in range(6):
        assert any(c.startswith(f"Part {number} · ") for c in captions), f"no caption for Part {number}"
        assert any(e["file"] == f"book/part{number}" for e in _toc_entries()), f"no landing page for Part {number}"


def test_every_toc_file_exists():
    missing = [
        e["file"]
        for e in _toc_entries()
        if not any((ROOT / f"{e['file']}{suffix}").is_file() for suffix in (".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc_and_vice_versa():
    listed = {e["file"] for e in _toc_entries() if e["file"].startswith("notebooks/")}
    on_disk = {p.relative_to(ROOT).with_suffix("").as_posix() for p in NOTEBOOK_FILES}
    assert on_disk - listed == set(), f"notebooks missing from _toc.yml: {sorted(on_disk - listed)}"
    assert listed - on_disk == set(), f"_toc.yml lists notebooks that do not exist: {sorted(listed - on_disk)}"


def test_notebook_paths_and_titles_follow_the_numbering():
    """notebooks/05_coupling/03_mask_design sits under "Part 5 · ..." with title "5·03 ..."."""
    problems = []
    for entry in _toc_entries():
        if not entry["file"].startswith("notebooks/"):
            continue
        match = PATH_PATTERN.match(entry["file"])
        if not match:
            problems.append(f"{entry['file']}: path is not notebooks/NN_part/NN_topic")
            continue
        part, number = int(match.group(1)), match.group(2)
        if not (entry["caption"] or "").startswith(f"Part {part} · "):
            problems.append(f"{entry['file']}: listed under {entry['caption']!r}, not Part {part}")
        if not str(entry.get("title", "")).startswith(f"{part}·{number} "):
            problems.append(f"{entry['file']}: sidebar title {entry.get('title')!r} should start '{part}·{number} '")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    nb = read_notebook(path)
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} have outputs or execution counts (clear them before committing)"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name}: stored widget state in the metadata"


# Every notebook is stored with this metadata and nothing else: the kernelspec of the venv's
# ipykernel (what JupyterLab writes back when it starts the kernel, so opening a notebook does
# not change it) and the language's name (the rest of language_info is stripped by the filter).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
METADATA = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
# what a JupyterLab session adds to a notebook, besides outputs and execution counts
RUN_DRIFT = {"language_info": {"codemirror_mode": {"name": "ipython", "version": 3},
                               "file_extension": ".py", "mimetype": "text/x-python", "name": "python",
                               "nbconvert_exporter": "python", "pygments_lexer": "ipython3",
                               "version": "3.11.7"},
             "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}}


def _extra_keys() -> list[str]:
    """The filter's extra keys, as the Makefile configures them (NBSTRIPOUT_KEYS)."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^NBSTRIPOUT_KEYS := (.*?)\n(?=\S)", makefile, re.M | re.S)
    assert match, "Makefile: no NBSTRIPOUT_KEYS"
    return match.group(1).replace("\\", " ").split()


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_notebook_metadata_has_no_drift(path):
    nb = read_notebook(path)
    # The book's own entry (identity for grading, prose constants for the prose-number test)
    # is content, not drift; everything else must be exactly what JupyterLab writes back.
    book = nb["metadata"].get("gauss_flows", {})
    assert set(book) <= {"id", "prose_constants"}, f"{path.name}: unknown gauss_flows metadata {sorted(book)}"
    rest = {k: v for k, v in nb["metadata"].items() if k != "gauss_flows"}
    assert rest == METADATA, f"{path.name}: notebook metadata {rest} should be exactly {METADATA}"
    drift = sorted({k for cell in nb["cells"] for k in cell.get("metadata", {})} &
                   {"collapsed", "scrolled", "execution", "ExecuteTime", "trusted",
                    "jp-MarkdownHeadingCollapsed"})
    assert not drift, f"{path.name}: cell metadata left by a session: {drift}"


def _run_in_jupyterlab(nb: dict) -> dict:
    """What a learner's session leaves in a notebook: outputs, counts, metadata."""
    ran = copy.deepcopy(nb)
    ran["metadata"].update(copy.deepcopy(RUN_DRIFT))
    for n, cell in enumerate(c for c in ran["cells"] if c["cell_type"] == "code"):
        cell["execution_count"] = n + 1
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}]
        cell["metadata"]["scrolled"] = True
        cell["metadata"]["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    ran["cells"][0]["metadata"]["jp-MarkdownHeadingCollapsed"] = True
    return ran


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_the_git_filter_gives_back_the_stored_notebook(path):
    """nbstripout with the repository's settings turns the stored notebook into itself, and
    the notebook after a session in JupyterLab into the stored one: git sees no change."""
    nbformat = pytest.importorskip("nbformat")
    from nbstripout import strip_output

    keys = _extra_keys() + ["metadata.widgets", "cell.metadata.scrolled",  # nbstripout's defaults
                            "cell.metadata.execution", "cell.metadata.collapsed"]
    stored = nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)
    for before in (stored, nbformat.from_dict(_run_in_jupyterlab(stored))):
        after = strip_output(copy.deepcopy(before), keep_output=False, keep_count=False,
                             keep_id=True, extra_keys=keys)
        # byte for byte: git compares the filter's output with what it stores
        assert nbformat.writes(after) + "\n" == path.read_text(encoding="utf-8"), (
            f"{path.name}: nbstripout does not give back the stored notebook byte for byte "
            "(store it as `nbstripout --keep-id` writes it)")


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("make") is None,
                    reason="needs git and make")
def test_running_a_notebook_leaves_git_clean(tmp_path):
    """`make notebook-filter` in a checkout, then a notebook written back as JupyterLab does
    after Run All: `git diff` is empty and there is nothing to commit. (Until `git add`
    refreshes the index, `git status` may still list the file, because its size changed:
    git reports a size change without running the filter.)"""
    pytest.importorskip("nbstripout")
    if not NOTEBOOK_FILES:
        pytest.skip("no notebooks")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    lesson = repo / "notebooks" / NOTEBOOK_FILES[0].name
    shutil.copy(NOTEBOOK_FILES[0], lesson)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    run = lambda *cmd: subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True, text=True)
    run(*git, "init", "-q")
    installed = run("make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "notebook-filter",
                    f"PY={sys.executable}")
    assert "filter installed" in installed.stdout
    run(*git, "add", "-A")
    run(*git, "commit", "-qm", "lesson")
    assert run(*git, "status", "--porcelain").stdout == ""
    ran = _run_in_jupyterlab(json.loads(lesson.read_text(encoding="utf-8")))
    lesson.write_text(json.dumps(ran, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(*git, "diff").stdout == "", "running the lesson shows in git diff"
    run(*git, "add", "-A")
    assert run(*git, "status", "--porcelain").stdout == "", "running the lesson left something to commit"
    # ... and the filter is what does it: a real edit does show
    ran["cells"][0]["source"] = "# edited\n"
    lesson.write_text(json.dumps(ran, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run(*git, "status", "--porcelain").stdout.strip().endswith(lesson.name)
    # outside a git checkout the set-up says so and does nothing
    outside = tmp_path / "archive"
    outside.mkdir()
    skipped = subprocess.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"),
                              "notebook-filter", f"PY={sys.executable}"], cwd=outside,
                             env={**env, "GIT_CEILING_DIRECTORIES": str(tmp_path)},
                             check=True, capture_output=True, text=True)
    assert "not a git checkout" in skipped.stdout


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=IDS)
def test_exercises_follow_the_convention(path):
    """>= 2 exercises, each with a solution tagged `solution` (first line '# Exercise n: ...'),
    folded in a dropdown, and a checker cell calling gauss_flows.course.exercises."""
    problems = ec.problems(read_notebook(path), path.name)
    assert not problems, "\n".join(problems)


# --- the convention checker itself must catch what it is for ---------------------------------


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _code(text, tags=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)} if tags else {}, "outputs": [],
            "execution_count": None, "source": text}


def _exercise(n, label=None, header=None, checker="gf.exercises.check_x(f)", dropdown=True):
    label = label or f"ex-demo-{n}"
    header = header if header is not None else f"# Exercise {n}: write f"
    options = "\n:class: dropdown" if dropdown else ""
    return [
        _md(f"```{{exercise-start}}\n:label: {label}\n```\nTask {n}.\n```{{exercise-end}}\n```"),
        _md(f"```{{solution-start}} {label}{options}\n```"),
        _code(f"{header}\ndef f(x):\n    return x", tags=["solution"]),
        _md("```{solution-end}\n```"),
        _code(checker),
    ]


def test_convention_accepts_a_well_formed_notebook():
    nb = {"cells": [_md("# Title"), *_exercise(1), *_exercise(2)]}
    assert ec.problems(nb) == []


@pytest.mark.parametrize(
    "broken, expected",
    [
        ({"cells": _exercise(1)}, "at least 2"),
        ({"cells": _exercise(1) + _exercise(2, header="# write f")}, "must start with '# Exercise 2"),
        ({"cells": _exercise(1) + _exercise(2, header="# Exercise 1: write f")}, "says 'Exercise 1'"),
        ({"cells": _exercise(1) + _exercise(2, checker="print(f(1))")}, "gauss_flows.course.exercises"),
        ({"cells": _exercise(1) + _exercise(2, dropdown=False)}, ":class: dropdown"),
        ({"cells": _exercise(1) + _exercise(2, label="two")}, "ex-<notebook>-<n>"),
        ({"cells": _exercise(1) + _exercise(2)[:2] + _exercise(2)[3:]}, "tagged 'solution'"),
    ],
    ids=["one-exercise", "no-header", "wrong-number", "no-checker", "not-folded", "bad-label", "no-solution"],
)
def test_convention_reports_what_is_wrong(broken, expected):
    problems = ec.problems(broken)
    assert any(expected in p for p in problems), problems
