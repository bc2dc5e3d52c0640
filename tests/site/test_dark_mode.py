"""The site reads well in light AND dark mode: explorers, their frames and static figures.

Each page is opened twice, with the reader's system set to light and to dark (the theme's
default mode, "auto", follows it). In each mode the explorer's text must contrast with what is
really behind it (WCAG AA, 4.5:1), the explorer must take the page's own background (dark in
dark mode, not the theme's light-grey output box), and figures must sit undimmed on white
(they are drawn on white so that the book's colours mean the same in both modes).
Screenshots of both modes are kept in _build/site_report/ for a person to look at.
"""

from __future__ import annotations

import pytest
from conftest import wait_until_settled
from site_helpers import HTML_DIR, REPORT_DIR, site_pages

pytestmark = pytest.mark.site

# The parent chain's first opaque background, and the colour of the element's text.
COLOURS = """e => {
  const rgba = s => (s.match(/[\\d.]+/g) || []).map(Number);
  let node = e, background = null;
  while (node && node.nodeType === 1) {
    const c = rgba(getComputedStyle(node).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { background = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  if (!background) { background = [255, 255, 255]; }
  return {text: rgba(getComputedStyle(e).color).slice(0, 3), background: background};
}"""


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_is_the_wcag_formula():
    assert contrast([0, 0, 0], [255, 255, 255]) == pytest.approx(21.0)
    assert contrast([119, 119, 119], [255, 255, 255]) == pytest.approx(4.48, abs=0.01)


def _first_page(has: str) -> str:
    for page in site_pages():
        if page.startswith("notebooks/") and has in (HTML_DIR / page).read_text():
            return page
    pytest.fail(f"no notebook page with {has!r}")


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_explorers_and_figures_read_well_in_both_modes(browser, server, html_dir, mode):
    page_path = _first_page('class="gf-explorer')
    context = browser.new_context(color_scheme=mode, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(server + page_path)
        wait_until_settled(page)
        assert page.evaluate("document.documentElement.dataset.theme") == mode
        explorer = page.locator(".gf-explorer").first
        explorer.scroll_into_view_if_needed()
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(REPORT_DIR / f"dark_mode_{mode}.png"))

        problems = []
        for selector in (".gf-explorer", ".gf-explorer .gf-title", ".gf-explorer .gf-readout",
                         ".gf-explorer label", ".gf-prediction"):
            element = page.locator(selector).first
            if element.count() == 0:
                continue
            colours = element.evaluate(COLOURS)
            ratio = contrast(colours["text"], colours["background"])
            if ratio < 4.5:
                problems.append(f"{selector}: contrast {ratio:.2f} ({colours})")
        behind = explorer.evaluate(COLOURS)["background"]
        page_background = page.locator("body").evaluate(COLOURS)["background"]
        if contrast(behind, page_background) > 1.2:
            problems.append(f"the explorer sits on {behind}, not on the page's background {page_background}")
        frame = page.locator("img.gf-frame").first
        style = frame.evaluate("e => [getComputedStyle(e).filter, getComputedStyle(e).backgroundColor]")
        if style[0] != "none":
            problems.append(f"the explorer's frame is filtered ({style[0]}): its colours change meaning")
        if "255, 255, 255" not in style[1]:
            problems.append(f"the explorer's frame is not on white: {style[1]}")
        assert not problems, f"{page_path} in {mode} mode:\n" + "\n".join(problems)
    finally:
        context.close()


def test_static_figures_are_undimmed_on_white_in_dark_mode(browser, server, html_dir):
    page_path = _first_page('_images/')  # a notebook page with a matplotlib output
    context = browser.new_context(color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(server + page_path)
        wait_until_settled(page)
        figure = page.locator("div.cell_output img:not(.gf-frame)").first
        filter_, background = figure.evaluate("e => [getComputedStyle(e).filter, getComputedStyle(e).backgroundColor]")
        assert filter_ == "none" and "255, 255, 255" in background, (page_path, filter_, background)
    finally:
        context.close()
