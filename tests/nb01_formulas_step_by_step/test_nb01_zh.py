"""Notebook 01 in Chinese: every app, report and question speaks Chinese, with the English edition's numbers.

A figure that lacks a glyph fails here (pyproject.toml turns matplotlib's warning into an error), and
each sweep draws every figure at every value a learner can reach.
"""

import re
from collections import Counter
from contextlib import contextmanager

import pytest

from lnlib import ui
from lnlib.nb01_formulas_step_by_step import articles, formulas, geometry, questions
from lnlib.support import language

APPS = (
    formulas.FormulaStepsApp,
    geometry.GeometryApp,
    articles.EpsGapApp,
    articles.RandomAffineApp,
    articles.TanhRangeApp,
)
REPORTS = (
    formulas.undo_attempt_report,
    articles.article001_report,
    articles.article000_report,
    articles.article001_usage_report,
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _numbers(text: str) -> Counter:
    """The numbers a text states, in any order (a translation may reorder a sentence, never change a number)."""
    return Counter(NUMBER.findall(re.sub(r"<[^>]+>", " ", text)))


@contextmanager
def _english():
    """English for a moment, inside a Chinese test (an app translates when it updates, not when it is made)."""
    language.use("en")
    try:
        yield
    finally:
        language.use("zh")


def _in_both_languages(produce):
    with _english():
        english = produce()
    return english, produce()


@pytest.mark.parametrize("app_class", APPS, ids=[cls.__name__ for cls in APPS])
def test_app_speaks_chinese_at_every_value_with_the_english_numbers(chinese, app_class):
    app = app_class()
    with _english():
        english_app = app_class()
    figure = app.figure.figure
    assert all(CHINESE.search(axes.get_title()) for axes in figure.axes)
    xlabels = [axes.get_xlabel() for axes in figure.axes if axes.get_xlabel()]
    assert all(CHINESE.search(label) or label == "ε" for label in xlabels), xlabels
    descriptions = [control.description for control in app.controls.values()]
    assert all(CHINESE.search(d) or d in ("ε (eps)", "ε（eps）") for d in descriptions), descriptions
    for name, control in app.controls.items():
        for value in ui.control_values(control):
            control.value = value
            with _english():
                english_app.controls[name].value = value
            assert app.status in ("ok", "explained"), (name, value, app.error)
            assert CHINESE.search(app.note.value) and "Traceback" not in app.note.value
            assert _numbers(app.note.value) == _numbers(english_app.note.value), (name, value)
            if hasattr(app, "table"):
                assert _numbers(app.table.value) == _numbers(english_app.table.value), (name, value)


def test_formula_steps_explains_zero_over_zero_in_chinese(chinese):
    app = formulas.FormulaStepsApp()
    for i in range(1, 6):
        app.controls[f"x{i}"].value = 2.0
    app.controls["eps"].value = 0.0
    assert app.status == "explained"
    assert "0/0" in app.note.value and "NaN" in app.note.value and CHINESE.search(app.note.value)
    assert "步骤" in app.table.value  # the table's header, translated


@pytest.mark.parametrize("report", REPORTS, ids=[r.__name__ for r in REPORTS])
def test_reports_are_chinese_and_state_the_english_numbers(chinese, report):
    english, chinese_text = _in_both_languages(report)
    assert CHINESE.search(chinese_text) and not CHINESE.search(english)
    assert chinese_text.count("\n") == english.count("\n")
    assert _numbers(chinese_text) == _numbers(english)


def test_questions_and_every_answer_feedback_are_chinese(chinese):
    for question in (questions.predict_formula_steps(), questions.when_does_ln_fail()):
        assert CHINESE.search(question.widget.children[0].value)
        for label, key in question.choice.options:
            assert CHINESE.search(label)
            question.choice.value = key
            assert CHINESE.search(str(question.result())), key
