"""The course's one plot style: large type and thick lines, readable from the back of a lecture hall.

Every figure of every notebook takes its sizes from here, never from a cell. :func:`use` sets
matplotlib's defaults; :func:`new_figure` calls it, then makes a figure that does not need pyplot
(the widgets re-draw it to PNG themselves). Importing a module sets no style: the first figure does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from lnlib.support import norms
from lnlib.ui.alt_text import alt_text, html_image


class _NormColours(Mapping):
    """Each norm's colour, read from its one description (:mod:`lnlib.support.norms`): ``NORM_COLORS["layer"]``."""

    def __getitem__(self, key: str) -> str:
        try:
            return norms.colour(key)
        except ValueError as error:
            raise KeyError(str(error)) from None

    def __iter__(self):
        return iter(norms.registered_keys())

    def __len__(self) -> int:
        return len(norms.registered_keys())


NORM_COLORS = _NormColours()
"""The colours of the norms, the same in every notebook (colour-blind safe, Okabe and Ito)."""

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


CJK_FONT_PACKAGE = "noto_cjk_sans_otc"
CJK_FONT_FAMILY = "Noto Sans CJK SC"
"""The face of Simplified Chinese in Noto Sans CJK (SIL Open Font License), from the PyPI package
noto-cjk-sans-otc (pinned in requirements.txt), so that Chinese titles, labels and legends need no system
font. It holds one collection of ten faces in 19 MB, where mplfonts held five fonts in 103 MB. The
collection's first face is Japanese, which draws some characters in other forms (直, 骨): the figures
ask for the SC face by its family name."""
LATIN_FONT = "DejaVu Sans"
"""matplotlib's own font, first for Latin letters, digits and symbols; the CJK font fills in the rest."""


@cache
def cjk_font_path() -> Path:
    """The font collection of :data:`CJK_FONT_PACKAGE`, registered with matplotlib's font manager (once).

    Its faces go first in the manager's list, so that they win over a system font of the same family
    and every machine draws the same glyphs.
    """
    from matplotlib import font_manager

    try:
        from noto_cjk_sans_otc import FONT_PATH
    except ModuleNotFoundError as error:
        raise ImportError(
            f"the Chinese font comes from the package {CJK_FONT_PACKAGE}: "
            "python -m pip install -r requirements.txt"
        ) from error
    path = str(FONT_PATH)
    manager = font_manager.fontManager
    manager.addfont(path)  # every face of the collection, each under its family name
    manager.ttflist.sort(key=lambda font: font.fname != path)  # stable: the package's faces first
    families = {font.name for font in manager.ttflist if font.fname == path}
    if CJK_FONT_FAMILY not in families:
        raise LookupError(
            f"matplotlib {matplotlib.__version__} found no face {CJK_FONT_FAMILY!r} in {path}, only "
            f"{sorted(families)}: matplotlib reads every face of a font collection from 3.11 on"
        )
    return Path(path)


def cjk_font_name() -> str:
    """The family name of the CJK face the figures use, registered with matplotlib first."""
    cjk_font_path()
    return CJK_FONT_FAMILY


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
