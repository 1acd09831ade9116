"""The course's one plot style: large type and thick lines, readable from the back of a lecture hall.

Every figure of every notebook takes its sizes from here, never from a cell. :func:`use` sets
matplotlib's defaults; :func:`new_figure` calls it, then makes a figure that does not need pyplot
(the widgets re-draw it to PNG themselves). Importing a module sets no style: the first figure does.
"""

from __future__ import annotations

import importlib.util
import io
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from lnlib.ui.alt_text import alt_text, html_image

# Colours for the norms, the same in every notebook (colour-blind safe, Okabe and Ito).
NORM_COLORS = {
    "batch": "#E69F00",  # orange
    "layer": "#0072B2",  # blue
    "rms": "#009E73",  # green
    "none": "#777777",  # grey
    "instance": "#CC79A7",  # pink
    "group": "#D55E00",  # vermilion
}

RC_PARAMS = {
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "figure.titlesize": 18,
    "lines.linewidth": 2.5,
    "lines.markersize": 8,
    "axes.linewidth": 1.2,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "figure.constrained_layout.use": True,
    "image.cmap": "viridis",
}


CJK_FONT_PACKAGE = "mplfonts"
CJK_FONT_FILE = "fonts/NotoSansCJKsc-Regular.otf"
"""Noto Sans CJK SC (SIL Open Font License), shipped in the PyPI package mplfonts (pinned in
requirements.txt), so that Chinese titles, labels and legends need no system font."""
LATIN_FONT = "DejaVu Sans"
"""matplotlib's own font, first for Latin letters, digits and symbols; the CJK font fills in the rest."""


@cache
def cjk_font_name() -> str:
    """Register the CJK font with matplotlib's font manager (once); its family name."""
    from matplotlib import font_manager

    spec = importlib.util.find_spec(CJK_FONT_PACKAGE)  # its files only: importing it is not needed
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            f"the Chinese font comes from the package {CJK_FONT_PACKAGE}: "
            "python -m pip install -r requirements.txt"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / CJK_FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use() -> None:
    """Make the course's style matplotlib's default (for pyplot figures too), and let a notebook cell
    that ends with a figure show it as a picture, pyplot or not.

    Text falls back from DejaVu Sans to Noto Sans CJK SC glyph by glyph, so one figure may mix Chinese
    and Latin. Mathtext (``$...$``) does not fall back: keep Chinese out of a string with ``$``.
    """
    matplotlib.rcParams.update(RC_PARAMS)
    matplotlib.rcParams["font.family"] = [LATIN_FONT, cjk_font_name()]
    _show_figures_in_notebooks()


def _figure_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _figure_html(figure: Figure) -> str:
    return html_image(_figure_png(figure), alt_text(figure))


def _show_figures_in_notebooks() -> None:
    """In IPython, display any matplotlib Figure as a PNG picture with its alt text (an ``<img>`` in HTML:
    notebook front ends ignore alt text given beside a bare PNG). Without this, a pyplot-free figure shows
    as text."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        formatters = shell.display_formatter.formatters
        formatters["image/png"].pop(Figure, None)  # drawn once, inside the HTML (%matplotlib inline adds it)
        formatters["text/html"].for_type(Figure, _figure_html)


def new_figure(width: float = 11, height: float = 4.5, **subplot_args) -> tuple:
    """``(figure, axes)``: a pyplot-free figure of ``width`` × ``height`` inches and its subplots."""
    use()
    figure = Figure(figsize=(width, height))
    axes = figure.subplots(**subplot_args)
    return figure, axes


def paired_bars(axes, count: int, left: tuple, right: tuple, width: float = 0.4) -> tuple:
    """Two bar series side by side at x = 1..count, all of height 0 until set: ``(left_bars, right_bars)``.

    ``left`` and ``right`` are ``(label, colour)``; the x ticks go at the positions and a line marks 0.
    """
    positions = range(1, count + 1)
    bars = tuple(
        axes.bar([p + offset for p in positions], [0] * count, width=width, color=color, label=label)
        for (label, color), offset in ((left, -width / 2), (right, width / 2))
    )
    axes.axhline(0, color="black", linewidth=1)
    axes.set_xticks(list(positions))
    return bars


def smooth_curve(values, window: int = 5) -> np.ndarray:
    """A trailing moving average over ``window`` points, as long as ``values`` (the first points
    average what exists so far), for noisy training curves."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return values
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, len(values) + 1) - counts]) / counts
