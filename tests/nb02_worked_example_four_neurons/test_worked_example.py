"""Article 001's four-neuron example by hand (notebook 02): the blackboard, the libraries, the exercise, the app."""

import decimal
import json
import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lnlib import functional
from lnlib.nb02_worked_example_four_neurons import exercise
from lnlib.nb02_worked_example_four_neurons import worked_example as we
from lnlib.nb02_worked_example_four_neurons.app import WorkedExampleApp, slider_value


def test_the_data_file_says_the_numbers_are_the_courses():
    data = we.load_data()
    assert "course's own" in data["source"] and data["eps"] == "0.00005"  # the article's ε
    neurons = we.example()
    assert len(neurons.values) == 4 and neurons.eps == Fraction(1, 20000)


def test_blackboard_of_the_example_has_whole_numbers_as_the_notebook_says():
    board = we.blackboard(we.example())
    assert board.total == 20 and board.mean == 5
    assert board.deviations == (1, -7, 7, -1) and sum(board.deviations) == 0
    assert board.squared_deviations == (1, 49, 49, 1) and board.sum_of_squares == 100
    assert board.variance == 25
    assert board.x_hat_without_eps == (Fraction(1, 5), Fraction(-7, 5), Fraction(7, 5), Fraction(-1, 5))
    assert board.y_without_eps == (Fraction(7, 5), Fraction(-7, 10), Fraction(2, 5), Fraction(-1, 10))
    assert sum(h * h for h in board.x_hat_without_eps) / 4 == 1  # mean square 1
    assert (board.neurons.gamma[0], board.neurons.beta[0]) == (2, 1)  # "γ₁ = 2, β₁ = 1: y₁ = 1.4"
    # √25.00005 ≈ 5.000005, and ε moves x̂ by one part in a million (ε / 2σ² = 1e-6)
    assert float(board.std) == pytest.approx(5.000005, abs=1e-9)
    for with_eps, exact in zip(board.x_hat, board.x_hat_without_eps):
        assert 1 - float(with_eps) / float(exact) == pytest.approx(1e-6, rel=1e-3)


def test_blackboard_std_is_exact_to_many_digits():
    board = we.blackboard(we.example())
    assert abs(board.std * board.std - decimal.Decimal("25.00005")) < decimal.Decimal("1e-35")


def test_blackboard_rows_read_like_the_board():
    header, rows = we.blackboard_rows(we.blackboard(we.example()))
    assert header == ["step", "formula", "neuron 1", "neuron 2", "neuron 3", "neuron 4", "result"]
    by_step = {row[0]: row for row in rows}
    assert by_step["sum"][-1] == "6 + (-2) + 12 + 4 = 20"
    assert by_step["mean"][-1] == "20 / 4 = 5"
    assert by_step["variance"][-1] == "100 / 4 = 25"
    assert by_step["divisor (σ with ε)"][-1] == "√25.00005 = 5.0000050"
    assert by_step["normalized, ε left out"][2:6] == ["0.2", "-1.4", "1.4", "-0.2"]
    assert by_step["normalized"][2:6] == ["0.1999998", "-1.3999986", "1.3999986", "-0.1999998"]
    assert by_step["output, ε left out"][2:6] == ["1.4", "-0.7", "0.4", "-0.1"]
    assert all(len(row) == len(header) for row in rows)


def test_constant_neurons_have_no_exact_normalized_value():
    board = we.blackboard(we.Neurons.of([3, 3, 3, 3], [1, 2, 3, 4], [0.5, 0, -1, 2], "0.00005"))
    assert board.variance == 0 and board.x_hat_without_eps == ()
    assert [float(v) for v in board.y] == [0.5, 0, -1, 2]  # y = β
    _, rows = we.blackboard_rows(board)
    assert {row[0]: row for row in rows}["normalized, ε left out"][2:6] == ["0/0"] * 4
    nan_board = we.blackboard(we.Neurons.of([3, 3], [1, 1], [0, 0], 0))
    assert all(v.is_nan() for v in nan_board.x_hat)  # ε = 0: 0/0


def test_irrational_sigma_falls_back_to_decimals():
    board = we.blackboard(we.Neurons.of([0, 1, 2, 3], [1] * 4, [0] * 4, "0.00005"))
    assert board.variance == Fraction(5, 4)
    assert all(isinstance(v, decimal.Decimal) for v in board.x_hat_without_eps)
    assert float(board.x_hat_without_eps[0]) == pytest.approx(-1.5 / math.sqrt(1.25), rel=1e-15)


@pytest.mark.parametrize(
    "value, text",
    [
        (Fraction(20), "20"),
        (Fraction(-7, 5), "-1.4"),
        (Fraction(1, 20000), "0.00005"),
        (Fraction(500001, 20000), "25.00005"),
        (Fraction(5, 7), "5/7"),
        (Fraction(-667, 100), "-6.67"),
        (Fraction(1, 3000000), "≈0.0000003"),
        (Fraction(1, 3 * 10**9), "≈0"),
        (Fraction(11, 3500), "11/3500"),
        (Fraction(20, 70001), "≈0.0002857"),
        (decimal.Decimal("1.0000000000"), "1"),
        (decimal.Decimal("0.19999980000001"), "0.1999998"),
        (decimal.Decimal("NaN"), "NaN"),
    ],
)
def test_numbers_are_written_as_a_teacher_would(value, text):
    assert we.exact_text(value) == text


@pytest.mark.parametrize(
    "arguments, error",
    [
        (([1, 2], [1, 2, 3], [0, 0]), ValueError),
        (([1], [1], [0]), ValueError),
        (([1, 2], [1, 1], [0, 0], "-1"), ValueError),
        ((["a", 2], [1, 1], [0, 0]), ValueError),
        (([True, 2], [1, 1], [0, 0]), TypeError),
        (([None, 2], [1, 1], [0, 0]), TypeError),
    ],
)
def test_bad_neurons_are_refused(arguments, error):
    values, gamma, beta, *eps = arguments
    with pytest.raises(error):
        we.Neurons.of(values, gamma, beta, eps[0] if eps else "0.00005")


def test_a_broken_data_file_is_reported(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"eps": "0.00005", "example": {}}), encoding="utf-8")
    with pytest.raises(ValueError, match="lacks"):
        we.load_data(path)
    data = we.load_data()
    data["exercise"]["neuron"] = 9
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="between 1 and 4"):
        we.exercise(path)


# ---------------------------------------------------------------------------
# The same numbers from lnlib and torch
# ---------------------------------------------------------------------------


def test_libraries_agree_with_the_hand_computation_as_printed():
    board = we.blackboard(we.example())
    gaps = we.agreement(board)
    for name, gap in gaps.items():
        assert gap < we.LIBRARIES[name][1], name
    assert all(line.endswith("as expected") for line in we.agreement_lines(board))


halves = st.integers(-40, 40).map(lambda k: k / 2)
quarters = st.integers(-12, 12).map(lambda k: k / 4)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(halves, min_size=4, max_size=4),
    st.lists(quarters, min_size=4, max_size=4),
    st.lists(quarters, min_size=4, max_size=4),
)
def test_hand_computation_equals_torch_layer_norm_for_any_slider_values(values, gamma, beta):
    board = we.blackboard(we.Neurons.of(values, gamma, beta, "0.00005"))
    layer = torch.nn.LayerNorm(4, eps=0.00005, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(gamma, dtype=torch.float64))
        layer.bias.copy_(torch.tensor(beta, dtype=torch.float64))
        expected = layer(torch.tensor(values, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(board.y_floats(), expected, rtol=1e-12, atol=1e-12)
    ours = functional.layer_norm(np.array(values), 4, np.array(gamma), np.array(beta), eps=0.00005)
    np.testing.assert_allclose(board.y_floats(), ours, rtol=1e-12, atol=1e-12)


def test_comparison_table_shows_all_three_computations():
    board = we.blackboard(we.example())
    table = we.comparison_table(board)
    assert "1.3999996" in table  # y₁ by hand and by each library
    assert table.count("<tr>") == 5  # a header and four neurons


# ---------------------------------------------------------------------------
# The exercise
# ---------------------------------------------------------------------------


def _answer():
    """The exercise's answer, computed independently of the check (lnlib.functional, float64)."""
    neurons, neuron = we.exercise()
    values, gamma, beta = neurons.as_arrays()
    eps = float(neurons.eps)
    x_hat = functional.layer_norm(values, 4, eps=eps)[neuron - 1]
    y = functional.layer_norm(values, 4, gamma, beta, eps=eps)[neuron - 1]
    return values, gamma, beta, eps, neuron - 1, x_hat, y


def test_right_answers_are_accepted_to_three_decimals():
    *_, x_hat, y = _answer()
    assert exercise.check_exercise(x_hat, y).correct
    assert exercise.check_exercise(round(x_hat, 3), round(y, 3)).correct
    assert "ε changes these answers" in str(exercise.check_exercise(x_hat, y))


def test_missing_or_non_numbers_are_not_answers():
    feedback = exercise.check_exercise()
    assert not feedback.correct and "not answered yet" in str(feedback)
    assert "not answered yet" in str(exercise.check_exercise("abc", float("nan")))


def test_each_known_slip_gets_its_hint():
    values, gamma, beta, eps, i, x_hat, y = _answer()
    d = values[i] - values.mean()
    squares = np.sum((values - values.mean()) ** 2)
    slips = {
        "not by n − 1": d / math.sqrt(squares / 3 + eps),
        "divided by the variance": d / (squares / 4 + eps),
        "Subtract the mean": values[i] / math.sqrt(squares / 4 + eps),
        "before taking the square root": d / math.sqrt(squares + eps),
        "Check the sign": -x_hat,
    }
    for hint, wrong in slips.items():
        feedback = exercise.check_exercise(wrong, y)
        assert not feedback.correct and hint in str(feedback), hint
    output_slips = {
        "That is the normalized value": x_hat,
        "not βᵢ·x̂ᵢ + γᵢ": beta[i] * x_hat + gamma[i],
        "not γᵢ·(x̂ᵢ + βᵢ)": gamma[i] * (x_hat + beta[i]),
        "own γ and β": gamma[1] * x_hat + beta[1],
    }
    for hint, wrong in output_slips.items():
        feedback = exercise.check_exercise(x_hat, wrong)
        assert not feedback.correct and hint in str(feedback), hint
    wrong_x_hat = x_hat + 0.3
    assert "fix that first" in str(exercise.check_exercise(wrong_x_hat, gamma[i] * wrong_x_hat + beta[i]))


def test_feedback_renders_as_html():
    html = exercise.check_exercise(0.0, 0.0)._repr_html_()
    assert "lnlib-feedback" in html and "Not yet." in html


def test_no_cell_of_notebook_02_shows_the_answer(read_notebook):
    *_, x_hat, y = _answer()
    sources = [cell.source for cell in read_notebook(2).cells]
    answers = {
        f"{x_hat:.3f}",
        f"{x_hat:.4f}",
        str(Fraction(x_hat).limit_denominator(100)),
        f"{y:.3f}",
        f"{y:.4f}",
    }
    exercise_cells = [s for s in sources if "exercise_widget" in s or "exercise_html" in s]
    assert exercise_cells
    for source in exercise_cells:
        assert not any(answer in source for answer in answers), source
    assert not any(f"{x_hat:.3f}" in source or "5/7" in source for source in sources)


def test_exercise_question_lists_the_numbers_but_not_the_answer():
    *_, x_hat, y = _answer()
    question = exercise.exercise_html()
    assert "x = (9, 17, -1, 15)" in question and "neuron 4" in question
    assert f"{x_hat:.3f}" not in question


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------


def test_app_recomputes_the_whole_table_for_new_slider_values():
    app = WorkedExampleApp()
    assert app.board_view.value == we.blackboard_table(we.blackboard(we.example()))
    app.set_neuron(1, x=1.5)
    app.set_neuron(3, x=-4.0)
    app.set_neuron(2, gamma=-1.25)
    app.set_neuron(4, beta=2.75)
    neurons = we.Neurons.of([1.5, -2, -4, 4], [2, -1.25, 1, 3], [1, 0, -1, 2.75], "0.00005")
    board = we.blackboard(neurons)
    assert app.neurons() == neurons
    assert app.board_view.value == we.blackboard_table(board)
    assert app.comparison_view.value == we.comparison_table(board)
    torch_y = we.library_outputs(neurons)["torch.nn.LayerNorm, float32 (torch's default)"][1]
    np.testing.assert_allclose([bar.get_height() for bar in app.y_bars], torch_y, atol=1e-6)
    assert app.mean_line.get_ydata()[0] == float(board.mean)
    assert app.note.value.count("as expected") == 3


def test_app_explains_four_equal_values():
    app = WorkedExampleApp()
    for i in range(1, 5):
        app.set_neuron(i, x=-20.0)
    assert app.status == "ok" and "All four values are equal" in app.note.value
    assert [bar.get_height() for bar in app.y_bars] == [1.0, 0.0, -1.0, 0.5]  # y = β


def test_slider_values_are_read_to_the_hundredth_shown():
    assert slider_value(-6.666666666666667) == Fraction(-667, 100)
    assert slider_value(0.5) == Fraction(1, 2)


def test_the_exercise_widget_checks_what_was_typed_and_offers_the_solution_after_an_attempt():
    *_, x_hat, y = _answer()
    widget = exercise.exercise_widget()
    assert widget.solution_button.disabled
    verdict = widget.check()  # nothing typed
    assert not verdict.correct and "not answered yet" in str(verdict) and widget.solution_button.disabled
    with pytest.raises(RuntimeError, match="after an attempt"):
        widget.show_solution()
    widget.inputs["normalized"].value = "abc"
    assert "is not a number I can read" in str(widget.check())
    values, gamma, beta, eps, i, x_hat, y = _answer()
    widget.inputs["normalized"].value = f"{-x_hat:.4f}"  # the sign slip
    widget.inputs["output"].value = f"{y:.4f}"
    verdict = widget.check()
    assert "Check the sign" in str(verdict) and "✗ Not yet." in widget.feedback.value
    assert not widget.solution_button.disabled
    widget.show_solution()
    assert f"{x_hat:.4f}" in widget.solution_view.value and f"{y:.4f}" in widget.solution_view.value
    widget.inputs["normalized"].value = f"{x_hat:.3f}".replace(".", ",")  # a decimal comma is read too
    assert widget.check().correct and "✓ Right." in widget.feedback.value


def test_the_neuron_selector_loads_its_neurons_numbers_into_the_three_sliders():
    app = WorkedExampleApp()
    assert set(app.controls) == {"neuron", "x", "gamma", "beta"}
    app.set_neuron(3)
    assert (app.controls["x"].value, app.controls["gamma"].value, app.controls["beta"].value) == (12, 1, -1)
    assert app.input_bars[2].get_linewidth() == 3 and app.input_bars[0].get_linewidth() == 0
    app.set_neuron(3, gamma=-2.0)
    app.set_neuron(1)
    assert app.controls["gamma"].value == 2 and app.neurons().gamma[2] == -2  # neuron 3 keeps its edit
