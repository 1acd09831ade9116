"""Results printed for a reader: Markdown that a notebook renders, LaTeX and tables included.

A notebook cell that ends with a :class:`Markdown` object shows it as formatted text in JupyterLab
and in Voila (a Markdown output, so ``$...$`` is typeset). Tables are Markdown tables whose numbers
are formatted as the widgets format them (:func:`lnlib.ui.format_number`).
"""
from __future__ import annotations

from typing import Iterable

from .ui import format_number


class Markdown:
    """Markdown text that a notebook displays formatted; ``str()`` gives the source."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __add__(self, other: "Markdown") -> "Markdown":
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
