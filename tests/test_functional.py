"""lnlib.functional (NumPy) against torch.nn.functional, gradients by finite differences, and bad input.

Agreement "to rounding" means: max |ours − torch| ≤ 2e-5 in float32 (about 100 float32 ulps for values of
order 1) and ≤ 1e-12 in float64. The expected bound is written beside each check.
"""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from norm_checks import assert_array_close, numerical_gradient, random_input, relative_error

from lnlib import functional as LF

DTYPES = [np.float32, np.float64]

LAYER_NORM_CASES = [  # (input shape, normalized_shape)
    ((5,), 5),
    ((4, 7), 7),
    ((3, 6, 8), 8),
    ((3, 6, 8), (6, 8)),
    ((2, 3, 4, 5), (3, 4, 5)),
    ((2, 3, 4, 5), [5]),
]
BATCH_NORM_SHAPES = [(8, 5), (4, 3, 7), (3, 4, 5, 6), (2, 3, 1, 1)]


def test_importing_functional_does_not_import_torch():
    code = "import sys, lnlib.functional; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------------------
# Forward passes against torch
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, normalized_shape", LAYER_NORM_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_torch(shape, normalized_shape, dtype, affine):
    rng = np.random.default_rng(1)
    x = random_input(rng, shape, dtype)
    feature_shape = np.shape(
        np.empty(normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,))
    )
    weight = random_input(rng, feature_shape, dtype, 1.0, 1.0) if affine else None
    bias = random_input(rng, feature_shape, dtype, 1.0, 0.5) if affine else None
    ours = LF.layer_norm(x, normalized_shape, weight, bias, eps=1e-5)
    as_tensor = lambda a: None if a is None else torch.from_numpy(a)  # noqa: E731
    theirs = F.layer_norm(
        torch.from_numpy(x), tuple(feature_shape), as_tensor(weight), as_tensor(bias), eps=1e-5
    )
    assert_array_close(ours, theirs, dtype)  # max difference ≤ 2e-5 (float32), ≤ 1e-12 (float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BATCH_NORM_SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_batch_norm_training_steps_then_eval_match_torch(shape, dtype, momentum):
    rng = np.random.default_rng(2)
    channels = shape[1]
    weight, bias = random_input(rng, channels, dtype, 1.0, 1.0), random_input(rng, channels, dtype, 1.0, 0.5)
    running_mean, running_var = np.zeros(channels, dtype), np.ones(channels, dtype)
    torch_mean, torch_var = torch.zeros(channels, dtype=torch.from_numpy(weight).dtype), None
    torch_var = torch.ones_like(torch_mean)
    for step in range(4):  # running statistics over several steps, each batch from a different distribution
        x = random_input(rng, shape, dtype, scale=1.0 + step, shift=step - 1.0)
        ours = LF.batch_norm(x, running_mean, running_var, weight, bias, training=True, momentum=momentum)
        theirs = F.batch_norm(
            torch.from_numpy(x),
            torch_mean,
            torch_var,
            torch.from_numpy(weight),
            torch.from_numpy(bias),
            training=True,
            momentum=momentum,
        )
        assert_array_close(ours, theirs, dtype)
        assert_array_close(running_mean, torch_mean, dtype)
        assert_array_close(running_var, torch_var, dtype)  # the unbiased variance, as torch
    x = random_input(rng, shape, dtype)
    frozen = running_mean.copy(), running_var.copy()
    ours = LF.batch_norm(x, running_mean, running_var, weight, bias, training=False)
    theirs = F.batch_norm(
        torch.from_numpy(x),
        torch_mean,
        torch_var,
        torch.from_numpy(weight),
        torch.from_numpy(bias),
        training=False,
    )
    assert_array_close(ours, theirs, dtype)
    np.testing.assert_array_equal(running_mean, frozen[0])  # eval changes nothing
    np.testing.assert_array_equal(running_var, frozen[1])


def test_batch_norm_running_var_is_unbiased_while_normalizing_uses_the_biased_variance():
    x = np.array([[0.0], [2.0], [4.0], [6.0]])  # one channel: mean 3, biased var 5, unbiased var 20/3
    running_mean, running_var = np.zeros(1), np.zeros(1)
    y = LF.batch_norm(x, running_mean, running_var, training=True, momentum=1.0, eps=1e-12)
    np.testing.assert_allclose(y[:, 0], (x[:, 0] - 3) / np.sqrt(5), rtol=1e-10)
    np.testing.assert_allclose(running_mean, [3.0], rtol=1e-12)
    np.testing.assert_allclose(running_var, [20 / 3], rtol=1e-12)


def test_batch_norm_without_running_statistics_uses_the_batch():
    rng = np.random.default_rng(3)
    x = random_input(rng, (6, 3, 4), np.float64)
    ours = LF.batch_norm(x, None, None, training=True)
    assert_array_close(ours, F.batch_norm(torch.from_numpy(x), None, None, training=True), np.float64)


def test_eps_sits_inside_the_square_root():
    x = np.array([[1.0, 3.0]])  # mean 2, biased variance 1
    eps = 0.5
    np.testing.assert_allclose(
        LF.layer_norm(x, 2, eps=eps), [[-1 / np.sqrt(1.5), 1 / np.sqrt(1.5)]], rtol=1e-14
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, normalized_shape", LAYER_NORM_CASES)
@pytest.mark.parametrize("eps", [None, 1e-3])
def test_rms_norm_matches_torch(shape, normalized_shape, dtype, eps):
    rng = np.random.default_rng(4)
    x = random_input(rng, shape, dtype)
    feature_shape = x.shape[x.ndim - len(np.atleast_1d(normalized_shape)) :]
    weight = random_input(rng, feature_shape, dtype, 1.0, 1.0)
    ours = LF.rms_norm(x, normalized_shape, weight, eps=eps)
    theirs = F.rms_norm(torch.from_numpy(x), list(feature_shape), torch.from_numpy(weight), eps=eps)
    assert_array_close(ours, theirs, dtype)


def test_rms_norm_default_eps_is_the_dtype_machine_epsilon():
    x = np.zeros((2, 3), np.float32)
    x[0, 0] = 1e-4  # mean square 3.3e-9: the eps of float32 (1.2e-7) dominates the denominator
    expected = 1e-4 / np.sqrt(np.float32(1e-8 / 3) + np.finfo(np.float32).eps)
    np.testing.assert_allclose(LF.rms_norm(x, 3)[0, 0], expected, rtol=1e-5)


@pytest.mark.parametrize("axis", [0, -1, (0, 2), (1, 2, 3)])
def test_standardize_gives_zero_mean_and_unit_biased_variance(axis):
    rng = np.random.default_rng(5)
    x = random_input(rng, (4, 3, 5, 6), np.float64)
    x_hat = LF.standardize(x, axis, eps=0.0)
    np.testing.assert_allclose(x_hat.mean(axis=axis), 0, atol=1e-12)
    np.testing.assert_allclose(x_hat.var(axis=axis), 1, atol=1e-12)


def test_layer_norm_and_batch_norm_are_standardize_over_different_axes():
    rng = np.random.default_rng(6)
    x = random_input(rng, (4, 3, 5), np.float64)
    np.testing.assert_array_equal(LF.layer_norm(x, 5), LF.standardize(x, -1))
    np.testing.assert_array_equal(LF.batch_norm(x, None, None, training=True), LF.standardize(x, (0, 2)))


def test_output_dtype_and_input_untouched():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    before = x.copy()
    for y in (
        LF.layer_norm(x, 3),
        LF.rms_norm(x, 3),
        LF.standardize(x, 0),
        LF.batch_norm(x, None, None, training=True),
    ):
        assert y.dtype == np.float32
    np.testing.assert_array_equal(x, before)


# ---------------------------------------------------------------------------
# A variance that does not cancel in float32
# ---------------------------------------------------------------------------


def test_variance_is_stable_in_float32_where_the_textbook_formula_cancels():
    rng = np.random.default_rng(7)
    x = (1e4 + rng.normal(0.0, 0.1, size=(8, 4096))).astype(np.float32)
    _, var32 = LF.moments(x, -1)
    _, var64 = LF.moments(x.astype(np.float64), -1)
    relative_error = np.max(np.abs(var32 - var64) / var64)
    assert relative_error < 1e-4, relative_error  # two-pass: relative error should be below 1e-4
    textbook = (x * x).mean(-1) - x.mean(-1) ** 2  # E[x²] − E[x]² in float32
    assert np.max(np.abs(textbook - var64[:, 0]) / var64[:, 0]) > 1.0  # off by more than 100 %
    y32 = LF.layer_norm(x, 4096)
    y64 = LF.layer_norm(x.astype(np.float64), 4096)
    # Normalized values within 0.02 of float64's: float32's spacing near 1e4 is 9.8e-4 = 0.01 σ, so the
    # mean itself cannot be stored more exactly (torch's float32 layer_norm is off by as much).
    assert np.max(np.abs(y32 - y64)) < 0.02
    textbook_y = (x - x.mean(-1, keepdims=True)) / np.sqrt(np.maximum(textbook, 0)[:, None] + 1e-5)
    assert np.max(np.abs(textbook_y - y64)) > 0.5  # the textbook variance ruins the normalized values


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=16),
        elements=st.floats(-1e3, 1e3, width=32),
    ),
    st.floats(-1e4, 1e4, width=32),
)
def test_layer_norm_float32_stays_close_to_float64_for_any_offset(x, offset):
    x = x + np.float32(offset)
    features = x.shape[-1]
    y32 = LF.layer_norm(x, features)
    y64 = LF.layer_norm(x.astype(np.float64), features)
    _, var64 = LF.moments(x.astype(np.float64), -1)
    # Where the spread is large next to float32's rounding of the values, the results agree closely.
    resolved = var64[..., 0] > (np.abs(x).max() * 1e-3) ** 2
    assert np.all(np.abs(y32 - y64)[resolved] < 1e-2)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=4, min_side=2, max_side=6),
        elements=st.floats(-100, 100),
    )
)
def test_batch_norm_agrees_with_torch_on_arbitrary_inputs(x):
    ours = LF.batch_norm(x, None, None, training=True)
    theirs = F.batch_norm(torch.from_numpy(x), None, None, training=True).numpy()
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


# ---------------------------------------------------------------------------
# Backward passes: against autograd, and by finite differences
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, normalized_shape", LAYER_NORM_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_matches_autograd(shape, normalized_shape, dtype, affine):
    rng = np.random.default_rng(8)
    x = random_input(rng, shape, dtype)
    feature_shape = x.shape[x.ndim - len(np.atleast_1d(normalized_shape)) :]
    weight = random_input(rng, feature_shape, dtype, 1.0, 1.0) if affine else None
    grad_out = random_input(rng, shape, dtype, 1.0, 0.3)
    x_t = torch.from_numpy(x).requires_grad_()
    w_t = torch.from_numpy(weight).requires_grad_() if affine else None
    b_t = torch.zeros(feature_shape, dtype=x_t.dtype, requires_grad=True) if affine else None
    F.layer_norm(x_t, feature_shape, w_t, b_t).backward(torch.from_numpy(grad_out))
    grad_x, grad_weight, grad_bias = LF.layer_norm_backward(grad_out, x, normalized_shape, weight)
    assert_array_close(grad_x, x_t.grad, dtype)
    if affine:
        assert_array_close(grad_weight, w_t.grad, dtype)
        assert_array_close(grad_bias, b_t.grad, dtype)
    else:
        assert grad_weight is None and grad_bias is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BATCH_NORM_SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_backward_matches_autograd(shape, dtype, affine):
    rng = np.random.default_rng(9)
    x = random_input(rng, shape, dtype)
    channels = shape[1]
    weight = random_input(rng, channels, dtype, 1.0, 1.0) if affine else None
    grad_out = random_input(rng, shape, dtype, 1.0, 0.3)
    x_t = torch.from_numpy(x).requires_grad_()
    w_t = torch.from_numpy(weight).requires_grad_() if affine else None
    b_t = torch.zeros(channels, dtype=x_t.dtype, requires_grad=True) if affine else None
    F.batch_norm(x_t, None, None, w_t, b_t, training=True).backward(torch.from_numpy(grad_out))
    grad_x, grad_weight, grad_bias = LF.batch_norm_backward(grad_out, x, weight)
    assert_array_close(grad_x, x_t.grad, dtype)
    if affine:
        assert_array_close(grad_weight, w_t.grad, dtype)
        assert_array_close(grad_bias, b_t.grad, dtype)
    else:
        assert grad_weight is None and grad_bias is None


def test_layer_norm_backward_by_finite_differences():
    rng = np.random.default_rng(10)
    x = random_input(rng, (3, 5), np.float64)
    weight, bias = random_input(rng, 5, np.float64, 1.0, 1.0), random_input(rng, 5, np.float64, 1.0, 0.5)
    grad_out = random_input(rng, (3, 5), np.float64, 1.0, 0.3)
    forward = lambda: LF.layer_norm(x, 5, weight, bias)  # noqa: E731
    grad_x, grad_weight, grad_bias = LF.layer_norm_backward(grad_out, x, 5, weight)
    assert relative_error(grad_x, numerical_gradient(forward, x, grad_out)) < 1e-7  # should be below 1e-7
    assert relative_error(grad_weight, numerical_gradient(forward, weight, grad_out)) < 1e-7
    assert relative_error(grad_bias, numerical_gradient(forward, bias, grad_out)) < 1e-7


def test_batch_norm_backward_by_finite_differences():
    rng = np.random.default_rng(11)
    x = random_input(rng, (4, 3, 2), np.float64)
    weight, bias = random_input(rng, 3, np.float64, 1.0, 1.0), random_input(rng, 3, np.float64, 1.0, 0.5)
    grad_out = random_input(rng, (4, 3, 2), np.float64, 1.0, 0.3)
    forward = lambda: LF.batch_norm(x, None, None, weight, bias, training=True)  # noqa: E731
    grad_x, grad_weight, grad_bias = LF.batch_norm_backward(grad_out, x, weight)
    assert relative_error(grad_x, numerical_gradient(forward, x, grad_out)) < 1e-7  # should be below 1e-7
    assert relative_error(grad_weight, numerical_gradient(forward, weight, grad_out)) < 1e-7
    assert relative_error(grad_bias, numerical_gradient(forward, bias, grad_out)) < 1e-7


# ---------------------------------------------------------------------------
# Bad input: a clear error, nothing silent
# ---------------------------------------------------------------------------


def test_shape_that_does_not_end_with_normalized_shape_names_both_shapes():
    x = np.zeros((4, 3), np.float32)
    for call in (
        lambda: LF.layer_norm(x, 4),
        lambda: LF.rms_norm(x, (2, 3)),
        lambda: LF.layer_norm_backward(x, x, 4),
    ):
        with pytest.raises(ValueError, match=r"\(4,\).*\(4, 3\)|\(2, 3\).*\(4, 3\)"):
            call()


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float16, np.complex64])
def test_non_float32_or_float64_input_is_a_type_error(dtype):
    x = np.ones((4, 3), dtype)
    for call in (
        lambda: LF.layer_norm(x, 3),
        lambda: LF.batch_norm(x, None, None, training=True),
        lambda: LF.rms_norm(x, 3),
        lambda: LF.standardize(x, 0),
    ):
        with pytest.raises(TypeError, match=str(np.dtype(dtype))):
            call()


def test_python_list_of_ints_is_a_type_error_that_suggests_floats():
    with pytest.raises(TypeError, match="float32 or float64"):
        LF.layer_norm([0, 1, 2, 3, 4], 5)


def test_one_value_per_channel_in_batch_norm_training_is_refused_as_torch():
    x = np.ones((1, 3), np.float32)
    with pytest.raises(ValueError) as ours:
        LF.batch_norm(x, None, None, training=True)
    with pytest.raises(ValueError) as theirs:
        F.batch_norm(torch.from_numpy(x), None, None, training=True)
    shared = "Expected more than 1 value per channel when training, got input size"
    assert shared in str(ours.value) and "(1, 3)" in str(ours.value) and shared in str(theirs.value)
    LF.batch_norm(np.ones((1, 3, 2), np.float32), None, None, training=True)  # two values per channel: fine


@pytest.mark.parametrize("eps", [0.0, -1e-5])
def test_non_positive_eps_in_batch_norm_training_is_refused_as_torch(eps):
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(ValueError, match="eps must be positive during training"):
        LF.batch_norm(x, None, None, training=True, eps=eps)
    with pytest.raises(ValueError, match="eps must be positive during training"):
        F.batch_norm(torch.from_numpy(x), None, None, training=True, eps=eps)


def test_negative_eps_is_refused_everywhere():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="eps"):
        LF.layer_norm(x, 3, eps=-1.0)
    with pytest.raises(ValueError, match="eps"):
        LF.batch_norm(x, np.zeros(3), np.ones(3), eps=-1.0)


def test_batch_norm_eval_without_running_statistics_is_refused():
    with pytest.raises(ValueError, match="running_mean and running_var"):
        LF.batch_norm(np.ones((4, 3)), None, None, training=False)


def test_parameters_of_the_wrong_shape_or_dtype_are_refused():
    x = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        LF.layer_norm(x, 3, weight=np.ones(4, np.float32))
    with pytest.raises(TypeError, match="bias has dtype float64"):
        LF.layer_norm(x, 3, bias=np.ones(3))
    with pytest.raises(ValueError, match=r"running_mean must have shape \(3,\)"):
        LF.batch_norm(x, np.zeros(2, np.float32), np.ones(3, np.float32))


def test_running_statistics_that_cannot_be_updated_in_place_are_refused():
    x = np.random.default_rng(0).standard_normal((4, 3))
    with pytest.raises(TypeError, match="running_mean is updated in place"):
        LF.batch_norm(x, [0.0, 0.0, 0.0], np.ones(3), training=True)
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(TypeError, match="running_var is updated in place"):
        LF.batch_norm(x, np.zeros(3), frozen, training=True)


def test_batch_norm_needs_a_channel_axis():
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        LF.batch_norm(np.ones(5), None, None, training=True)


def test_axis_out_of_range_or_repeated_is_refused():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="out of range"):
        LF.standardize(x, 2)
    with pytest.raises(ValueError, match="twice"):
        LF.standardize(x, (1, -1))


def test_nan_in_the_input_propagates_to_its_own_slice_only():
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    x[1, 2] = np.nan
    y = LF.layer_norm(x, 4)
    assert np.isnan(y[1]).all()  # the example holding the NaN is NaN throughout, as in torch
    assert np.isfinite(y[[0, 2]]).all()
    torch_y = F.layer_norm(torch.from_numpy(x), (4,)).numpy()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(torch_y))
    b = LF.batch_norm(x, None, None, training=True)
    assert np.isnan(b[:, 2]).all() and np.isfinite(b[:, [0, 1, 3]]).all()


def test_zero_eps_on_a_constant_input_is_nan_as_in_torch():
    x = np.full((2, 4), 3.0)
    y = LF.layer_norm(x, 4, eps=0.0)
    assert np.isnan(y).all()
    assert np.isnan(F.layer_norm(torch.from_numpy(x), (4,), eps=0.0).numpy()).all()
    np.testing.assert_array_equal(LF.layer_norm(x, 4, eps=1e-5), 0.0)  # with eps > 0: exactly zero
