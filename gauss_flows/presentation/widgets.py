"""Explorers: one notebook cell that is a live widget in Jupyter and a static page on the site.

How to write an explorer
------------------------
1. Write ``render(**values)`` that draws ONE state and returns a matplotlib ``Figure``
   (or ``(Figure, readout_text)``). Use ``gauss_flows.presentation.viz`` panels and ``_style``
   colours; keep the figure size fixed (``FIGSIZE``) so frames do not jump. For a
   choice that makes no sense (a mask with no passive coordinate, ...) ``raise
   ValueError("what is wrong, in words")``: the explorer shows the message, not a traceback.
2. Name its controls; each has a FINITE grid, because the site precomputes every state::

       explorer = Explorer(render, {
           "a": Slider("a₁₁", np.linspace(-2, 2, 9), default=1.0),
           "kind": Dropdown("bijector", ["affine", "mixture"]),
           "inverse": Toggle("show inverse"),
           "mask": MaskEditor("mask", 4, masks=[[0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 0, 1]]),
       })
       explorer  # last line of the cell (or explorer.show())

   The keys ("a", "kind", ...) are the keyword arguments ``render`` receives: a float from
   the slider's grid, the dropdown's value, a bool, a boolean numpy mask.
3. Keep ``explorer.n_states`` (the product of the grid sizes) under ``max_states``
   (default 240): every state is one image on the page (aim for <= 3 MB per page; the
   explorer refuses to exceed ``max_bytes``). Hoist expensive, state-independent work
   (training, ``jax.jit``) out of ``render`` and cache it; a change should draw in < 200 ms.
4. Predict-first prompts: ``Prediction("Denser or thinner at x?", ["denser", "thinner"],
   answer="thinner", explanation="|det A| > 1 spreads mass out.")`` before the explorer.

Mode: with ``GAUSS_FLOWS_STATIC=1`` (set by the book build) displaying an explorer
renders every state into one self-contained ``<div class="gf-explorer">`` with inline JS;
otherwise it is an ``ipywidgets`` box whose image is updated in place, shown at its own
pixel size (never stretched), with a readout box that never shrinks. While the reader
looks at a frame, one background thread draws ahead (``prefetch=True``): the states one
notch away (the control moved last first, in its direction; every one-click mask), then
every state of the grid, nearest first. A change never waits for it: a cached frame is
returned at once (the cache's lock guards only the dictionary), a frame not drawn yet is
drawn in the foreground while the worker pauses, and the queued work is replaced. The
worker also pauses while a notebook cell runs. For tests and
benchmarks: ``explorer.set(a=0.5)`` (ValueError naming the control and its range when
out of range; values between grid points snap to the nearest one),
``explorer.render_state(...)``, ``explorer.states()``, ``explorer.to_html()`` and
``explorer.timings`` (``first_draw``, ``changes``, ``summary()`` with p50/p95).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from gauss_flows.presentation import static
from gauss_flows.presentation.static import STATIC_ENV, static_mode
from gauss_flows.presentation.controls import Control, Dropdown, MaskEditor, Slider, Toggle
from gauss_flows.presentation.prediction import Prediction

__all__ = ["Explorer", "Slider", "Dropdown", "Toggle", "MaskEditor", "Prediction", "Reveal",
           "Frame", "Timings", "ExplorerTooLarge", "static_mode", "STATIC_ENV"]

Reveal = Prediction


class ExplorerTooLarge(ValueError):
    """The static explorer would have too many states or weigh too much for one page."""


@dataclass(frozen=True)
class Frame:
    """One rendered state: the compressed image, the readout text and the error, if any."""

    image: bytes
    image_format: str
    readout: str
    error: str | None
    seconds: float  # time to render and encode this frame
    cached: bool = False  # True when it came from the cache (no rendering)
    width: int = 0  # the image's size in pixels (shown at this size, never stretched)
    height: int = 0


@dataclass
class Timings:
    """Latency record of an explorer: the first draw and every change after it (seconds)."""

    first_draw: float | None = None
    changes: list[float] = field(default_factory=list)
    cached: list[bool] = field(default_factory=list)
    static_renders: list[float] = field(default_factory=list)  # one per precomputed state

    def record(self, seconds: float, cached: bool) -> None:
        if self.first_draw is None:
            self.first_draw = seconds
        else:
            self.changes.append(seconds)
            self.cached.append(cached)

    def summary(self, include_cached: bool = True) -> dict[str, float]:
        """``{"first_draw", "n", "p50", "p95", "max"}`` over the changes, in seconds."""
        times = [t for t, c in zip(self.changes, self.cached) if include_cached or not c]
        q = (lambda p: float(np.percentile(times, p))) if times else (lambda p: float("nan"))
        return {"first_draw": self.first_draw or float("nan"), "n": len(times),
                "p50": q(50), "p95": q(95), "max": q(100)}


class Explorer:
    """Bind named controls to a ``render(**values)`` function (see the module docstring).

    Args:
        render: draws one state; returns a ``Figure`` or ``(Figure, readout_text)``;
            may raise ``ValueError`` for an invalid choice (its message is shown).
        controls: ``{keyword: Control}`` in display order.
        title: optional heading shown above the controls.
        max_states: refuse to build a static page with more states than this.
        max_bytes: refuse a static explorer heavier than this (default 3 MB).
        dpi: resolution of the frames (same in live and static mode).
        image_format: ``"webp"`` (lossy, smallest) or ``"png"`` (256 colours).
        cache_size: number of rendered states kept in memory in live mode.
        prefetch: in live mode, draw the neighbouring states (one notch away on one control)
            in a background thread after each change.
    """

    _counter = itertools.count()

    def __init__(self, render: Callable[..., Any], controls: dict[str, Control], *,
                 title: str | None = None, max_states: int = 240, max_bytes: int = 3_000_000,
                 dpi: float = 80, image_format: str = "webp", quality: int = 80,
                 cache_size: int = 512, prefetch: bool = True):
        if not callable(render):
            raise TypeError(f"render must be a function, got {type(render).__name__}.")
        if not controls:
            raise ValueError("An explorer needs at least one control.")
        for name, control in controls.items():
            if not isinstance(control, Control):
                raise TypeError(f"Control {name!r} must be a Slider, Dropdown, Toggle or "
                                f"MaskEditor, got {type(control).__name__}.")
            if not name.isidentifier():
                raise ValueError(f"Control names are render's keyword arguments; {name!r} is not "
                                 "a valid Python identifier.")
            control.name = name
        if image_format not in static.MIME:
            raise ValueError(f"image_format must be 'webp' or 'png', got {image_format!r}.")
        self.render = render
        self.controls = dict(controls)
        self.title = title
        self.max_states, self.max_bytes = max_states, max_bytes
        self.dpi, self.image_format, self.quality = dpi, image_format, quality
        self.values: dict[str, Any] = {n: c.default for n, c in self.controls.items()}
        self.timings = Timings()
        self._cache: OrderedDict[tuple, Frame] = OrderedDict()
        self._cache_size = cache_size
        self._figsize: tuple[float, float] = (6.4, 3.6)
        self._live = None  # the ipywidgets box, built on first display
        self._syncing = False
        self._html: str | None = None
        # The cache's lock guards dictionary operations only, never a drawing: a cache hit
        # never waits. A state being drawn has an Event in _pending, so a second request for
        # it waits for that drawing instead of repeating it (e.g. a compilation).
        self._cache_lock = threading.Lock()
        self._pending: dict[tuple, threading.Event] = {}
        self.prefetch = prefetch
        self._generation = 0  # bumped by every change: queued background work is dropped
        # The background worker: one thread, a queue of states (replaced at every change),
        # paused while the foreground draws, so the reader's change never queues behind it.
        self._work = threading.Condition()
        self._todo: list[dict[str, Any]] = []
        self._busy = False  # the worker is drawing a state
        self._foreground = 0  # foreground draws in progress
        self._worker: threading.Thread | None = None
        self._closed = False
        self._last_move: tuple[str, int] | None = None  # (control, +1/-1) of the last change
        self._readout_lines = 1  # the live readout never shrinks below the tallest one seen

    # ----------------------------------------------------------------- states and rendering
    @property
    def n_states(self) -> int:
        """Number of precomputed states of the static page: the product of the grid sizes."""
        return math.prod(len(c.values) for c in self.controls.values())

    def states(self) -> list[dict[str, Any]]:
        """Every state of the static page as ``{keyword: value}``, in a fixed order."""
        names = list(self.controls)
        grids = [self.controls[n].values for n in names]
        return [dict(zip(names, combo)) for combo in itertools.product(*grids)]

    def _coerce(self, values: dict[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"Unknown control(s) {sorted(unknown)}; this explorer has "
                             f"{list(self.controls)}.")
        return {**self.values, **{n: self.controls[n].coerce(v) for n, v in values.items()}}

    def _key(self, values: dict[str, Any]) -> tuple:
        return tuple(c.key(values[n]) for n, c in self.controls.items())

    def render_state(self, **values) -> Frame:
        """Render (or fetch from the cache) the state given by ``values`` (others: current).

        Thread-safe: the foreground and the background worker may call it at the same time;
        a cached state is returned at once, a state another thread is drawing is waited for.
        """
        values = self._coerce(values)
        key = self._key(values)
        while True:
            with self._cache_lock:
                frame = self._cache.get(key)
                if frame is not None:
                    self._cache.move_to_end(key)
                    return dataclasses.replace(frame, cached=True)
                pending = self._pending.get(key)
                mine = pending is None
                if mine:
                    pending = self._pending[key] = threading.Event()
            if mine:
                break
            pending.wait()  # drawn by the other thread; if that failed, draw it here
        try:
            frame = self._draw(values)
            with self._cache_lock:
                self._cache[key] = frame
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        finally:
            with self._cache_lock:
                del self._pending[key]
            pending.set()
        return frame

    def neighbours(self, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The states one notch away from ``values`` (default: the current state) on one
        control: the previous and next grid value of a slider, dropdown or mask list, the
        other side of a toggle, and for a mask editor also every mask one click away (a
        cell switched). These are what a reader most likely asks for next; the control
        moved last comes first, in the direction it moved."""
        values = self._coerce(values or {})
        found = []
        last, direction = self._last_move or (None, 1)
        order = sorted(self.controls, key=lambda n: n != last)
        for name in order:
            control = self.controls[name]
            here = control.index(values[name])  # a clicked mask: the nearest listed one
            steps = (direction, -direction) if name == last else (1, -1)
            for step in steps:
                if 0 <= here + step < len(control.values):
                    found.append({**values, name: control.values[here + step]})
            if isinstance(control, MaskEditor):
                mask = values[name].ravel()
                for k in range(mask.size):
                    flipped = mask.copy()
                    flipped[k] = not flipped[k]
                    found.append({**values, name: flipped.reshape(control.shape)})
        unique, seen = [], {self._key(values)}
        for state in found:
            key = self._key(state)
            if key not in seen:
                seen.add(key)
                unique.append(state)
        return unique

    def _warm_up_plan(self, values: dict[str, Any]) -> list[dict[str, Any]]:
        """What the background draws while the reader looks: the neighbours first, then
        (for an explorer small enough for a static page) every state of the grid, nearest
        first, so that after a while every listed state is a cache hit."""
        plan = self.neighbours(values)
        if self.n_states <= min(self.max_states, self._cache_size // 2):
            names = list(self.controls)
            here = [self.controls[n].index(values[n]) for n in names]
            far = sorted(itertools.product(*(range(len(self.controls[n].values)) for n in names)),
                         key=lambda combo: sum(abs(i - j) for i, j in zip(combo, here)))
            plan += [{n: self.controls[n].values[i] for n, i in zip(names, combo)} for combo in far]
        with self._cache_lock:
            return [state for state in plan if self._key(self._coerce(state)) not in self._cache]

    def _start_prefetch(self) -> None:
        if not (self.prefetch and self._live is not None) or self._closed:
            return
        todo = self._warm_up_plan(self.values)
        with self._work:
            self._todo = todo
            if self._worker is None:
                self._worker = threading.Thread(target=self._work_loop, name="gf-explorer-prefetch",
                                                daemon=True)
                self._worker.start()
            self._work.notify_all()

    def _work_loop(self) -> None:
        while True:
            while _KERNEL.cell_running() and not self._closed:  # Run All is not slowed down
                _KERNEL.wait_while_a_cell_runs(timeout=0.2)         # by drawing ahead
            with self._work:
                self._busy = False
                self._work.notify_all()  # wake wait_for_prefetch
                while not self._closed and (not self._todo or self._foreground):
                    self._work.wait()
                if self._closed:
                    return
                if _KERNEL.cell_running():  # a cell started meanwhile: wait for it first
                    continue
                state = self._todo.pop(0)
                self._busy = True
            try:
                self.render_state(**state)
            except Exception:  # shown (as a message or a traceback) if the reader asks for it
                pass

    def wait_for_prefetch(self, timeout: float | None = None) -> bool:
        """Block until the background work (if any) is done, or paused because a notebook
        cell is running (it waits for the cell); ``False`` on timeout."""
        with self._work:
            return self._work.wait_for(
                lambda: self._closed or not self._busy and (not self._todo or _KERNEL.cell_running()),
                timeout)

    def close(self) -> None:
        """Stop the background worker (the widget keeps its last frame)."""
        with self._work:
            self._closed = True
            self._todo = []
            self._work.notify_all()
        if self._worker is not None:
            self._worker.join()

    def _draw(self, values: dict[str, Any]) -> Frame:
        import matplotlib.figure

        start = time.perf_counter()
        try:
            out = self.render(**values)
        except ValueError as err:  # an invalid choice: say so instead of a traceback
            error = str(err) or type(err).__name__
            fig, readout = _message_figure(error, self._figsize), error
        else:
            error = None
            fig, readout = out if isinstance(out, tuple) else (out, "")
            if not isinstance(fig, matplotlib.figure.Figure):
                raise TypeError("render must return a matplotlib Figure or (Figure, readout "
                                f"text), got {type(fig).__name__}.")
            self._figsize = tuple(fig.get_size_inches())
        image = static.encode_figure(fig, dpi=self.dpi, image_format=self.image_format,
                                      quality=self.quality)
        width, height = static.image_size(image)
        return Frame(image, self.image_format, str(readout), error, time.perf_counter() - start,
                     width=width, height=height)

    def set(self, **values) -> Frame:
        """Move controls programmatically (as a reader would) and return the new frame."""
        new = self._coerce(values)
        self._note_move(new)
        self.values = new
        if self._live is not None:
            self._syncing = True
            try:
                for name, control in self.controls.items():
                    control.update_widget(self._widgets[name], new[name])
            finally:
                self._syncing = False
        return self._refresh()

    def _note_move(self, new: dict[str, Any]) -> None:
        """Remember which control moved and which way (the prefetch continues that way)."""
        for name, control in self.controls.items():
            if control.key(new[name]) != control.key(self.values[name]):
                step = control.index(new[name]) - control.index(self.values[name])
                self._last_move = (name, 1 if step >= 0 else -1)
                return

    def _refresh(self) -> Frame:
        self._generation += 1
        with self._work:  # queued background work is for the old state: drop it, pause
            self._todo = []
            self._foreground += 1
        start = time.perf_counter()
        try:
            frame = self.render_state()
            if self._live is not None:
                self._show(frame)
        finally:
            with self._work:
                self._foreground -= 1
                self._work.notify_all()
        self.timings.record(time.perf_counter() - start, cached=frame.cached)
        self._start_prefetch()
        return frame

    def _show(self, frame: Frame) -> None:
        """Put a frame into the live widget: the image at its own pixel size, the readout in
        a box as tall as the tallest readout seen so far (the widget does not jump)."""
        if frame.width and self._image.layout.width != f"{frame.width}px":
            self._image.layout.width = f"{frame.width}px"
        self._image.value = frame.image
        self._readout_lines = max(self._readout_lines, _lines(frame.readout))
        self._readout.value = _readout_html(frame, self._readout_lines)

    # ----------------------------------------------------------------------- live mode
    def widget(self):
        """The live ``ipywidgets`` box (controls, image updated in place, readout)."""
        if self._live is None:
            import ipywidgets as w

            self._widgets = {}
            for name, control in self.controls.items():
                self._widgets[name] = control.make_widget(
                    self.values[name], lambda value, name=name: self._on_widget(name, value))
            frame = self.render_state()
            # The frame at its own pixel width (never stretched), shrunk on narrow screens.
            self._image = w.Image(value=frame.image, format=self.image_format,
                                  layout=w.Layout(width=f"{frame.width}px" if frame.width else None,
                                                  max_width="100%", height="auto"))
            self._readout_lines = _lines(frame.readout)
            self._readout = w.HTML(_readout_html(frame, self._readout_lines))
            header = [w.HTML(f"<b>{static.esc(self.title)}</b>")] if self.title else []
            controls = w.HBox(list(self._widgets.values()),
                              layout=w.Layout(flex_flow="row wrap", align_items="center"))
            _KERNEL.watch()
            self._live = w.VBox(header + [controls, self._image, self._readout])
            self._live.add_class("gf-explorer-live")
            if self.timings.first_draw is None:
                self.timings.record(frame.seconds, cached=frame.cached)
            self._start_prefetch()
        return self._live

    def _on_widget(self, name: str, value) -> None:
        if self._syncing:
            return
        try:
            new = {**self.values, name: self.controls[name].coerce(value)}
            self._note_move(new)
            self.values = new
        except ValueError as err:
            self._readout.value = _readout_html(Frame(b"", "", str(err), str(err), 0.0))
            return
        self._refresh()

    # --------------------------------------------------------------------- static mode
    def to_html(self) -> str:
        """The self-contained static explorer: every state precomputed, switched by inline JS."""
        if self._html is None:
            self._html = self._build_html()
        # A fresh id per display, so one explorer may be shown twice on a page.
        uid = f"gf-x{hashlib.sha1(self._html.encode()).hexdigest()[:10]}-{next(self._counter)}"
        return self._html.replace("__ROOT__", uid)

    def _build_html(self) -> str:
        if self.n_states > self.max_states:
            sizes = " x ".join(f"{len(c.values)} ({n})" for n, c in self.controls.items())
            raise ExplorerTooLarge(
                f"This explorer has {sizes} = {self.n_states} states, more than max_states="
                f"{self.max_states}. Use coarser slider grids or fewer options (or raise "
                "max_states if the page weight allows it).")
        names = list(self.controls)
        images, image_index, states = [], {}, {}
        for combo in itertools.product(*(range(len(self.controls[n].values)) for n in names)):
            values = {n: self.controls[n].values[i] for n, i in zip(names, combo)}
            frame = self.render_state(**values)
            self.timings.static_renders.append(0.0 if frame.cached else frame.seconds)
            digest = hashlib.sha1(frame.image).hexdigest()
            if digest not in image_index:  # identical frames are stored once
                image_index[digest] = len(images)
                images.append(static.data_uri(frame.image, frame.image_format))
            states[",".join(map(str, combo))] = [image_index[digest], frame.readout,
                                                 int(frame.error is not None)]
        data = {"title": self.title or "Explorer", "controls": [c.spec() for c in self.controls.values()],
                "initial": [c.initial_choice(self.values[n]) for n, c in self.controls.items()],
                "images": images, "states": states}
        payload = static.json_for_script(data)
        first = self.render_state()
        alt = static.frame_alt(self.title or "Explorer", self.controls, self.values, first.readout)
        lines = max([_lines(readout) for _, readout, _ in states.values()] + [1])
        title = f'<div class="gf-title">{static.esc(self.title)}</div>' if self.title else ""
        controls = "".join(c.html(self.values[n]) for n, c in self.controls.items())
        page = (f'<div class="gf-explorer" id="__ROOT__" data-n-states="{self.n_states}">'
                f'{static.CSS}{title}<div class="gf-controls">{controls}</div>'
                f'<img class="gf-frame" alt="{static.esc(alt)}" width="{first.width}" '
                f'height="{first.height}" src="{static.data_uri(first.image, first.image_format)}">'
                f'<div class="gf-readout{" gf-error" if first.error else ""}" aria-live="polite" '
                f'style="min-height:{lines * READOUT_LINE_HEIGHT:g}em">'
                f'{static.esc(first.readout)}</div><div class="gf-note" hidden></div>'
                f'<script type="application/json" class="gf-states">{payload}</script>'
                f'{static.EXPLORER_JS}</div>')
        if len(page.encode()) > self.max_bytes:
            raise ExplorerTooLarge(
                f"The static explorer weighs {len(page.encode()) / 1e6:.1f} MB for "
                f"{self.n_states} states, more than max_bytes={self.max_bytes / 1e6:.1f} MB. "
                "Lower dpi, use fewer states or a smaller figure.")
        return page

    # ------------------------------------------------------------------------ display
    def show(self) -> None:
        """Display the explorer: static HTML under ``GAUSS_FLOWS_STATIC=1``, else live widgets."""
        from IPython.display import display

        display(self)

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        if static_mode():
            return {"text/html": self.to_html(), "text/plain": repr(self)}
        return self.widget()._repr_mimebundle_(include=include, exclude=exclude, **kwargs)

    def __repr__(self) -> str:
        controls = ", ".join(f"{n}={type(c).__name__}({len(c.values)})"
                             for n, c in self.controls.items())
        return f"Explorer({controls}; {self.n_states} states)"


class _CellWatch:
    """Whether the IPython kernel is running a cell (IPython's pre/post_run_cell events).

    A reader does not move a control while a cell runs (a widget's callback is not a cell),
    so the explorers' background work waits for it: Run All is not slowed by drawing ahead.
    Outside IPython nothing is watched and nothing waits."""

    def __init__(self):
        self._idle = threading.Event()
        self._idle.set()
        self._watching = False

    def watch(self) -> None:
        if self._watching:
            return
        try:
            from IPython import get_ipython
        except ImportError:
            return
        shell = get_ipython()
        if shell is None:
            return
        shell.events.register("pre_run_cell", lambda *args: self._idle.clear())
        shell.events.register("post_run_cell", lambda *args: self._idle.set())
        self._watching = True

    def cell_running(self) -> bool:
        return not self._idle.is_set()

    def wait_while_a_cell_runs(self, timeout: float | None = None) -> None:
        self._idle.wait(timeout)


_KERNEL = _CellWatch()

READOUT_LINE_HEIGHT = 1.35  # em; the readout box is a whole number of such lines tall


def _lines(readout: str) -> int:
    return max(1, len(readout.splitlines()))


def _readout_html(frame: Frame, lines: int = 1) -> str:
    style = "color:#D55E00;font-weight:600;" if frame.error else ""
    return (f'<pre class="gf-readout" style="white-space:pre-wrap;margin:0.3em 0;'
            f'line-height:{READOUT_LINE_HEIGHT}em;min-height:{lines * READOUT_LINE_HEIGHT:g}em;{style}">'
            f"{static.esc(frame.readout)}</pre>")


def _message_figure(message: str, figsize: tuple[float, float]):
    """A frame of the usual size that states why this choice has no picture."""
    import textwrap

    from matplotlib.figure import Figure

    from gauss_flows.presentation.style import ACCENT

    fig = Figure(figsize=figsize, facecolor="white", layout="none")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.text(0.5, 0.5, "\n".join(textwrap.wrap(message, 60)), ha="center", va="center",
            color=ACCENT, fontsize=13, transform=ax.transAxes)
    return fig
