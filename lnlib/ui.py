"""What every interactive notebook is built from: labelled controls, fast figures, and answers that explain.

An :class:`App` owns its controls (sliders, drop-downs) and its outputs (figures, tables). Moving a
control calls :meth:`App.update`, which re-draws the outputs and may return a note for the learner.
An extreme case that has no result (a batch of one under batch norm, say) raises :class:`Explained`
with the sentence that explains it; the page shows that sentence, never a traceback.

Apps are plain objects, so the tests drive them without a browser: set ``app.controls[name].value``
and read ``app.status``, ``app.note.value`` and the outputs.
"""
from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import time
from typing import Iterable

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg

from . import style

style.use()

CONTROL_WIDTH = "560px"
LABEL_WIDTH = "210px"

# Large type for the controls too, readable from the back of a room (the figures take theirs from style.py).
APP_CSS = ("<style>.lnlib-app .widget-label, .lnlib-app .widget-readout, .lnlib-app .widget-toggle-button,"
           " .lnlib-app .widget-button {font-size: 16px;}</style>")

NOTE_STYLES = {
    "ok": "border-left: 5px solid #0072B2; background: #eef5fb;",
    "explained": "border-left: 5px solid #E69F00; background: #fdf4e3;",
    "error": "border-left: 5px solid #D55E00; background: #fbe9e3;",
}


class Explained(Exception):
    """An extreme case with no result to show; the message, written for the learner, is shown instead."""


# ---------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------

def _label(symbol: str, meaning: str) -> str:
    return f"{symbol} ({meaning})" if meaning else symbol


def _layout(control: widgets.Widget) -> widgets.Widget:
    control.layout.width = CONTROL_WIDTH
    control.style.description_width = LABEL_WIDTH
    control.add_class("lnlib-control")
    return control


def slider(symbol: str, meaning: str, value: float, min: float, max: float, step: float | None = None,
           *, log: bool = False, integer: bool = False, readout_format: str | None = None) -> widgets.Widget:
    """A slider labelled with its symbol and meaning, e.g. ``slider("ε", "eps", 1e-5, 1e-8, 1, log=True)``.

    ``log=True`` moves in powers of ten (``min`` and ``max`` are the values, not their exponents);
    ``integer=True`` takes whole numbers. It answers while it is dragged.
    """
    label = _label(symbol, meaning)
    if log:
        control = widgets.FloatLogSlider(value=value, base=10, min=math.log10(min), max=math.log10(max),
                                         step=step or 0.1, description=label, continuous_update=True,
                                         readout_format=readout_format or ".1e")
    elif integer:
        control = widgets.IntSlider(value=value, min=min, max=max, step=step or 1, description=label,
                                    continuous_update=True)
    else:
        control = widgets.FloatSlider(value=value, min=min, max=max, step=step or (max - min) / 100,
                                      description=label, continuous_update=True,
                                      readout_format=readout_format or ".2f")
    return _layout(control)


def choice(symbol: str, meaning: str, options, value=None) -> widgets.Widget:
    """A row of buttons to pick one of ``options`` (a list of values or of (label, value) pairs)."""
    control = widgets.ToggleButtons(options=options, description=_label(symbol, meaning))
    if value is not None:
        control.value = value
    control.style.button_width = "auto"
    return _layout(control)


def control_values(control: widgets.Widget, count: int = 7) -> list:
    """Values spanning ``control``'s whole range, both ends included: what a learner can reach."""
    if isinstance(control, (widgets.ToggleButtons, widgets.Dropdown, widgets.RadioButtons)):
        return [value for _, value in control.options] if isinstance(control.options[0], tuple) \
            else list(control.options)
    if isinstance(control, widgets.Checkbox):
        return [not control.value, control.value]
    if isinstance(control, widgets.FloatLogSlider):
        exponents = np.linspace(control.min, control.max, count)
        return [float(control.base ** e) for e in exponents]
    if isinstance(control, widgets.IntSlider):
        return sorted({int(round(v)) for v in np.linspace(control.min, control.max, count)})
    if isinstance(control, widgets.FloatSlider):
        return [float(v) for v in np.linspace(control.min, control.max, count)]
    raise TypeError(f"control_values does not know {type(control).__name__}")


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------

class FigureView:
    """A matplotlib figure shown as a PNG image widget; :meth:`draw` re-renders it (no pyplot needed).

    The layout is computed at the first draw (or with ``relayout=True``) and then kept, so that a
    slider's re-draw costs the rendering alone: about 40 ms for two panels on a laptop CPU.

    ``dynamic``: the artists that change between draws (lines, bars, markers, a title that changes).
    When given, the rest (axes, ticks, labels, legends) is rendered once and kept as a background, and
    each draw paints only these artists over it: a few milliseconds instead of tens. When the rest
    changes too (axis limits, say), ``draw(background=key)`` names its state: each key's background is
    rendered the first time it is seen and reused after that. ``draw(relayout=True)`` starts afresh.
    """

    def __init__(self, figure, dynamic=()) -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.image = widgets.Image(format="png")
        self.image.add_class("lnlib-figure")
        self._laid_out = False
        self.dynamic = list(dynamic)
        self._backgrounds = {}

    def draw(self, relayout: bool = False, background=None) -> None:
        if relayout or not self._laid_out:
            self.figure.set_layout_engine("constrained")
            self.canvas.draw()
            self.figure.set_layout_engine("none")
            self._laid_out = True
            self._backgrounds.clear()
        if self.dynamic:
            self._paint_dynamic(background)
        else:
            self.canvas.draw()
        width, height = self.canvas.get_width_height()
        buffer = io.BytesIO()
        PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buffer, format="png", compress_level=1)
        self.image.value = buffer.getvalue()

    def _paint_dynamic(self, key) -> None:
        """Restore the background of state ``key`` (rendered without the dynamic artists), then paint those."""
        if key not in self._backgrounds:
            for artist in self.dynamic:
                artist.set_animated(True)  # left out of canvas.draw(): the background
            self.canvas.draw()
            self._backgrounds[key] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.canvas.restore_region(self._backgrounds[key])
        for artist in self.dynamic:
            self.figure.draw_artist(artist)


def format_number(value, digits: int = 4) -> str:
    """A number as a learner reads it: NaN and infinities by name, small and large ones in e-notation."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.{digits - 1}e}"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def html_table(header: Iterable[str], rows: Iterable[Iterable], caption: str = "") -> str:
    """An HTML table in large type; cells are escaped, numbers formatted by :func:`format_number`."""
    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return format_number(value)
        return html.escape(str(value))

    head = "".join(f"<th style='padding:4px 12px;text-align:right'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td style='padding:4px 12px;text-align:right;font-family:monospace'>{cell(v)}</td>"
                         for v in row) + "</tr>"
        for row in rows)
    caption_html = f"<caption style='caption-side:top;text-align:left;font-weight:bold'>{html.escape(caption)}" \
                   f"</caption>" if caption else ""
    return (f"<table class='lnlib-table' style='font-size:16px;border-collapse:collapse'>{caption_html}"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def html_table_view() -> widgets.HTML:
    view = widgets.HTML()
    view.add_class("lnlib-output")
    return view


# ---------------------------------------------------------------------------
# Apps
# ---------------------------------------------------------------------------

class App:
    """Controls in, outputs out, every answer explained.

    A subclass builds its controls and outputs in ``__init__``, then calls :meth:`start`, and
    implements :meth:`update`: read the controls, re-draw the outputs, return a note for the
    learner ("" for none). Every subclass can be built with no arguments.
    """

    registry: list = []  # every public App subclass, so that tests and the benchmark can sweep them all

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            App.registry.append(cls)

    def start(self, controls: dict, outputs: list, title: str = "") -> None:
        """Wire ``controls`` (name → widget) to :meth:`update` and lay out the app."""
        self.controls = controls
        self.outputs = outputs
        self.note = widgets.HTMLMath()
        self.note.add_class("lnlib-note")
        self.status = "ok"
        self.error: BaseException | None = None
        for control in controls.values():
            control.observe(self.refresh, names="value")
        header = [widgets.HTML(APP_CSS + (f"<h3>{html.escape(title)}</h3>" if title else ""))]
        shown = [o.image if isinstance(o, FigureView) else o for o in outputs]
        self.widget = widgets.VBox(header + list(controls.values()) + [self.note] + shown)
        self.widget.add_class("lnlib-app")
        self.refresh()

    def update(self) -> str:
        raise NotImplementedError

    def refresh(self, change=None) -> None:
        """Run :meth:`update` and show its note; an exception becomes a sentence, never a traceback."""
        try:
            note = self.update()
            self.status, self.error = "ok", None
        except Explained as explanation:
            note = str(explanation)
            self.status, self.error = "explained", None
        except Exception as error:  # shown to the learner as one line; kept for the tests
            note = html.escape(f"Something went wrong that the course did not expect ({type(error).__name__}: "
                               f"{error}). Move the control back, and please report it.")
            self.status, self.error = "error", error
        self.note.value = (f"<div style='{NOTE_STYLES[self.status]} padding:6px 12px;font-size:16px'>{note}</div>"
                           if note else "")

    def value(self, name: str):
        return self.controls[name].value

    def snapshot(self) -> tuple:
        """What the learner sees: the note and every output's content (for tests: did it change?)."""
        def content(output):
            if isinstance(output, FigureView):
                return output.image.value
            return getattr(output, "value", None)
        return (self.note.value,) + tuple(content(o) for o in self.outputs)

    def static_html(self) -> str:
        """What the app shows now, as plain HTML: the reading copy's stand-in for the live widgets."""
        parts = [self.note.value]
        for output in self.outputs:
            if isinstance(output, FigureView):
                encoded = base64.b64encode(bytes(output.image.value)).decode()
                parts.append(f"<img src='data:image/png;base64,{encoded}'>")
            elif isinstance(output, (widgets.HTML, widgets.HTMLMath)):
                parts.append(output.value)
        return "<div class='lnlib-static'>" + "".join(parts) + "</div>"

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The live widgets where a widget manager runs (JupyterLab, Voila), a static picture elsewhere."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.static_html()
        return bundle


def all_apps() -> list:
    """Every public App subclass in lnlib (importing each lnlib module registers its apps)."""
    import importlib
    import pkgutil

    import lnlib
    for module in pkgutil.iter_modules(lnlib.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"lnlib.{module.name}")
    return list(App.registry)


def latencies(app: App, name: str, values: Iterable) -> list:
    """Seconds each move of control ``name`` to each of ``values`` took, from setting it to the re-drawn output."""
    seconds = []
    for value in values:
        start = time.perf_counter()
        app.controls[name].value = value
        seconds.append(time.perf_counter() - start)
    return seconds


@contextlib.contextmanager
def one_torch_thread():
    """Run torch on a single thread inside the block (or the decorated function), then restore the thread count.

    For the tiny tensors of a slider's update a second thread saves nothing, and waiting for it to be
    scheduled costs tens of milliseconds on a busy two-core machine. Torch is imported only when used.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
