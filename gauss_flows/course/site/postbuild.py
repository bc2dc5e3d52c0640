"""After the site is built: the notebooks it offers for download become the student edition.

Jupyter Book's download button links each notebook page to its source copy under
``_build/html/_sources/``: by default the full notebook, solutions and outputs included (a
common complaint about Jupyter Book courses). Here each of those copies is overwritten by
the student edition of the same notebook. The full notebooks stay in the repository.

Usage: ``python -m gauss_flows.course.site.postbuild [--root .] [--html _build/html]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gauss_flows.course.site import student


def replace_downloads(notebooks_dir: Path, html_dir: Path) -> list[Path]:
    """Overwrite ``_sources/notebooks/**.ipynb`` with student notebooks; returns them."""
    sources_dir = Path(html_dir) / "_sources" / "notebooks"
    replaced = []
    missing = []
    for path in student.notebook_paths(notebooks_dir):
        relative = path.relative_to(notebooks_dir)
        target = sources_dir / relative
        if not target.exists():
            missing.append(str(relative))
            continue
        nb = student.student_notebook(student.read_notebook(path), str(relative))
        student.write_notebook(nb, target)
        replaced.append(target)
    # A notebook that is not in the book has no page and no download: that is for
    # tests/test_notebooks_clean.py to report. A page whose download we could not replace
    # would hand out solutions, so that is an error here.
    offered = sorted(sources_dir.rglob("*.ipynb")) if sources_dir.exists() else []
    stale = [p for p in offered if p not in replaced]
    if stale:
        raise RuntimeError(
            "these downloads still hold the full notebook: "
            + ", ".join(str(p) for p in stale)
        )
    return replaced


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", type=Path)
    parser.add_argument("--html", default="_build/html", type=Path)
    args = parser.parse_args(argv)
    replaced = replace_downloads(args.root / "notebooks", args.html)
    print(f"downloads: {len(replaced)} notebook(s) replaced by their student edition")
    return 0


if __name__ == "__main__":
    sys.exit(main())
