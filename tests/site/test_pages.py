"""Every page of the built site, opened in headless Chromium.

A page passes when it loads with no console error, no uncaught exception, no failed
request and no request to any host but the site's own; when it shows no error output of a
notebook cell; and when every piece of math on it has been typeset by the site's MathJax.
Page weights are recorded; a page with explorers must stay under 3 MiB as sent by a static
host (text gzip-compressed; images as they are). The theme's Font Awesome script is cut to
the icons the site shows (``gauss_flows.course.site.icons``): every icon must still be drawn.
"""

from __future__ import annotations

import pytest

from site_helpers import HTML_DIR, site_pages, write_report

pytestmark = pytest.mark.site

PAGES = site_pages()
MAX_EXPLORER_PAGE_BYTES = 3 * 1024 * 1024

# What a failed or noisy cell looks like once myst-nb has rendered it.
ERROR_OUTPUT_SELECTORS = [
    ".output.traceback",
    ".output.error",
    ".output.stderr",
    "div.cell_output .stderr",
]


def test_site_was_built():
    assert PAGES, f"no pages under {HTML_DIR}: run `make book`"
    assert "book/intro.html" in PAGES


@pytest.mark.parametrize("page_path", PAGES)
def test_page_loads_clean(visit, html_dir, page_path):
    v = visit(page_path)
    assert v.problems() == [], f"{page_path}:\n" + "\n".join(v.problems())

    page = v.page
    for selector in ERROR_OUTPUT_SELECTORS:
        shown = page.locator(selector)
        assert shown.count() == 0, (
            f"{page_path} shows an error/stderr output ({selector}): "
            f"{shown.first.inner_text()[:300]!r}"
        )
    body = page.locator("body").inner_text()
    assert "Traceback (most recent call last)" not in body, f"{page_path} shows a traceback"

    math = page.locator("#main-content .math, article .math")
    n_math = math.count()
    if n_math:
        rendered = page.locator("article .math mjx-container, #main-content .math mjx-container")
        assert rendered.count() >= n_math, (
            f"{page_path}: {n_math} math element(s) but only {rendered.count()} typeset by MathJax"
        )
        assert page.locator("mjx-merror").count() == 0, f"{page_path}: a TeX error in the math"

    explorers = page.locator(".gf-explorer").count()
    weight = v.weight_bytes(html_dir)
    sent = v.weight_bytes(html_dir, compressed=True)
    write_report(
        page_path,
        {"page": page_path, "weight_bytes": weight, "gzip_bytes": sent, "explorers": explorers},
    )
    if explorers:
        assert sent < MAX_EXPLORER_PAGE_BYTES, (
            f"{page_path} with {explorers} explorer(s) sends {sent / 2**20:.2f} MiB "
            f"({weight / 2**20:.2f} MiB uncompressed)"
        )
    if page_path.startswith("notebooks/"):  # last: it clicks (opens a solution)
        solutions_are_collapsed(page, page_path)


@pytest.mark.parametrize("page_path", ["book/intro.html", "search.html", next(
    (p for p in PAGES if p.startswith("notebooks/")), "book/intro.html")])
def test_every_icon_is_drawn(visit, page_path):
    """Font Awesome replaces each ``<i class="fa-...">`` by its SVG; one it lacks stays an empty <i>."""
    page = visit(page_path).page
    icons = "i[class*='fa-'], span[class*='fa-']:empty"
    page.wait_for_function(f"document.querySelectorAll(\"{icons}\").length === 0", timeout=10000)
    drawn = page.locator("svg.svg-inline--fa")
    assert drawn.count() >= 5, f"{page_path}: only {drawn.count()} icon(s) drawn"
    for i in range(drawn.count()):
        assert drawn.nth(i).locator("path").count() >= 1, f"{page_path}: icon {i} has no shape"


def test_front_page_redirects_to_the_welcome_page(visit):
    v = visit("index.html")
    assert v.page.url.endswith("book/intro.html"), v.page.url
    assert v.problems() == []


def solutions_are_collapsed(page, path):
    """On the site a solution is folded under its exercise; nothing of it shows by default.
    (Checked inside test_page_loads_clean, on the page it has loaded anyway: a second visit of
    every notebook page cost two minutes of the site phase.)"""
    solutions = page.locator("div.solution")
    n_exercises = page.locator("div.exercise").count()
    assert n_exercises >= 2, f"{path}: {n_exercises} exercise(s) shown, expected >= 2"
    assert solutions.count() >= 2, f"{path}: {solutions.count()} solution block(s)"
    for i in range(solutions.count()):
        solution = solutions.nth(i)
        assert "dropdown" in (solution.get_attribute("class") or ""), f"{path}: solution {i}"
        for body in solution.locator(".admonition-title ~ * .cell, .admonition-title ~ * p").all():
            assert not body.is_visible(), f"{path}: solution {i} is visible before a click"
    # ... and it opens on a click (so the reader can get at it on purpose).
    solutions.first.locator(".admonition-title").first.click()
    page.wait_for_timeout(400)
    assert solutions.first.locator(".admonition-title ~ * .cell").first.is_visible(), (
        f"{path}: clicking the first solution's title does not open it"
    )


def test_the_book_has_notebook_pages():
    assert any(p.startswith("notebooks/") for p in PAGES), "no notebook pages in the book"


def test_search_finds_pages(visit):
    v = visit("search.html?q=Gaussianization")
    v.page.wait_for_selector("ul.search li", timeout=15000)
    hits = v.page.locator("ul.search li").count()
    assert hits >= 2, f"searching 'Gaussianization' found {hits} page(s)"
    assert v.problems() == []
