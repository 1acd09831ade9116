"""The articles' code reproduced (notebook 01): article 001's check and Tanh model, article 000's snippet."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lnlib import functional
from lnlib.nb01_formulas_step_by_step import articles
from lnlib.nb01_formulas_step_by_step.formulas import ARTICLE_EPS, ARTICLE_INPUT

# ---------------------------------------------------------------------------
# Article 001's check
# ---------------------------------------------------------------------------


def test_article001_check_reproduces_both_outputs():
    check = articles.article001_check()
    x = torch.tensor(ARTICLE_INPUT)
    expected_torch = torch.nn.functional.layer_norm(x, (5,), eps=ARTICLE_EPS).numpy()
    np.testing.assert_array_equal(check.torch_output, expected_torch)
    np.testing.assert_allclose(check.hand_output, (np.array(ARTICLE_INPUT) - 2) / math.sqrt(2), rtol=1e-6)


def test_the_gap_is_what_eps_predicts_and_invisible_in_four_decimals():
    check = articles.article001_check()
    predicted = articles.predicted_gap(ARTICLE_INPUT, ARTICLE_EPS)
    assert predicted == pytest.approx(math.sqrt(2) * ARTICLE_EPS / 4, rel=1e-4)  # ≈ 0.354 ε = 1.77e-5
    assert check.gap == pytest.approx(predicted, abs=2.4e-7)  # float32: within 2 ulps
    assert check.printed_alike  # what the article saw
    assert articles.printed(check.torch_output) == "[-1.4142, -0.7071, 0.0000, 0.7071, 1.4142]"
    assert not articles.article001_check(eps=1.0).printed_alike  # a large ε shows


def test_predicted_gap_matches_float64_over_eleven_decades():
    for eps in articles.GAP_EPS_GRID:
        assert articles.lnlib_gap(ARTICLE_INPUT, eps) == pytest.approx(
            articles.predicted_gap(ARTICLE_INPUT, eps), rel=1e-4
        )


def test_float32_cannot_see_the_gap_below_1e_7():
    curve = articles.gap_curve()
    assert set(curve) == {"eps", "torch float32", "lnlib float64", "predicted"}
    small = curve["eps"] <= 1e-7
    assert small.any() and np.all(curve["torch float32"][small] == 0)  # the points that vanish
    visible = curve["eps"] >= 1e-5
    np.testing.assert_allclose(
        curve["torch float32"][visible], curve["predicted"][visible], rtol=0.02, atol=2.4e-7
    )


def test_predicted_gap_refuses_a_constant_input():
    with pytest.raises(ValueError, match="all equal"):
        articles.predicted_gap([1.0, 1.0, 1.0], 1e-5)


def test_article001_report_prints_what_the_article_printed_and_the_gap():
    report = articles.article001_report()
    assert report.count("[-1.4142, -0.7071, 0.0000, 0.7071, 1.4142]") == 2
    assert "printed alike (4 decimals):    True" in report
    assert f"{articles.article001_check().gap:.3e}" in report


def test_eps_gap_app_table_and_notes_follow_the_slider():
    app = articles.EpsGapApp()
    assert "that is why the article saw no difference" in app.note.value
    app.controls["eps"].value = 1.0
    check = articles.article001_check(1.0)
    assert (
        f"{check.torch_output[0]:.7f}" in app.table.value and f"{check.hand_output[0]:.7f}" in app.table.value
    )
    np.testing.assert_array_equal(app.torch_points.get_ydata(), check.torch_output)
    assert "even the printed digits differ" in app.note.value and "shrinks every output" in app.note.value
    app.controls["eps"].value = 1e-10
    assert "below what float32 can resolve" in app.note.value
    assert app.eps_line.get_xdata()[0] == pytest.approx(1e-10)


# ---------------------------------------------------------------------------
# Article 000's snippet
# ---------------------------------------------------------------------------


def test_article000_snippet_is_layer_norm_with_random_affine():
    features = articles.example_features()
    normalized, gamma, beta, output = articles.article000_snippet(features, 1e-5, np.random.default_rng(3))
    np.testing.assert_allclose(
        normalized, functional.layer_norm(features, 8, eps=1e-5), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(output, functional.layer_norm(features, 8, gamma, beta, eps=1e-5), atol=1e-12)
    again = articles.article000_snippet(features, 1e-5, np.random.default_rng(3))
    np.testing.assert_array_equal(again[1], gamma)  # seeded: the same draw


def test_article000_agrees_with_lnlib_and_torch():
    for gap in articles.article000_agreement(seed=5).values():
        assert gap < 1e-12  # the same formula, float64
    assert "should be below 1e-12" in articles.article000_report()


def test_numpy_and_torch_default_variances_differ():
    variances = articles.default_variances()
    assert variances["np.var(x)"] == 2.0 == variances["biased, Σ(x − μ)²/n"]
    assert variances["torch.var(x)"] == 2.5  # n − 1 by default
    assert torch.tensor(ARTICLE_INPUT).std().item() ** 2 == pytest.approx(2.5)  # x.std() too
    assert torch.nn.LayerNorm(5).eps == 1e-5  # "torch's default is 1e-5"


def test_torch_starts_layer_norm_at_gamma_one_beta_zero():
    gamma, beta = articles.torch_initial_affine(5)
    np.testing.assert_array_equal(gamma, 1)
    np.testing.assert_array_equal(beta, 0)


def test_torch_start_gives_every_example_mean_0_and_std_1():
    gamma, beta, output = articles.affine_outputs("torch", seed=4)
    np.testing.assert_allclose(output.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(output.std(axis=1), 1, atol=1e-4)  # 1 up to ε
    _, _, random_output = articles.affine_outputs("article", seed=4)
    assert np.ptp(random_output.mean(axis=1)) > 0.1  # random β moves the means
    with pytest.raises(ValueError, match="init must be"):
        articles.affine_outputs("keras", seed=0)


def test_example_features_are_seeded_and_vary_per_example():
    features = articles.example_features()
    np.testing.assert_array_equal(features, articles.example_features())
    assert features.shape == (64, 8) and np.ptp(features.mean(axis=1)) > 1


def test_random_affine_app_names_the_weakest_and_flipped_features():
    app = articles.RandomAffineApp()
    gamma, _, _ = articles.affine_outputs("article", 0)
    weakest = int(np.argmin(np.abs(gamma)))
    assert f"feature {weakest + 1} has γ = {gamma[weakest]:.4f}" in app.note.value
    assert f"{int(np.sum(gamma < 0))} of 8 features have γ < 0" in app.note.value
    app.controls["init"].value = "torch"
    assert "Torch starts every LayerNorm at γ = 1, β = 0" in app.note.value and set(app.controls) == {"init"}
    _, _, output = articles.affine_outputs("torch", 0)
    np.testing.assert_allclose(app.points.get_offsets()[:, 1], output.ravel())


# ---------------------------------------------------------------------------
# Article 001's Linear -> LayerNorm -> Tanh
# ---------------------------------------------------------------------------


def test_model_is_seeded_and_leaves_the_global_random_state_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    first = articles.article001_model(seed=2)
    assert torch.equal(torch.rand(1), expected_next)
    second = articles.article001_model(seed=2)
    assert torch.equal(first[0].weight, second[0].weight)
    assert [type(m).__name__ for m in first] == ["Linear", "LayerNorm", "Tanh"] and first[1].eps == 0.00005


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 50), st.floats(1e-2, 1e4))
def test_layer_norm_keeps_the_tanh_input_within_sqrt_n_minus_1(seed, scale):
    without, with_ln = articles.tanh_inputs(
        articles.article001_model(seed), scale * np.array(articles.MODEL_INPUT)
    )
    assert np.all(np.abs(with_ln) <= 2 + 1e-5)
    np.testing.assert_allclose(
        without,
        articles.article001_model(seed)[0](
            torch.tensor(scale * np.array(articles.MODEL_INPUT), dtype=torch.float32)
        )
        .detach()
        .numpy(),
    )


def test_tanh_slope_is_the_derivative_of_tanh():
    a = torch.linspace(-4, 4, 17, dtype=torch.float64, requires_grad=True)
    torch.tanh(a).sum().backward()
    np.testing.assert_allclose(articles.tanh_slope(a.detach().numpy()), a.grad.numpy(), rtol=1e-12)


def test_usage_report_runs_the_whole_model():
    model = articles.article001_model(0)
    with torch.no_grad():
        y = model(torch.tensor(articles.MODEL_INPUT)).numpy()
    assert articles.printed(y) in articles.article001_usage_report(0)


def test_tanh_app_explains_saturation_and_stretching():
    app = articles.TanhRangeApp()
    assert "stretched" in app.note.value  # scale 1: LN stretches
    app.controls["scale"].value = 1000.0
    assert "saturation" in app.note.value and "stops changing" in app.note.value
    _, with_ln = articles.tanh_inputs(articles.article001_model(0), 1000 * np.array(articles.MODEL_INPUT))
    np.testing.assert_allclose(app.with_points.get_offsets()[:, 0], with_ln)
    slopes = [bar.get_height() for bar in app.with_bars]
    np.testing.assert_allclose(slopes, articles.tanh_slope(with_ln))
    assert min(slopes) >= 1 - math.tanh(2) ** 2 - 1e-6  # never below tanh'(2)
