"""Notebook 00's first slider, and the course's glossary of the articles' Chinese terms.

The first slider is a teaser for what the course explains: stretch an input vector as much as you
like and its layer norm does not move (until every value is the same, where ε takes over).
"""

from __future__ import annotations

import csv
import html

import numpy as np

from lnlib import ui
from lnlib.functional import layer_norm
from lnlib.support import language
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.support.paths import GLOSSARY
from lnlib.ui import style
from lnlib.ui.text import join_list

TOUR_SHAPE = np.array([1.0, 2.0, 4.0, 7.0])  # the input's shape: its values before stretching


def glossary() -> list:
    """Rows of the glossary: dicts with 'chinese', 'pinyin', 'english', 'symbol', 'meaning' (in English),
    'meaning_zh' (the same in Chinese) and 'source' (where the term comes from: ``articles``, ``d2l-zh``,
    or ``notebooks 04–05``)."""
    with GLOSSARY.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


# The glossary's topics, in the file's order: each runs from its first term to the next topic's first term.
GLOSSARY_TOPICS = (
    (N_("the norms"), "层归一化"),
    (N_("the arithmetic"), "均值"),
    (N_("layers, batches and sequences"), "神经元"),
    (N_("training and its troubles"), "内部协变量偏移"),
    (N_("networks, devices and other norms"), "循环神经网络"),
    (N_("d2l-zh's names, and BN's two modes"), "规范化"),
    (N_("notebooks 04 and 05"), "残差连接"),
)
GLOSSARY_SOURCES = {
    "articles": N_("articles"),
    "d2l-zh": N_("d2l-zh"),
    "notebooks 04–05": N_("notebooks 04–05"),
}
"""Where a term comes from: the value in the file → the words the reader sees."""
GLOSSARY_COLUMNS = {
    "en": (
        (N_("中文"), "chinese"),
        (N_("pinyin"), "pinyin"),
        (N_("English"), "english"),
        (N_("symbol"), "symbol"),
        (N_("what it means here"), "meaning"),
        (N_("from"), "source"),
    ),
    "zh": (
        (N_("中文"), "chinese"),
        (N_("English"), "english"),
        (N_("symbol"), "symbol"),
        (N_("what it means here"), "meaning_zh"),
        (N_("from"), "source"),
    ),
}
"""The glossary's columns in each language: (heading, the file's column). A Chinese reader needs no pinyin."""


def glossary_topics() -> list:
    """``(topic, rows)`` in the file's order: the glossary cut where each topic's first term starts."""
    rows = glossary()
    terms = [row["chinese"] for row in rows]
    missing = [first for _, first in GLOSSARY_TOPICS if first not in terms]
    if missing:
        raise ValueError(f"the glossary has no term {missing}: GLOSSARY_TOPICS names a topic's first term")
    starts = [terms.index(first) for _, first in GLOSSARY_TOPICS] + [len(rows)]
    if starts[0] != 0 or starts != sorted(starts):
        raise ValueError("GLOSSARY_TOPICS must start at the first term and follow the file's order")
    return [(topic, rows[start:end]) for (topic, _), start, end in zip(GLOSSARY_TOPICS, starts, starts[1:])]


def glossary_html() -> str:
    """The glossary for the notebook: one fold per topic (its terms in the headline), one screen when open.

    In Chinese the terms' explanations are the Chinese ones (``meaning_zh``), and so are the headings."""
    return "".join(
        "<details style='font-size:16px;margin:4px 0'><summary>"
        + _("{topic}: {terms}").format(
            topic=f"<b>{html.escape(_(topic))}</b>",
            terms=html.escape(join_list(row["chinese"] for row in rows)),
        )
        + f"</summary>{_glossary_table(rows)}</details>"
        for topic, rows in glossary_topics()
    )


def _glossary_cell(row: dict, key: str) -> str:
    return _(GLOSSARY_SOURCES[row[key]]) if key == "source" else row[key]


def _glossary_table(rows: list) -> str:
    columns = GLOSSARY_COLUMNS[language.current()]
    head = "".join(
        f"<th style='text-align:left;padding:4px 10px'>{html.escape(_(title))}</th>"
        for title, _key in columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td style='text-align:left;padding:4px 10px'>{html.escape(_glossary_cell(row, key))}</td>"
            for _title, key in columns
        )
        + "</tr>"
        for row in rows
    )
    return f"<table style='font-size:16px'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class FirstSlider(ui.App):
    """Stretch the input and watch its layer norm stay put; shrink it to nothing and watch ε take over."""

    def __init__(self) -> None:
        figure, (self.axes_in, self.axes_out) = style.new_figure(11, 4, ncols=2)
        positions = np.arange(len(TOUR_SHAPE))
        self.bars_in = self.axes_in.bar(positions, TOUR_SHAPE, color=style.NORM_COLORS["none"])
        self.bars_out = self.axes_out.bar(positions, TOUR_SHAPE, color=style.NORM_COLORS["layer"])
        for axes, title, ylabel in (
            (self.axes_in, _("input x = s · (1, 2, 4, 7)"), _("value")),
            (self.axes_out, _("layer norm of x"), _("normalized value")),
        ):
            axes.set_title(title)
            axes.set_xlabel(_("neuron"))
            axes.set_ylabel(ylabel)
            axes.set_xticks(positions, [f"x{i + 1}" for i in positions])
        self.axes_in.set_ylim(0, 7 * 10)
        self.axes_out.set_ylim(-2, 2)
        self.axes_out.axhline(0, color="black", linewidth=1)
        self.view = ui.FigureView(figure, dynamic=[*self.bars_in, *self.bars_out])
        controls = {
            "scale": ui.slider("s", _("stretch of the input"), 1.0, 0.0, 10.0, 0.1),
            "eps": ui.slider("ε", "eps", 1e-5, 1e-8, 1.0, log=True),
        }
        self.start(controls, [self.view], _("Your first slider: stretch the input"))

    def update(self) -> str:
        scale, eps = self.value("scale"), self.value("eps")
        x = scale * TOUR_SHAPE
        y = layer_norm(x, len(x), eps=eps)
        for bar, value in zip(self.bars_in, x):
            bar.set_height(value)
        for bar, value in zip(self.bars_out, y):
            bar.set_height(value)
        self.view.draw()
        outputs = ", ".join(ui.format_number(v, 3) for v in y)
        if scale == 0:
            return _(
                "All four values are 0, so the mean is 0 and the variance σ² is 0: the output is "
                "0 / √(0 + ε) = 0 for every neuron. Without ε this would be 0/0, undefined. Output: ({outputs})."
            ).format(outputs=outputs)
        variance = float(np.var(x))
        if eps > 0.01 * variance:
            return _(
                "ε = {eps:.1e} is no longer small next to the variance σ² = {variance:.3g}: it shrinks the "
                "output towards 0. Output: ({outputs})."
            ).format(eps=eps, variance=variance, outputs=outputs)
        return _("Output: ({outputs}), whatever the stretch s: layer norm removes the input's scale.").format(
            outputs=outputs
        )
