"""The download button of a notebook page gives the student edition, not the solutions."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from site_helpers import BOOK_ROOT, site_pages

from gauss_flows.course.site import exercise_cells, student

pytestmark = pytest.mark.site

NOTEBOOK_PAGES = [p for p in site_pages() if p.startswith("notebooks/")]


@pytest.mark.parametrize("page_path", NOTEBOOK_PAGES)
def test_download_gives_the_student_edition(visit, page_path):
    v = visit(page_path)
    # The site's own copies (the download button); Binder/Colab links point elsewhere.
    links = v.page.locator("a[href$='.ipynb']:not([href^='http'])")
    assert links.count() >= 1, f"{page_path}: no download link to an .ipynb"
    source_path = BOOK_ROOT / page_path.replace(".html", ".ipynb")
    source = student.read_notebook(source_path)
    expected = student.student_notebook(source, page_path)
    leaks = exercise_cells.solution_only_lines(source)
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href")
        url = urllib.parse.urljoin(v.page.url, href)
        response = v.page.request.get(url)
        assert response.ok, f"{page_path}: download {url} -> HTTP {response.status}"
        text = response.text()
        downloaded = json.loads(text)
        assert downloaded == expected, f"{page_path}: {href} is not the student edition"
        lines = {
            line.strip() for cell in downloaded["cells"] for line in exercise_cells.source(cell).splitlines()
        }
        leaked = sorted(leaks & lines)
        assert not leaked, f"{page_path}: {href} contains solution lines {leaked[:3]}"
