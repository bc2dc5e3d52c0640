"""Numbers written in a notebook's prose against the numbers the notebook prints.

A result typed into a markdown cell drifts the day the computation changes; this checker
finds the drift. It reads an EXECUTED notebook (nbformat JSON with its outputs) and reports
every number in the prose that is a result but that no output of the notebook shows.

The rule
--------
Every number written in a markdown cell is a RESULT, unless it is

(a) inside math (``$...$``, ``$$...$$``, ``{math}`` roles and blocks, ``\\begin{..}`` equation
    environments), inline code or a code block, a role (``{cite:p}`...```, ``{eq}`...```,
    ``{glue:text}`...```: a glued number is right by construction), a link or image target,
    an HTML tag, a MyST directive's fence and option lines (``:label: ex-1``), a label line;
(b) a reference: a part/notebook reference ("Part 4", "Parts 1 and 2", "Part 5 · 03", "5·04"),
    the index after Exercise/Figure/Step/Section/Chapter/Mistake/Table/Equation/Item/Appendix
    ("Exercise 2", "Steps 1-3"), a year (a four-digit integer 1900-2099), a bracketed
    citation ("[3]");
(c) a setting: the same value occurs as a number literal in one of the notebook's code cells
    (``n_layers=8``, ``2500``, ``0.05``), or
(d) declared in the notebook's metadata, ``{"gauss_flows": {"prose_constants": ["0.05",
    "1/2 log 2 pi"]}}``: every number in those strings is a declared constant (for facts stated
    for teaching, such as "about 68 % within one standard deviation").

A number glued to a word is part of the word and not a number ("float64", "2D", "1-D", "x1",
"1st").
Signs are ignored (prose says "falls by 0.05" where a cell prints -0.05).

A RESULT matches when some number printed anywhere in the notebook's outputs (stream text,
``text/plain``, ``text/html`` with the tags removed, ``text/markdown``, glued values) equals it
at the precision the prose shows: prose "0.17" matches a printed 0.169 or 0.1701, not 0.18;
"1.2e-5" matches 1.23e-05. A power of ten written as ``1eN`` is an order of magnitude and
matches any printed number with that decimal exponent ("1e-15" matches 1.2e-15 and 9.7e-16,
not 0.0). A percentage matches the printed percentage or the printed fraction ("33 %" matches
33.1 and 0.331). Printed numbers may use scientific notation, percent signs and thousands
separators ("12,345").

Run it on one notebook: execute a copy, then check the copy::

    tmp=$(mktemp -d) && cp notebooks/03_rbig/00_rbig_loop.ipynb $tmp/
    GAUSS_FLOWS_STATIC=1 JAX_PLATFORMS=cpu python -m pytest -q -p no:cacheprovider \\
        --nbmake --overwrite $tmp/00_rbig_loop.ipynb
    python -m gauss_flows.course.site.prose_numbers $tmp/00_rbig_loop.ipynb

(after ``make book`` the executed copies are in ``_build/src/notebooks``). It prints one line per
mismatch (notebook, cell, number, sentence) and exits with status 1 if there is any.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import sys
import tokenize
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

# --------------------------------------------------------------------------- the prose side

# Regions whose numbers are never results (rule a). Each is blanked out, keeping offsets.
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_SKIP_BODY_DIRECTIVES = {"math", "code", "code-block", "code-cell", "literalinclude", "raw", "eval-rst"}
_OPTION_LINE = re.compile(r"^[ \t]*:[\w-]+:[^\n]*$", re.M)
_SKIP_PATTERNS = [
    re.compile(r"<!--.*?-->", re.S),                              # HTML comments
    re.compile(r"\$\$.*?\$\$(?:[ \t]*\([^)\n]*\))?", re.S),      # display math, optional label
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),      # equation environments
    re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?(?<!\\)\$"),          # inline math
    re.compile(r"\{[\w:.-]+\}`[^`]*`"),                           # roles, incl. {math} and {glue:text}
    re.compile(r"(`+).+?\1", re.S),                               # inline code
    re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"),               # link / image targets
    re.compile(r"\]\[[^\]]*\]"),                                  # reference-style link targets
    re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M),                # link definitions
    re.compile(r"<https?://[^>]*>|https?://\S+"),                 # autolinks, bare URLs
    re.compile(r"</?[A-Za-z][^>]*>"),                             # HTML tags (attributes)
    re.compile(r"^\([\w:.-]+\)=\s*$", re.M),                      # MyST labels "(label)="
    re.compile(r"\[\^[^\]]+\]"),                                  # footnote references
]

# References (rule b).
_CHAIN = r"(?:\s*(?:,|and|or|to|-|–|—|&)\s*{one})*"
_PART_NUMBER = r"\d+(?:\s*[·.]\s*\d+)?"
_INDEX_WORDS = (
    r"parts?|exercises?|figures?|figs?\.|steps?|sections?|chapters?|mistakes?|tables?|"
    r"equations?|eqs?\.|items?|appendix|appendices"
)
_REFERENCE_PATTERNS = [
    re.compile(rf"\b(?:{_INDEX_WORDS})\s+{_PART_NUMBER}{_CHAIN.format(one=_PART_NUMBER)}", re.I),
    re.compile(r"(?<![\d.])\d+\s*·\s*\d+"),                       # "5·04", "3 · 00"
    re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]"),                    # bracketed citations
    re.compile(r"(?<![\w.])\d+-D\b"),                               # "1-D", "2-D": dimension words
]
_YEAR = re.compile(r"^(19|20)\d\d$")

# A number in prose: optional sign, digits (with thousands separators), decimals, exponent,
# optional percent. Not glued to a word on either side, not a piece of "1.2.3".
_NUMBER = re.compile(
    r"(?<![\w.·])(?P<sign>[-−–+]?)"
    r"(?P<mantissa>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"(?:[eE](?P<exp>[-+−]?\d+))?"
    r"(?![\w]|\.\d|,\d)"
    r"(?P<percent>\s?%)?"
)
# A printed number: lenient (outputs are many, and a spurious match only hides a mismatch).
_PRINTED = re.compile(
    r"(?<![\d.])[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+\.?\d*|\.\d+)(?:[eE][-+−]?\d+)?(?P<percent>\s?%)?"
)


@dataclass(frozen=True)
class ProseNumber:
    """A number as written in prose, with the precision the writing implies."""

    text: str
    value: float  # magnitude (signs ignored)
    decimals: int  # digits after the mantissa's point
    exponent: int  # the written exponent (0 without one)
    percent: bool
    written_exponent: bool = False

    @property
    def order_of_magnitude(self) -> bool:
        """``1eN`` (mantissa exactly 1, no decimals) states an order of magnitude."""
        return self.written_exponent and self.decimals == 0 and round(self.value / 10.0**self.exponent) == 1

    def matches(self, printed: float) -> bool:
        """Whether a printed number shows this one, at the precision the prose writes it."""
        printed = abs(printed)
        if self.order_of_magnitude:
            if printed == 0:
                return False
            same_decade = math.floor(math.log10(printed) + 1e-12) == self.exponent
            return same_decade or _same_value(float(f"{printed:.0e}"), self.value)  # 9.7e-16 ~ 1e-15
        candidates = [printed, printed * 100] if self.percent else [printed]
        half_unit = 0.5 * 10.0 ** (self.exponent - self.decimals)
        tolerance = half_unit * (1 + 1e-9) + 1e-12 * self.value
        return any(abs(c - self.value) <= tolerance for c in candidates)


@dataclass(frozen=True)
class Mismatch:
    notebook: str
    cell: int  # index of the markdown cell in the notebook
    number: str
    sentence: str

    def __str__(self) -> str:
        return f"{self.notebook}: cell {self.cell}: {self.number!r} is printed nowhere: {self.sentence}"


def _parse_prose_number(match: re.Match) -> ProseNumber:
    mantissa = match.group("mantissa").replace(",", "")
    exponent = int(match.group("exp").replace("−", "-")) if match.group("exp") else 0
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    value = float(Decimal(mantissa) * Decimal(10) ** exponent)
    text = match.group(0).strip()
    return ProseNumber(text=text, value=value, decimals=decimals, exponent=exponent,
                       percent=bool(match.group("percent")), written_exponent=match.group("exp") is not None)


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces, keeping newlines (so offsets and lines survive)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _blank_all(text: str, pattern: re.Pattern) -> str:
    for m in reversed(list(pattern.finditer(text))):
        text = _blank(text, m.start(), m.end())
    return text


def _mask_fences(text: str) -> str:
    """The markdown with code blocks, math blocks and directive fence/option lines blanked."""
    masked = text
    for m in reversed(list(_FENCE.finditer(text))):
        info = m.group("info").strip()
        directive = re.match(r"\{([\w:.-]+)\}", info)
        name = directive.group(1) if directive else None
        if name is None or name in _SKIP_BODY_DIRECTIVES:
            masked = _blank(masked, m.start(), m.end())  # code block or math: all of it
            continue
        # A directive whose body is prose (note, exercise, figure caption...): drop the
        # fence lines (argument, e.g. an image path) and the option lines, keep the body.
        body_start, body_end = m.start("body"), m.end("body")
        masked = _blank(masked, m.start(), body_start)
        masked = _blank(masked, body_end, m.end())
        body = masked[body_start:body_end]
        masked = masked[:body_start] + _blank_all(body, _OPTION_LINE) + masked[body_end:]
    return masked


def _mask_markdown(text: str) -> str:
    """The markdown with every non-result region (rules a and b) blanked out."""
    masked = _mask_fences(text)
    for pattern in _SKIP_PATTERNS + _REFERENCE_PATTERNS:
        masked = _blank_all(masked, pattern)
    return masked


def _sentence(text: str, position: int) -> str:
    """The sentence of ``text`` around ``position``, on one line."""
    boundaries = [m.end() for m in re.finditer(r"[.!?:](?=\s)|\n\s*\n", text[:position])]
    start = boundaries[-1] if boundaries else 0
    end_match = re.compile(r"[.!?](?=\s|$)|\n\s*\n").search(text, position)
    end = end_match.end() if end_match else len(text)
    sentence = " ".join(text[start:end].split())
    return sentence if len(sentence) <= 240 else sentence[:237] + "..."


def prose_numbers(markdown: str) -> list[tuple[ProseNumber, int]]:
    """The numbers of ``markdown`` that rules (a) and (b) leave as candidates, with offsets."""
    masked = _mask_markdown(markdown)
    out = []
    for m in _NUMBER.finditer(masked):
        number = _parse_prose_number(m)
        if number.exponent == 0 and number.decimals == 0 and not number.percent and _YEAR.match(m.group("mantissa")):
            continue
        out.append((number, m.start("mantissa")))
    return out


# --------------------------------------------------------------------------- the code side


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _code_literals(code: str) -> set[float]:
    """Values of the number literals in a code cell (rule c). Falls back to a regex when the
    cell is not plain Python (magics)."""
    values: set[float] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.NUMBER:
                try:
                    values.add(abs(float(token.string.replace("_", "").rstrip("jJ"))))
                except ValueError:
                    values.add(float(int(token.string.replace("_", ""), 0)))
        return values
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return {abs(v) for v in _numbers_in(code)}


def _numbers_in(text: str) -> list[float]:
    """Every number in printed text (and its fraction when printed as a percentage)."""
    values = []
    for m in _PRINTED.finditer(text):
        raw = m.group(0).replace("%", "").strip().replace("−", "-")
        pieces = [raw.replace(",", "")] + (raw.split(",") if "," in raw else [])
        for piece in pieces:
            try:
                value = float(piece)
            except ValueError:
                continue
            values.append(value)
            if m.group("percent"):
                values.append(value / 100)
    return values


def _html_text(markup: str) -> str:
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]*>", " ", markup))


def printed_numbers(notebook: dict) -> list[float]:
    """Every number the notebook's outputs show."""
    values: list[float] = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            texts = []
            if output.get("output_type") == "stream":
                texts.append(_source({"source": output.get("text", "")}))
            data = output.get("data", {})
            for mime in ("text/plain", "text/markdown", "text/latex"):
                if mime in data:
                    texts.append(_source({"source": data[mime]}))
            if "text/html" in data:
                texts.append(_html_text(_source({"source": data["text/html"]})))
            for text in texts:
                values.extend(_numbers_in(text))
    return values


def declared_constants(notebook: dict) -> set[float]:
    """Rule (d): the numbers in ``metadata.gauss_flows.prose_constants``."""
    declared = notebook.get("metadata", {}).get("gauss_flows", {}).get("prose_constants", [])
    if isinstance(declared, str):
        declared = [declared]
    return {abs(v) for text in declared for v in _numbers_in(str(text))}


# --------------------------------------------------------------------------- the check


def _same_value(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def check_notebook(notebook: dict, name: str = "notebook") -> list[Mismatch]:
    """The prose numbers of an executed ``notebook`` (nbformat JSON as a dict) that are results
    (see the module docstring) and that no output of the notebook shows."""
    cells = notebook.get("cells", [])
    if not any(cell.get("outputs") for cell in cells if cell.get("cell_type") == "code"):
        if any(cell.get("cell_type") == "code" for cell in cells):
            raise ValueError(f"{name}: no code cell has outputs; run the checker on an executed notebook")
    settings = set()
    for cell in cells:
        if cell.get("cell_type") == "code":
            settings |= _code_literals(_source(cell))
    exempt = sorted(settings | declared_constants(notebook))
    printed = printed_numbers(notebook)
    mismatches = []
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        text = _source(cell)
        for number, position in prose_numbers(text):
            if any(_same_value(number.value, v) for v in exempt):
                continue
            if any(number.matches(v) for v in printed):
                continue
            mismatches.append(Mismatch(name, index, number.text, _sentence(_mask_fences(text), position)))
    return mismatches


def check_file(path: str | Path) -> list[Mismatch]:
    path = Path(path)
    return check_notebook(json.loads(path.read_text(encoding="utf-8")), name=str(path))


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m gauss_flows.course.site.prose_numbers EXECUTED.ipynb [...]", file=sys.stderr)
        return 2
    total = 0
    for path in paths:
        mismatches = check_file(path)
        total += len(mismatches)
        for mismatch in mismatches:
            print(mismatch)
    if total:
        print(f"{total} number(s) in the prose that no output prints", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
