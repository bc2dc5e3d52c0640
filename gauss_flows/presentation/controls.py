"""The controls of an explorer: Slider, Dropdown, Toggle and MaskEditor.

Every control has a FINITE grid of ``values`` (the states the static page precomputes)
and knows how to
* ``coerce`` a value a reader or a test gives into a canonical one (or raise a
  ``ValueError`` that names the control and what it accepts),
* turn a value into a hashable cache ``key``,
* draw itself as static HTML (``html``, with a ``data-control`` attribute) and as a live
  ``ipywidgets`` widget (``make_widget`` / ``update_widget``), both showing the same grid.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from gauss_flows.presentation import static
from gauss_flows.presentation.style import ACTIVE, PASSIVE


class Control:
    """Base class: a labelled choice among ``values``; ``name`` is set by the Explorer."""

    kind = "control"

    def __init__(self, label: str, values: Sequence[Any], default: Any = None):
        self.label = str(label)
        self.values = list(values)
        self.name = self.label
        self.default = self.values[0] if default is None else self.coerce(default)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r}, {len(self.values)} values)"

    def index(self, value) -> int:
        return self.values.index(self.coerce(value))

    def key(self, value):
        return self.index(value)

    def initial_choice(self, value):
        return self.index(value)

    def labels(self) -> list[str]:
        return [str(v) for v in self.values]

    def spec(self) -> dict:
        return {"name": self.name, "kind": self.kind, "label": self.label, "labels": self.labels()}

    def coerce(self, value):  # pragma: no cover - abstract
        raise NotImplementedError

    def _error(self, accepted: str, value) -> ValueError:
        return ValueError(f"Control {self.name!r} ({self.label}) accepts {accepted}; got {value!r}.")


class Slider(Control):
    """A slider over a fixed, increasing grid of numbers (live and static use the same grid).

    ``Slider("shift b₁", np.linspace(-2, 2, 9), default=0.0)``. A value between grid
    points snaps to the nearest one; a value outside ``[values[0], values[-1]]`` is an error.
    """

    kind = "slider"

    def __init__(self, label: str, values: Sequence[float], default: float | None = None,
                 *, fmt: str = "{:.3g}", continuous: bool = True):
        grid = np.asarray(values)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)):
            raise ValueError(f"Slider {label!r} needs a non-empty 1-D grid of finite numbers, "
                             f"got shape {grid.shape}.")
        if grid.size > 1 and not np.all(np.diff(grid) > 0):
            raise ValueError(f"Slider {label!r}: the grid must be strictly increasing.")
        self.fmt, self.continuous = fmt, continuous
        super().__init__(label, [v.item() for v in grid], None)
        self.default = self.values[len(self.values) // 2] if default is None else self.coerce(default)

    def labels(self) -> list[str]:
        return [self.fmt.format(v) for v in self.values]

    def coerce(self, value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        low, high = self.values[0], self.values[-1]
        slack = 1e-9 * max(1.0, abs(high - low))
        if not (low - slack <= number <= high + slack):  # also catches NaN
            raise self._error(f"values from {low:g} to {high:g} (a grid of {len(self.values)})", value)
        return self.values[int(np.argmin([abs(v - number) for v in self.values]))]

    def html(self, value) -> str:
        i = self.index(value)
        return (f'<label class="gf-control gf-slider"><span class="gf-label">{static.esc(self.label)}'
                f'</span><input type="range" min="0" max="{len(self.values) - 1}" step="1" '
                f'value="{i}" data-control="{static.esc(self.name)}" aria-label="{static.esc(self.label)}">'
                f'<output>{static.esc(self.labels()[i])}</output></label>')

    def make_widget(self, value, on_change: Callable):
        import ipywidgets as w

        widget = w.SelectionSlider(options=list(zip(self.labels(), range(len(self.values)))),
                                   value=self.index(value), description=self.label,
                                   continuous_update=self.continuous,
                                   style={"description_width": "initial"})
        widget.observe(lambda change: on_change(self.values[change["new"]]), names="value")
        return widget

    def update_widget(self, widget, value) -> None:
        widget.value = self.index(value)


class Dropdown(Control):
    """A choice among options: a list of values, ``{label: value}``, or ``[(label, value)]``."""

    kind = "dropdown"

    def __init__(self, label: str, options, default: Any = None):
        if isinstance(options, dict):
            pairs = list(options.items())
        else:
            pairs = [o if isinstance(o, tuple) and len(o) == 2 else (str(o), o) for o in options]
        if not pairs:
            raise ValueError(f"Dropdown {label!r} needs at least one option.")
        self._labels = [str(text) for text, _ in pairs]
        super().__init__(label, [value for _, value in pairs], default)

    def labels(self) -> list[str]:
        return list(self._labels)

    def index(self, value) -> int:
        for i, option in enumerate(self.values):
            if option is value or _equal(option, value):
                return i
        if isinstance(value, str) and value in self._labels:
            return self._labels.index(value)
        raise self._error(f"one of {self._labels}", value)

    def coerce(self, value):
        return self.values[self.index(value)]

    def html(self, value) -> str:
        i = self.index(value)
        options = "".join(f'<option value="{k}"{" selected" if k == i else ""}>{static.esc(t)}</option>'
                          for k, t in enumerate(self._labels))
        return (f'<label class="gf-control gf-dropdown"><span class="gf-label">{static.esc(self.label)}'
                f'</span><select data-control="{static.esc(self.name)}">{options}</select></label>')

    def make_widget(self, value, on_change: Callable):
        import ipywidgets as w

        widget = w.Dropdown(options=list(zip(self._labels, range(len(self.values)))),
                            value=self.index(value), description=self.label,
                            style={"description_width": "initial"})
        widget.observe(lambda change: on_change(self.values[change["new"]]), names="value")
        return widget

    def update_widget(self, widget, value) -> None:
        widget.value = self.index(value)


class Toggle(Control):
    """An on/off switch; ``render`` receives a bool."""

    kind = "toggle"

    def __init__(self, label: str, default: bool = False):
        super().__init__(label, [False, True], default)

    def labels(self) -> list[str]:
        return ["off", "on"]

    def coerce(self, value):
        if isinstance(value, (bool, np.bool_, int, np.integer)) and value in (0, 1):
            return bool(value)
        raise self._error("True or False", value)

    def html(self, value) -> str:
        on = self.coerce(value)
        return (f'<span class="gf-control"><button type="button" class="gf-toggle" '
                f'data-control="{static.esc(self.name)}" aria-pressed="{str(on).lower()}">'
                f'{static.esc(self.label)}: {"on" if on else "off"}</button></span>')

    def make_widget(self, value, on_change: Callable):
        import ipywidgets as w

        widget = w.ToggleButton(value=self.coerce(value), description=self.label)
        widget.observe(lambda change: on_change(change["new"]), names="value")
        return widget

    def update_widget(self, widget, value) -> None:
        widget.value = self.coerce(value)


class MaskEditor(Control):
    """A clickable vector or image grid of booleans (True = active, False = passive).

    Its state space is 2^n, so the static page precomputes only ``masks`` and, when the
    reader clicks a mask that is not among them, shows the nearest one (Hamming
    distance) with the note "showing the nearest precomputed mask". Live, every mask works.

    Args:
        label: text beside the grid.
        shape: ``d`` (a vector) or ``(h, w)`` (an image).
        masks: the precomputed masks (booleans or 0/1 of ``shape``).
        default: the mask shown first (default: ``masks[0]``).
    """

    kind = "mask"

    def __init__(self, label: str, shape, masks: Sequence, default=None):
        self.shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(s) for s in shape)
        if len(self.shape) not in (1, 2):
            raise ValueError(f"MaskEditor {label!r}: shape must be d or (h, w), got {shape!r}.")
        self.label, self.name = str(label), str(label)
        if len(masks) == 0:
            raise ValueError(f"MaskEditor {label!r} needs at least one precomputed mask.")
        super().__init__(label, [self.coerce(m) for m in masks], default)

    def coerce(self, value):
        mask = np.asarray(value)
        if mask.shape != self.shape or not np.all((mask == 0) | (mask == 1)):
            raise self._error(f"a boolean mask of shape {self.shape}", value)
        return mask.astype(bool)

    def key(self, value):
        return tuple(int(b) for b in self.coerce(value).ravel())

    def index(self, value) -> int:
        """The precomputed mask nearest to ``value`` (Hamming distance; ties: first listed)."""
        bits = np.asarray(self.key(value))
        distances = [int(np.sum(bits != m.ravel())) for m in self.values]
        return int(np.argmin(distances))

    def nearest(self, value):
        """``(nearest precomputed mask, number of cells that differ)``."""
        mask = self.values[self.index(value)]
        return mask, int(np.sum(mask != self.coerce(value)))

    def initial_choice(self, value):
        return list(self.key(value))

    def labels(self) -> list[str]:
        return ["".join(str(int(b)) for b in m.ravel()) for m in self.values]

    def spec(self) -> dict:
        return {**super().spec(), "shape": list(self.shape),
                "masks": [[int(b) for b in m.ravel()] for m in self.values]}

    def html(self, value) -> str:
        bits = self.key(value)
        columns = self.shape[-1]
        # Colour is never the only cue: each cell also reads A (active) or P (passive), and a
        # screen reader hears "A, coordinate 3 active" (the name starts with the visible letter).
        cells = "".join(
            f'<button type="button" class="gf-cell" data-control="{static.esc(self.name)}" '
            f'data-index="{k}" aria-pressed="{"true" if b else "false"}" '
            f'aria-label="{static.mask_cell_name(k, b)}" '
            f'title="coordinate {k}: click, Enter or Space switches active/passive">{_cell_text(b)}</button>'
            for k, b in enumerate(bits))
        return (f'<div class="gf-control gf-mask-editor" role="group" aria-label="{static.esc(self.label)}">'
                f'<span class="gf-label">{static.esc(self.label)}'
                f'</span><div class="gf-mask" style="grid-template-columns:repeat({columns},1.7em)">'
                f'{cells}</div><span class="gf-legend">{LEGEND}</span></div>')

    def make_widget(self, value, on_change: Callable):
        """A grid of plain buttons (a ToggleButton's style has no colour), each painted
        orange "A" (active) or blue "P" (passive) and carrying the class ``gf-active`` or
        ``gf-passive``; a click switches the cell and calls ``on_change(mask)``."""
        import ipywidgets as w

        bits = [bool(b) for b in self.key(value)]
        buttons = [w.Button(tooltip=f"coordinate {k}: click to switch active/passive",
                            layout=w.Layout(width="2.2em", height="2.2em", padding="0"))
                   for k in range(len(bits))]

        def clicked(k):
            bits[k] = not bits[k]
            _paint(buttons[k], bits[k])
            on_change(np.asarray(bits, dtype=bool).reshape(self.shape))

        for k, button in enumerate(buttons):
            button.add_class("gf-cell")
            _paint(button, bits[k])
            button.on_click(lambda _, k=k: clicked(k))
        grid = w.GridBox(buttons, layout=w.Layout(
            grid_template_columns=f"repeat({self.shape[-1]}, 2.4em)", grid_gap="2px"))
        legend = w.HTML(f"<span>{static.esc(self.label)}: {LEGEND}</span>")
        box = w.VBox([legend, grid])
        box._gf_cells, box._gf_bits = buttons, bits
        return box

    def update_widget(self, widget, value) -> None:
        # Setting a button's look calls nothing back: the explorer redraws once after.
        for k, (button, b) in enumerate(zip(widget._gf_cells, self.key(value))):
            widget._gf_bits[k] = bool(b)
            _paint(button, bool(b))


#: The mask editor's legend, live and static: colour AND letter, so colour is not the only cue.
LEGEND = (f'<span style="color:{ACTIVE}">■</span> A = active, '
          f'<span style="color:{PASSIVE}">■</span> P = passive')


def _cell_text(active: bool) -> str:
    return "A" if active else "P"


def _paint(button, active: bool) -> None:
    """Orange with a black "A" (active) or blue with a white "P" (passive), in any theme."""
    button.description = _cell_text(active)
    button.style.button_color = ACTIVE if active else PASSIVE
    button.style.text_color = "#000000" if active else "#ffffff"
    button.style.font_weight = "bold"
    button.remove_class("gf-passive" if active else "gf-active")
    button.add_class("gf-active" if active else "gf-passive")


def _equal(a, b) -> bool:
    try:
        return bool(np.all(a == b)) and np.shape(a) == np.shape(b)
    except Exception:  # options of unrelated types (e.g. a class and a string)
        return False
