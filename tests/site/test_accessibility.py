"""Every page passes an automated accessibility audit, and the explorers work by keyboard.

axe-core (the engine behind browsers' accessibility audits, fetched from its npm package by
``make book`` into ``_build/vendor``, never part of the site) is injected into every page of
the built site, in light mode and then, the reader's system switched, in dark mode; no violation of impact "serious" or "critical" may
remain. Then one explorer of each kind of control (slider, dropdown, toggle, mask editor) is
operated with the keyboard alone, Tab to reach it and arrows / Enter / Space to change it,
and its frame must change and the change be announced (the readout is a live region).
"""

from __future__ import annotations

import json

import pytest
from conftest import wait_until_settled
from site_helpers import BOOK_ROOT, HTML_DIR, REPORT_DIR, site_pages

from gauss_flows.course.site import vendor

pytestmark = pytest.mark.site

SERIOUS = ("serious", "critical")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1])}));
}"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    return vendor.axe_script(BOOK_ROOT / "_build" / "vendor").read_text()


# No transition may be half-way when the audit reads colours after the switch to dark.
NO_TRANSITIONS = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def _audit_both_modes(browser, server, page_path, axe_source, css: str = ""):
    """Audit a page in light mode, then switch the reader's system to dark and audit it again.

    One load serves both audits (loading and typesetting a page costs as much as an audit).
    The switch is what a reader does with the system setting, and the theme (mode "auto")
    follows it as it does at load: ``data-theme`` becomes "dark" before the second audit.
    ``css`` is added to the page before the switch (a test plants a dark-only fault with it).
    """
    context = browser.new_context(color_scheme="light")
    try:
        page = context.new_page()
        page.goto(server + page_path)
        wait_until_settled(page)
        page.add_script_tag(content=axe_source)
        found = {"light": page.evaluate(AXE_RUN)}
        page.add_style_tag(content=NO_TRANSITIONS + css)
        page.emulate_media(color_scheme="dark")
        # the theme follows the switch; a page without the theme (404.html) has no data-theme and
        # its own CSS answers the media query at once
        page.wait_for_function("!('theme' in document.documentElement.dataset)"
                               " || document.documentElement.dataset.theme === 'dark'")
        found["dark"] = page.evaluate(AXE_RUN)
        return {mode: [v for v in violations if v["impact"] in SERIOUS] for mode, violations in found.items()}
    finally:
        context.close()


# index.html is Jupyter Book's redirect to book/intro.html (audited itself): an audit of it runs
# on whatever half-loaded state the redirect leaves (once: the theme's dark search text at 1.4:1).
AUDITED_PAGES = [page for page in site_pages() if page != "index.html"]


@pytest.mark.parametrize("page_path", AUDITED_PAGES)
def test_no_serious_accessibility_violation_in_light_or_dark_mode(browser, server, html_dir, axe_source, page_path):
    by_mode = _audit_both_modes(browser, server, page_path, axe_source)
    for mode, violations in by_mode.items():
        if violations:
            REPORT_DIR.mkdir(parents=True, exist_ok=True)
            (REPORT_DIR / f"axe__{mode}__{page_path.replace('/', '__')}.json").write_text(json.dumps(violations, indent=1))
    assert not any(by_mode.values()), "\n".join(
        f"{page_path} ({mode}): {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for mode, violations in by_mode.items() for v in violations)


def test_axe_finds_a_planted_violation(browser, server, html_dir, axe_source):
    """The audit is not a rubber stamp: a select with no name on a real page is reported."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server + site_pages()[0])
        wait_until_settled(page)
        page.evaluate("document.querySelector('main, body').insertAdjacentHTML('beforeend',"
                      " '<select><option>a</option><option>b</option></select>')")
        page.add_script_tag(content=axe_source)
        assert "select-name" in {v["id"] for v in page.evaluate(AXE_RUN)}
    finally:
        context.close()


def test_the_dark_audit_sees_the_dark_page(browser, server, html_dir, axe_source):
    """Text that is dark on dark only once the switch is made fails the second audit, not the first."""
    page_path = next(p for p in AUDITED_PAGES if p.startswith("notebooks/"))
    planted = "html[data-theme=dark] main p { color: #1a1a1a !important; }"
    by_mode = _audit_both_modes(browser, server, page_path, axe_source, css=planted)
    assert "color-contrast" not in {v["id"] for v in by_mode["light"]}
    assert "color-contrast" in {v["id"] for v in by_mode["dark"]}


# --- keyboard -----------------------------------------------------------------------------

FRAME_STATE = """e => JSON.stringify([Array.from(e.querySelectorAll('img.gf-frame')).map(i => i.getAttribute('src')),
                                     Array.from(e.querySelectorAll('.gf-readout')).map(r => r.textContent)])"""

KINDS = {
    "slider": ("input[type=range][data-control]", ["ArrowRight"]),
    "dropdown": ("select[data-control]", ["ArrowDown"]),
    "toggle": ("button.gf-toggle[data-control]", ["Space"]),
    "mask editor": ("button.gf-cell[data-control]", ["Enter"]),
}


def _page_with(selector_class: str) -> str:
    """The first page with an explorer whose OWN controls include this kind (a prediction's
    select elsewhere on the page does not count): an explorer's controls come before its frame."""
    marker = {"input[type=range][data-control]": 'type="range"', "select[data-control]": "<select data-control",
              "button.gf-toggle[data-control]": 'class="gf-toggle"', "button.gf-cell[data-control]": 'class="gf-cell"'}
    for page in site_pages():
        text = (HTML_DIR / page).read_text()
        for explorer in text.split('class="gf-explorer"')[1:]:
            if marker[selector_class] in explorer.split('class="gf-frame"')[0]:
                return page
    pytest.fail(f"no explorer page with a {selector_class}")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_explorer_works_by_keyboard_alone(browser, server, html_dir, kind):
    selector, keys = KINDS[kind]
    page_path = _page_with(selector)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server + page_path)
        wait_until_settled(page)
        # `has=` is matched inside each .gf-explorer, so it takes the bare control selector.
        explorer = page.locator(".gf-explorer", has=page.locator(selector)).first
        control = explorer.locator(selector).first
        assert explorer.locator("[aria-live]").count() >= 1, "the explorer announces nothing: no live region"
        before = explorer.evaluate(FRAME_STATE)
        # Reach the control with Tab alone, from the element just before it in the page.
        page.evaluate("el => { const all = Array.from(document.querySelectorAll('a[href], button, input, select, "
                      "textarea, [tabindex]')).filter(e => e.tabIndex >= 0 && !e.disabled);"
                      " const i = all.indexOf(el); (all[i - 1] || document.body).focus(); }",
                      control.element_handle())
        for _ in range(3):
            page.keyboard.press("Tab")
            if control.evaluate("e => e === document.activeElement"):
                break
        assert control.evaluate("e => e === document.activeElement"), f"Tab does not reach the {kind}"
        # A mask whose precomputed neighbour is the mask shown leaves the frame as it is, so the
        # mask editor moves on, by Tab, to the next cell until a switch shows another mask.
        attempts = explorer.locator(selector).count() if kind == "mask editor" else 1
        for _ in range(attempts):
            for key in keys:
                page.keyboard.press(key)
            page.wait_for_timeout(150)
            if explorer.evaluate(FRAME_STATE) != before:
                break
            page.keyboard.press("Tab")
        assert explorer.evaluate(FRAME_STATE) != before, f"{kind} changed by keyboard, the frame did not change"
        alt = explorer.locator("img.gf-frame").first.get_attribute("alt") or ""
        assert alt and alt.lower() != "explorer frame", f"the frame's alt text says nothing: {alt!r}"
    finally:
        context.close()
