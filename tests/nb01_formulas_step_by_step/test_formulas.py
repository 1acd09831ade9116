"""Layer norm one step at a time (notebook 01): every intermediate number, and the app that shows them."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lnlib import functional
from lnlib.nb01_formulas_step_by_step import formulas

vectors = arrays(np.float64, st.integers(2, 12), elements=st.floats(-100, 100, allow_nan=False))


def test_article_input_step_by_step():
    steps = formulas.layer_norm_steps(formulas.ARTICLE_INPUT, eps=formulas.ARTICLE_EPS)
    assert steps.mean == 2.0  # (0+1+2+3+4)/5
    np.testing.assert_array_equal(steps.deviations, [-2, -1, 0, 1, 2])
    np.testing.assert_array_equal(steps.squared_deviations, [4, 1, 0, 1, 4])
    assert steps.variance == 2.0  # 10/5: divided by n
    assert steps.denominator == pytest.approx(math.sqrt(2.00005), rel=1e-15)
    np.testing.assert_allclose(steps.x_hat, np.array([-2, -1, 0, 1, 2]) / math.sqrt(2.00005), rtol=1e-15)
    # the mean square of x̂ is σ²/(σ² + ε), as the notebook says
    assert steps.mean_square_of_x_hat == pytest.approx(2 / 2.00005, rel=1e-14)


@settings(max_examples=60, deadline=None)
@given(vectors, st.floats(-3, 3), st.floats(-3, 3), st.floats(1e-8, 1.0))
def test_steps_agree_with_lnlib_and_torch(x, gamma, beta, eps):
    steps = formulas.layer_norm_steps(x, gamma, beta, eps)
    ours = functional.layer_norm(x, x.size, np.full(x.size, gamma), np.full(x.size, beta), eps=eps)
    np.testing.assert_allclose(steps.y, ours, rtol=1e-9, atol=1e-9)  # float64: agree to rounding
    np.testing.assert_allclose(steps.y, formulas.torch_layer_norm(x, gamma, beta, eps), rtol=1e-9, atol=1e-9)


def test_per_feature_gamma_and_beta():
    x, gamma, beta = np.array([1.0, 2.0, 4.0]), np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, -1.0])
    steps = formulas.layer_norm_steps(x, gamma, beta, eps=1e-5)
    np.testing.assert_allclose(steps.y, gamma * steps.x_hat + beta)
    np.testing.assert_allclose(steps.y, functional.layer_norm(x, 3, gamma, beta, eps=1e-5), rtol=1e-12)


def test_unbiased_variance_leaves_mean_square_at_n_minus_1_over_n():
    steps = formulas.layer_norm_steps(formulas.ARTICLE_INPUT, eps=0.0, ddof=1)
    assert steps.variance == 2.5  # 10/4
    assert steps.mean_square_of_x_hat == pytest.approx(0.8, rel=1e-14)  # (n − 1)/n


def test_constant_input_with_and_without_eps():
    with_eps = formulas.layer_norm_steps([3.0] * 5, gamma=2.0, beta=0.5, eps=1e-5)
    assert with_eps.is_constant and with_eps.variance == 0
    np.testing.assert_array_equal(with_eps.x_hat, 0)  # 0/√ε
    np.testing.assert_array_equal(with_eps.y, 0.5)  # β
    without = formulas.layer_norm_steps([3.0] * 5, eps=0.0)
    assert np.all(np.isnan(without.x_hat))  # 0/0, as torch gives NaN


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"x": []}, "non-empty vector"),
        ({"x": [[1.0, 2.0]]}, "non-empty vector"),
        ({"x": [1.0, 2.0], "ddof": 2}, "ddof"),
        ({"x": [1.0], "ddof": 1}, "ddof"),
        ({"x": [1.0, 2.0], "eps": -1.0}, "eps must be non-negative"),
        ({"x": [1.0, 2.0], "gamma": [1.0, 2.0, 3.0]}, "gamma must be one number or 2 numbers"),
        ({"x": [1.0, 2.0], "beta": [[1.0, 2.0]]}, "beta must be one number or 2 numbers"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(arguments, message):
    with pytest.raises(ValueError, match=message):
        formulas.layer_norm_steps(**arguments)


@settings(max_examples=100, deadline=None)
@given(vectors)
def test_no_normalized_value_exceeds_the_samuelson_bound(x):
    steps = formulas.layer_norm_steps(x, eps=1e-12)
    assert np.all(np.abs(steps.x_hat) <= formulas.normalized_bound(x.size) + 1e-9)


def test_the_bound_is_reached_by_one_outlier():
    steps = formulas.layer_norm_steps([0.0, 0.0, 0.0, 0.0, 1.0], eps=0.0)
    assert steps.x_hat[-1] == pytest.approx(formulas.normalized_bound(5)) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        formulas.normalized_bound(0)


def test_torch_layer_norm_is_torch():
    x = np.array([0.5, -1.0, 3.0])
    expected = torch.nn.functional.layer_norm(torch.tensor(x), (3,), eps=1e-3).numpy()
    np.testing.assert_array_equal(formulas.torch_layer_norm(x, 1.0, 0.0, 1e-3), expected)


# ---------------------------------------------------------------------------
# The app, driven without a browser
# ---------------------------------------------------------------------------


def _set(app, **values):
    for name, value in values.items():
        app.controls[name].value = value


def test_app_starts_on_the_article_input_and_shows_every_step():
    app = formulas.FormulaStepsApp()
    assert app.status == "ok"
    table = app.table.value
    assert "μ = Σxᵢ/n = 2" in table and "σ² = Σ/(n) = 2" in table
    assert "√(σ² + ε) = 1.414231" in table  # √2.00005
    assert "torch.nn.LayerNorm agrees" in app.note.value


def test_moving_a_slider_recomputes_table_bars_and_note():
    app = formulas.FormulaStepsApp()
    _set(app, x5=5.0, gamma=-2.0, beta=1.5)
    steps = formulas.layer_norm_steps([0, 1, 2, 3, 5.0], -2.0, 1.5, formulas.ARTICLE_EPS)
    assert app.table.value == formulas._steps_table(steps)
    np.testing.assert_allclose([bar.get_height() for bar in app.bars[1]], steps.x_hat)
    np.testing.assert_allclose([bar.get_height() for bar in app.bars[2]], steps.y)
    assert app.mean_line.get_ydata()[0] == pytest.approx(steps.mean)
    assert app.band.get_height() == pytest.approx(2 * math.sqrt(steps.variance))


def test_unbiased_choice_says_torch_disagrees():
    app = formulas.FormulaStepsApp()
    _set(app, ddof=1)
    gap = np.max(
        np.abs(
            formulas.layer_norm_steps(formulas.ARTICLE_INPUT, eps=formulas.ARTICLE_EPS, ddof=1).y
            - formulas.torch_layer_norm(formulas.ARTICLE_INPUT, 1, 0, formulas.ARTICLE_EPS)
        )
    )
    assert "mean square 0.8" in app.note.value and "disagrees" in app.note.value
    assert f"{gap:.4f}" in app.note.value


def test_constant_input_with_eps_zero_is_explained_not_an_error():
    app = formulas.FormulaStepsApp()
    _set(app, x1=1.0, x2=1.0, x3=1.0, x4=1.0, x5=1.0)
    assert app.status == "ok" and "only ε keeps the division defined" in app.note.value
    _set(app, eps=0.0)
    assert app.status == "explained" and "0/0" in app.note.value
    assert "NaN" in app.table.value  # the table shows what torch would give
    _set(app, eps=formulas.ARTICLE_EPS)
    assert app.status == "ok"


def test_large_eps_is_pointed_out():
    app = formulas.FormulaStepsApp()
    _set(app, eps=10.0)
    assert "ε is not small next to σ²" in app.note.value
    assert f"{math.sqrt(2 / 12):.4f}" in app.note.value  # the shrink factor √(σ²/(σ² + ε))


def test_one_gamma_and_beta_undo_layer_norm_for_one_example_only():
    (x1, y1, gap1), (x2, y2, gap2) = formulas.undo_attempt()
    assert gap1 < 1e-12  # the example γ, β were chosen for comes back
    assert gap2 > 20  # the other does not: it gets the first one's mean and spread
    # the notebook's sentence: the second example's own mean 20 and standard deviation 8.94 are gone
    assert x2.mean() == 20 and f"{x2.std():.2f}" == "8.94"
    assert y2.mean() == pytest.approx(x1.mean()) and y2.std() == pytest.approx(x1.std(), rel=1e-4)
    # torch agrees with the shared γ, β
    steps = formulas.layer_norm_steps(x1, eps=formulas.ARTICLE_EPS)
    gamma, beta = np.full(5, steps.denominator), np.full(5, steps.mean)
    np.testing.assert_allclose(
        y2, formulas.torch_layer_norm(x2, gamma, beta, formulas.ARTICLE_EPS), atol=1e-12
    )
    report = formulas.undo_attempt_report()
    assert "largest |y − x| = 0" in report.splitlines()[1] and "26.4" in report


def test_undo_attempt_rejects_a_single_example_or_ragged_ones():
    with pytest.raises(ValueError, match="at least two examples"):
        formulas.undo_attempt([(1.0, 2.0)])
    with pytest.raises(ValueError, match="same number of features"):
        formulas.undo_attempt([(1.0, 2.0), (1.0, 2.0, 3.0)])
