"""Notebook 05 in Chinese: its apps, tables, checkers and figures speak Chinese, with the English numbers."""

import io
import re
import warnings

import numpy as np
import pytest

from lnlib.nb05_backward_by_hand import apps, graph, walkthrough
from lnlib.nb05_backward_by_hand import backward_exercise as ex
from lnlib.support import language
from lnlib.ui.controls import control_values

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def speaks_chinese(text: str) -> bool:
    return bool(CHINESE.search(text))


def numbers(text: str) -> list:
    """The numbers of a text, in order (what must not change with the language)."""
    return re.findall(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", text)


@pytest.mark.parametrize(
    "app_class", [apps.LayerNormGradientApp, apps.BatchCouplingApp, ex.BackwardExerciseApp]
)
def test_every_app_runs_in_chinese_over_every_control_value(chinese, app_class):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Glyph .* missing from font", UserWarning)
        app = app_class()
        title = app.widget.children[0].value
        assert speaks_chinese(title.split("</style>")[-1]), title
        for name, control in app.controls.items():
            assert speaks_chinese(control.description) or name == "eps", name  # "ε (eps)": torch's name
            for value in control_values(control):
                control.value = value
                assert app.status in ("ok", "explained"), (name, value, app.error)
                assert speaks_chinese(app.note.value), (name, value, app.note.value)
            control.value = app.defaults[name]


def test_the_gradient_app_explains_its_cases_in_chinese(chinese):
    app = apps.LayerNormGradientApp()
    assert "舍入" in app.note.value and "≫ ε" in app.note.value
    app.controls["scale"].value = 1e-4
    assert "ε 开始主导" in app.note.value
    app.controls["input_kind"].value = "constant"
    assert app.status == "ok" and "σ² = 0" in app.note.value and "所有特征都相等" in app.note.value
    labels = [app.left.get_xlabel(), app.left.get_title(), app.right.get_title(), app.right.get_ylabel()]
    assert all(speaks_chinese(label) for label in labels), labels


def test_the_coupling_app_explains_a_batch_of_one_in_chinese(chinese):
    app = apps.BatchCouplingApp()
    app.controls["batch"].value = 1
    assert app.status == "explained" and "一个样本" in app.note.value
    app.controls["kind"].value = "layer"
    assert app.status == "ok" and "恰好是 0" in app.note.value
    app.controls["kind"].value = "batch"
    app.controls["batch"].value = 32
    assert "其余 31 个样本" in app.note.value
    assert [label for label, _value in app.controls["kind"].options] == ["批归一化", "层归一化"]


def test_figures_are_drawn_in_chinese_without_a_missing_glyph(chinese):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Glyph .* missing from font", UserWarning)
        figure = graph.graph_figure()
        figure.savefig(io.BytesIO(), format="png")
    (axes,) = figure.axes
    assert axes.get_title() == "层归一化与批归一化的计算图"
    assert any("反向传播" in text.get_text() for text in axes.texts)


def walkthrough_texts(walk) -> list:
    """Every table of the walk-through, in the language in use: nodes, compare, differences, the six steps,
    the compact formula for both norms and the forgotten γ."""
    texts = [str(walk.nodes()), str(walk.compare()), str(walk.finite_differences())]
    texts += [str(walk.step(step.name)) for step in graph.STEPS]
    texts += [str(walkthrough.compact_formula_agrees(kind)) for kind in ("layer", "batch")]
    return texts + [str(walkthrough.forgotten_gamma_goes_unnoticed())]


def test_the_walkthrough_tables_are_chinese_and_carry_the_english_numbers(chinese):
    walk = walkthrough.Walkthrough()
    chinese_texts = walkthrough_texts(walk)
    language.use("en")
    english_texts = walkthrough_texts(walk)
    for zh, en in zip(chinese_texts, english_texts):
        assert speaks_chinese(zh.splitlines()[0]) and zh != en
        assert numbers(zh) == numbers(en), zh
    assert "**步骤：方差。**" in chinese_texts[3 + 3] and r"\text{(留作练习)}" in chinese_texts[3 + 3]
    # the "close" column of every step still reads ✓ (the English test's check, in Chinese)
    for text in chinese_texts[3:9]:
        rows = [line.split("|") for line in text.splitlines() if line.startswith("| ∂L/∂")]
        assert rows and all(cells[3].strip() == "✓" for cells in rows), text


@pytest.mark.parametrize(
    "answer, expected",
    [
        (lambda g, v, d: g + v * 2 * d / d.shape[1], "✅ 正确"),
        (lambda g, v, d: None, "返回 None"),
        (lambda g, v, d: g, "少了经过 σ² 的那条路径"),
        (lambda g, v, d: g + v * d / d.shape[1], "漏了因子 2"),
        (lambda g, v, d: g + v * 2 * d / (d.shape[1] - 1), "n − 1"),
        (lambda g, v, d: (g + v).sum(axis=1), "沿某个轴求了和"),
        (lambda g, v, d: 1 / 0, "ZeroDivisionError"),
        ("not a function", "请传入函数本身"),
    ],
)
def test_the_variance_step_check_speaks_chinese(chinese, answer, expected):
    text = str(walkthrough.check_variance_step(answer))
    assert expected in text and speaks_chinese(text), text


@pytest.mark.parametrize("question", ex.QUESTIONS, ids=[q.node for q in ex.QUESTIONS])
def test_the_backward_exercise_names_each_slip_in_chinese(chinese, question):
    right, sentence = ex.check_answer(question.node, ", ".join(f"{v:.3f}" for v in ex.answer(question.node)))
    assert right and sentence.startswith("✅ 正确")
    for value, message in ex.slips(question.node):
        assert speaks_chinese(message)
        right, sentence = ex.check_answer(question.node, ", ".join(repr(float(v)) for v in value))
        assert not right and message in sentence, (question.node, message, sentence)
    right, sentence = ex.check_answer(question.node, "123456")
    assert not right and speaks_chinese(sentence)
    with pytest.raises(ex.ui.Explained, match="不是数"):
        ex.parse("abc")


def test_the_backward_exercise_app_checks_in_chinese(chinese):
    app = ex.BackwardExerciseApp()
    assert app.check_button.description == "检查" and speaks_chinese(app.answer_box.placeholder)
    assert "规则：" in app.question.value and "已完成 0/8" in app.progress.value
    assert speaks_chinese(app.given.value)
    app.controls["node"].value = "x_hat"
    app.answer_box.value = ", ".join(str(v) for v in ex.answer("x_hat"))
    app.check()
    assert "✅ 正确" in app.feedback.value and "已完成 1/8" in app.progress.value
    assert np.allclose(ex.answer("x_hat"), [2, 2, 0.25, 3, 2])  # the numbers are the English edition's
