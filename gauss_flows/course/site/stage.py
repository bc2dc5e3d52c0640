"""Stage the book's sources in ``_build/src`` so notebooks are executed on a copy.

The repository keeps notebooks without outputs. ``make book`` copies the book (config,
toc, prose pages, notebooks) here, nbmake executes the copies in place (``--overwrite``),
and Jupyter Book builds the site from this directory with execution off: every notebook
runs once per build, and the committed notebooks stay clean.

Also unpacked here: MathJax (``_vendor/mathjax``, see ``vendor``) and the student edition
zip that the instructor guide offers (``book/gauss_flows_student.zip``).

Usage: ``python -m gauss_flows.course.site.stage [--root .] [--out _build/src] [--cache _build/vendor]``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from gauss_flows.course.site import student, vendor

STAGED_FILES = ("_config.yml", "_toc.yml")
STAGED_DIRS = ("book", "notebooks", "benchmarks")
STUDENT_ZIP = "book/gauss_flows_student.zip"
# nbmake runs pytest inside the staged tree: this keeps the repository's pytest settings
# (testpaths, conftest) out of that run.
PYTEST_INI = "[pytest]\naddopts = -p no:cacheprovider\n"


def stage(root: Path, out: Path, cache: Path) -> Path:
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or out in root.parents:
        raise ValueError(f"refusing to stage into {out}: it would delete the sources")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in STAGED_FILES:
        shutil.copy2(root / name, out / name)
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    for name in STAGED_DIRS:
        if (root / name).is_dir():
            shutil.copytree(root / name, out / name, ignore=ignore)
        else:
            (out / name).mkdir()
    (out / "pytest.ini").write_text(PYTEST_INI)
    vendor.unpack_mathjax(cache, out / "_vendor" / "mathjax")
    vendor.axe_script(cache)  # for the site's accessibility test (not copied into the site)
    student.write_student_edition(root / "notebooks", cache / "student_for_zip", out / STUDENT_ZIP)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=".", type=Path)
    parser.add_argument("--out", default="_build/src", type=Path)
    parser.add_argument("--cache", default="_build/vendor", type=Path)
    args = parser.parse_args(argv)
    try:
        out = stage(args.root, args.out, args.cache.resolve())
    except student.ExerciseFormatError as error:
        print(error, file=sys.stderr)
        return 1
    n = len(student.notebook_paths(out / "notebooks"))
    print(f"staged the book in {out} ({n} notebook(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
