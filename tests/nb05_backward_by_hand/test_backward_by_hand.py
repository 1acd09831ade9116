"""The hand-written backward pass of notebook 05: every node against autograd and finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnlib import functional
from lnlib.nb05_backward_by_hand import apps, graph, walkthrough

KINDS = ["layer", "batch"]


@pytest.mark.parametrize("kind", KINDS)
@given(
    seed=st.integers(0, 10_000),
    batch=st.integers(2, 6),
    features=st.integers(2, 7),
    eps=st.sampled_from([1e-5, 1e-2, 0.5]),
)
@settings(max_examples=25, deadline=None)
def test_every_hand_gradient_matches_autograd(kind, seed, batch, features, eps):
    walk = walkthrough.Walkthrough(kind, batch, features, eps, seed)
    for comparison in walk.comparisons():
        assert comparison.close, comparison
        # the same graph in float64: agreement to rounding, far below the stated bound
        assert comparison.max_difference < graph.AUTOGRAD_BOUND * max(
            1, np.abs(walk.autograd[comparison.name]).max()
        )


@pytest.mark.parametrize("kind", KINDS)
def test_hand_gradients_pass_finite_differences_below_the_stated_bound(kind):
    walk = walkthrough.Walkthrough(kind, seed=3)
    numeric = graph.numerical_gradients(
        *(walk.inputs[k] for k in ("x", "gamma", "beta", "grad_y")), kind=kind
    )
    for name, value in numeric.items():
        assert graph.relative_error(walk.hand[name], value) < graph.FINITE_DIFFERENCE_BOUND, name
    assert "✗" not in str(walk.finite_differences())


@pytest.mark.parametrize("kind", KINDS)
def test_forward_graph_is_the_library_norm_and_step_by_step_equals_the_compact_formula(kind):
    walk = walkthrough.Walkthrough(kind, batch=5, features=4, seed=7)
    x, gamma, beta, grad_y = (walk.inputs[k] for k in ("x", "gamma", "beta", "grad_y"))
    if kind == "layer":
        expected = functional.layer_norm(x, 4, gamma, beta)
        compact = functional.layer_norm_backward(grad_y, x, 4, gamma)
    else:
        expected = functional.batch_norm(x, None, None, gamma, beta, training=True)
        compact = functional.batch_norm_backward(grad_y, x, gamma)
    np.testing.assert_allclose(walk.graph.y, expected, rtol=1e-12, atol=1e-12)
    for name, value in zip(("x", "gamma", "beta"), compact):
        np.testing.assert_allclose(walk.hand[name], value, rtol=1e-10, atol=1e-12)


def test_cmp_tells_exact_from_close_from_different():
    a = np.array([1.0, 2.0])
    assert graph.cmp("a", a, a.copy()) == graph.Comparison("a", True, True, 0.0)
    near = graph.cmp("a", a, a + 1e-13)
    assert not near.exact and near.close and 0 < near.max_difference < 1e-12
    far = graph.cmp("a", a, a + 1)
    assert not far.close and far.max_difference == 1
    with pytest.raises(ValueError, match="shape"):
        graph.cmp("a", a, np.ones(3))


def test_relative_error_is_normwise_and_zero_for_two_zero_arrays():
    assert graph.relative_error(np.zeros(3), np.zeros(3)) == 0
    assert graph.relative_error([3.0, 4.0], [3.0, 4.0]) == 0
    assert graph.relative_error([1.0, 0.0], [0.0, 0.0]) == 1


def test_bad_kind_and_bad_shapes_are_refused_clearly():
    with pytest.raises(ValueError, match="'layer' or 'batch'"):
        graph.forward(np.ones((2, 3)), np.ones(3), np.zeros(3), "group")
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        graph.forward(np.ones(3), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="at least 2 examples"):
        graph.forward(np.ones((1, 3)), np.ones(3), np.zeros(3), "batch")
    with pytest.raises(ValueError, match="unknown step"):
        walkthrough.Walkthrough().step("softmax")


def test_each_step_shows_its_formula_code_and_a_passing_check():
    walk = walkthrough.Walkthrough()
    for step in graph.STEPS:
        text = str(walk.step(step.name))
        assert step.forward in text and "```python" in text and step.function.__name__ in text
        rows = [line.split("|") for line in text.splitlines() if line.startswith("| ∂L/∂")]
        assert rows and all(cells[3].strip() == "✓" for cells in rows), text  # "close" in every row


def test_forgetting_gamma_is_invisible_with_torch_initial_values_and_caught_otherwise():
    rows = str(walkthrough.forgotten_gamma_goes_unnoticed()).splitlines()[-2:]
    assert rows[0].endswith("| 0 | missed |")
    assert rows[1].endswith("| caught |")


def test_layer_norm_gradient_sums_to_zero_and_is_orthogonal_to_x_hat_when_eps_is_zero():
    rng = np.random.default_rng(0)
    x, grad_y, gamma = rng.normal(1, 2, (5, 9)), rng.normal(size=(5, 9)), rng.uniform(0.5, 2, 9)
    exact = walkthrough.projection_properties(x, grad_y, gamma, eps=0.0)
    np.testing.assert_allclose(exact["sum"], 0, atol=1e-12)
    np.testing.assert_allclose(exact["dot_x_hat"], 0, atol=1e-12)
    leaky = walkthrough.projection_properties(x, grad_y, gamma, eps=0.3)
    np.testing.assert_allclose(leaky["sum"], 0, atol=1e-12)
    assert np.all(np.abs(leaky["dot_x_hat"]) > 1e-3)  # ε breaks the orthogonality ...
    np.testing.assert_allclose(leaky["dot_x_hat"], leaky["predicted_dot"], rtol=1e-10)  # ... by exactly this


def test_layer_norm_gradient_shrinks_as_one_over_scale_until_eps_takes_over():
    scales = np.array([1.0, 10.0, 100.0, 1e-6, 1e-7])
    inputs, gamma, grad_y = walkthrough.scale_experiment_inputs()
    norms = walkthrough.gradient_norm_versus_scale(scales, inputs["random"], gamma, grad_y, eps=1e-5)
    np.testing.assert_allclose(norms[1] / norms[0], 0.1, rtol=1e-4)
    np.testing.assert_allclose(norms[2] / norms[0], 0.01, rtol=1e-4)
    # σ² ≪ ε: the gradient saturates at about ‖g − ḡ‖/√ε instead of growing as 1/s
    np.testing.assert_allclose(norms[4], norms[3], rtol=0.02)
    assert norms[3] < 0.01 * norms[0] / 1e-6  # far below the 1/s law's norms[0] / 1e-6


def test_batch_norm_couples_examples_and_layer_norm_does_not():
    batch_norm = walkthrough.influence_on_first_example(16, "batch")
    layer_norm = walkthrough.influence_on_first_example(16, "layer")
    assert np.all(batch_norm[1:] > 0)
    assert np.all(layer_norm[1:] == 0)
    np.testing.assert_allclose(batch_norm[0], layer_norm[0], rtol=1)  # both have a direct effect
    small, large = (walkthrough.influence_on_first_example(n, "batch") for n in (4, 64))
    assert small[1:].mean() / small[0] > 5 * large[1:].mean() / large[0]  # the coupling falls as about 1/N
    with pytest.raises(ValueError):
        walkthrough.influence_on_first_example(0)


# ---------------------------------------------------------------------------
# The exercise
# ---------------------------------------------------------------------------


def right(g, v, d):
    return g + v * 2 * d / d.shape[1]


@pytest.mark.parametrize(
    "answer, expected",
    [
        (right, "✅ Right"),
        (lambda g, v, d: None, "returns None"),
        (lambda g, v, d: g, "the σ² path is missing"),
        (lambda g, v, d: v * 2 * d / d.shape[1], "the x̂ path is missing"),
        (lambda g, v, d: g + v * d / d.shape[1], "the factor 2 is missing"),
        (lambda g, v, d: g + v * 2 * d, "the 1/n is missing"),
        (lambda g, v, d: g + v * 2 * d / (d.shape[1] - 1), "divided by n − 1"),
        (lambda g, v, d: g - v * 2 * d / d.shape[1], "sign of the σ² path"),
        (lambda g, v, d: (g + v).sum(axis=1), "Did you sum over an axis"),
        (lambda g, v, d: g + v * 2 * d / d.shape[0], "largest error is at d["),
        (lambda g, v, d: 1 / 0, "raised ZeroDivisionError"),
        (lambda g, v, d: "text", "not an array of numbers"),
        (lambda g, v, d: g * np.nan, "NaN"),
        ("not a function", "Pass the function itself"),
    ],
)
def test_the_exercise_check_says_right_or_where_it_goes_wrong(answer, expected):
    assert expected in str(walkthrough.check_variance_step(answer))


def test_the_exercise_check_accepts_torch_tensors():
    import torch

    def torch_answer(g, v, d):
        g, v, d = (torch.from_numpy(a) for a in (g, v, d))
        return g + v * 2 * d / d.shape[1]

    assert "✅" in str(walkthrough.check_variance_step(torch_answer))


def test_no_notebook_cell_shows_the_answer_of_the_exercise(read_notebook):
    sources = [cell.source for cell in read_notebook(5).cells]
    text = "\n".join(sources).replace(" ", "")
    for answer in (
        "2*deviation",
        "2*d",
        "2/n",
        "deviation*2",
        "variance_backward",
        "2d_i/n",
        "2d/n",
        "2d_i}{n",
    ):
        assert answer not in text, f"notebook 05 shows the answer ({answer!r})"
    assert "check_variance_step" in text


# ---------------------------------------------------------------------------
# The apps
# ---------------------------------------------------------------------------


def test_gradient_app_reports_a_zero_sum_and_the_one_over_scale_law():
    app = apps.LayerNormGradientApp()
    assert "0 to rounding" in app.note.value and "≫ ε" in app.note.value
    app.controls["scale"].value = 1e-4
    assert "ε takes over" in app.note.value
    app.controls["input_kind"].value = "constant"
    assert app.status == "ok" and "σ² = 0" in app.note.value


def test_gradient_app_draws_the_helpers_curve_computed_once_per_eps_and_input():
    app = apps.LayerNormGradientApp()
    inputs, gamma, grad_y = walkthrough.scale_experiment_inputs()

    def expected(kind):
        return walkthrough.gradient_norm_versus_scale(
            apps.SCALES, inputs[kind], gamma, grad_y, app.value("eps")
        )

    np.testing.assert_array_equal(app.curve.get_ydata(), expected("random"))
    app.controls["scale"].value = 100.0
    assert len(app.curves) == 1  # moving s recomputes no curve
    app.controls["input_kind"].value = "constant"
    np.testing.assert_array_equal(app.curve.get_ydata(), expected("constant"))
    app.controls["input_kind"].value = "random"
    assert len(app.curves) == 2


def test_coupling_app_explains_a_batch_of_one_under_batch_norm_only():
    app = apps.BatchCouplingApp()
    app.controls["batch"].value = 1
    assert app.status == "explained" and "one example" in app.note.value
    app.controls["kind"].value = "layer"
    assert app.status == "ok" and "exactly 0" in app.note.value
    app.controls["kind"].value = "batch"
    app.controls["batch"].value = 32
    assert app.status == "ok" and "31 other examples" in app.note.value
