"""A small Sphinx extension for the book (loaded from _config.yml).

1. **Numbers restart on every page.** The book is not section-numbered by Sphinx (the
   public numbering, "Part 5 · 03", is written in _toc.yml), and then Sphinx counts
   exercises and figures across the whole book ("Exercise 17"). A notebook's exercises are
   numbered 1, 2, ... in the notebook itself (the solution cell says ``# Exercise 2: ...``
   and the student edition raises ``NotImplementedError("Exercise 2: ...")``), so the site
   must say "Exercise 2" too: after Sphinx assigns numbers we renumber each page from 1.

2. **No Thebe.** Jupyter Book always loads sphinx-thebe, which adds an inline script
   declaring ``const THEBE_JS_URL = "https://unpkg.com/..."`` (declared twice on some pages:
   a console error) and a loader that would fetch Thebe from a CDN. The explorers on this
   site need no kernel, so both scripts are dropped from every page.

3. **``{part-contents}``**, a directive for a part's landing page: a linked list of the
   pages that follow it in the same part of _toc.yml, with their sidebar titles. A part
   page never goes stale: adding a notebook to _toc.yml adds it there too.

4. **``{{ repository_url }}``**, a MyST substitution holding the repository URL of
   _config.yml, so prose can name the repository while the URL is written only once.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

_THEBE_FILES = ("sphinx-thebe.js", "thebe")


def number_per_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Renumber every enumerable node type (exercise, figure, table, ...) from 1 per page.

    ``env.toc_fignumbers[docname][figtype]`` maps node ids to number tuples, filled in
    document order by Sphinx's TocTreeCollector (which runs before us: priority 900).
    """
    if not app.config.numfig:
        return []
    changed = set()
    for docname, by_type in env.toc_fignumbers.items():
        for numbers in by_type.values():
            for position, node_id in enumerate(numbers, start=1):
                if numbers[node_id] != (position,):
                    numbers[node_id] = (position,)
                    changed.add(docname)
    return sorted(changed)


def _is_thebe(script) -> bool:
    filename = getattr(script, "filename", None) or str(script)
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "THEBE_JS_URL" in body or any(part in (filename or "") for part in _THEBE_FILES)


def drop_thebe(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        context["script_files"] = [s for s in scripts if not _is_thebe(s)]


class PartContents(SphinxDirective):
    """List, with links, the pages after this one in its part of the table of contents."""

    has_content = False

    def run(self):
        self.env.note_dependency(str(Path(self.env.srcdir) / "_toc.yml"))
        site_map = getattr(self.env, "external_site_map", None)
        if site_map is None:
            raise self.error("part-contents needs Jupyter Book's _toc.yml (sphinx-external-toc)")
        here = self.env.docname
        following = []
        for tree in site_map.root.subtrees:
            items = [str(item) for item in tree.items]
            if here in items:
                following = items[items.index(here) + 1 :]
        if not following:
            text = "No notebook of this part is published yet."
            return [nodes.paragraph(text, text, classes=["part-contents-empty"])]
        bullets = nodes.bullet_list(classes=["part-contents"])
        for docname in following:
            title = site_map[docname].title or docname
            xref = addnodes.pending_xref(
                "",
                nodes.inline(title, title),
                refdomain="std",
                reftype="doc",
                reftarget="/" + docname,
                refexplicit=True,
                refdoc=here,
            )
            bullets += nodes.list_item("", nodes.paragraph("", "", xref))
        return [bullets]


def repository_substitution(app: Sphinx, config) -> None:
    url = config.html_theme_options.get("repository_url", "")
    config.myst_substitutions = {**config.myst_substitutions, "repository_url": url}


#: The book's own rules on top of the theme, written to ``_static/gauss-flows.css``.
#: Dark mode: the theme paints every HTML output as a light grey box with dark text and dims
#: every image (``brightness(.8) contrast(1.2)``). An explorer is part of the page, not a
#: foreign output: it keeps the page's own colours, and its frames (matplotlib figures drawn
#: on white, so that one colour means one thing in both modes) sit undimmed on a white card;
#: static figures get the same white card instead of the grey box.
#: (The theme's selector ends ``.text_html:not(:has(table.dataframe))``, one type selector more
#: specific than ``.text_html:has(.gf-explorer)``: ours names ``div.output.text_html`` to win.)
SITE_CSS = """\
html[data-theme=dark] .bd-content div.cell_output div.output.text_html:has(.gf-explorer, .gf-prediction) {
  background-color: transparent; color: var(--pst-color-text-base); padding: 0;
}
html[data-theme=dark] .bd-content img.gf-frame,
html[data-theme=dark] .bd-content div.cell_output img {
  filter: none; background-color: #fff; padding: .35rem; border-radius: .25rem;
}
html[data-theme=dark] .gf-explorer, html[data-theme=dark] .gf-prediction {
  border-color: var(--pst-color-border);
}
/* Links keep WCAG AA contrast (4.5:1) on the theme's tinted boxes too, not only on white. */
html[data-theme=light] { --pst-color-link: #0b57d0; --pst-color-link-hover: #0842a0; }
"""
SITE_CSS_NAME = "gauss-flows.css"

#: Accessible names that match what a sighted reader sees (WCAG 2.5.3, "label in name"): the
#: theme labels its search button "Search" while it shows "Search Ctrl+K", its colour-mode
#: button "Color mode" while its icons are titled "Light"/"Dark", and the code-cell toggles
#: "Toggle hidden content" while they read "Show code cell source". The visible text becomes
#: the name; the icons are decoration. Icons are drawn by script after load, hence the observer.
#: What stays the theme's: its markup and icon font (we only mend names and roles after load).
SITE_JS = """\
(function () {
  function mend() {
    document.querySelectorAll("button.search-button__button[aria-label]").forEach(function (button) {
      if (button.textContent.trim()) { button.removeAttribute("aria-label"); }
    });
    document.querySelectorAll("summary[aria-label]").forEach(function (summary) {
      if (summary.textContent.trim()) { summary.removeAttribute("aria-label"); }
    });
    document.querySelectorAll(".theme-switch-button svg[role=img]").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
      icon.removeAttribute("role");
      icon.removeAttribute("aria-labelledby");
    });
    document.querySelectorAll(".theme-switch-button svg title").forEach(function (title) { title.remove(); });
    // The bibliography's list holds back-links beside its entries, which a list may not hold.
    document.querySelectorAll("div.citation-list[role=list]").forEach(function (list) {
      list.removeAttribute("role");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    mend();
    new MutationObserver(mend).observe(document.body, {childList: true, subtree: true});
  });
})();
"""
SITE_JS_NAME = "gauss-flows.js"


def add_site_css(app: Sphinx) -> None:
    app.add_css_file(SITE_CSS_NAME)
    app.add_js_file(SITE_JS_NAME)


def write_site_css(app: Sphinx, exception) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        (static / SITE_CSS_NAME).write_text(SITE_CSS)
        (static / SITE_JS_NAME).write_text(SITE_JS)


def setup(app: Sphinx) -> dict:
    app.add_directive("part-contents", PartContents)
    app.connect("config-inited", repository_substitution)
    app.connect("env-get-updated", number_per_page, priority=900)
    app.connect("html-page-context", drop_thebe, priority=900)
    app.connect("builder-inited", add_site_css)
    app.connect("build-finished", write_site_css)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
