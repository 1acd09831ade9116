"""The exercise kit: number boxes with a Check button, choice questions, and predictions that unlock an app."""

import pytest

from lnlib import ui
from lnlib.nb01_formulas_step_by_step import questions as q01
from lnlib.nb02_worked_example_four_neurons import questions as q02
from lnlib.nb03_bn_vs_ln_axes import questions as q03


@pytest.mark.parametrize(
    "text, value",
    [
        ("0.5", 0.5),
        (" -1,4 ", -1.4),
        ("−2", -2.0),
        ("1/3", 1 / 3),
        ("5e-2", 0.05),
        ("", None),
        ("abc", None),
        ("1/0", None),
        ("nan", None),
        ("inf", None),
        (None, None),
    ],
)
def test_parse_number_reads_what_learners_type(text, value):
    assert ui.parse_number(text) == (pytest.approx(value) if value is not None else None)


def _number_exercise():
    def judge(answers):
        right = answers["a"] is not None and abs(answers["a"] - 2) < 1e-3
        slip = answers["a"] is not None and abs(answers["a"] + 2) < 1e-3
        return ui.ExerciseResult(
            right, ("a: right.",) if right else ("a: check the sign." if slip else "a: not right.",)
        )

    return ui.NumberExercise("<p>What is 2?</p>", {"a": "a"}, judge, lambda: "<p>It is 2.</p>")


def test_a_number_exercise_offers_its_solution_only_after_an_attempt():
    exercise = _number_exercise()
    exercise.check()
    assert exercise.attempts == 0 and exercise.solution_button.disabled
    exercise.inputs["a"].value = "two"
    assert "not a number I can read" in str(exercise.check()) and exercise.attempts == 0
    exercise.inputs["a"].value = "-2"
    assert "check the sign" in str(exercise.check()) and "✗ Not yet." in exercise.feedback.value
    assert not exercise.solution_button.disabled and exercise.solution_view.value == ""
    exercise.show_solution()
    assert exercise.solution_view.value == "<p>It is 2.</p>"
    exercise.inputs["a"].value = "2"
    assert exercise.check().correct and "✓ Right." in exercise.feedback.value


def test_a_choice_question_rejects_answers_that_are_not_options():
    with pytest.raises(ValueError, match="one of the options"):
        ui.ChoiceQuestion("<p>?</p>", [("yes", 1), ("no", 0)], 2, {}, "")
    with pytest.raises(ValueError, match="one of the options"):
        ui.ChoiceQuestion("<p>?</p>", [("yes", 1), ("no", 0)], 1, {3: "?"}, "")


QUESTIONS = [
    q01.predict_formula_steps,
    q01.when_does_ln_fail,
    q02.predict_batch_beside_layer,
    q03.predict_batch_size,
    q03.bias_before_batch_norm,
    q03.preprocessing_like_bn_or_ln,
]


@pytest.mark.parametrize("make", QUESTIONS, ids=[f.__name__ for f in QUESTIONS])
def test_every_option_gets_its_own_answer(make):
    question = make()
    assert "Pick one answer first" in str(question.check())
    keys = [key for _, key in question.choice.options]
    assert set(question.slips) == set(keys) - {question.answer}, "every wrong option names its slip"
    for key in keys:
        question.choice.value = key
        verdict = question.check()
        assert verdict.correct == (key == question.answer)
        assert verdict.messages == (
            (question.explanation,) if key == question.answer else (question.slips[key],)
        )


PREDICTIONS = [q01.predict_formula_steps, q02.predict_batch_beside_layer, q03.predict_batch_size]


@pytest.mark.parametrize("make", PREDICTIONS, ids=[f.__name__ for f in PREDICTIONS])
def test_a_prediction_unlocks_its_app_once_committed_right_or_wrong(make):
    for pick in ("right", "wrong"):
        prediction = make()
        assert (
            all(control.disabled for control in prediction.app.controls.values()) and not prediction.unlocked
        )
        prediction.check()  # no choice yet: still locked
        assert not prediction.unlocked and "lnlib-locked" in prediction.app.widget._dom_classes
        keys = [key for _, key in prediction.choice.options]
        prediction.choice.value = (
            prediction.answer if pick == "right" else next(k for k in keys if k != prediction.answer)
        )
        verdict = prediction.check()
        assert prediction.unlocked and not any(
            control.disabled for control in prediction.app.controls.values()
        )
        assert verdict.correct == (pick == "right")
        assert prediction.app.widget not in prediction.widget.children  # the next cell shows it
        assert "lnlib-locked" not in prediction.app.widget._dom_classes


@pytest.mark.parametrize("number, modules", [(1, [q01]), (2, [q02]), (3, [q03])])
def test_no_cell_shows_a_questions_answer(read_notebook, number, modules):
    sources = "\n".join(cell.source for cell in read_notebook(number).cells)
    for make in QUESTIONS:
        if any(make.__module__ == m.__name__ for m in modules):
            assert f"{make.__name__}()" in sources, f"notebook {number} does not ask {make.__name__}"
            question = make()
            right_label = next(label for label, key in question.choice.options if key == question.answer)
            assert right_label not in sources and question.explanation not in sources
