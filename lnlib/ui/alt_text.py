"""Alt text for a figure, in the reader's language, read off what the figure shows.

Each panel is described by its kind (line chart, bar chart, …), its title, its axis labels and its legend
entries: messages the figure's code has already translated. An app may put a short description of its own
first. Screen readers read the result in place of the picture (``FigureView``'s image, the reading copy).
"""

from __future__ import annotations

import base64
import html
import re

from matplotlib._mathtext_data import tex2uni
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.support.language import pgettext

KINDS = {
    "scale": N_("colour scale"),
    "bars": N_("bar chart"),
    "image": N_("heat map"),
    "lines": N_("line chart"),
    "points": N_("scatter plot"),
    "diagram": N_("diagram"),
}
"""What a panel is, by what it draws (see :func:`panel_kind`)."""
COLORBAR_LABEL = "<colorbar>"
"""The label matplotlib gives a colour bar's axes."""


def plain(text: str) -> str:
    """``text`` without mathtext markup, for reading aloud: ``$\\eta_t$`` → ``η_t``."""
    if "$" not in text:
        return text.strip()

    def symbol(match):
        code = tex2uni.get(match.group(1))
        return chr(code) if code is not None else match.group(1)

    text = re.sub(r"\\([A-Za-z]+|\|)", symbol, text.replace(r"\,", " "))
    return re.sub(r"[${}]", "", text).strip()


def panel_kind(axes) -> str:
    """The key of :data:`KINDS` that says what ``axes`` draws."""
    if axes.get_label() == COLORBAR_LABEL:
        return "scale"
    if any(isinstance(container, BarContainer) for container in axes.containers):
        return "bars"
    if any(isinstance(image, AxesImage) for image in axes.images):
        return "image"
    if axes.axison and any(len(line.get_xdata()) > 1 for line in axes.lines):
        return "lines"
    if axes.axison and axes.collections:
        return "points"
    return "diagram"


def legend_sentence(legend) -> str:
    """A legend's entries as one sentence ("" for a legend without entries)."""
    entries = [plain(text.get_text()) for text in legend.get_texts() if text.get_text().strip()]
    if not entries:
        return ""
    return _("Legend: {entries}.").format(entries=pgettext("list separator", "; ").join(entries))


def describe_panel(axes, number: int | None = None) -> str:
    """One panel (number ``number`` of several, or the only one): its kind and title, its axis labels, its
    legend (the parts it has)."""
    title = " ".join(plain(axes.get_title(where)) for where in ("left", "center", "right")).strip()
    kind = _(KINDS[panel_kind(axes)])
    if number is None:
        first = _("{kind}: {title}.") if title else _("{kind}.")
    else:
        first = _("Panel {number}, {kind}: {title}.") if title else _("Panel {number}, {kind}.")
    first = first.format(kind=kind, title=title, number=number)
    sentences = [first[:1].upper() + first[1:]]
    for message, label in (
        (N_("x axis: {label}."), axes.get_xlabel()),
        (N_("y axis: {label}."), axes.get_ylabel()),
    ):
        if label.strip() and axes.axison:
            sentences.append(_(message).format(label=plain(label)))
    if axes.get_legend() is not None:
        sentences.append(legend_sentence(axes.get_legend()))
    return " ".join(sentence for sentence in sentences if sentence)


def alt_text(figure: Figure, description: str = "") -> str:
    """What ``figure`` shows, in words, in the current language; ``description`` (an app's own words) first."""
    panels = [axes for axes in figure.axes if axes.get_visible()]
    sentences = [description.strip()] if description.strip() else []
    suptitle = plain(figure.get_suptitle())
    if suptitle:
        sentences.append(suptitle + _("."))
    if len(panels) == 1:
        sentences.append(describe_panel(panels[0]))
    else:
        sentences += [describe_panel(axes, number) for number, axes in enumerate(panels, start=1)]
    sentences += [legend_sentence(legend) for legend in figure.legends]
    return " ".join(sentence for sentence in sentences if sentence)


def html_image(png: bytes, alt: str) -> str:
    """An ``<img>`` of ``png`` (inline, as a data URL) with ``alt`` as its alt text."""
    encoded = base64.b64encode(bytes(png)).decode()
    return f"<img src='data:image/png;base64,{encoded}' alt='{html.escape(alt, quote=True)}'>"
