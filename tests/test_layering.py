"""The package's three rooms and the one direction of their imports, enforced.

Read from the source (AST, every ``import`` anywhere in a module, also inside functions), so a
lazy import cannot hide an upward arrow:

* the library proper (everything outside ``presentation/`` and ``course/``) imports no plotting,
  no widgets, no ``gauss_flows.presentation``, no ``gauss_flows.course`` and no ``_style``;
* ``presentation/`` imports nothing from ``course/``;
* a checker (``course/exercises/``) imports no explorer (``course/explorers/``);
* no module takes a private name (``_x``, not a dunder) from another module, neither by
  ``from m import _x`` nor as ``m._x`` on a gauss_flows module it imported;
* a notebook's code cells import no private name;
* the module-level import graph of the package has no cycle.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "gauss_flows"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*/*.ipynb"))

PLOTTING_AND_WIDGETS = ("matplotlib", "ipywidgets", "IPython", "_style",
                        "gauss_flows.presentation", "gauss_flows.course")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute name a (possibly relative) ``from ... import`` reads from."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Imports:
    """Every import of one module: (target, line, at module level?, the names taken)."""

    def __init__(self, module: str, tree: ast.AST):
        self.module = module
        self.edges: list[tuple[str, int, bool]] = []          # (imported module, line, top level)
        self.private: list[tuple[str, str, int]] = []         # (from module, name, line)
        self.aliases: dict[str, str] = {}                      # local name -> gauss_flows module
        top_level = {id(n) for n in getattr(tree, "body", [])}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.edges.append((alias.name, node.lineno, id(node) in top_level))
                    if alias.name.startswith("gauss_flows"):
                        local = alias.asname or alias.name.split(".")[0]
                        self.aliases[local] = alias.name if alias.asname else "gauss_flows"
            elif isinstance(node, ast.ImportFrom):
                source = _resolve(module, node)
                self.edges.append((source, node.lineno, id(node) in top_level))
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    if full in MODULES:                        # `from pkg import submodule`
                        self.edges.append((full, node.lineno, id(node) in top_level))
                        self.aliases[alias.asname or alias.name] = full
                    elif _is_private(alias.name):
                        self.private.append((source, alias.name, node.lineno))
        for node in ast.walk(tree):                            # `m._x` on an imported module
            if (isinstance(node, ast.Attribute) and _is_private(node.attr)
                    and isinstance(node.value, ast.Name) and node.value.id in self.aliases):
                self.private.append((self.aliases[node.value.id], node.attr, node.lineno))


IMPORTS = {name: Imports(name, ast.parse(path.read_text(), str(path))) for name, path in MODULES.items()}


def _room(module: str) -> str:
    if module.startswith("gauss_flows.presentation"):
        return "presentation"
    if module.startswith("gauss_flows.course"):
        return "course"
    return "library"


def _hits(target: str, prefixes) -> bool:
    return any(target == p or target.startswith(p + ".") for p in prefixes)


def _violations(modules, forbidden):
    return [f"{m}:{line} imports {target}"
            for m in modules for target, line, _ in IMPORTS[m].edges if _hits(target, forbidden)]


def test_the_library_proper_imports_no_plotting_widgets_presentation_or_course():
    library = [m for m in MODULES if _room(m) == "library" and m != "gauss_flows"]
    assert len(library) > 20, "the scan found too few library modules"
    found = _violations(library, PLOTTING_AND_WIDGETS)
    assert not found, "\n".join(found)


def test_the_package_root_reaches_presentation_and_course_only_lazily():
    eager = [t for t, _, top in IMPORTS["gauss_flows"].edges if top and _hits(t, PLOTTING_AND_WIDGETS)]
    assert eager == []


def test_presentation_imports_no_course():
    presentation = [m for m in MODULES if _room(m) == "presentation"]
    found = _violations(presentation, ["gauss_flows.course"])
    assert presentation and not found, "\n".join(found)


def test_checkers_import_no_explorer():
    checkers = [m for m in MODULES if m.startswith("gauss_flows.course.exercises")]
    assert len(checkers) > 20
    found = _violations(checkers, ["gauss_flows.course.explorers"])
    assert not found, "\n".join(found)


def test_no_module_takes_a_private_name_from_another():
    crossings = [f"{m}:{line} takes {source}.{name}"
                 for m, imports in IMPORTS.items()
                 for source, name, line in imports.private if source != m]
    assert not crossings, "\n".join(crossings)


def _notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            # IPython magics and shell escapes are not Python: blank them out line by line
            lines += ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()]
    return "\n".join(lines)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_imports_no_private_name(path):
    scan = Imports("__notebook__", ast.parse(_notebook_code(path), str(path)))
    taken = [f"line {line}: {source}.{name}" for source, name, line in scan.private]
    assert not taken, f"{path.name} takes private names:\n" + "\n".join(taken)


def test_the_import_scan_sees_what_it_should():
    """The scanner itself: relative imports resolve, function-level imports count, privates show."""
    source = ("from .base import _hidden\n"
              "from . import masks\n"
              "def f():\n"
              "    import matplotlib.pyplot as plt\n"
              "    return masks._secret\n")
    scan = Imports("gauss_flows.bijectors.coupling", ast.parse(source))
    targets = {t for t, _, _ in scan.edges}
    assert {"gauss_flows.bijectors.base", "gauss_flows.bijectors", "matplotlib.pyplot"} <= targets
    assert ("gauss_flows.bijectors.base", "_hidden", 1) in scan.private
    assert ("gauss_flows.masks", "_secret", 5) not in scan.private   # `.` is bijectors: no masks there
    scan = Imports("gauss_flows.flows", ast.parse(source))
    assert ("gauss_flows.masks", "_secret", 5) in scan.private
    assert [t for t, _, top in scan.edges if t == "matplotlib.pyplot"] and not [
        top for t, _, top in scan.edges if t == "matplotlib.pyplot" and top]


def test_the_module_level_import_graph_has_no_cycle():
    graph = {}
    for m, imports in IMPORTS.items():
        targets = set()
        for target, _, top in imports.edges:
            if not top:
                continue
            # `from gauss_flows.x import name` depends on the longest module prefix that exists
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != m:
                targets.add(target)
        graph[m] = targets
    # a package's own submodules importing the package's __init__ is how Python packages work
    # (the parent loads first); what must not happen is a loop among the modules themselves.
    for m in graph:
        graph[m] = {t for t in graph[m] if not (_is_package(t) and m.startswith(t + "."))}
    state, stack, cycles = {}, [], []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)
