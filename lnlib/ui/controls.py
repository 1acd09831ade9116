"""Controls labelled with their symbol and meaning, and the values a learner can reach with them."""

from __future__ import annotations

import math

import ipywidgets as widgets
import numpy as np

from lnlib.support.language import gettext as _
from lnlib.ui.text import format_number

CONTROL_WIDTH = "520px"  # two sliders and the Reset button fit one row at 1280 px
LABEL_WIDTH = "210px"


def _label(symbol: str, meaning: str) -> str:
    return _("{symbol} ({meaning})").format(symbol=symbol, meaning=meaning) if meaning else symbol


def _layout(control: widgets.Widget) -> widgets.Widget:
    control.layout.width = CONTROL_WIDTH
    control.style.description_width = LABEL_WIDTH
    control.add_class("lnlib-control")
    return control


def slider(
    symbol: str,
    meaning: str,
    value: float,
    min: float,
    max: float,
    step: float | None = None,
    *,
    log: bool = False,
    integer: bool = False,
    readout_format: str | None = None,
) -> widgets.Widget:
    """A slider labelled with its symbol and meaning, e.g. ``slider("ε", "eps", 1e-5, 1e-8, 1, log=True)``.

    ``log=True`` moves in powers of ten (``min`` and ``max`` are the values, not their exponents);
    ``integer=True`` takes whole numbers. It answers while it is dragged.
    """
    label = _label(symbol, meaning)
    if log:
        control = widgets.FloatLogSlider(
            value=value,
            base=10,
            min=math.log10(min),
            max=math.log10(max),
            step=step or 0.1,
            description=label,
            continuous_update=True,
            readout_format=readout_format or ".1e",
        )
    elif integer:
        control = widgets.IntSlider(
            value=value, min=min, max=max, step=step or 1, description=label, continuous_update=True
        )
    else:
        control = widgets.FloatSlider(
            value=value,
            min=min,
            max=max,
            step=step or (max - min) / 100,
            description=label,
            continuous_update=True,
            readout_format=readout_format or ".2f",
        )
    return _layout(control)


def value_slider(symbol: str, meaning: str, values, value) -> widgets.Widget:
    """A slider that stops at ``values`` only, e.g. ε at 0 and at each power of ten: one control for a scale
    that needs an exact 0 beside its powers. The readout shows each value as :func:`format_number` writes it."""
    values = list(values)
    if value not in values:
        raise ValueError(f"value {value!r} is not one of the slider's values {values}")
    options = [(format_number(v), v) for v in values]
    control = widgets.SelectionSlider(
        options=options, value=value, description=_label(symbol, meaning), continuous_update=True
    )
    return _layout(control)


def choice(symbol: str, meaning: str, options, value=None) -> widgets.Widget:
    """A row of buttons to pick one of ``options`` (a list of values or of (label, value) pairs)."""
    control = widgets.ToggleButtons(options=options, description=_label(symbol, meaning))
    if value is not None:
        control.value = value
    control.style.button_width = "auto"
    _layout(control)
    control.layout.width = "auto"  # as wide as its buttons, so that they stay on one line
    return control


def control_values(control: widgets.Widget, count: int = 7) -> list:
    """Values spanning ``control``'s whole range, both ends included: what a learner can reach."""
    if isinstance(
        control, (widgets.ToggleButtons, widgets.Dropdown, widgets.RadioButtons, widgets.SelectionSlider)
    ):
        return (
            [value for _, value in control.options]
            if isinstance(control.options[0], tuple)
            else list(control.options)
        )
    if isinstance(control, widgets.Checkbox):
        return [not control.value, control.value]
    if isinstance(control, widgets.FloatLogSlider):
        exponents = np.linspace(control.min, control.max, count)
        return [float(control.base**e) for e in exponents]
    if isinstance(control, widgets.IntSlider):
        return sorted({int(round(v)) for v in np.linspace(control.min, control.max, count)})
    if isinstance(control, widgets.FloatSlider):
        return [float(v) for v in np.linspace(control.min, control.max, count)]
    raise TypeError(f"control_values does not know {type(control).__name__}")
