"""The contract every explorer keeps: it builds within its budget, its default frame draws,
every control changes the picture, and its page has a Prediction.

One test over the registry (``explorer_registry.EXPLORERS``) instead of a copy in every
``test_explorer_<topic>.py``; those files keep the tests that are specific to their explorer.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import explorer_registry as registry
from gauss_flows.course import explorers as explorers_package
from gauss_flows.presentation.widgets import Explorer, Prediction

ROOT = Path(__file__).resolve().parents[1]
EXPLORER_DIR = Path(explorers_package.__file__).parent
NAMES = sorted(registry.EXPLORERS)


def _explorer_functions() -> set[str]:
    """``module.function`` for every public function of the explorer modules that returns an
    Explorer (by its annotation) or is named ``*_explorer``."""
    found = set()
    for path in sorted(EXPLORER_DIR.glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                returns = ast.unparse(node.returns) if node.returns else ""
                if returns == "Explorer" or node.name.endswith("_explorer"):
                    found.add(f"{path.stem}.{node.name}")
    return found


def test_the_registry_holds_every_explorer_and_every_module():
    assert set(registry.EXPLORERS) == _explorer_functions()
    modules = {p.stem for p in EXPLORER_DIR.glob("*.py") if p.name != "__init__.py"}
    assert set(registry.PREDICTIONS) == modules


@pytest.mark.parametrize("name", NAMES)
def test_builds_within_its_budget_and_draws_the_default(name):
    explorer = registry.build(name)
    assert isinstance(explorer, Explorer)
    assert explorer.controls, f"{name} has no control"
    assert explorer.n_states == len(explorer.states()) <= explorer.max_states
    frame = explorer.render_state()
    assert frame.error is None, frame.error
    assert frame.image and frame.readout


def _bases(explorer, control_name):
    """The default state, then states with ONE other control moved: a control whose effect
    depends on another (a mask rule matters only with more than one layer) shows it there."""
    yield {}
    for other, control in explorer.controls.items():
        if other != control_name:
            for value in control.values:
                if control.index(value) != control.index(explorer.values[other]):
                    yield {other: value}


@pytest.mark.parametrize("name", [n for n in NAMES if n not in registry.CONTROLS_CHECKED_ELSEWHERE])
def test_every_control_changes_the_frame(name):
    explorer = registry.build(name)
    for control_name, control in explorer.controls.items():
        moved = None
        for base in _bases(explorer, control_name):
            base_frame = explorer.render_state(**base)
            current = base.get(control_name, explorer.values[control_name])
            for value in control.values:
                if control.index(value) == control.index(current):
                    continue
                frame = explorer.render_state(**{**base, control_name: value})
                if frame.error is None and frame.image != base_frame.image:
                    moved = frame
                    break
            if moved is not None:
                break
        assert moved is not None, f"no value of {control_name!r} changes the frame of {name}, in any state"


def _notebook_writes_a_prediction(module: str) -> bool:
    for path in (ROOT / "notebooks").glob("*/*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        if any(f"explorers.{module} import" in c or f"explorers import {module} " in c for c in code):
            return any("Prediction(" in c for c in code)
    return False


@pytest.mark.parametrize("module", sorted(registry.PREDICTIONS))
def test_its_page_has_a_prediction(module):
    make = registry.PREDICTIONS[module]
    if make is None:
        assert _notebook_writes_a_prediction(module), f"no Prediction for the {module} explorer"
        return
    prediction = make()
    assert isinstance(prediction, Prediction)
    assert prediction.question and len(prediction.options) >= 2 and prediction.explanation
