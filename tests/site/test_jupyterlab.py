"""The live explorers in a real JupyterLab, driven by Playwright in Debian's Chromium.

JupyterLab is served on loopback (a free port, a token, its own config, runtime, data,
settings and workspace folders under a temporary directory, no browser, ``--allow-root``
when run as root) on COPIES of three notebooks, one per kind of control: 0·00 (sliders),
2·03 (a dropdown and a toggle), 5·03 (the mask editor, a vector and an image). Each is opened,
run with Run All, and every kind of control is moved: the frame must change, and the mask
cells must show their state by colour (computed style: orange active, blue passive, in
the light and the dark theme) and by letter (A / P). The stored notebooks are never opened.
Runs in the site phase of ``make test`` (marker ``site``); it needs no built book.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from site_helpers import BOOK_ROOT

from gauss_flows.presentation.style import ACTIVE, PASSIVE

# Opt-in (`make test-lab`), not part of `make test`: under the load of the parallel browser
# tests the live frames of 2·03 and 5·03 were not shown within 4 minutes in two of the last
# runs (an explorer "not visible", the second live explorer never attached), while the same
# steps pass on a quiet machine. Making the live path reliable under load is issue #24's work;
# until then this test would make CI's result depend on the machine's load, not on the code.
pytestmark = [pytest.mark.site,
              pytest.mark.skipif(os.environ.get("GAUSS_FLOWS_LAB_TEST") != "1",
                                 reason="opt-in: make test-lab (GAUSS_FLOWS_LAB_TEST=1)")]

NOTEBOOKS = BOOK_ROOT / "notebooks"
SLIDER = "00_foundations/00_change_of_variables.ipynb"
DROPDOWN_AND_TOGGLE = "02_rotations/03_one_by_one_and_actnorm.ipynb"
MASK = "05_coupling/03_mask_design.ipynb"
RUN_ALL_TIMEOUT = 240  # seconds per notebook (each runs in < 1 min on 2 cores)


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """``(base URL, token, folder of the copies)`` of a JupyterLab serving copies of the notebooks."""
    home = tmp_path_factory.mktemp("jupyterlab")
    work = home / "notebooks"
    work.mkdir()
    for rel in (SLIDER, DROPDOWN_AND_TOGGLE, MASK):
        shutil.copy(NOTEBOOKS / rel, work / Path(rel).name)
    # Every cell rendered (no windowing): an explorer far down the notebook is in the page.
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "data"),
           "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([str(BOOK_ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])}
    env.pop("GAUSS_FLOWS_STATIC", None)  # live explorers: ipywidgets, not the static page
    env.pop("JAX_ENABLE_X64", None)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               f"--LabApp.user_settings_dir={home / 'settings'}",
               f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    if os.getuid() == 0:
        command.append("--allow-root")
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}api/status?token={token}", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (home / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield url, token, work
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _open_and_run_all(browser, lab, name: str):
    """Open a copy in JupyterLab, Run All, wait for the end; the page and its errors."""
    url, token, _ = lab
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.set_default_timeout(RUN_ALL_TIMEOUT * 1000)
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{url}lab/tree/{name}?token={token}")
    page.wait_for_function(
        "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return w && w.sessionContext && w.sessionContext.session &&"
        " w.sessionContext.session.kernel && w.content && w.content.widgets.length > 0; }")
    finished = page.evaluate(
        "async () => { const w = window.jupyterapp.shell.currentWidget;"
        " await w.sessionContext.ready; await w.context.ready;"
        " return await window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    assert finished is True, f"{name}: Run All stopped before the end"
    failed = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'],"
                          ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']")
    tracebacks = [t for t in failed.all_text_contents() if "Traceback" in t or "Error" in t]
    assert not tracebacks, f"{name}: a cell failed:\n" + tracebacks[0][-2000:]
    return page, errors


def _close(page) -> None:
    """Shut the notebook's kernel down (its explorers' background work with it), close the page."""
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
    page.close()


def _explorers(page, n: int):
    explorers = page.locator(".gf-explorer-live")
    explorers.nth(n - 1).wait_for(state="attached")
    assert explorers.count() >= n
    return [explorers.nth(i) for i in range(explorers.count())]


def _frame_changes(page, explorer, action, what: str) -> None:
    """Do ``action`` and wait until the explorer's frame is a new image."""
    image = explorer.locator("img").first
    before = image.get_attribute("src")
    action()
    page.wait_for_function("([img, before]) => img.src && img.src !== before",
                           arg=[image.element_handle(), before], timeout=60_000)
    assert image.get_attribute("src") != before, f"{what}: the frame did not change"


def _not_stretched(explorer, what: str) -> tuple[int, int]:
    shown, natural = explorer.locator("img").first.evaluate(
        "img => [img.getBoundingClientRect().width, img.naturalWidth]")
    assert natural > 0 and shown <= natural + 0.5, f"{what}: a {natural} px frame shown {shown} px wide"
    return shown, natural


def _cells(explorer) -> list[tuple[str, str, str]]:
    """(letter, background colour, text colour) of every mask cell, as the browser shows them."""
    return explorer.locator(".gf-cell").evaluate_all(
        "cells => cells.map(c => { const s = getComputedStyle(c);"
        " return [c.textContent.trim(), s.backgroundColor, s.color]; })")


def _assert_cells_show_state(cells, where: str) -> None:
    assert cells, f"{where}: no mask cells"
    for letter, background, _ in cells:
        expected = {"A": _rgb(ACTIVE), "P": _rgb(PASSIVE)}.get(letter)
        assert expected is not None, f"{where}: a cell reads {letter!r}, not A or P"
        assert background == expected, f"{where}: a cell {letter} is {background}, not {expected}"


def test_live_explorers_in_jupyterlab(lab, browser):
    started = time.monotonic()
    stored = {p: p.read_bytes() for p in NOTEBOOKS.rglob("*.ipynb")}

    # 0·00: sliders; the 768 px frame is shown at its own size
    page, errors = _open_and_run_all(browser, lab, Path(SLIDER).name)
    explorer = _explorers(page, 1)[0]
    explorer.scroll_into_view_if_needed()
    shown, natural = _not_stretched(explorer, "0·00")
    assert shown == natural, f"0·00: the frame ({natural} px) is shown {shown} px wide"
    handle = explorer.locator(".widget-slider .noUi-handle").first
    _frame_changes(page, explorer, lambda: (handle.focus(), handle.press("ArrowRight")), "0·00 slider")
    _frame_changes(page, explorer, lambda: handle.press("ArrowLeft"), "0·00 slider, back")
    assert errors == [], errors
    _close(page)

    # 2·03: a dropdown and a toggle
    page, errors = _open_and_run_all(browser, lab, Path(DROPDOWN_AND_TOGGLE).name)
    explorer = _explorers(page, 1)[-1]
    explorer.scroll_into_view_if_needed()
    select = explorer.locator(".widget-dropdown select").first
    _frame_changes(page, explorer, lambda: select.select_option(index=1), "2·03 dropdown")
    toggle = explorer.locator(".widget-toggle-button").first
    _frame_changes(page, explorer, toggle.click, "2·03 toggle")
    _not_stretched(explorer, "2·03")
    assert errors == [], errors
    _close(page)

    # 5·03: the mask editor (a vector and an image), light then dark theme
    page, errors = _open_and_run_all(browser, lab, Path(MASK).name)
    explorers = _explorers(page, 2)
    for explorer in explorers:
        explorer.scroll_into_view_if_needed()
        _assert_cells_show_state(_cells(explorer), "5·03, light theme")
        before = _cells(explorer)
        cell = explorer.locator(".gf-cell").first
        _frame_changes(page, explorer, cell.click, "5·03 mask cell")
        after = _cells(explorer)
        assert after[0][0] != before[0][0] and after[0][1] != before[0][1], \
            f"5·03: the clicked cell still reads {after[0]}"
        assert after[1:] == before[1:], "5·03: a cell that was not clicked changed"
        _assert_cells_show_state(after, "5·03 after a click")
        _frame_changes(page, explorer, cell.click, "5·03 mask cell, back")
        assert _cells(explorer) == before
        _not_stretched(explorer, "5·03")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme',"
                  " {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'")
    for explorer in explorers:
        _assert_cells_show_state(_cells(explorer), "5·03, dark theme")
    assert errors == [], errors
    _close(page)

    # the stored notebooks were never touched
    assert {p: p.read_bytes() for p in NOTEBOOKS.rglob("*.ipynb")} == stored
    print(f"JupyterLab test: {time.monotonic() - started:.0f} s")
