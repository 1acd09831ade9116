"""Notebook 03 in Chinese: every app, report, question and the summary speak Chinese, and no figure lacks a glyph.

matplotlib's "Glyph … missing from font" warning is an error in the tests (pyproject.toml), so drawing
each figure here also checks that every character of its Chinese labels has a glyph.
"""

import logging
import re
import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from lnlib import ui
from lnlib.nb03_bn_vs_ln_axes import (
    batch_dependence,
    conventions,
    exercise,
    questions,
    running_statistics,
    shared_statistics,
    small_sets,
    summary,
)
from lnlib.support import language

CHINESE = re.compile(r"[\u4e00-\u9fff]")
APPS = (
    shared_statistics.SharingApp,
    shared_statistics.GroupNormApp,
    batch_dependence.BatchSizeApp,
    batch_dependence.TrainEvalApp,
    batch_dependence.PaddingApp,
    conventions.ConventionsApp,
)


def _figure(app):
    return (app.view.figure if hasattr(app, "view") else app.figure).figure


def _figure_texts(figure) -> list:
    texts = []
    for axes in figure.axes:
        texts += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
        texts += [label.get_text() for label in axes.get_yticklabels()]
        if axes.get_legend():
            texts += [text.get_text() for text in axes.get_legend().get_texts()]
    return [text for text in texts if text]


def _chinese(text: str) -> bool:
    return bool(CHINESE.search(text))


@pytest.mark.parametrize("app_class", APPS, ids=[cls.__name__ for cls in APPS])
def test_every_app_runs_in_chinese_over_every_value_of_its_controls(chinese, app_class):
    app = app_class()
    assert app.status == "ok", app.error
    for name, control in app.controls.items():
        for value in ui.control_values(control):
            control.value = value
            assert app.status in ("ok", "explained"), f"{name} = {value!r}: {app.error!r}"
            assert _chinese(app.note.value), (
                f"{name} = {value!r}: the note is not Chinese: {app.note.value[:200]}"
            )
            assert "Traceback" not in app.note.value


@pytest.mark.parametrize("app_class", APPS, ids=[cls.__name__ for cls in APPS])
def test_every_app_has_chinese_labels_and_its_figure_draws_every_glyph(chinese, app_class, caplog):
    app = app_class()
    labels = [control.description for control in app.controls.values()]
    assert all(_chinese(label) for label in labels), labels
    assert _chinese(app.widget.children[0].value), "the app's title is not Chinese"
    figure = _figure(app)
    texts = _figure_texts(figure)
    assert sum(_chinese(text) for text in texts) >= 3, texts
    english_words = [t for t in texts if re.search(r"\b(the|of|batch|mean|output|feature)\b", t)]
    assert english_words == [], f"English left in the figure: {english_words}"
    with warnings.catch_warnings(), caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("error")
        FigureCanvasAgg(figure).draw()
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]


def test_the_sharing_apps_options_tables_and_tabs_are_chinese(chinese):
    app = shared_statistics.SharingApp()
    assert [label for label, _ in app.controls["layout"].options] == [
        "(N, C) 特征",
        "(N, L, D) 词元",
        "(N, C, H, W) 图像",
    ]
    app.controls["layout"].value = "images"
    assert "6 组，每组 24 个值" in app.note.value and "恰好是它所在组的那些值" in app.note.value
    app.controls["norm"].value = "instance"
    assert "示例输入中各组的统计量（共 24 组，列出前 8 组）" in app.view.groups_view.value
    tables = shared_statistics.axes_tables_by_layout_html()
    assert "各种归一化在哪些轴上求平均" in tables and "组数 × 每组值数" in tables


def test_train_eval_modes_and_the_explained_batch_of_one_are_chinese(chinese):
    app = batch_dependence.TrainEvalApp()
    assert [label for label, _ in app.controls["mode"].options] == ["训练", "预测"]
    app.controls["batch"].value = 1
    assert app.status == "explained" and "切换到预测模式" in app.note.value
    assert (
        batch_dependence.refusal_message((1, 6)) in app.note.value
    )  # torch's own words stay as torch says them


def test_every_printed_report_is_chinese(chinese):
    reports = [
        batch_dependence.alone_and_in_batch_report(),
        small_sets.batch_of_one_report(),
        small_sets.two_values_report(),
        small_sets.image_layer_norms_report(),
        running_statistics.running_updates_report(),
        running_statistics.forgotten_eval_report(),
        running_statistics.fold_report(),
    ]
    for report in reports:
        for line in report.splitlines():
            if not line.startswith("momentum="):  # the code's own argument, as typed
                assert _chinese(line), line
    assert "逐位相等：True" in reports[0]


def test_the_exercise_and_the_questions_are_chinese(chinese):
    assert "d2l-zh 和 cs231n 的命名方式" in str(exercise.check(4.5, 1.5667))
    assert "还没有作答" in str(exercise.check(None, None))
    assert "详细解答" in exercise.solution_html()
    widget = exercise.exercise_widget()
    widget.inputs["running_mean"].value = "0.5"
    assert "正确" in str(widget.check())
    for question in (questions.bias_before_batch_norm(), questions.preprocessing_like_bn_or_ln()):
        assert _chinese(question.widget.children[0].value)
        assert all(_chinese(label) for label, _ in question.choice.options)
        for key in question.slips:
            question.choice.value = key
            assert _chinese(str(question.check()))
        question.choice.value = question.answer
        assert str(question.check()).count("正确") >= 1
    prediction = questions.predict_batch_size()
    assert "你马上要把 <b>B</b> 从 8 拖到 2" in prediction.widget.children[0].value


def test_the_summary_is_chinese_and_keeps_its_rows_and_facts(chinese):
    page = summary.summary_html()
    aspects = re.findall(r"<tr><th[^>]*>([^<]+)</th>", page)
    assert aspects == ["求平均的范围", "训练与预测", "移动平均", "预测时", "批量大小", "典型用途"]
    assert "(N, C, H, W) 在 N, H, W 上" in page and "；" in summary.axes_text("batch")
    assert all(name in page for name in summary.BUFFERS["batch"]) and "m = 0.1" in page


def test_english_returns_when_the_language_is_reset(chinese):
    language.use(None)
    assert "(N, C, H, W): over N, H, W" in summary.axes_text("batch")
    assert "not answered yet" in str(exercise.check(None, None))
