"""Each notebook's identity: a stable name stored in its metadata, kept by the student edition.

A notebook of the book carries ``{"gauss_flows": {"id": "05_coupling/03_mask_design"}}`` in
its notebook metadata: its path under ``notebooks/`` without the ``.ipynb`` suffix. The
grader (``make grade``, :mod:`gauss_flows.course.grading`) matches a handed-in notebook to
the book's by this identity, not by its file name, so a student who renamed
``03_mask_design.ipynb`` to ``mask (1).ipynb`` is still graded, and a notebook from another
book (no identity) is told apart.

A new notebook gets its identity with::

    python -m gauss_flows.course.site.identity --write notebooks

which adds (or corrects) the metadata entry and touches nothing else in the file (the JSON is
written back in the layout Jupyter uses: one-space indent, sorted keys, UTF-8). Without
``--write`` the command only lists the notebooks whose identity is missing or wrong and exits
with status 1 if there are any (tests/test_notebook_identity.py checks the same).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

METADATA_KEY = "gauss_flows"
ID_KEY = "id"


def notebook_id(nb: dict) -> str | None:
    """The identity stored in a notebook's metadata, or None if it has none (or a malformed one)."""
    entry = nb.get("metadata", {}).get(METADATA_KEY) if isinstance(nb, dict) else None
    value = entry.get(ID_KEY) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value else None


def expected_id(path: Path, notebooks_dir: Path) -> str:
    """The identity a notebook of the book must carry: its path under notebooks/, no suffix."""
    return Path(path).relative_to(notebooks_dir).with_suffix("").as_posix()


def with_id(nb: dict, identity: str) -> dict:
    """``nb`` with its identity set (a new top-level dict; the cells are shared, not copied)."""
    metadata = dict(nb.get("metadata", {}))
    entry = dict(metadata.get(METADATA_KEY) or {})
    entry[ID_KEY] = identity
    metadata[METADATA_KEY] = entry
    return {**nb, "metadata": metadata}


def dumps(nb: dict) -> str:
    """A notebook as Jupyter (nbformat) writes it, so that a metadata edit is a metadata diff."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _notebook_paths(notebooks_dir: Path) -> list[Path]:
    return sorted(
        p for p in Path(notebooks_dir).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def mismatches(notebooks_dir: Path) -> list[tuple[Path, str | None, str]]:
    """(path, identity found, identity expected) for every notebook whose identity is not right."""
    out = []
    for path in _notebook_paths(notebooks_dir):
        found = notebook_id(json.loads(path.read_text(encoding="utf-8")))
        want = expected_id(path, notebooks_dir)
        if found != want:
            out.append((path, found, want))
    return out


def write_ids(notebooks_dir: Path) -> list[Path]:
    """Give every notebook under ``notebooks_dir`` its identity; returns the files changed."""
    changed = []
    for path, _, want in mismatches(notebooks_dir):
        nb = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(dumps(with_id(nb, want)), encoding="utf-8")
        changed.append(path)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="?", default="notebooks", type=Path)
    parser.add_argument("--write", action="store_true", help="add or correct the identities")
    args = parser.parse_args(argv)
    if args.write:
        changed = write_ids(args.notebooks)
        for path in changed:
            print(f"identity written: {path}")
        print(f"{len(changed)} notebook(s) changed")
        return 0
    wrong = mismatches(args.notebooks)
    for path, found, want in wrong:
        print(f"{path}: identity {found!r}, expected {want!r} (run with --write)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
