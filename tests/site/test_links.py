"""Static checks of the built HTML: every internal link and anchor resolves, every asset a
page names exists, and no page names an asset on another host (links to other sites, like
the launch buttons or a paper's DOI, are fine: they load nothing until clicked)."""

from __future__ import annotations

import functools
import urllib.parse
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from site_helpers import HTML_DIR, site_pages

pytestmark = pytest.mark.site

PAGES = site_pages()
ASSET_TAGS = {"script": "src", "img": "src", "source": "src", "iframe": "src", "link": "href"}


@functools.lru_cache(maxsize=None)
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@functools.lru_cache(maxsize=None)
def _anchors(path: Path) -> frozenset:
    soup = _soup(path)
    return frozenset(
        [tag["id"] for tag in soup.find_all(id=True)] + [a["name"] for a in soup.find_all("a", attrs={"name": True})]
    )


def _is_external(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme != "" or url.startswith("//")


def _resolve(page: Path, url: str) -> tuple[Path, str]:
    parts = urllib.parse.urlsplit(url)
    target = page if parts.path == "" else (page.parent / urllib.parse.unquote(parts.path)).resolve()
    if target.is_dir():
        target = target / "index.html"
    return target, urllib.parse.unquote(parts.fragment)


@pytest.mark.parametrize("page_path", PAGES)
def test_links_and_anchors_resolve(html_dir, page_path):
    page = (html_dir / page_path).resolve()
    broken = []
    for a in _soup(page).find_all("a", href=True):
        href = a["href"]
        if _is_external(href) or href.startswith("javascript:"):
            continue
        target, fragment = _resolve(page, href)
        if not target.is_file():
            broken.append(f"{href!r} -> missing {target}")
        elif fragment and target.suffix == ".html" and fragment not in _anchors(target):
            broken.append(f"{href!r} -> no anchor #{fragment} in {target.name}")
    assert not broken, f"{page_path}:\n" + "\n".join(broken)


@pytest.mark.parametrize("page_path", PAGES)
def test_assets_are_local_and_present(html_dir, page_path):
    page = (html_dir / page_path).resolve()
    problems = []
    for tag_name, attribute in ASSET_TAGS.items():
        for tag in _soup(page).find_all(tag_name, attrs={attribute: True}):
            url = tag[attribute]
            if tag_name == "link" and not ({"stylesheet", "icon", "preload", "modulepreload"} & set(tag.get("rel", []))):
                continue
            if url.startswith("data:"):
                continue
            if _is_external(url):
                problems.append(f"<{tag_name}> loads {url} from another host")
                continue
            target, _ = _resolve(page, url)
            if not target.is_file():
                problems.append(f"<{tag_name}> names a missing file {url}")
    assert not problems, f"{page_path}:\n" + "\n".join(problems)


def test_no_live_widget_outputs(html_dir):
    """A live ipywidget on a static page is a dead slider: explorers must be static here."""
    offenders = [
        p for p in PAGES if "application/vnd.jupyter.widget-view+json" in (html_dir / p).read_text()
    ]
    assert not offenders, f"pages with live ipywidgets (build with GAUSS_FLOWS_STATIC=1): {offenders}"
