"""Notebook 00: the first slider, and the glossary of the articles' Chinese terms."""

import numpy as np

from lnlib.nb00_start_here import sources, tour


def test_every_glossary_term_from_the_articles_is_used_by_at_least_one_article(articles):
    texts = [(articles / cited.copy_file).read_text(encoding="utf-8") for cited in sources.ARTICLES.values()]
    rows = [row for row in tour.glossary() if row["source"] == "articles"]
    missing = [row["chinese"] for row in rows if not any(row["chinese"] in text for text in texts)]
    assert not missing, f"not in any article: {missing}"


def test_the_glossary_has_d2l_zhs_terms_and_says_which_names_are_one_thing():
    rows = {row["chinese"]: row for row in tour.glossary()}
    assert {row["source"] for row in rows.values()} == {"articles", "d2l-zh", "notebooks 04–05"}
    for term in (
        "规范化",
        "批量规范化",
        "层规范化",
        "拉伸",
        "偏移",
        "移动平均",
        "训练模式",
        "预测模式",
        "仿射阈值",
    ):
        assert term in rows, term
    for term in ("残差连接", "预热", "填充", "反向传播", "计算图"):
        assert rows[term]["source"] == "notebooks 04–05"
    assert "批归一化 = 批量归一化 = 批量规范化 = 批标准化" in rows["批量规范化"]["meaning"]
    assert "层归一化 = 层规范化" in rows["层规范化"]["meaning"]


def test_glossary_rows_are_complete_and_rendered():
    rows = tour.glossary()
    assert len(rows) >= 45
    for row in rows:
        assert row["chinese"] and row["pinyin"] and row["english"] and row["meaning"] and row["source"], row
    table = tour.glossary_html()
    assert all(row["chinese"] in table for row in rows)
    for term in ("层归一化", "批归一化", "均值", "方差", "仿射变换"):
        assert term in table


def bar_heights(bars):
    return np.array([bar.get_height() for bar in bars])


def test_first_slider_layer_norm_does_not_move_when_the_input_is_stretched():
    app = tour.FirstSlider()
    app.controls["scale"].value = 1.0
    at_one = bar_heights(app.bars_out)
    app.controls["scale"].value = 9.0
    np.testing.assert_allclose(bar_heights(app.bars_in), 9.0 * tour.TOUR_SHAPE)
    np.testing.assert_allclose(bar_heights(app.bars_out), at_one, atol=1e-5)  # only ε's tiny share changes
    assert "whatever the stretch" in app.note.value


def test_first_slider_explains_a_zero_input_and_a_large_eps():
    app = tour.FirstSlider()
    app.controls["scale"].value = 0.0
    assert app.status == "ok" and "0/0" in app.note.value
    np.testing.assert_array_equal(bar_heights(app.bars_out), 0.0)
    app.controls["scale"].value = 1.0
    app.controls["eps"].value = 1.0
    assert "no longer small" in app.note.value
    assert np.abs(bar_heights(app.bars_out)).max() < 0.95 * 1.5  # shrunk towards 0 from |x̂| ≤ 1.5


def test_glossary_folds_into_topics_of_at_most_ten_terms_in_the_files_order():
    topics = tour.glossary_topics()
    assert [row for _, rows in topics for row in rows] == tour.glossary()
    assert all(1 <= len(rows) <= 10 for _, rows in topics), [len(rows) for _, rows in topics]
    page = tour.glossary_html()
    assert page.count("<details") == len(topics) == len(tour.GLOSSARY_TOPICS)
