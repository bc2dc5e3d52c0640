"""Fixtures for testing the built site in a real browser (Debian's headless Chromium).

The site in ``_build/html`` (``make book``) is served on loopback by a Python
``http.server`` thread; Playwright drives ``/usr/bin/chromium`` (Playwright's own browser
download is not possible here). Every request to any other host is recorded and aborted,
so a test can assert the site is self-contained without the network being involved.

``GAUSS_FLOWS_BOOK_ROOT`` points the tests at another checkout's build (default: this one).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from site_helpers import CHROMIUM, CHROMIUM_ARGS, HTML_DIR, REPORT_DIR  # noqa: E402


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built site at {HTML_DIR}: run `make book` first")
    return HTML_DIR


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="session")
def server(html_dir):
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `apt-get install chromium` (make test-site does it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """One page opened in the browser, and everything it did while loading."""

    page: object
    url: str
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    foreign_requests: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)
    local_paths: list = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f"console error: {m}" for m in self.console_errors]
        out += [f"uncaught exception: {m}" for m in self.page_errors]
        out += [f"request to another host: {u}" for u in self.foreign_requests]
        out += [f"failed request: {u}" for u in self.failed_requests]
        return out

    def weight_bytes(self, html_dir: Path, compressed: bool = False) -> int:
        """Bytes of every distinct local file the page loaded (page, scripts, css, images,
        fonts): as stored, or gzip-compressed as any static host sends text over the wire."""
        total = 0
        for path in set(self.local_paths):
            file = html_dir / path
            if file.is_dir():
                file = file / "index.html"
            if file.is_file():
                total += _gzip_size(file) if compressed else file.stat().st_size
        return total


@functools.lru_cache(maxsize=None)
def _gzip_size(file: Path) -> int:
    return len(gzip.compress(file.read_bytes(), compresslevel=6))


_REFRESH = re.compile(
    r"""<meta[^>]*http-equiv=["']?refresh["']?[^>]*content=["']?\s*\d+\s*;\s*url=([^"'>\s]+)""",
    re.IGNORECASE,
)


def redirect_target(html_dir: Path, relative: str) -> str | None:
    """Where a page's ``<meta http-equiv="Refresh">`` sends the browser (index.html ->
    book/intro.html), read from the built file, or None for an ordinary page.

    Read from disk, not from the page: asking the page races its own navigation."""
    file = html_dir / relative
    if file.is_dir():
        file = file / "index.html"
    if not file.is_file():
        return None
    found = _REFRESH.search(file.read_text(encoding="utf-8", errors="replace"))
    return urllib.parse.urljoin(relative, found.group(1)) if found else None


def wait_until_settled(page) -> None:
    """Wait for the page's load, MathJax's typesetting (if the page loads it) and its fonts.

    Everything a page shows is in it or loaded before "load" (explorer states are inline),
    except web fonts and MathJax's output: wait for those rather than for half a second of
    network silence."""
    from playwright.sync_api import Error

    for attempt in range(3):
        try:
            page.wait_for_load_state("load")
            page.evaluate(
                """() => ((window.MathJax && MathJax.startup && MathJax.startup.promise)
                          ? MathJax.startup.promise : Promise.resolve())
                         .then(() => document.fonts.ready).then(() => true)"""
            )
            return
        except Error as error:
            if "context was destroyed" not in str(error) or attempt == 2:
                raise


@pytest.fixture
def visit(browser, server, html_dir):
    """``visit("book/intro.html")`` opens a page in a fresh browser context and returns a Visit."""
    contexts = []
    base = urllib.parse.urlsplit(server)

    def _visit(relative: str) -> Visit:
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        record = Visit(page=page, url=server + relative)

        def route(route):
            url = urllib.parse.urlsplit(route.request.url)
            if url.scheme in ("http", "https") and url.netloc != base.netloc:
                record.foreign_requests.append(route.request.url)
                route.abort()
            else:
                if url.netloc == base.netloc:
                    record.local_paths.append(urllib.parse.unquote(url.path.lstrip("/")))
                route.continue_()

        context.route("**/*", route)
        page.on("console", lambda m: record.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: record.page_errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: record.failed_requests.append(f"{r.url} ({r.failure})")
            if r.url not in record.foreign_requests
            else None,
        )
        page.on(
            "response",
            lambda r: record.failed_requests.append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400
            else None,
        )
        page.goto(record.url)
        target = redirect_target(html_dir, relative)
        if target is not None:  # settle on the page it goes to, not the one it leaves
            page.wait_for_url(server + target)
        wait_until_settled(page)
        return record

    yield _visit
    for context in contexts:
        context.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Print the page weights measured by test_pages.py (works under pytest-xdist too)."""
    if not REPORT_DIR.is_dir() or hasattr(config, "workerinput"):
        return
    rows = []
    for file in sorted(REPORT_DIR.glob("*.json")):
        data = json.loads(file.read_text())
        if "weight_bytes" in data:
            rows.append(data)
    if rows:
        terminalreporter.section("page weights (bytes loaded from the site)")
        for row in rows:
            terminalreporter.write_line(
                f"{row['weight_bytes'] / 1024:7.0f} KiB ({row['gzip_bytes'] / 1024:5.0f} KiB gzipped)"
                f"  {row['page']}"
                + (f"  ({row['explorers']} explorer(s))" if row.get("explorers") else "")
            )
