"""Notebook 03's exercise: one update of BN's running statistics, checked against torch, with its slips."""

import pytest
import torch

from lnlib.nb03_bn_vs_ln_axes import exercise


def test_the_answer_is_torchs():
    layer = torch.nn.BatchNorm1d(1, momentum=exercise.MOMENTUM)
    with torch.no_grad():
        layer(torch.tensor(exercise.BATCH)[:, None])
    mean, var = exercise.answer()
    assert mean == pytest.approx(layer.running_mean.item(), abs=1e-6) == pytest.approx(0.5)
    assert var == pytest.approx(layer.running_var.item(), abs=1e-6) == pytest.approx(0.9 + 0.1 * 20 / 3)


def test_right_answers_and_each_slip():
    mean, var = exercise.answer()
    assert exercise.check(round(mean, 3), round(var, 3)).correct
    slips = {
        (4.5, var): "d2l-zh's and cs231n's naming",
        (5.0, var): "That is the batch's mean itself",
        (mean, 1.4): "unbiased variance",
        (mean, 0.1 + 0.9 * 20 / 3): "weight of the new batch",
        (mean, 2 / 3): "starts at 1, not at 0",
        (mean, 20 / 3): "That is the batch's unbiased variance itself",
        (mean, 0.1 + 0.9 * 5): "Both slips at once",
    }
    for (m, v), hint in slips.items():
        verdict = exercise.check(m, v)
        assert not verdict.correct and hint in str(verdict), hint
    assert "not answered yet" in str(exercise.check(None, var))
    assert "running_mean ← (1 − m)·0 + m·μ_B" in str(exercise.check(1.234, var))


def test_the_widget_and_its_solution():
    widget = exercise.exercise_widget()
    widget.inputs["running_mean"].value = "4.5"
    widget.inputs["running_var"].value = "1.5667"
    assert "d2l-zh's and cs231n's naming" in str(widget.check())
    widget.show_solution()
    assert "running_mean = (1 − 0.1)·0 + 0.1·5 = 0.5000" in widget.solution_view.value


def test_no_cell_of_notebook_03_shows_the_answer(read_notebook):
    mean, var = exercise.answer()
    sources = "\n".join(cell.source for cell in read_notebook(3).cells)
    assert "exercise.exercise_widget()" in sources
    assert f"{var:.3f}" not in sources and f"{var:.4f}" not in sources and "1.567" not in sources
