"""The theme's icon bundle, cut down to the icons the site shows.

The book's theme (pydata-sphinx-theme, under sphinx-book-theme) loads Font Awesome as one
script, ``_static/scripts/fontawesome.js``: the SVG-and-JavaScript build of every free icon,
about 2,000 of them in 1.5 MB that every reader downloads before the first page is complete.
The site shows about twenty (menu, search, download, full screen, colour mode, GitHub, ...).

Inside the bundle each icon is one entry of an icon pack,
``"name":[width,height,[aliases],"unicode","svg path"]`` (the key unquoted where the
minifier could) (the path is a list for duotone
icons), a JSON array. :func:`subset_bundle` keeps the entries whose name or alias the site
uses and drops the others; the library code around them is left as it is, so the script keeps
working the same way for the icons it still has. The used names are every ``fa-<name>`` token
in the built pages and in the site's other scripts (icons a script adds at run time, like the
colour-mode switch, are written there as literals).

Usage: called by :mod:`gauss_flows.course.site.postbuild`; ``subset_site(html_dir)`` returns
the sizes before and after.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BUNDLE = Path("_static") / "scripts" / "fontawesome.js"

# A key is quoted ("address-book") or, where it is a valid identifier, bare (monero): minified.
_ENTRY_START = re.compile(r'(?:"([a-z0-9-]+)"|(?<=[{,])([a-z][a-z0-9]*)):(?=\[\d+,\d+,\[)')
_ICON_TOKEN = re.compile(r"\bfa-([a-z0-9-]+)")


def _matching_bracket(text: str, start: int) -> int:
    """Index just past the ``]`` closing the ``[`` at ``start`` (strings skipped)."""
    depth, i, in_string = 0, start, False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced icon entry at offset {start}")


def icon_entries(bundle: str) -> list[tuple[int, int, set[str]]]:
    """Every icon entry of the bundle: (start, end, {name and its text aliases})."""
    entries = []
    for match in _ENTRY_START.finditer(bundle):
        array_start = match.end()
        end = _matching_bracket(bundle, array_start)
        try:
            width, height, aliases, unicode, path = json.loads(bundle[array_start:end])
        except (ValueError, TypeError):
            continue  # looked like an icon, is not one: leave it
        if not (isinstance(width, int) and isinstance(aliases, list) and isinstance(unicode, str)):
            continue
        names = {match.group(1) or match.group(2)} | {alias for alias in aliases if isinstance(alias, str)}
        entries.append((match.start(), end, names))
    return entries


def subset_bundle(bundle: str, keep: set[str]) -> str:
    """The bundle without the icon entries none of whose names is in ``keep``."""
    spans = []
    for start, end, names in icon_entries(bundle):
        if names & keep:
            continue
        # Take one neighbouring comma with the entry so the object stays valid JavaScript.
        if bundle[end:end + 1] == ",":
            end += 1
        elif bundle[start - 1:start] == ",":
            start -= 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    pieces, previous = [], 0
    for start, end in spans:
        pieces.append(bundle[previous:start])
        previous = end
    pieces.append(bundle[previous:])
    text = "".join(pieces)
    # The source map describes the full bundle; a stale map would mislead a debugger.
    return re.sub(r"\n?//# sourceMappingURL=\S+\s*$", "\n", text)


def used_icon_names(html_dir: Path) -> set[str]:
    """Every ``fa-<name>`` written in the site's pages and scripts (the bundle itself excluded)."""
    html_dir = Path(html_dir)
    bundle = (html_dir / BUNDLE).resolve()
    names: set[str] = set()
    files = list(html_dir.rglob("*.html")) + list((html_dir / "_static").rglob("*.js"))
    for path in files:
        if path.resolve() == bundle or "mathjax" in path.parts:
            continue
        names |= set(_ICON_TOKEN.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return names


def subset_site(html_dir: Path) -> tuple[int, int]:
    """Cut the site's icon bundle to the icons it uses; returns its size in bytes before and after."""
    path = Path(html_dir) / BUNDLE
    if not path.exists():
        return 0, 0
    bundle = path.read_text(encoding="utf-8")
    keep = used_icon_names(html_dir)
    subset = subset_bundle(bundle, keep)
    path.write_text(subset, encoding="utf-8")
    stale_map = path.with_name(path.name + ".map")
    if stale_map.exists():
        stale_map.unlink()
    return len(bundle.encode()), len(subset.encode())
