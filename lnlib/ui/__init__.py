"""The widget kit every interactive notebook is built from.

- :mod:`~lnlib.ui.controls`: sliders and buttons labelled with symbol and meaning (``slider``, ``choice``);
- :mod:`~lnlib.ui.outputs`: figures re-drawn fast as images (``FigureView``), HTML views for tables;
- :mod:`~lnlib.ui.alt_text`: each figure's alt text, from its titles, axis labels and legends;
- :mod:`~lnlib.ui.app`: ``App`` (controls in, outputs out) and ``Explained`` (an extreme case, explained);
- :mod:`~lnlib.ui.exercises`: exercises and questions with input widgets and a Check button;
- :mod:`~lnlib.ui.live`: ``LiveTraining``, the Train button, progress and curves of an app that trains live;
- :mod:`~lnlib.ui.text`: numbers, tables and Markdown for the reader (no widgets, no plots);
- :mod:`~lnlib.ui.style`: the course's one plot style.

``from lnlib import ui`` then ``ui.slider(...)``, ``ui.App``: each name is looked up in its module on
first use, so that importing the formatter (``lnlib.ui.text``) pulls in neither ipywidgets nor matplotlib.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "slider": "controls",
    "value_slider": "controls",
    "choice": "controls",
    "control_values": "controls",
    "FigureView": "outputs",
    "html_table_view": "outputs",
    "App": "app",
    "Explained": "app",
    "NOTE_STYLES": "app",
    "all_apps": "app",
    "latencies": "app",
    "NumberExercise": "exercises",
    "ChoiceQuestion": "exercises",
    "Prediction": "exercises",
    "ExerciseResult": "exercises",
    "parse_number": "exercises",
    "LiveTraining": "live",
    "format_number": "text",
    "html_table": "text",
    "join_list": "text",
    "aligned": "text",
    "Markdown": "text",
    "markdown_table": "text",
}
_SUBMODULES = ("alt_text", "app", "controls", "exercises", "live", "outputs", "style", "text")

__all__ = sorted(_HOMES) + list(_SUBMODULES)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list:
    return __all__
