"""Every number the executed notebooks state in prose as a result is one the page prints.

``make book`` leaves the executed copies of the notebooks (with their outputs) in
``_build/src/notebooks``; the rule is gauss_flows.course.site.prose_numbers'.
"""

from __future__ import annotations

import pytest
from site_helpers import BOOK_ROOT

from gauss_flows.course.site import prose_numbers

pytestmark = pytest.mark.site

EXECUTED = BOOK_ROOT / "_build" / "src" / "notebooks"
NOTEBOOKS = sorted(p.relative_to(EXECUTED).as_posix() for p in EXECUTED.glob("*/*.ipynb"))


def test_the_executed_notebooks_are_there():
    assert NOTEBOOKS, f"no executed notebooks under {EXECUTED}: run `make book` first"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_prose_numbers_match_the_outputs(notebook):
    mismatches = prose_numbers.check_file(EXECUTED / notebook)
    assert not mismatches, (
        f"{len(mismatches)} number(s) in the prose of {notebook} that the page does not print "
        "(glue them, fix them, or declare a constant in metadata.gauss_flows.prose_constants):\n"
        + "\n".join(f"  cell {m.cell}: {m.number!r} in: {m.sentence}" for m in mismatches)
    )
