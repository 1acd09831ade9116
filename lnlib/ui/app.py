"""Apps: controls in, outputs out, every answer explained.

An :class:`App` owns its controls (sliders, drop-downs) and its outputs (figures, tables). Moving a
control calls :meth:`App.update`, which re-draws the outputs and may return a note for the learner.
An extreme case that has no result (a batch of one under batch norm, say) raises :class:`Explained`
with the sentence that explains it; the page shows that sentence, never a traceback.

Every app with controls gets a **Reset** button that puts each control back where it started.

Apps are plain objects, so the tests drive them without a browser: set ``app.controls[name].value``
and read ``app.status``, ``app.note.value`` and the outputs.
"""

from __future__ import annotations

import base64
import html
import time
from collections.abc import Iterable

import ipywidgets as widgets

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.controls import control_values
from lnlib.ui.outputs import FigureView

# Large type for the controls too, readable from the back of a room (the figures take theirs from style.py).
APP_CSS = (
    "<style>.lnlib-app .widget-label, .lnlib-app .widget-readout, .lnlib-app .widget-toggle-button,"
    " .lnlib-app .widget-button {font-size: 16px;}</style>"
)

RESET_LABEL = N_("Reset")
RESET_TOOLTIP = N_("every control back to its start")

NOTE_STYLES = {
    "ok": "border-left: 5px solid #0072B2; background: #eef5fb;",
    "explained": "border-left: 5px solid #E69F00; background: #fdf4e3;",
    "error": "border-left: 5px solid #D55E00; background: #fbe9e3;",
}


class Explained(Exception):
    """An extreme case with no result to show; the message, written for the learner, is shown instead."""


# ---------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------

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
        self.defaults = {name: control.value for name, control in controls.items()}
        self.reset_button = widgets.Button(description=_(RESET_LABEL), tooltip=_(RESET_TOOLTIP))
        self.reset_button.add_class("lnlib-reset")
        self.reset_button.on_click(lambda _: self.reset())
        header = [widgets.HTML(APP_CSS + (f"<h3>{html.escape(title)}</h3>" if title else ""))]
        shown = [o.image if isinstance(o, FigureView) else o for o in outputs]
        buttons = [self.reset_button] if controls else []
        self.widget = widgets.VBox(header + list(controls.values()) + buttons + [self.note] + shown)
        self.widget.add_class("lnlib-app")
        self.refresh()

    def update(self) -> str:
        raise NotImplementedError

    def reset(self) -> None:
        """Every control back to the value it started with (the Reset button every app has)."""
        for name, value in self.defaults.items():
            self.controls[name].value = value
        self.refresh()

    def refresh(self, change=None) -> None:
        """Run :meth:`update` and show its note; an exception becomes a sentence, never a traceback."""
        try:
            note = self.update()
            self.status, self.error = "ok", None
        except Explained as explanation:
            note = str(explanation)
            self.status, self.error = "explained", None
        except Exception as error:  # shown to the learner as one line; kept for the tests
            note = html.escape(
                f"Something went wrong that the course did not expect ({type(error).__name__}: "
                f"{error}). Move the control back, and please report it."
            )
            self.status, self.error = "error", error
        self.note.value = (
            f"<div style='{NOTE_STYLES[self.status]} padding:6px 12px;font-size:16px'>{note}</div>"
            if note
            else ""
        )

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


class ItemSelector:
    """Mix into an :class:`App` (``class A(ItemSelector, App)``): one control picks an item (a neuron, an
    example), the others show and edit that item's values, so that a few sliders serve many numbers.

    The subclass sets ``selector`` (the picking control's name) and implements :meth:`item_values`
    (item → {control name: value}) and :meth:`store` (keep an edited value). Picking an item loads its
    values into the sliders and re-draws once.
    """

    selector = "item"

    def item_values(self, item) -> dict:
        raise NotImplementedError

    def store(self, item, name: str, value) -> None:
        raise NotImplementedError

    def start(self, controls: dict, outputs: list, title: str = "") -> None:
        super().start(controls, outputs, title)
        # every item's values as they start, for the Reset button
        self.start_items = {
            item: self.item_values(item) for item in control_values(self.controls[self.selector])
        }

    def reset(self) -> None:
        """Every item's values back to where they started, the first item picked again, then every control."""
        for item, values in self.start_items.items():
            for name, value in values.items():
                self.store(item, name, value)
        self.controls[self.selector].value = self.defaults[self.selector]  # loads that item's values
        super().reset()

    def refresh(self, change=None) -> None:
        if getattr(self, "_loading", False):
            return
        if change is not None and change["owner"] is self.controls[self.selector]:
            self._loading = True
            try:
                for name, value in self.item_values(change["new"]).items():
                    self.controls[name].value = value
            finally:
                self._loading = False
        elif change is not None:
            name = next(n for n, control in self.controls.items() if control is change["owner"])
            self.store(self.value(self.selector), name, change["new"])
        super().refresh(change)


def all_apps() -> list:
    """Every public App subclass in lnlib, in every subpackage (importing a module registers its apps).

    The tools (:mod:`lnlib.tools`) hold no apps and are not imported.
    """
    import importlib
    import pkgutil

    import lnlib

    for module in pkgutil.walk_packages(lnlib.__path__, prefix="lnlib."):
        parts = module.name.split(".")
        if not any(part.startswith("_") for part in parts) and parts[1] != "tools":
            importlib.import_module(module.name)
    return list(App.registry)


def latencies(app: App, name: str, values: Iterable) -> list:
    """Seconds each move of control ``name`` to each of ``values`` took, from setting it to the re-drawn output."""
    seconds = []
    for value in values:
        start = time.perf_counter()
        app.controls[name].value = value
        seconds.append(time.perf_counter() - start)
    return seconds
