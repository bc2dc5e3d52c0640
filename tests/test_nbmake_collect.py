"""The staged-notebook plugin starts a kernel again only when it died while starting."""

from __future__ import annotations

import pytest
from nbmake.pytest_items import NotebookItem

from gauss_flows.course.site import nbmake_collect as nc


def run_with(monkeypatch, outcomes):
    """Run StagedNotebookItem.runtest against nbmake's runtest replaced by ``outcomes`` in turn."""
    calls = []

    def fake_runtest(self):
        outcome = outcomes[len(calls)]
        calls.append(outcome)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr(NotebookItem, "runtest", fake_runtest)
    monkeypatch.setattr(nc.time, "sleep", lambda seconds: None)
    item = object.__new__(nc.StagedNotebookItem)  # no pytest session needed for runtest's logic
    return item.runtest, calls


def test_a_kernel_that_died_while_starting_is_started_again(monkeypatch):
    runtest, calls = run_with(monkeypatch, [RuntimeError(nc.DIED_WHILE_STARTING), "ran"])
    assert runtest() == "ran" and len(calls) == 2


def test_it_gives_up_after_the_last_attempt(monkeypatch):
    runtest, calls = run_with(monkeypatch, [RuntimeError(nc.DIED_WHILE_STARTING)] * nc.KERNEL_START_ATTEMPTS)
    with pytest.raises(RuntimeError, match="kernel_info"):
        runtest()
    assert len(calls) == nc.KERNEL_START_ATTEMPTS


@pytest.mark.parametrize("error", [RuntimeError("a cell raised"), ValueError(nc.DIED_WHILE_STARTING),
                                   AssertionError("the notebook failed")])
def test_any_other_failure_is_reported_at_once(monkeypatch, error):
    runtest, calls = run_with(monkeypatch, [error, "ran"])
    with pytest.raises(type(error)):
        runtest()
    assert len(calls) == 1
