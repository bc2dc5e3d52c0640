"""The static (published-site) half of the explorers: figure encoding, HTML, CSS and JS.

On the website there is no kernel, so an explorer is shipped as every precomputed
state: one ``<div class="gf-explorer">`` holding the controls, an ``img.gf-frame``, a
``.gf-readout``, the states as JSON and a small INLINE script that swaps the image and
the readout when a control changes. No CDN, no external file, no global variables:
several explorers on one page each find their own root by a unique id.

JSON layout (``script.gf-states``)::

    {"controls": [{"name", "kind": "slider|dropdown|toggle|mask", "label",
                   "labels": [...]            # slider/dropdown: text per grid index
                   "masks": [[0,1,...], ...]  # mask: the precomputed masks, flattened
                  }, ...],
     "initial": [index | bits, ...],          # per control
     "images": ["data:image/webp;base64,...", ...],   # deduplicated frames
     "states": {"i,j,k": [image_index, readout_text, is_error]}}

A mask editor's cells may be clicked into any of its 2^n states; the page then shows
the nearest precomputed mask (Hamming distance) and says so in ``.gf-note``.
"""

from __future__ import annotations

import base64
import html
import io
import json
import threading

import numpy as np

from gauss_flows.presentation.style import ACCENT, ACTIVE, PASSIVE

from gauss_flows.runtime import STATIC_ENV, static_mode  # noqa: F401  (re-exported to widgets)

MIME = {"webp": "image/webp", "png": "image/png"}
_RENDERERS: dict = {}  # (width, height, dpi) -> the Agg renderer reused by encode_figure
_DRAWING = threading.Lock()


def encode_figure(fig, *, dpi: float, image_format: str = "webp", quality: int = 80) -> bytes:
    """Rasterise a matplotlib figure at ``dpi`` and compress it (lossy WebP or 256-colour PNG).

    The figure is closed first so that a notebook's inline backend does not also print it.
    """
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    plt.close(fig)
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    # Every state of an explorer is a new figure of the same size: drawing them all with one
    # renderer keeps matplotlib's text-metrics cache (keyed on the renderer) warm, which
    # saves about a quarter of the drawing time.
    width, height = canvas.get_width_height(physical=True)
    key = (width, height, fig.dpi)
    # The shared renderer draws one figure at a time; when another thread (the live
    # explorer's background worker) is using it, draw with a renderer of this figure's own
    # rather than wait.
    if _DRAWING.acquire(blocking=False):
        try:
            if key not in _RENDERERS:
                _RENDERERS.clear()  # keep one: a frame is a few MB
                _RENDERERS[key] = canvas.get_renderer()
            canvas.renderer, canvas._lastKey = _RENDERERS[key], key
            canvas.draw()
            rgba = Image.fromarray(np.array(canvas.buffer_rgba()))  # a copy: the buffer is reused
        finally:
            _DRAWING.release()
    else:
        canvas.draw()
        rgba = Image.fromarray(np.array(canvas.buffer_rgba()))
    # Flatten onto white: a transparent frame would turn black in WebP/JPEG-like codecs and
    # unreadable on the theme's dark pages.
    image = Image.new("RGB", rgba.size, "white")
    image.paste(rgba, mask=rgba.getchannel("A"))
    buffer = io.BytesIO()
    if image_format == "webp":
        # method 2: a third of the default's encoding time (13 vs 30 ms a frame) for 4 % more bytes
        image.save(buffer, "WEBP", quality=quality, method=2)
    elif image_format == "png":
        image.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                       dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
    else:
        raise ValueError(f"image_format must be 'webp' or 'png', got {image_format!r}.")
    return buffer.getvalue()


def image_size(image: bytes) -> tuple[int, int]:
    """``(width, height)`` in pixels of an encoded frame (read from its header only)."""
    from PIL import Image

    with Image.open(io.BytesIO(image)) as opened:
        return opened.size


def data_uri(image: bytes, image_format: str) -> str:
    return f"data:{MIME[image_format]};base64," + base64.b64encode(image).decode("ascii")


def json_for_script(data) -> str:
    """JSON that is safe inside ``<script>``: no ``</script>`` or ``<!--`` can appear."""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


CSS = f"""<style>
.gf-explorer,.gf-prediction{{border:1px solid rgba(128,128,128,.4);border-radius:8px;padding:.75em;margin:1em 0;max-width:100%;box-sizing:border-box}}
.gf-explorer .gf-title{{font-weight:600;margin-bottom:.4em}}
.gf-explorer .gf-controls{{display:flex;flex-wrap:wrap;gap:.5em 1.4em;align-items:center;margin-bottom:.6em}}
.gf-explorer .gf-control{{display:inline-flex;align-items:center;gap:.45em}}
.gf-explorer input[type=range]{{width:10em}}
.gf-explorer output{{min-width:3.5em;font-variant-numeric:tabular-nums}}
.gf-explorer button,.gf-prediction button,.gf-explorer select,.gf-prediction select{{font:inherit;color:inherit;background:transparent;border:1px solid currentColor;border-radius:4px;padding:.15em .6em;cursor:pointer}}
.gf-explorer select option,.gf-prediction select option{{color:#111;background:#fff}}
.gf-explorer .gf-toggle[aria-pressed=true]{{background:{PASSIVE};color:#fff;border-color:{PASSIVE}}}
.gf-explorer .gf-mask{{display:inline-grid;gap:3px}}
.gf-explorer .gf-cell{{width:1.7em;height:1.7em;padding:0;border:1px solid rgba(0,0,0,.45);font-weight:700}}
.gf-explorer .gf-cell[aria-pressed=true]{{background:{ACTIVE};color:#000}}
.gf-explorer .gf-cell[aria-pressed=false]{{background:{PASSIVE};color:#fff}}
.gf-explorer .gf-legend{{font-size:.85em}}
.gf-explorer img.gf-frame{{display:block;max-width:100%;height:auto;background:#fff;border-radius:4px}}
.gf-explorer .gf-readout{{font-family:var(--pst-font-family-monospace,monospace);white-space:pre-wrap;margin-top:.5em}}
.gf-explorer .gf-error,.gf-prediction .gf-wrong{{color:{ACCENT};font-weight:600}}
.gf-explorer .gf-note{{font-style:italic;margin-top:.3em}}
.gf-prediction .gf-answer{{margin-top:.5em}}
.gf-explorer :focus-visible,.gf-prediction :focus-visible{{outline:3px solid {ACCENT};outline-offset:2px}}
</style>"""

# One self-contained function per explorer; __ROOT__ is replaced by the explorer's id.
EXPLORER_JS = """<script>(function () {
  var root = document.getElementById("__ROOT__");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script.gf-states").textContent);
  var img = root.querySelector("img.gf-frame");
  var readout = root.querySelector(".gf-readout");
  var note = root.querySelector(".gf-note");
  var choice = data.initial.map(function (c) { return Array.isArray(c) ? c.slice() : c; });
  function nearestMask(masks, bits) {
    var best = 0, bestDistance = Infinity;
    for (var m = 0; m < masks.length; m++) {
      var distance = 0;
      for (var k = 0; k < bits.length; k++) { if (masks[m][k] !== bits[k]) { distance++; } }
      if (distance < bestDistance) { best = m; bestDistance = distance; }
    }
    return [best, bestDistance];
  }
  // The frame's alt text: the explorer, every control's current value, the readout's first line.
  function describe(readoutText) {
    var parts = data.controls.map(function (c, i) {
      if (c.kind === "mask") {
        var on = [];
        choice[i].forEach(function (b, k) { if (b) { on.push(k); } });
        return c.label + ": active coordinates " + (on.length ? on.join(", ") : "none");
      }
      return c.label + " = " + c.labels[choice[i]];
    });
    var first = (readoutText || "").split("\\n")[0];
    return data.title + " (" + parts.join("; ") + ")" + (first ? ". " + first : "");
  }
  function show() {
    var key = [], notes = [];
    data.controls.forEach(function (c, i) {
      if (c.kind === "mask") {
        var near = nearestMask(c.masks, choice[i]);
        key.push(near[0]);
        if (near[1] > 0) {
          notes.push("showing the nearest precomputed mask for \\u201c" + c.label + "\\u201d: " +
                     c.masks[near[0]].join("") + " (" + near[1] + " cell" + (near[1] > 1 ? "s" : "") +
                     " differ" + (near[1] > 1 ? "" : "s") + " from your " + choice[i].join("") +
                     "; 1 = active, 0 = passive)");
        }
      } else { key.push(choice[i]); }
    });
    var state = data.states[key.join(",")];
    img.src = data.images[state[0]];
    img.alt = describe(state[1]);
    readout.textContent = state[1];
    readout.classList.toggle("gf-error", state[2] === 1);
    note.textContent = notes.join("; ");
    note.hidden = notes.length === 0;
    root.setAttribute("data-state", key.join(","));
  }
  data.controls.forEach(function (c, i) {
    var elements = root.querySelectorAll('[data-control="' + c.name + '"]');
    Array.prototype.forEach.call(elements, function (el) {
      if (c.kind === "slider") {
        el.addEventListener("input", function () {
          choice[i] = parseInt(el.value, 10);
          var out = el.parentNode.querySelector("output");
          if (out) { out.textContent = c.labels[choice[i]]; }
          show();
        });
      } else if (c.kind === "dropdown") {
        el.addEventListener("change", function () { choice[i] = parseInt(el.value, 10); show(); });
      } else if (c.kind === "toggle") {
        el.addEventListener("click", function () {
          choice[i] = 1 - choice[i];
          el.setAttribute("aria-pressed", choice[i] ? "true" : "false");
          el.textContent = c.label + (choice[i] ? ": on" : ": off");
          show();
        });
      } else if (c.kind === "mask") {
        el.addEventListener("click", function () {
          var k = parseInt(el.getAttribute("data-index"), 10);
          choice[i][k] = 1 - choice[i][k];
          el.setAttribute("aria-pressed", choice[i][k] ? "true" : "false");
          el.textContent = choice[i][k] ? "A" : "P";
          el.setAttribute("aria-label", (choice[i][k] ? "A" : "P") + ", coordinate " + k +
                          (choice[i][k] ? " active" : " passive"));
          show();
        });
      }
    });
  });
  show();
})();</script>"""

def mask_cell_name(index: int, active) -> str:
    """A mask cell's accessible name: its visible letter first, then what it means."""
    return f"{'A' if active else 'P'}, coordinate {index} {'active' if active else 'passive'}"


def frame_alt(title: str, controls, values: dict, readout: str) -> str:
    """The frame's alt text for one state (the same words the page's script writes)."""
    parts = []
    for name, control in controls.items():
        value = values[name]
        if control.kind == "mask":
            bits = [int(b) for b in np.asarray(value).ravel()]
            active = [str(k) for k, b in enumerate(bits) if b]
            parts.append(f"{control.label}: active coordinates {', '.join(active) if active else 'none'}")
        else:
            parts.append(f"{control.label} = {control.labels()[control.index(value)]}")
    first = (readout or "").split("\n")[0]
    return f"{title} ({'; '.join(parts)})" + (f". {first}" if first else "")


PREDICTION_JS = """<script>(function () {
  var root = document.getElementById("__ROOT__");
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var select = root.querySelector("select"), button = root.querySelector("button");
  var answer = root.querySelector(".gf-answer");
  var data = JSON.parse(root.querySelector("script.gf-states").textContent);
  select.addEventListener("change", function () { button.disabled = select.value === ""; });
  button.addEventListener("click", function () {
    var picked = parseInt(select.value, 10);
    answer.textContent = data.results[picked];
    answer.className = "gf-answer " + (picked === data.answer ? "gf-right" : "gf-wrong");
    answer.hidden = false;
  });
})();</script>"""


def esc(text) -> str:
    return html.escape(str(text), quote=True)
