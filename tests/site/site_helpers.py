"""Paths and small helpers shared by the site tests (imported by conftest and the tests)."""

from __future__ import annotations

import json
import os
from pathlib import Path

BOOK_ROOT = Path(os.environ.get("GAUSS_FLOWS_BOOK_ROOT", Path(__file__).resolve().parents[2]))
HTML_DIR = BOOK_ROOT / "_build" / "html"
REPORT_DIR = BOOK_ROOT / "_build" / "site_report"
CHROMIUM = os.environ.get("GAUSS_FLOWS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Folders of the build that hold assets, not pages.
NOT_PAGES = {"_static", "_sources", "_images", "_downloads", "_sphinx_design_static"}


def site_pages() -> list[str]:
    """Every HTML page of the built site, as paths relative to _build/html."""
    if not HTML_DIR.is_dir():
        return []
    return sorted(
        p.relative_to(HTML_DIR).as_posix()
        for p in HTML_DIR.rglob("*.html")
        if not (set(p.relative_to(HTML_DIR).parts) & NOT_PAGES)
    )


def write_report(name: str, data: dict) -> None:
    """Keep a measurement (e.g. page weights) under _build/site_report for the summary."""
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    (REPORT_DIR / (name.replace("/", "__") + ".json")).write_text(json.dumps(data))
