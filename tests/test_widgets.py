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
    cells[0].value = True
    assert explorer.values["mask"].tolist() == [True, False, True, True]
    assert "mask=1011" in explorer._readout.value


def test_neighbours_are_one_notch_away_on_one_control():
    explorer = make_explorer()
    explorer.set(a=0.0, kind="a", flip=False, mask=MASKS[1])
    found = explorer.neighbours()
    changed = [[name for name in explorer.controls
                if explorer.controls[name].key(state[name]) != explorer.controls[name].key(explorer.values[name])]
               for state in found]
    assert all(len(names) == 1 for names in changed)
    assert sorted(names[0] for names in changed) == ["a", "a", "flip", "kind", "mask", "mask"]
    assert sorted(state["a"] for state in found if state["a"] != 0.0) == [-1.0, 1.0]
    # at the end of a grid there is only one neighbour on that control
    assert len(explorer.neighbours({"a": 1.0})) == len(found) - 1


def test_live_prefetch_draws_the_neighbours_in_the_background(monkeypatch):
    monkeypatch.delenv(widgets.STATIC_ENV, raising=False)
    calls = []
    explorer = make_explorer(calls)
    explorer.widget()  # first draw, then the prefetch of its neighbours starts
    assert explorer.wait_for_prefetch(timeout=60)
    drawn = len(calls)
    assert drawn == 1 + len(explorer.neighbours())
    frame = explorer.set(a=0.0)  # one notch: already drawn in the background
    assert frame.cached and explorer.timings.cached[-1] is True
    assert explorer.wait_for_prefetch(timeout=60)
    assert len(calls) > drawn  # ... and the neighbours of the new state were drawn next
    # a change stops an older prefetch: the generation moves on with every change
    generation = explorer._generation
    explorer.set(flip=True)
    assert explorer._generation > generation
    assert explorer.wait_for_prefetch(timeout=60)
    # the same frames as drawing in the foreground
    assert explorer.render_state(a=-1.0).image == make_explorer(prefetch=False).render_state(
        a=-1.0, flip=True).image


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
