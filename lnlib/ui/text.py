"""Numbers, tables and Markdown as a reader sees them; plain Python, no widgets and no plots.

- :func:`format_number`: NaN and infinities by name, small and large numbers in e-notation;
- :func:`html_table`: an HTML table in large type, for an app's outputs;
- :func:`join_list`: words joined as a list is written in the reader's language;
- :func:`aligned`: labels padded to one width on screen, Chinese characters counted as two columns;
- :class:`ToyVerdict`: a published claim checked at toy scale, a one-line headline with its numbers folded beneath;
- :class:`Markdown` and :func:`markdown_table`: results that a notebook cell renders as formatted
  text in JupyterLab and in Voila (a Markdown output, so ``$...$`` is typeset).
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Iterable

import numpy as np

from lnlib.support.language import gettext as _


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


def join_list(items: Iterable[str]) -> str:
    """Words as a list in the reader's language: ``a, b, c`` in English, ``a、b、c`` in Chinese."""
    return _(", ").join(items)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font: a wide (Chinese) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def aligned(labels: Iterable[str]) -> list:
    """``labels`` padded with spaces to the widest one's display width, so that what follows lines up
    in printed output in either language (``f"{label:28s}"`` counts a Chinese character as one column)."""
    labels = list(labels)
    width = max((display_width(label) for label in labels), default=0)
    return [label + " " * (width - display_width(label)) for label in labels]


def html_table(header: Iterable[str], rows: Iterable[Iterable], caption: str = "") -> str:
    """An HTML table in large type; cells are escaped, numbers formatted by :func:`format_number`."""

    def cell(value) -> str:
        if isinstance(value, (float, np.floating)):
            return format_number(value)
        return html.escape(str(value))

    head = "".join(f"<th style='padding:3px 12px;text-align:right'>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='padding:3px 12px;text-align:right;font-family:monospace'>{cell(v)}</td>" for v in row
        )
        + "</tr>"
        for row in rows
    )
    caption_html = (
        f"<caption style='caption-side:top;text-align:left;font-weight:bold'>{html.escape(caption)}</caption>"
        if caption
        else ""
    )
    return (
        f"<table class='lnlib-table' style='font-size:16px;border-collapse:collapse'>{caption_html}"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


class Markdown:
    """Markdown text that a notebook displays formatted; ``str()`` gives the source."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __add__(self, other: Markdown) -> Markdown:
        return Markdown(self.text + "\n\n" + str(other))


def cell_text(value, digits: int = 3) -> str:
    """One table cell: numbers by :func:`format_number`, True/False as ✓/✗, text with its pipes escaped."""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value, digits) if isinstance(value, float) else str(value)
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():  # NumPy scalar
        return cell_text(value.item(), digits)
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(header: Iterable[str], rows: Iterable[Iterable], digits: int = 3) -> str:
    """A Markdown table: ``header`` a list of column titles, ``rows`` lists of cells."""
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [cell_text(value, digits) for value in row]
        if len(cells) != len(header):
            raise ValueError(f"a row has {len(cells)} cells but the header has {len(header)}: {cells}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
