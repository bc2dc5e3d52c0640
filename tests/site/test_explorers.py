"""Every explorer on the site responds without a kernel.

On every page that has a ``.gf-explorer``, each control (``[data-control]``) is changed the
way a reader would change it (the next option of a select, a slider moved one step with an
``input`` event, a click on a button or a mask cell) and the explorer must show something
new: an ``img.gf-frame`` source, the ``.gf-readout`` text, or the ``.gf-note`` that says
which precomputed state is shown instead (a mask that was not precomputed). No console
error may appear.
"""

from __future__ import annotations

import time

import pytest
from site_helpers import HTML_DIR, site_pages

pytestmark = pytest.mark.site


def _explorer_pages() -> list[str]:
    return [
        p
        for p in site_pages()
        if p.startswith("notebooks/") and 'class="gf-explorer' in (HTML_DIR / p).read_text()
    ]


EXPLORER_PAGES = _explorer_pages()

STATE = """e => JSON.stringify({
    frames: Array.from(e.querySelectorAll('img.gf-frame')).map(i => i.getAttribute('src')),
    readout: Array.from(e.querySelectorAll('.gf-readout')).map(r => r.textContent),
    note: Array.from(e.querySelectorAll('.gf-note')).map(r => r.textContent)})"""

MOVE_SLIDER = """el => {
    const min = Number(el.min || 0), max = Number(el.max || 100);
    const step = (el.step && el.step !== 'any') ? Number(el.step) : (max - min) / 10;
    const value = Number(el.value);
    el.value = String(value + step <= max + 1e-9 ? value + step : min);
    el.dispatchEvent(new Event('input', {bubbles: true}));
}"""


def _change(control) -> str:
    """Change one control as a reader would; returns a description of what was done."""
    tag = control.evaluate("e => e.tagName.toLowerCase()")
    kind = (control.get_attribute("type") or "").lower()
    if tag == "select":
        n = control.locator("option").count()
        index = control.evaluate("e => e.selectedIndex")
        control.select_option(index=(index + 1) % n)
        return f"select option {(index + 1) % n} of {n}"
    if tag == "input" and kind == "range":
        control.evaluate(MOVE_SLIDER)
        return "slider moved one step"
    if tag == "input" and kind in ("number", "text"):
        control.evaluate(MOVE_SLIDER.replace("'input'", "'change'"))
        return "number changed"
    control.click()
    return "clicked"


def _wait_for_change(explorer, before: str, timeout: float = 3.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        after = explorer.evaluate(STATE)
        if after != before or time.monotonic() > deadline:
            return after
        time.sleep(0.05)


def test_explorer_pages_found():
    """Guard: the explorer tests below must not pass vacuously once notebooks exist."""
    notebook_pages = [p for p in site_pages() if p.startswith("notebooks/")]
    if notebook_pages:
        assert EXPLORER_PAGES, "notebook pages exist but none has a .gf-explorer"


@pytest.mark.parametrize("page_path", EXPLORER_PAGES)
def test_every_control_changes_the_explorer(visit, page_path):
    v = visit(page_path)
    explorers = v.page.locator(".gf-explorer")
    for i in range(explorers.count()):
        explorer = explorers.nth(i)
        explorer.scroll_into_view_if_needed()
        assert explorer.locator("img.gf-frame").count() >= 1, f"{page_path} explorer {i}: no img.gf-frame"
        assert explorer.locator(".gf-readout").count() >= 1, f"{page_path} explorer {i}: no .gf-readout"
        assert explorer.locator("script[src]").count() == 0, f"{page_path} explorer {i}: external script"
        controls = explorer.locator("[data-control]")
        assert controls.count() >= 1, f"{page_path} explorer {i} has no [data-control] control"
        for j in range(controls.count()):
            control = controls.nth(j)
            name = control.get_attribute("data-control")
            before = explorer.evaluate(STATE)
            action = _change(control)
            after = _wait_for_change(explorer, before)
            assert after != before, (
                f"{page_path}, explorer {i}, control {name!r} ({action}): "
                "neither a frame, the readout nor the note changed"
            )
    assert v.problems() == [], "\n".join(v.problems())
