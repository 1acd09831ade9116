"""Notebook 04 in Chinese: its apps, verdicts, figures and tables speak Chinese, and no figure lacks a glyph."""

import re

import matplotlib.pyplot as plt
import pytest

from lnlib.nb04_transformer_stability import (
    apps,
    diagrams,
    figures,
    learning_rates,
    live_training,
    outcomes,
    verdicts,
    warmup,
)
from lnlib.support import language
from lnlib.support.verdict_rule import WORDS
from lnlib.transformer.training import TrainConfig, TrainResult
from lnlib.ui import controls

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def chinese():
    language.use("zh")
    yield
    language.use(None)
    plt.close("all")


def _texts(figure) -> list:
    """Every piece of text a figure shows: titles, axis labels, legends, annotations."""
    figure.canvas.draw()  # a glyph missing from the fonts warns here, and the warning is an error in the tests
    texts = [figure._suptitle.get_text()] if figure._suptitle else []
    for axis in figure.axes:
        texts += [axis.get_title(), axis.get_xlabel(), axis.get_ylabel()]
        texts += [t.get_text() for t in axis.texts]
        if axis.get_legend():
            texts += [t.get_text() for t in axis.get_legend().get_texts()]
    return [t for t in texts if t]


def _sweep(app) -> None:
    """Every value of every control, one control at a time: each note is Chinese and no error."""
    for name, control in app.controls.items():
        values = (
            [value for _label, value in control.options]
            if hasattr(control, "options") and control.options and isinstance(control.options[0], tuple)
            else list(getattr(control, "options", None) or controls.control_values(control, 3))
        )
        for value in values:
            control.value = value
            assert app.status == "ok", (name, value, app.note.value)
            assert CHINESE.search(app.note.value), (name, value, app.note.value)
        app.reset()


@pytest.mark.parametrize(
    "make",
    [
        apps.TransformerInitGradientApp,
        apps.TransformerWarmupApp,
        apps.TransformerLearningRateApp,
        apps.TransformerBatchNormApp,
        live_training.TransformerLiveTrainingApp,
    ],
    ids=lambda make: make.__name__,
)
def test_every_app_answers_every_control_in_chinese(chinese, transformer_results, make):
    app = make(transformer_results)
    _sweep(app)
    texts = _texts(app.figure)
    assert any(CHINESE.search(t) for t in texts), texts
    labels = [c.description for c in app.controls.values()]
    assert any(CHINESE.search(label) for label in labels), labels


def test_the_padding_choice_shows_chinese_names_but_keeps_its_english_values(chinese, transformer_results):
    app = apps.TransformerBatchNormApp(transformer_results)
    padding = app.controls["padding"]
    assert [value for _label, value in padding.options] == [name for name, _ in outcomes.PADDING_CHOICES]
    assert all(CHINESE.search(label) for label, _value in padding.options)
    padding.value = outcomes.PADDING_CHOICES[2][0]
    assert app.status == "ok" and "填充计入 BN" in app.figure.axes[0].get_title()


def test_every_verdict_reads_chinese_and_keeps_its_outcome_key(chinese, transformer_results):
    for verdict in verdicts.all_verdicts(transformer_results):
        assert verdict.outcome in WORDS
        assert CHINESE.search(verdict.claim), verdict.claim
        assert CHINESE.search(verdict.evidence), verdict.evidence
        assert "; " not in verdict.evidence, verdict.evidence  # Chinese clauses are joined by '；'
    table = verdicts.verdict_table(transformer_results)._repr_html_()
    assert "说法" in table and "复现" in table and "at toy scale" not in table


def test_the_warmup_cause_verdict_says_in_chinese_that_the_toy_shows_the_effect_not_the_cause(
    chinese, transformer_results
):
    verdict = warmup.verdict_warmup_cause(transformer_results)
    if verdict.outcome == "not shown":
        assert "玩具模型显示了现象，但没有显示这个原因" in verdict.evidence


def test_every_figure_and_table_of_the_notebook_is_chinese(chinese, transformer_results):
    for draw in (
        figures.figure_gradient_vs_depth,
        figures.figure_gradient_per_layer,
        figures.figure_residual_growth,
        figures.figure_warmup,
        figures.figure_learning_rate_range,
        figures.figure_batch_statistics,
        figures.figure_batch_norm_gap,
        learning_rates.figure_budget,
    ):
        texts = _texts(draw(transformer_results))
        assert any(CHINESE.search(t) for t in texts), (draw.__name__, texts)
    assert CHINESE.search(" ".join(_texts(diagrams.block_diagram())))
    for table in (
        outcomes.task_table(),
        figures.mismatch_table(transformer_results),
        figures.batch_dependence_table(transformer_results),
    ):
        assert CHINESE.search(table._repr_html_())


def test_the_exercise_answers_in_chinese(chinese, transformer_results):
    rates, _losses, outcome_grid = outcomes.learning_rate_table(transformer_results)[("none", "pre")]
    _low, high, _count = outcomes.learning_rate_range(outcome_grid, rates)
    assert "正确" in figures.check_largest_learning_rate(high, transformer_results).text
    assert "太大" in figures.check_largest_learning_rate(10 * high, transformer_results).text
    assert "太小" in figures.check_largest_learning_rate(high / 10, transformer_results).text
    assert "请输入一个数" in figures.check_largest_learning_rate("a lot", transformer_results).text


def test_the_live_notes_and_the_model_names_are_chinese(chinese, transformer_results):
    app = live_training.TransformerLiveTrainingApp(transformer_results)
    config = TrainConfig(norm="layer", placement="post", n_layers=12, lr=0.1)
    diverged = TrainResult(config, losses=[4.0, 9.0], diverged=True, diverged_step=2, wall_time=0.5)
    assert "在第 2 步发散" in app._live_note(config, diverged)
    stopped = TrainResult(config, losses=[4.0, 3.0], wall_time=20.5)
    assert "时间上限" in app._live_note(config, stopped)
    assert app.button.description == "现场训练（种子 0）"
    assert TrainConfig(norm="layer", placement="post", n_layers=12).label == "Post-LN，12 块"
    assert TrainConfig(norm="none", n_layers=1).label == "不用归一化，1 块"


def test_english_is_back_after_chinese(chinese):
    assert TrainConfig(norm="none", n_layers=1).label == "不用归一化，1 块"
    language.use(None)
    assert TrainConfig(norm="none", n_layers=1).label == "no norm, 1 block"
