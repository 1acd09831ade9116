"""Markdown results for notebooks, and the figure view that repaints only what moves."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from lnlib import ui
from lnlib.ui import text


def test_markdown_table_formats_numbers_booleans_and_pipes():
    table = text.markdown_table(["a", "b", "c"], [[1.5e-9, True, "x|y"], [np.float32(2.0), False, 3]])
    lines = table.splitlines()
    assert lines[0] == "| a | b | c |" and lines[1] == "|---|---|---|"
    assert lines[2] == "| 1.50e-09 | ✓ | x\\|y |"
    assert lines[3] == "| 2 | ✗ | 3 |"
    with pytest.raises(ValueError, match="2 cells but the header has 3"):
        text.markdown_table(["a", "b", "c"], [[1, 2]])


def test_markdown_displays_as_markdown_and_adds_up():
    combined = text.Markdown("a") + text.Markdown("b")
    assert combined._repr_markdown_() == "a\n\nb" and str(combined) == "a\n\nb"


def test_dynamic_figure_view_repaints_the_moving_artists_only_and_deterministically():
    figure = Figure(figsize=(4, 3))
    axes = figure.subplots()
    axes.set(xlim=(0, 1), ylim=(0, 1), title="static")
    (line,) = axes.plot([0, 1], [0, 1])
    view = ui.FigureView(figure, dynamic=[line])
    view.draw()
    first = view.image.value
    line.set_ydata([1, 0])
    view.draw()
    assert view.image.value != first
    line.set_ydata([0, 1])
    view.draw()
    assert view.image.value == first
    full = ui.FigureView(figure)  # the same figure rendered in full
    full.draw()
    assert len(full.image.value) > 0


def test_aligned_labels_end_in_the_same_column_when_a_chinese_character_takes_two():
    labels = text.aligned(["(1, C) 上的 BatchNorm1d", "(1, C, H, W) 上的 BatchNorm2d", "LN"])
    # "上的" is 2 characters but 4 columns: str.ljust would pad these two labels to different ends
    assert [text.display_width(label) for label in labels] == [29, 29, 29]
    assert labels[1] == "(1, C, H, W) 上的 BatchNorm2d"
    assert labels[2] == "LN" + " " * 27
    assert text.aligned([]) == []
