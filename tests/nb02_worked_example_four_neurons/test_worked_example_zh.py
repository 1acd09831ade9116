"""Notebook 02 in Chinese: its apps run, and what they show (labels, tables, notes, checker messages,
figure text) comes out Chinese, with no figure missing a glyph."""

import re
import warnings

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from lnlib.nb02_worked_example_four_neurons import batch_by_hand as bh
from lnlib.nb02_worked_example_four_neurons import exercise, questions
from lnlib.nb02_worked_example_four_neurons import worked_example as we
from lnlib.nb02_worked_example_four_neurons.app import WorkedExampleApp
from lnlib.support import language

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# what may stay Latin in Chinese text: code names (lnlib.functional.layer_norm), dtypes, LN/BN, HTML
_ALLOWED = re.compile(r"<[^>]*>|\b[\w]+(?:\.[\w]+)+\b|\bfloat\d+\b|\b(?:LN|BN|torch|lnlib|NaN)\b")


def english_words(text: str) -> list:
    """Latin words of three letters or more left in ``text`` once code names, dtypes and tags are set aside."""
    return re.findall(r"[A-Za-z]{3,}", _ALLOWED.sub(" ", text))


def assert_chinese(text: str) -> None:
    assert CHINESE.search(text), text
    assert not english_words(text), (english_words(text), text)


@pytest.fixture(autouse=True)
def chinese():
    language.use("zh")
    yield
    language.use(None)


def test_the_data_files_source_sentence_is_translated():
    """The catalogue holds the translation of data/worked_example.json's sentence: fails if the file's changes."""
    assert_chinese(we.load_data()["source"])


def test_the_blackboard_and_the_comparison_are_chinese():
    board = we.blackboard(we.example())
    header, rows = we.blackboard_rows(board)
    assert header[:3] == ["步骤", "公式", "神经元 1"]
    for row in rows:
        assert_chinese(row[0])
    assert "四个神经元的层归一化" in we.blackboard_table(board)
    assert_chinese(we.comparison_table(board))
    for line in we.agreement_lines(board):
        assert_chinese(line)
        assert line.endswith("符合预期")
    header, rows = bh.blackboard_rows(bh.BATCH)
    assert header[1] == "特征 1" and rows[0][0] == "样本 1"
    for row in rows:
        assert_chinese(row[0])
    for line in bh.agreement_lines(bh.BATCH):
        assert_chinese(line)
    assert_chinese(bh.statistics_note(bh.BATCH, 2))


def _drawn_without_missing_glyphs(figure) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "Glyph … missing from font(s)" is a UserWarning
        FigureCanvasAgg(figure).draw()
    texts = [ax.title.get_text() for ax in figure.axes] + [
        label.get_text() for ax in figure.axes for label in ax.get_xticklabels() + ax.get_yticklabels()
    ]
    assert any(CHINESE.search(text) for text in texts)


def test_the_worked_example_app_runs_in_chinese_through_its_extreme_cases():
    app = WorkedExampleApp()
    assert app.status == "ok"
    for control in app.controls.values():
        assert_chinese(control.description)  # "symbol（meaning）": the meaning in Chinese
    assert_chinese(app.note.value)
    assert_chinese(app.board_view.value)
    assert_chinese(app.comparison_view.value)
    _drawn_without_missing_glyphs(app.figure.figure)
    for neuron in range(1, 5):  # four equal values: σ² = 0, explained
        app.set_neuron(neuron, x=3)
    assert app.status == "ok" and "四个值全都相等" in app.note.value
    app.set_neuron(2, x=-20, gamma=-3, beta=3)  # a slider end and a negative γ
    assert app.status == "ok" and "lnlib 和 torch 与手算结果一致" in app.note.value


def test_the_batch_app_runs_in_chinese_through_its_extreme_cases():
    app = bh.BatchBesideLayerApp()
    assert app.status == "ok"
    for control in app.controls.values():
        assert_chinese(control.description)  # "symbol（meaning）": the meaning in Chinese
    _drawn_without_missing_glyphs(app.figure.figure)
    for j in range(1, 5):  # one example's features equal: its LN row is 0
        app.controls[f"x{j}"].value = 2
    assert app.status == "ok" and "样本 1 的四个值全都相等" in app.note.value
    assert_chinese(app.note.value)
    for example in range(1, 5):  # feature 1 equal in every example: BN's column is 0
        app.controls["example"].value = example
        app.controls["x1"].value = 5
    assert app.status == "ok" and "特征 [1] 在每个样本中取值相同" in app.note.value
    assert_chinese(app.board_view.value)
    _drawn_without_missing_glyphs(bh.d2l_figure())


def test_the_exercise_speaks_chinese_right_or_wrong():
    assert_chinese(exercise.exercise_html())
    assert_chinese(exercise.solution_html())
    neurons, neuron = we.exercise()
    board = we.blackboard(neurons)
    x_hat, y = float(board.x_hat[neuron - 1]), float(board.y[neuron - 1])
    for answers in [(None, None), (x_hat, y), (-x_hat, y), (x_hat, x_hat), (0.1, 0.2)]:
        for message in exercise.check_exercise(*answers).messages:
            assert_chinese(message)
    assert "检查一下符号" in " ".join(exercise.check_exercise(-x_hat, y).messages)
    widget = exercise.exercise_widget()
    for box in widget.inputs.values():
        assert_chinese(box.description)


def test_the_prediction_speaks_chinese():
    prediction = questions.predict_batch_beside_layer()
    question = re.search(r"<p[^>]*>.*</p>", prediction.widget.children[0].value).group(0)
    assert_chinese(question)
    for label, _value in prediction.choice.options:
        assert_chinese(label)
    for value in ("row", "column", "entry", "all"):
        prediction.choice.value = value
        for message in prediction.check().messages:
            assert_chinese(message)
