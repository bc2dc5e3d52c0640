"""After the site is built: the notebooks it offers for download become the student edition,
the theme's icon bundle keeps only the icons the site shows (``icons``), and a 404 page is written.

Jupyter Book's download button links each notebook page to its source copy under
``_build/html/_sources/``: by default the full notebook, solutions and outputs included (a
common complaint about Jupyter Book courses). Here each of those copies is overwritten by
the student edition of the same notebook. The full notebooks stay in the repository.

Usage: ``python -m gauss_flows.course.site.postbuild [--root .] [--html _build/html]``.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path

from gauss_flows.course.site import icons, student


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


NOT_FOUND = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page not found · {title}</title>
<style>
  body {{ font: 18px/1.6 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem;
         color: #1a1a1a; background: #fff; }}
  a {{ color: #0b5cad; }}
  @media (prefers-color-scheme: dark) {{ body {{ color: #e6e6e6; background: #14181e; }} a {{ color: #8cc4ff; }} }}
</style>
</head>
<body>
<main>
<h1>Page not found</h1>
<p>There is no page at this address in <em>{title}</em>. Pages may have moved when the book
gained new parts; the numbering of parts and notebooks stays the same.</p>
<p><a href="{home}">Go to the start of the book</a>, or use its table of contents to find the part
you were looking for.</p>
</main>
</body>
</html>
"""


def _config_value(config_text: str, key: str) -> str | None:
    match = re.search(rf"^\s*{key}:\s*\"?([^\"\n]+?)\"?\s*$", config_text, flags=re.M)
    return match.group(1) if match else None


def write_not_found_page(config_path: Path, html_dir: Path) -> Path:
    """``404.html`` at the site's root (static hosts such as GitHub Pages serve it for a missing page).

    It is served at whatever address was missing, so its link home is absolute: the ``html:
    baseurl`` of ``_config.yml`` (a fork that publishes elsewhere changes that line).
    """
    text = Path(config_path).read_text()
    title = _config_value(text, "title") or "the book"
    home = _config_value(text, "baseurl") or "/"
    page = NOT_FOUND.format(title=html.escape(title), home=html.escape(home, quote=True))
    target = Path(html_dir) / "404.html"
    target.write_text(page)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", type=Path)
    parser.add_argument("--html", default="_build/html", type=Path)
    args = parser.parse_args(argv)
    replaced = replace_downloads(args.root / "notebooks", args.html)
    print(f"downloads: {len(replaced)} notebook(s) replaced by their student edition")
    before, after = icons.subset_site(args.html)
    print(f"icon bundle: {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB (the icons the site shows)")
    print(f"not-found page: {write_not_found_page(args.root / '_config.yml', args.html)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
