"""The explorer engine: static HTML (every state, controls, inline JS), live ipywidgets, errors."""

import json
import re
import shutil

import numpy as np
import pytest
from matplotlib.figure import Figure

from gauss_flows import widgets
from gauss_flows.presentation.widgets import (Dropdown, Explorer, ExplorerTooLarge, MaskEditor, Prediction,
                                 Slider, Toggle)

MASKS = [[0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 0, 1]]


def make_explorer(calls=None, **kwargs):
    """A cheap explorer whose frame and readout depend on every control."""

    def render(a, kind, flip, mask):
        if calls is not None:
            calls.append((a, kind, flip, tuple(mask)))
        if mask.all():
            raise ValueError("a mask with no passive coordinate cannot condition on anything")
        fig = Figure(figsize=(2.0, 1.5))
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, a * (-1 if flip else 1)], color="C1" if kind == "b" else "C0")
        ax.bar(range(4), mask.astype(float))
        return fig, f"a={a:g} kind={kind} flip={flip} mask={''.join(str(int(m)) for m in mask)}"

    controls = {"a": Slider("slope a", [-1.0, 0.0, 1.0], default=1.0),
                "kind": Dropdown("kind", {"first": "a", "second": "b"}),
                "flip": Toggle("flip"),
                "mask": MaskEditor("mask", 4, MASKS)}
    return Explorer(render, controls, dpi=40, **kwargs)


def states_json(html):
    match = re.search(r'<script type="application/json" class="gf-states">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_static_html_has_every_state_controls_and_inline_js():
    explorer = make_explorer()
    html = explorer.to_html()
    assert explorer.n_states == 3 * 2 * 2 * 3 == len(explorer.states())
    data = states_json(html)
    assert len(data["states"]) == explorer.n_states
    keys = {tuple(map(int, k.split(","))) for k in data["states"]}
    assert keys == {(i, j, k, m) for i in range(3) for j in range(2) for k in range(2) for m in range(3)}
    # every state's readout is the one its render produced
    assert data["states"]["0,1,1,2"][1] == "a=-1 kind=b flip=True mask=0101"
    assert all(0 <= s[0] < len(data["images"]) for s in data["states"].values())
    assert all(uri.startswith("data:image/webp;base64,") for uri in data["images"])
    assert html.startswith('<div class="gf-explorer"')
    for control in ('input type="range"', 'data-control="a"', '<select data-control="kind"',
                    'data-control="flip"', 'class="gf-cell" data-control="mask"'):
        assert control in html
    assert html.count('class="gf-cell"') == 4
    assert 'img class="gf-frame"' in html and 'class="gf-readout' in html
    assert "addEventListener" in html and "nearestMask" in html
    # self-contained: no external script, stylesheet or image
    assert not re.search(r'<script[^>]+src=|<link|src="http', html)


def test_each_display_gets_its_own_id():
    explorer = make_explorer()
    pages = [explorer.to_html(), explorer.to_html()]
    ids = [re.search(r'id="([^"]+)"', page).group(1) for page in pages]
    assert ids[0] != ids[1]
    for uid, page in zip(ids, pages):  # each script looks up its own root
        assert f'getElementById("{uid}")' in page


def test_state_cap_and_weight_cap_raise_clear_errors():
    with pytest.raises(ExplorerTooLarge, match=r"36 states, more than max_states=10"):
        make_explorer(max_states=10).to_html()
    with pytest.raises(ExplorerTooLarge, match=r"more than max_bytes"):
        make_explorer(max_bytes=20_000).to_html()


def test_set_rejects_out_of_range_and_unknown_values():
    explorer = make_explorer()
    with pytest.raises(ValueError, match=r"'a' \(slope a\) accepts values from -1 to 1"):
        explorer.set(a=2.5)
    with pytest.raises(ValueError, match=r"one of \['first', 'second'\]"):
        explorer.set(kind="third")
    with pytest.raises(ValueError, match=r"boolean mask of shape \(4,\)"):
        explorer.set(mask=[1, 0, 1])
    with pytest.raises(ValueError, match=r"Unknown control"):
        explorer.set(b=1)
    frame = explorer.set(a=0.4, kind="second")  # snaps to the grid; labels select options
    assert explorer.values["a"] == 0.0 and explorer.values["kind"] == "b"
    assert frame.readout.startswith("a=0 kind=b")


def test_render_value_error_becomes_a_message_not_a_traceback():
    explorer = make_explorer()
    frame = explorer.set(mask=[1, 1, 1, 1])
    assert frame.error == frame.readout == "a mask with no passive coordinate cannot condition on anything"
    assert frame.image[:4] == b"RIFF"  # still a picture (of the message), so the layout holds

    def broken(a):
        raise ValueError("a must not be zero")

    html = Explorer(broken, {"a": Slider("a", [0.0, 1.0])}, dpi=30).to_html()
    assert all(s[1:] == ["a must not be zero", 1] for s in states_json(html)["states"].values())
    assert "gf-readout gf-error" in html


def test_other_render_errors_propagate():
    def buggy(a):
        raise KeyError("bug")

    with pytest.raises(KeyError):
        Explorer(buggy, {"a": Slider("a", [0.0])}).set(a=0.0)
    with pytest.raises(TypeError, match="matplotlib Figure"):
        Explorer(lambda a: "not a figure", {"a": Slider("a", [0.0])}).set(a=0.0)


def test_mask_editor_nearest_precomputed_state():
    editor = MaskEditor("mask", 4, MASKS)
    assert editor.index([0, 0, 1, 1]) == 0
    mask, distance = editor.nearest([1, 0, 1, 1])  # one flip away from 0011, three from 1100
    assert mask.tolist() == [False, False, True, True] and distance == 1
    assert editor.index([1, 1, 1, 0]) == 1
    image = MaskEditor("image", (2, 2), [np.eye(2), 1 - np.eye(2)])
    assert image.nearest([[1, 1], [0, 1]])[0].tolist() == [[True, False], [False, True]]
    with pytest.raises(ValueError):
        MaskEditor("bad", 3, [[0, 1]])


def test_live_mode_updates_the_image_in_place_and_caches(monkeypatch):
    import ipywidgets

    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    calls = []
    explorer = make_explorer(calls, prefetch=False)  # no background drawing: calls are counted
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    box = explorer.widget()
    assert isinstance(box, ipywidgets.VBox) and explorer.widget() is box
    images = [w for w in box.children if isinstance(w, ipywidgets.Image)]
    assert len(images) == 1
    first = images[0].value
    explorer.set(a=-1.0)
    assert images[0].value != first and [w for w in box.children if isinstance(w, ipywidgets.Image)] == images
    assert explorer._widgets["a"].value == 0  # the slider moved with set()
    # a reader moving a widget redraws through the same path
    explorer._widgets["flip"].value = True
    assert explorer.values["flip"] is True and "flip=True" in explorer._readout.value
    n_calls = len(calls)
    explorer.set(flip=False)
    explorer.set(flip=True)
    assert len(calls) == n_calls  # both states were drawn before: served from the cache
    assert explorer.timings.first_draw is not None and len(explorer.timings.changes) == 4
    assert explorer.timings.cached[-2:] == [True, True]
    assert explorer.timings.summary()["n"] == 4
    # clicking a mask cell redraws with the new mask (any of the 2^n masks works live)
    cells = explorer._widgets["mask"]._gf_cells
    cells[0].click()
    assert explorer.values["mask"].tolist() == [True, False, True, True]
    assert "mask=1011" in explorer._readout.value


def _cell_look(button):
    return (button.description, button.style.button_color, button.style.text_color,
            "gf-active" in button._dom_classes, "gf-passive" in button._dom_classes)


def test_live_mask_cells_show_their_state_by_colour_class_and_letter(monkeypatch):
    from gauss_flows.presentation.style import ACTIVE, PASSIVE

    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    explorer = make_explorer(prefetch=False)
    explorer.widget()
    cells = explorer._widgets["mask"]._gf_cells
    active = ("A", ACTIVE, "#000000", True, False)
    passive = ("P", PASSIVE, "#ffffff", False, True)
    assert [_cell_look(c) for c in cells] == [passive, passive, active, active]  # 0011
    cells[1].click()  # 0111
    assert [_cell_look(c) for c in cells] == [passive, active, active, active]
    assert explorer.values["mask"].tolist() == [False, True, True, True]
    cells[1].click()  # back to 0011
    cells[3].click()  # 0010
    assert [_cell_look(c) for c in cells] == [passive, passive, active, passive]
    assert "mask=0010" in explorer._readout.value
    explorer.set(mask=[1, 1, 0, 0])  # set() repaints the cells without a second redraw
    assert [_cell_look(c) for c in cells] == [active, active, passive, passive]
    n = len(explorer.timings.changes)
    cells[0].click()
    assert len(explorer.timings.changes) == n + 1


def test_live_frame_keeps_its_pixel_size_and_the_readout_does_not_shrink(monkeypatch):
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)

    def render(lines):
        return Figure(figsize=(2.0, 1.5)), "\n".join(["line"] * int(lines))

    explorer = Explorer(render, {"lines": Slider("lines", [1.0, 2.0, 3.0], default=1.0)}, dpi=40,
                        prefetch=False)
    box = explorer.widget()
    frame = explorer.render_state()
    assert (frame.width, frame.height) == (80, 60)
    assert explorer._image.layout.width == "80px" and explorer._image.layout.max_width == "100%"
    assert "min-height:1.35em" in explorer._readout.value
    explorer.set(lines=3.0)
    assert "min-height:4.05em" in explorer._readout.value
    explorer.set(lines=1.0)  # shorter text, same box: the widget does not jump
    assert "min-height:4.05em" in explorer._readout.value
    html = explorer.to_html()  # static: the image's own size, the box as tall as the tallest readout
    assert 'width="80" height="60"' in html and "min-height:4.05em" in html
    assert box is explorer.widget()


def test_neighbours_are_one_notch_away_on_one_control():
    explorer = make_explorer()
    explorer.set(a=0.0, kind="a", flip=False, mask=MASKS[1])
    found = explorer.neighbours()
    changed = [[name for name in explorer.controls
                if explorer.controls[name].key(state[name]) != explorer.controls[name].key(explorer.values[name])]
               for state in found]
    assert all(len(names) == 1 for names in changed)
    # the listed masks on either side (0011, 0101) and the four one-click masks (0100, 1000,
    # 1110, 1101), none twice
    assert sorted(names[0] for names in changed) == ["a", "a", "flip", "kind"] + ["mask"] * 6
    masks = sorted("".join(str(int(b)) for b in state["mask"])
                   for state, names in zip(found, changed) if names == ["mask"])
    assert masks == ["0011", "0100", "0101", "1000", "1101", "1110"]
    assert sorted(state["a"] for state in found if state["a"] != 0.0) == [-1.0, 1.0]
    # at the end of a grid there is only one neighbour on that control
    assert len(explorer.neighbours({"a": 1.0})) == len(found) - 1
    # the control moved last comes first, in the direction it moved
    explorer.set(a=1.0)
    explorer.set(a=0.0)
    assert [s["a"] for s in explorer.neighbours()[:2]] == [-1.0, 1.0]


def test_live_background_draws_the_neighbours_first_then_the_grid(monkeypatch):
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    calls = []
    explorer = make_explorer(calls)
    explorer.widget()  # first draw, then the background work starts
    assert explorer.wait_for_prefetch(timeout=60)
    drawn = [(a, kind, flip, mask) for a, kind, flip, mask in calls]
    neighbours = [(s["a"], s["kind"], s["flip"], tuple(s["mask"])) for s in explorer.neighbours()]
    assert drawn[1:1 + len(neighbours)] == neighbours  # the likeliest next states first
    grid = {(s["a"], s["kind"], s["flip"], tuple(s["mask"])) for s in explorer.states()}
    assert grid <= set(drawn) and len(drawn) == len(set(drawn))  # then every listed state, once
    for state in explorer.states():  # every listed state is now a cache hit
        assert explorer.set(**state).cached
    frame = explorer.set(mask=[1, 0, 0, 0])  # not listed: drawn in the foreground ...
    assert not frame.cached
    assert explorer.wait_for_prefetch(timeout=60)
    assert explorer.set(mask=[1, 0, 0, 1]).cached  # ... and its one-click neighbours after it
    n = len(calls)
    explorer.close()
    explorer.set(mask=[1, 1, 1, 0])  # after close() nothing is drawn in the background
    assert len(calls) == n + 1 and explorer.wait_for_prefetch(timeout=1)
    # the same frames as drawing in the foreground
    state = dict(a=-1.0, kind="b", flip=True, mask=[1, 1, 1, 0])
    assert explorer.render_state(**state).image == make_explorer(prefetch=False).render_state(**state).image


def test_a_cache_hit_never_waits_for_the_background(monkeypatch):
    """The worker drawing a slow state (a compilation, say) delays no cached frame, and a
    change to a state not drawn yet is drawn at once, beside the worker."""
    import threading

    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    release, slow_started = threading.Event(), threading.Event()

    def render(a):
        if a == 2.0:  # the state the background reaches first: blocks until released
            slow_started.set()
            assert release.wait(30)
        fig = Figure(figsize=(1.0, 1.0))
        fig.add_subplot().plot([0, a])
        return fig, f"a={a:g}"

    explorer = Explorer(render, {"a": Slider("a", [0.0, 1.0, 2.0, 3.0], default=1.0)}, dpi=20)
    explorer.widget()  # draws a=1; the worker goes on to a=2 (the continuing direction)
    assert slow_started.wait(30)
    try:
        assert explorer.set(a=1.0).cached  # cached: served although the worker is stuck
        assert explorer.set(a=0.0).readout == "a=0"  # not cached: drawn beside the worker
        assert explorer.set(a=3.0).readout == "a=3"
        assert not explorer.wait_for_prefetch(timeout=0.05)  # the worker is still stuck
    finally:
        release.set()
    assert explorer.wait_for_prefetch(timeout=30)
    assert explorer.set(a=2.0).cached
    explorer.close()


def test_static_mode_switch(monkeypatch):
    explorer = make_explorer()
    monkeypatch.setenv(widgets.STATIC_ENV, "1")
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/html"].startswith('<div class="gf-explorer"')


def test_readout_cannot_break_out_of_the_script_tag():
    def render(a):
        fig = Figure(figsize=(1, 1))
        return fig, "</script><script>alert(1)</script>"

    html = Explorer(render, {"a": Slider("a", [0.0])}, dpi=20).to_html()
    payload = re.search(r'class="gf-states">(.*?)</script>', html, re.S).group(1)
    assert "</script>" not in payload
    assert json.loads(payload)["states"]["0"][1] == "</script><script>alert(1)</script>"


def test_prediction_reveal():
    prompt = Prediction("Denser or thinner?", ["denser", "thinner"], answer="thinner",
                        explanation="|det A| > 1 spreads the mass.")
    assert prompt.reveal("thinner").startswith("Right")
    assert "Not quite" in prompt.reveal("denser") and "Answer: thinner" in prompt.reveal("denser")
    html = prompt.to_html()
    assert 'data-control="prediction"' in html and 'data-control="reveal" disabled' in html
    with pytest.raises(ValueError):
        Prediction("?", ["a", "b"], answer="c")


chromium = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(chromium is None, reason="needs Debian's chromium")
def test_static_explorer_switches_frames_in_a_browser(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    one, two = make_explorer(), make_explorer()
    page_file = tmp_path / "page.html"
    page_file.write_text(f"<html><body>{one.to_html()}{two.to_html()}</body></html>")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(page_file.as_uri())
        first, second = page.query_selector_all(".gf-explorer")
        frame = lambda: second.query_selector("img.gf-frame").get_attribute("src")
        readout = lambda: second.query_selector(".gf-readout").text_content()
        seen = [frame()]
        second.query_selector('input[data-control="a"]').fill("0")
        second.query_selector('select[data-control="kind"]').select_option("1")
        second.query_selector('button[data-control="flip"]').click()
        seen.append(frame())
        assert readout() == "a=-1 kind=b flip=True mask=0011"
        cells = second.query_selector_all('button[data-control="mask"]')
        cells[0].click()  # 1011: not precomputed, nearest is 0011
        note = second.query_selector(".gf-note")
        assert note.is_visible() and "showing the nearest precomputed mask" in note.text_content()
        cells[2].click()
        cells[3].click()  # 1000 -> nearest 1100
        assert readout().endswith("mask=1100")
        seen.append(frame())
        assert note.is_visible()
        cells[1].click()  # 1100 exactly: the note goes away
        assert not note.is_visible()
        assert len(set(seen)) == 3
        assert first.get_attribute("data-state") == "2,0,0,0"  # untouched
        browser.close()
    assert errors == []


def test_background_work_waits_while_a_notebook_cell_runs(monkeypatch):
    """In a kernel, drawing ahead pauses while a cell runs (Run All is not slowed down)."""
    from gauss_flows.presentation import widgets as engine

    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    watch = engine._CellWatch()
    monkeypatch.setattr(engine, "_KERNEL", watch)
    calls = []
    watch._idle.clear()  # as IPython's pre_run_cell does
    explorer = make_explorer(calls)
    explorer.widget()
    assert explorer.wait_for_prefetch(timeout=5)  # paused, not stuck: it returns
    import time as _time

    _time.sleep(0.3)
    assert len(calls) == 1  # only the first draw: nothing drawn ahead while the cell runs
    watch._idle.set()  # post_run_cell
    assert explorer.wait_for_prefetch(timeout=60)
    assert len(calls) >= 1 + len(explorer.neighbours())  # then it draws ahead
    explorer.close()
