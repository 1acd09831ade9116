"""Notebook 07 in Chinese: its apps, figures, verdicts, prediction and exercise speak Chinese, every glyph drawn."""

import io
import re

import matplotlib.pyplot as plt
import pytest

from lnlib.digits import experiments
from lnlib.digits.network import NORMS
from lnlib.nb07_real_data_digits import figures, live_training, pictures, questions, verdicts
from lnlib.support import language, verdict_rule
from lnlib.ui.controls import control_values

CHINESE = re.compile(r"[\u4e00-\u9fff]")
NAMES = {
    *("BatchNorm", "LayerNorm", "RMSNorm", "BN", "LN", "SGD", "NaN", "tanh", "MLP", "ImageNet", "Inception"),
    *("Ioffe", "Szegedy", "Santurkar", "Bjorck", "Luo", "Ba", "Karpathy", "makemore", "dropout", "ln"),
}
"""Latin words a Chinese sentence of notebook 07 may hold: names of norms, methods, models and authors."""


def english_words(text: str) -> list:
    """The Latin words of ``text`` (tags and their attributes left out) that are not names: untranslated text."""
    words = re.findall(r"[A-Za-z]{2,}", re.sub(r"<[^>]*>", " ", text))
    return [word for word in words if word not in NAMES]


def assert_chinese(text: str) -> None:
    assert CHINESE.search(text), f"no Chinese in {text!r}"
    assert english_words(text) == [], f"English left in {text!r}"


FORMULAS = ("log10 std(ΔW) / std(W)", "∂loss/∂t")
"""Formulas of the figures' labels, which stay as they are in both languages."""


def assert_labels_chinese(figure) -> None:
    """Some label of ``figure`` is Chinese and none holds an English word outside its formulas."""
    texts = figure_texts(figure)
    assert any(CHINESE.search(text) for text in texts), texts
    for text in texts:
        for formula in FORMULAS:
            text = text.replace(formula, " ")
        assert english_words(text) == [], text


def figure_texts(figure) -> list:
    """Every title, axis label and legend entry of ``figure`` that is not empty."""
    texts = []
    for axis in figure.axes:
        texts += [axis.get_title(), axis.get_xlabel(), axis.get_ylabel()]
        if axis.get_legend() is not None:
            texts += [t.get_text() for t in axis.get_legend().get_texts()]
    return [t for t in texts if t]


def draw(figure) -> None:
    """Render ``figure`` (a missing glyph warns, which pytest's settings turn into an error)."""
    figure.savefig(io.BytesIO(), format="png")


@pytest.fixture(scope="module")
def results():
    return experiments.load()


def sweep(app) -> None:
    """Every value of every control, one control at a time; each note Chinese, no error, the figure drawn."""
    for name, control in app.controls.items():
        for value in control_values(control):
            control.value = value
            assert app.status == "ok", app.note.value
            assert CHINESE.search(app.note.value), app.note.value
        control.value = app.defaults[name]
    draw(app.figure)


@pytest.mark.parametrize("make", [pictures.DigitsInitApp, pictures.DigitsTrainingApp])
def test_the_pictures_apps_speak_chinese_at_every_control_value(chinese, results, make):
    app = make() if make is pictures.DigitsInitApp else make(results)
    sweep(app)
    assert all(CHINESE.search(control.description) for control in app.controls.values())
    assert CHINESE.search({value: label for label, value in app.controls["norm"].options}["none"])
    assert_labels_chinese(app.figure)
    assert_chinese(re.sub(r"\d[\d.,\s/%:e+−-]*", " ", app.note.value))


def test_the_training_app_says_in_chinese_whether_a_cell_trains(chinese, results):
    app = pictures.DigitsTrainingApp(results)
    for norm in NORMS:
        app.controls["norm"].value = norm
        assert_chinese(app.note.value)


def test_the_live_app_trains_and_diverges_in_chinese(chinese, results):
    app = live_training.DigitsLiveTrainingApp(results)
    sweep(app)
    assert CHINESE.search(app.button.description)
    assert_chinese(app.note.value)
    assert_labels_chinese(app.figure)
    app.controls["scale"].value, app.controls["lr"].value = 10.0, 10.0  # fails fast: a short live run
    app.train_live()
    assert app.status == "ok" and CHINESE.search(app.note.value), app.note.value
    draw(app.figure)
    # no seed 0 of the grid diverges or outlasts the time limit: their notes, as the button would give them
    config = app.config()
    assert_chinese(app._live_note(config, {"diverged_at": 12, "stopped_at": None}, 0.5))
    assert_chinese(app._live_note(config, {"diverged_at": None, "stopped_at": 200}, 20.1))


def test_the_figures_are_labelled_in_chinese_and_drawn_without_a_missing_glyph(chinese, results):
    for figure in (figures.figure_grid(results), figures.figure_batch_noise(results)):
        assert_labels_chinese(figure)
        ticks = [t.get_text() for axis in figure.axes for t in axis.get_xticklabels()]
        assert all(english_words(tick) == [] for tick in ticks), ticks
        draw(figure)
        plt.close(figure)


def test_the_verdicts_their_table_and_the_ledgers_sentence_are_chinese(chinese, results):
    for verdict in verdicts.all_verdicts(results):
        assert_chinese(verdict.claim)
        assert_chinese(verdict.evidence)
        assert verdict.outcome in verdict_rule.WORDS  # the value code compares stays
    table = str(verdicts.verdict_table(results)).splitlines()
    assert_chinese(table[0])
    for row in table[2:]:
        claim, literature = row.strip("|").split("|")[:2]
        assert_chinese(claim)
        assert_chinese(literature)
    assert_chinese(verdicts.ranges_text(results))


def test_the_prediction_and_the_exercise_answer_in_chinese(chinese, results):
    prediction = questions.saturation_prediction()
    assert all(CHINESE.search(label) for label, _ in prediction.choice.options)
    for option in ("rises", "stays", "falls"):
        prediction.choice.value = option
        assert all(CHINESE.search(message) for message in prediction.check().messages)
    assert CHINESE.search(prediction.app.note.value)

    exercise = questions.largest_rate_exercise(results)
    answers = questions.largest_rates(results)
    assert all(CHINESE.search(box.description) for box in exercise.inputs.values())
    attempts = [
        ("", ""),
        (f"{answers['none']:g}", f"{answers['batch']:g}"),
        (f"{answers['batch']:g}", f"{answers['none']:g}"),
        ("0.5", "10"),
        ("0.01", "0.01"),
    ]
    for none, batch in attempts:
        exercise.inputs["none"].value, exercise.inputs["batch"].value = none, batch
        for message in exercise.check().messages:
            assert_chinese(message)
    exercise.show_solution()
    assert_chinese(re.sub(r"η = [\d.]+: [\d.]+", " ", exercise.solution_view.value))


def test_english_is_back_after_chinese(results):
    language.use("zh")
    language.use(None)
    assert verdicts.verdict_larger_learning_rates(results).claim.startswith("BatchNorm lets")
