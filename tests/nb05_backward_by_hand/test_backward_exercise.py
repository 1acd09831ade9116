"""Notebook 05's widget exercise: the answers are the graph's, every typical slip is named, bad input explained."""

import json

import numpy as np
import pytest

from lnlib.nb05_backward_by_hand import backward_exercise as ex
from lnlib.nb05_backward_by_hand.graph import NODES, autograd_gradients, cmp
from lnlib.support import paths


def test_the_questions_are_the_nodes_cmp_checks_from_the_output_back():
    assert [q.node for q in ex.QUESTIONS] == [n for n in NODES if n != "y"]


def test_the_answers_agree_with_autograd_and_come_out_round():
    _, right = ex.example()
    theirs = autograd_gradients(ex.X, ex.GAMMA, ex.BETA, ex.GRAD_Y, "layer", ex.EPS)
    for q in ex.QUESTIONS:
        assert cmp(q.node, right[q.node], theirs[q.node]).close
        assert np.allclose(ex.answer(q.node), np.round(ex.answer(q.node), 4))  # short decimals, by hand
    assert ex.answer("x").sum() == pytest.approx(0)


@pytest.mark.parametrize("question", ex.QUESTIONS, ids=[q.node for q in ex.QUESTIONS])
def test_the_right_answer_typed_with_rounding_passes_and_each_slip_is_named(question):
    typed = ", ".join(f"{v:.3f}" for v in ex.answer(question.node))
    right, sentence = ex.check_answer(question.node, typed)
    assert right and sentence.startswith("✅")
    slips = ex.slips(question.node)
    assert slips, question.node
    for value, message in slips:
        right, sentence = ex.check_answer(question.node, ", ".join(repr(float(v)) for v in value))
        assert not right and message in sentence, (question.node, message, sentence)


def test_wrong_shapes_and_non_numbers_are_explained_not_raised():
    right, sentence = ex.check_answer("inverse_std", "1, 2, 3, 4, 5")
    assert not right and "single sum" in sentence
    right, sentence = ex.check_answer("x", "1")
    assert not right and "5 numbers" in sentence
    with pytest.raises(ex.ui.Explained, match="not a number"):
        ex.parse("1, two")
    with pytest.raises(ex.ui.Explained, match="Type your answer"):
        ex.parse("   ")
    assert ex.parse("(1; -1/8  0.5)").tolist() == [1.0, -0.125, 0.5]
    right, sentence = ex.check_answer("x", "0, 0, 0, 0, 0")
    assert not right and "Hint" in sentence and "feature 3" in sentence


def test_the_app_checks_node_by_node_and_resets():
    app = ex.BackwardExerciseApp()
    app.controls["node"].value = "x_hat"
    app.answer_box.value = ", ".join(str(v) for v in ex.answer("x_hat"))
    app.check_button.click()
    assert "✅" in app.feedback.value and "Solved 1 of 8" in app.progress.value
    app.controls["node"].value = "gamma"
    app.answer_box.value = "oops"
    app.check_button.click()
    assert "not a number" in app.feedback.value and app.status == "ok"
    app.controls["node"].value = "x_hat"  # the earlier entry and its mark come back
    assert "✅" in app.feedback.value and app.answer_box.value
    app.reset_button.click()
    assert "Solved 0 of 8" in app.progress.value and app.answer_box.value == "" and app.feedback.value == ""


def test_no_cell_of_notebook_05_holds_an_answer():
    notebook = json.loads(
        (paths.ROOT / "notebooks" / "05_backward_by_hand.ipynb").read_text(encoding="utf-8")
    )
    source = "\n".join("".join(cell["source"]) for cell in notebook["cells"])
    assert "BackwardExerciseApp" in source
    for q in ex.QUESTIONS:
        for value in ex.answer(q.node):
            if len(f"{value:g}") >= 5:  # short numbers such as 2 or 0.5 are too common to mean anything
                assert f"{value:g}" not in source, (q.node, value)
