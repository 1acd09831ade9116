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

import html
import time
from collections.abc import Iterable

import ipywidgets as widgets

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.alt_text import html_image
from lnlib.ui.controls import control_values
from lnlib.ui.outputs import FigureView

# Large type for the controls too, readable from the back of a room (the figures take theirs from style.py).
# One screen at 1280 × 720 holds an app: a short title, the controls two to a row (a labelled box per group
# when an app has many), and each figure at its own size (a flex column would stretch it to the page's width).
APP_CSS = (
    "<style>.lnlib-app .widget-label, .lnlib-app .widget-readout, .lnlib-app .widget-toggle-button,"
    " .lnlib-app .widget-button {font-size: 16px;}"
    " .lnlib-app h3.lnlib-title {margin: 4px 0;}"
    " .lnlib-app .lnlib-controls {column-gap: 24px; align-items: center;}"
    " .lnlib-app .lnlib-control-group {border-left: 3px solid #ccc; padding-left: 8px; margin-right: 16px;}"
    " .lnlib-app .lnlib-group-title {font-weight: bold; font-size: 16px;}"
    " .lnlib-app img.lnlib-figure {align-self: flex-start; max-width: 100%; height: auto;}"
    " .lnlib-app .lnlib-tabs .lm-TabBar-tab {font-size: 16px;}"
    " .lnlib-app .lnlib-tabs > .widget-tab-contents {padding: 4px 8px;}"
    # a row of buttons on one line with its whole label (ipywidgets puts the label on a line of its own)
    " .lnlib-app .widget-toggle-buttons {display: flex; align-items: center;}"
    " .lnlib-app .widget-toggle-buttons > .widget-label {width: auto !important; flex: none;"
    " max-width: none; margin-right: 8px;}</style>"
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

    def start(
        self,
        controls: dict,
        outputs: list,
        title: str = "",
        groups: dict | None = None,
        tabs: dict | None = None,
        group_tabs: bool = False,
    ) -> None:
        """Wire ``controls`` (name → widget) to :meth:`update` and lay out the app.

        ``groups`` (heading → control names, every control in one) shows the controls in labelled boxes side
        by side, for an app with more controls than a learner takes in at once (about six); with ``group_tabs``
        one group at a time, in tabs, so that a screen shows no more than one group's controls. ``tabs`` (title →
        outputs) shows those outputs one tab at a time, where the first of them would be, so that an app
        whose figure and table do not fit one screen together still does.
        """
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
        self.reset_button.layout.width = "auto"
        self.reset_button.on_click(lambda _: self.reset())
        header = [
            widgets.HTML(APP_CSS + (f"<h3 class='lnlib-title'>{html.escape(title)}</h3>" if title else ""))
        ]
        shown = self._tabbed([o.image if isinstance(o, FigureView) else o for o in outputs], tabs)
        self.controls_box = widgets.Box(
            self._grouped(controls, groups, group_tabs) + ([self.reset_button] if controls else []),
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        self.controls_box.add_class("lnlib-controls")
        self.widget = widgets.VBox(header + [self.controls_box, self.note] + shown)
        self.widget.add_class("lnlib-app")
        self.refresh()

    @staticmethod
    def _grouped(controls: dict, groups: dict | None, in_tabs: bool = False) -> list:
        """The controls as they are laid out: one after another, in a labelled box per group, or a tab per group."""
        if not groups:
            return list(controls.values())
        named = [name for names in groups.values() for name in names]
        if sorted(named) != sorted(controls):
            raise ValueError(f"groups must name every control once: {sorted(controls)}, got {named}")
        if in_tabs:
            tab = widgets.Tab(
                children=[widgets.VBox([controls[name] for name in names]) for names in groups.values()],
                titles=list(groups),
            )
            tab.add_class("lnlib-control-tabs")
            return [tab]
        boxes = []
        for heading, names in groups.items():
            title = widgets.HTML(f"<div class='lnlib-group-title'>{html.escape(heading)}</div>")
            box = widgets.VBox([title] + [controls[name] for name in names])
            box.add_class("lnlib-control-group")
            boxes.append(box)
        return boxes

    @staticmethod
    def _tabbed(shown: list, tabs: dict | None) -> list:
        """The outputs as they are laid out: one under another, or those named in ``tabs`` in a Tab widget."""
        if not tabs:
            return shown
        pages = {
            title: [o.image if isinstance(o, FigureView) else o for o in outputs]
            for title, outputs in tabs.items()
        }
        tabbed = [widget for widgets_ in pages.values() for widget in widgets_]
        if any(widget not in shown for widget in tabbed):
            raise ValueError("tabs must name outputs of the app")
        tab = widgets.Tab(children=[widgets.VBox(page) for page in pages.values()], titles=list(pages))
        tab.add_class("lnlib-tabs")
        first = min(shown.index(widget) for widget in tabbed)
        rest = [widget for widget in shown if widget not in tabbed]
        return rest[:first] + [tab] + rest[first:]

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
                _(
                    "Something went wrong that the course did not expect ({kind}: {error}). "
                    "Move the control back, and please report it."
                ).format(kind=type(error).__name__, error=error)
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
                parts.append(html_image(output.image.value, output.alt))
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

    def start(self, controls: dict, outputs: list, title: str = "", **layout) -> None:
        super().start(controls, outputs, title, **layout)
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
