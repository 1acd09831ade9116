"""The widget framework every notebook app is built on: labels, value sweeps, figures, explanations."""

import math

import ipywidgets as widgets
import numpy as np
import pytest

from lnlib import ui
from lnlib.ui import style


def test_slider_is_labelled_with_symbol_and_meaning_and_answers_while_dragged():
    control = ui.slider("ε", "eps", 1e-5, 1e-8, 1.0, log=True)
    assert control.description == "ε (eps)"
    assert isinstance(control, widgets.FloatLogSlider) and control.continuous_update
    assert math.isclose(control.value, 1e-5)
    assert isinstance(ui.slider("N", "batch size", 8, 1, 64, integer=True), widgets.IntSlider)


def test_control_values_reach_both_ends():
    log_slider = ui.slider("ε", "eps", 1e-5, 1e-8, 1.0, log=True)
    values = ui.control_values(log_slider)
    assert math.isclose(values[0], 1e-8) and math.isclose(values[-1], 1.0)
    assert ui.control_values(ui.slider("N", "batch", 4, 1, 64, integer=True))[:: len(range(7)) - 1] == [1, 64]
    assert ui.control_values(ui.choice("norm", "", ["layer", "batch"])) == ["layer", "batch"]
    assert ui.control_values(ui.choice("norm", "", [("LN", "layer"), ("BN", "batch")])) == ["layer", "batch"]


@pytest.mark.parametrize(
    "value, text",
    [
        (0.5, "0.5"),
        (2.0, "2"),
        (-0.0, "0"),
        (1e-5, "1.000e-05"),
        (123456.0, "1.235e+05"),
        (float("nan"), "NaN"),
        (float("inf"), "∞"),
        (-1.41421356, "-1.4142"),
    ],
)
def test_format_number(value, text):
    assert ui.format_number(value) == text


def test_html_table_escapes_and_formats():
    table = ui.html_table(["x", "note"], [[np.float64(0.25), "<b>"]], caption="c")
    assert "0.25" in table and "&lt;b&gt;" in table and "<caption" in table


def test_figure_view_renders_png_and_redraws_what_changed():
    figure, axes = style.new_figure(4, 3)
    (line,) = axes.plot([0, 1], [0, 1])
    axes.set_title("t")
    view = ui.FigureView(figure)
    view.draw()
    first = view.image.value
    assert bytes(first).startswith(b"\x89PNG")
    view.draw()
    assert view.image.value == first  # deterministic
    line.set_ydata([1, 0])
    view.draw()
    assert view.image.value != first


class _Demo(ui.App):
    """A tiny app: shows 1/x; x = 0 is explained, x < 0 is a bug on purpose."""

    def __init__(self):
        self.table = ui.html_table_view()
        self.start({"x": ui.slider("x", "input", 1.0, -1.0, 2.0, 0.5)}, [self.table], "demo")

    def update(self):
        x = self.value("x")
        if x == 0:
            raise ui.Explained("1/0 has no value")
        if x < 0:
            raise RuntimeError("negative")
        self.table.value = ui.html_table(["1/x"], [[1 / x]])
        return f"x = {x}"


def test_app_shows_a_result_an_explanation_or_a_one_line_error_never_a_traceback():
    app = _Demo()
    assert app.status == "ok" and "1/x" in app.table.value and "x = 1.0" in app.note.value
    app.controls["x"].value = 0.0
    assert app.status == "explained" and "1/0 has no value" in app.note.value
    app.controls["x"].value = -1.0
    assert app.status == "error" and isinstance(app.error, RuntimeError)
    assert "RuntimeError: negative" in app.note.value and "Traceback" not in app.note.value
    app.controls["x"].value = 2.0
    assert app.status == "ok" and app.error is None and "0.5" in app.table.value


def test_private_apps_are_not_registered_and_public_ones_are():
    assert _Demo not in ui.App.registry
    assert all(not cls.__name__.startswith("_") for cls in ui.all_apps())


def test_latencies_measure_each_move():
    app = _Demo()
    seconds = ui.latencies(app, "x", [0.5, 1.0, 2.0])
    assert len(seconds) == 3 and all(s > 0 for s in seconds)
    assert app.value("x") == 2.0


def test_control_groups_in_tabs_show_one_group_at_a_time_and_still_drive_the_app():
    import ipywidgets as widgets

    from lnlib.nb01_formulas_step_by_step.formulas import FormulaStepsApp

    app = FormulaStepsApp()
    (tab,) = [child for child in app.controls_box.children if isinstance(child, widgets.Tab)]
    assert tab.titles == ("the input x", "the layer")
    assert [len(page.children) for page in tab.children] == [5, 4]
    before = app.snapshot()
    app.controls["eps"].value = 0.0  # a control on the second tab still drives the app
    assert app.snapshot() != before
