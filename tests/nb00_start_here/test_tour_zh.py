"""Notebook 00 in Chinese: the first slider's labels and notes, and the glossary led by the Chinese term."""

import html

import numpy as np

from lnlib.nb00_start_here import tour
from lnlib.support import language


def is_chinese(words: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in words)


def test_every_glossary_term_is_explained_in_chinese_too():
    for row in tour.glossary():
        assert is_chinese(row["meaning_zh"]), row
        assert row["meaning_zh"] != row["meaning"], row
    rows = {row["chinese"]: row for row in tour.glossary()}
    assert "批归一化 = 批量归一化 = 批量规范化 = 批标准化" in rows["批量规范化"]["meaning_zh"]
    assert "层归一化 = 层规范化" in rows["层规范化"]["meaning_zh"]


def test_the_chinese_glossary_leads_with_the_term_and_explains_it_in_chinese(chinese):
    page = tour.glossary_html()
    rows = tour.glossary()
    assert page.count("<details") == len(tour.GLOSSARY_TOPICS)
    assert "<b>归一化方法</b>：层归一化、批归一化、批标准化" in page  # the first fold's headline
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert head.count("<th ") == 5 and head.index(">术语</th>") < head.index(">英文</th>")  # the term leads
    assert ">在本课程中的含义</th>" in head and "pinyin" not in page
    for row in rows:
        assert html.escape(row["meaning_zh"]) in page and html.escape(row["english"]) in page
    assert rows[0]["meaning"] not in page and rows[0]["pinyin"] not in page
    assert ">文章</td>" in page and ">笔记本 04–05</td>" in page and ">articles</td>" not in page


def test_the_english_glossary_is_unchanged_by_the_chinese_column():
    language.use("en")
    try:
        page = tour.glossary_html()
    finally:
        language.use(None)
    assert "<b>the norms</b>: 层归一化, 批归一化" in page and ">what it means here</th>" in page
    assert not any(html.escape(row["meaning_zh"]) in page for row in tour.glossary())


def test_the_first_slider_speaks_chinese_and_draws_its_chinese_labels(chinese):
    app = tour.FirstSlider()  # a missing glyph would be an error here (pyproject.toml)
    app.view.draw(relayout=True)
    assert app.controls["scale"].description == "s（输入的拉伸倍数）"
    assert app.axes_in.get_xlabel() == "神经元" and is_chinese(app.axes_out.get_title())
    assert app.status == "ok" and "层归一化消去了输入的尺度" in app.note.value
    app.controls["scale"].value = 0.0
    assert app.status == "ok" and "0/0" in app.note.value and "没有定义" in app.note.value
    np.testing.assert_array_equal([bar.get_height() for bar in app.bars_out], 0.0)
    app.controls["scale"].value = 1.0
    app.controls["eps"].value = 1.0
    assert "不算小" in app.note.value and "σ² = 5.25" in app.note.value
    assert "Output" not in app.note.value
