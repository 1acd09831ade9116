"""The widget kit in Chinese: buttons, titles, checker messages, verdicts and notes; program values stay English."""

import pytest

from lnlib import ui
from lnlib.support import language
from lnlib.ui import text


@pytest.fixture
def english():
    language.use("en")
    yield
    language.use(None)


def _exercise():
    def judge(answers):
        right = answers["a"] is not None and abs(answers["a"] - 2) < 1e-3
        return ui.ExerciseResult(right, ("a",))

    return ui.NumberExercise("<p>2?</p>", {"a": "a"}, judge, lambda: "<p>2</p>")


class _Slider(ui.App):
    """A one-slider app whose update fails at its far end (not registered: its name starts with _)."""

    def __init__(self) -> None:
        self.start({"x": ui.slider("x", "a number", 0.0, 0.0, 1.0)}, [], "t")

    def update(self) -> str:
        if self.value("x") == 1.0:
            raise KeyError("far end")
        return ""


def test_an_exercise_speaks_chinese_and_still_judges_the_answer(chinese):
    exercise = _exercise()
    assert exercise.check_button.description == "检查"
    assert "<h3>练习</h3>" in exercise.widget.children[0].value
    assert exercise.inputs["a"].placeholder == "填一个数，如 0.123"
    assert exercise.solution_button.description == "查看详细解答"
    exercise.inputs["a"].value = "两"
    unreadable = exercise.check()
    assert not unreadable.correct and unreadable.messages[0].startswith("a：无法把“两”识别为数")
    assert str(unreadable).startswith("还不对。") and "✗ 还不对。" in exercise.feedback.value
    exercise.inputs["a"].value = "２"  # a full-width digit, as a Chinese input method types it
    assert exercise.check().correct and "✓ 正确。" in exercise.feedback.value
    assert "Right" not in exercise.feedback.value


def test_a_question_and_a_prediction_speak_chinese(chinese):
    question = ui.ChoiceQuestion("<p>?</p>", [("一", "one"), ("二", "two")], "one", {}, "因为。")
    assert question.check().messages == ("请先选一个答案。",)
    question.choice.value = "two"
    assert question.check().messages == ("不是这个，再想想。",)
    app = _Slider()
    prediction = ui.Prediction("<p>?</p>", [("一", "one"), ("二", "two")], "one", {}, "因为。", app)
    assert prediction.check_button.description == "提交"
    assert "先预测，再拖动" in prediction.widget.children[0].value
    prediction.choice.value = "two"
    prediction.check()
    assert prediction.unlocked and "控件已经解锁" in prediction.feedback.value


def test_an_app_in_chinese_labels_its_controls_and_explains_a_failure_in_chinese(chinese):
    app = _Slider()
    assert (
        app.controls["x"].description == "x（a number）"
    )  # the kit's framing; the caller translates the meaning
    assert app.reset_button.description == "重置"
    app.controls["x"].value = 1.0
    assert (
        app.status == "error"
        and "出了课程没有预料到的问题" in app.note.value
        and "KeyError" in app.note.value
    )


def test_the_kit_in_english_is_unchanged(english):
    exercise = _exercise()
    assert (
        exercise.check_button.description == "Check"
        and "<h3>Exercise</h3>" in exercise.widget.children[0].value
    )
    exercise.inputs["a"].value = "2"
    assert str(exercise.check()) == "Right. a" and "✓ Right." in exercise.feedback.value
    assert _Slider().controls["x"].description == "x (a number)"
    assert text.join_list(["a", "b"]) == "a, b"


def test_a_list_of_words_is_joined_as_chinese_writes_it(chinese):
    assert text.join_list(["均值", "方差", "标准差"]) == "均值、方差、标准差"


@pytest.mark.parametrize(
    "typed, value", [("０．５", 0.5), ("－１／３", -1 / 3), ("1，5", 1.5), ("５ｅ－２", 0.05)]
)
def test_parse_number_reads_full_width_input(typed, value):
    assert ui.parse_number(typed) == pytest.approx(value)
