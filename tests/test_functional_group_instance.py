"""lnlib.functional's group_norm and instance_norm against torch.nn.functional, their hand-derived backward,
the norm → axes table of the module docstring, and the doctests of every public name.

Agreement "to rounding": max |ours − torch| ≤ 2e-5 in float32 and ≤ 1e-12 in float64 (test_functional.py).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from norm_checks import (
    assert_array_close,
    assert_every_public_name_has_passing_examples,
    numerical_gradient,
    random_input,
)

from lnlib import functional as LF

DTYPES = [np.float32, np.float64]
GROUP_CASES = [((4, 6), 3), ((3, 6, 5), 2), ((2, 6, 3, 4), 6), ((2, 6, 3, 4), 1), ((2, 4, 2, 3, 2), 2)]
INSTANCE_SHAPES = [(4, 3, 5), (2, 3, 4, 5), (2, 2, 3, 2, 2)]


def tensor(array):
    return None if array is None else torch.from_numpy(array)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, groups", GROUP_CASES)
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_and_its_backward_match_torch(shape, groups, dtype, affine):
    rng = np.random.default_rng(3)
    x, grad_out = random_input(rng, shape, dtype), random_input(rng, shape, dtype, 1.0, 0.3)
    weight = random_input(rng, shape[1], dtype, 1.0, 1.0) if affine else None
    bias = random_input(rng, shape[1], dtype, 1.0, 0.5) if affine else None
    ours = LF.group_norm(x, groups, weight, bias, eps=1e-4)
    leaves = [torch.from_numpy(a).requires_grad_() if a is not None else None for a in (x, weight, bias)]
    theirs = F.group_norm(leaves[0], groups, leaves[1], leaves[2], eps=1e-4)
    assert_array_close(ours, theirs, dtype)  # ≤ 2e-5 (float32), ≤ 1e-12 (float64)
    theirs.backward(torch.from_numpy(grad_out))
    grads = LF.group_norm_backward(grad_out, x, groups, weight, eps=1e-4)
    assert_array_close(grads[0], leaves[0].grad, dtype)
    if affine:
        assert_array_close(grads[1], leaves[1].grad, dtype)
        assert_array_close(grads[2], leaves[2].grad, dtype)
    else:
        assert grads[1] is None and grads[2] is None


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", INSTANCE_SHAPES)
@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_instance_norm_training_steps_then_running_statistics_match_torch(shape, dtype, momentum):
    rng = np.random.default_rng(4)
    channels = shape[1]
    weight, bias = random_input(rng, channels, dtype, 1.0, 1.0), random_input(rng, channels, dtype, 1.0, 0.5)
    running_mean, running_var = np.zeros(channels, dtype), np.ones(channels, dtype)
    torch_mean, torch_var = tensor(running_mean.copy()), tensor(running_var.copy())
    for step in range(3):
        x = random_input(rng, shape, dtype, 2.0 + step, step - 1.0)
        ours = LF.instance_norm(x, running_mean, running_var, weight, bias, True, momentum, 1e-5)
        theirs = F.instance_norm(
            tensor(x),
            torch_mean,
            torch_var,
            tensor(weight),
            tensor(bias),
            use_input_stats=True,
            momentum=momentum,
            eps=1e-5,
        )
        assert_array_close(ours, theirs, dtype)
        assert_array_close(
            running_mean, torch_mean, dtype
        )  # the examples' means, averaged, into the running mean
        assert_array_close(
            running_var, torch_var, dtype
        )  # and their unbiased variances into the running variance
    x = random_input(rng, shape, dtype)
    ours = LF.instance_norm(x, running_mean, running_var, weight, bias, use_input_stats=False)
    theirs = F.instance_norm(
        tensor(x), torch_mean, torch_var, tensor(weight), tensor(bias), use_input_stats=False
    )
    assert_array_close(ours, theirs, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", INSTANCE_SHAPES)
@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_backward_matches_autograd(shape, dtype, affine):
    rng = np.random.default_rng(5)
    x, grad_out = random_input(rng, shape, dtype), random_input(rng, shape, dtype, 1.0, 0.3)
    weight = random_input(rng, shape[1], dtype, 1.0, 1.0) if affine else None
    leaves = [torch.from_numpy(a).requires_grad_() if a is not None else None for a in (x, weight)]
    bias = torch.zeros(shape[1], dtype=leaves[0].dtype, requires_grad=True) if affine else None
    F.instance_norm(leaves[0], weight=leaves[1], bias=bias).backward(torch.from_numpy(grad_out))
    grad_x, grad_weight, grad_bias = LF.instance_norm_backward(grad_out, x, weight)
    assert_array_close(grad_x, leaves[0].grad, dtype)
    if affine:
        assert_array_close(grad_weight, leaves[1].grad, dtype)
        assert_array_close(grad_bias, bias.grad, dtype)


def test_group_and_instance_norm_backward_by_finite_differences():
    rng = np.random.default_rng(6)
    x, weight = random_input(rng, (2, 4, 3), np.float64), random_input(rng, 4, np.float64, 1.0, 1.0)
    grad_out = random_input(rng, (2, 4, 3), np.float64, 1.0, 0.3)
    for forward, backward in [
        (lambda: LF.group_norm(x, 2, weight), lambda: LF.group_norm_backward(grad_out, x, 2, weight)),
        (lambda: LF.instance_norm(x, weight=weight), lambda: LF.instance_norm_backward(grad_out, x, weight)),
    ]:
        grad_x, grad_weight, _ = backward()
        numerical = numerical_gradient(forward, x, grad_out)
        # central differences with h = 1e-6 agree to about 1e-9 relative
        assert np.max(np.abs(grad_x - numerical)) / np.max(np.abs(numerical)) < 1e-7
        numerical_weight = numerical_gradient(forward, weight, grad_out)
        assert np.max(np.abs(grad_weight - numerical_weight)) / np.max(np.abs(numerical_weight)) < 1e-7


def test_the_docstring_table_norm_to_axes_holds_for_all_five():
    rng = np.random.default_rng(7)
    x = random_input(rng, (3, 4, 5, 2), np.float64)
    eps = 1e-5
    batch_norm = LF.batch_norm(x, None, None, training=True, eps=eps)
    assert np.array_equal(batch_norm, LF.standardize(x, (0, 2, 3), eps))
    assert np.array_equal(LF.layer_norm(x, (5, 2), eps=eps), LF.standardize(x, (-2, -1), eps))
    assert np.array_equal(LF.instance_norm(x, eps=eps), LF.standardize(x, (2, 3), eps))
    grouped = LF.standardize(x.reshape(3, 2, 2, 5, 2), (2, 3, 4), eps).reshape(x.shape)
    assert np.array_equal(LF.group_norm(x, 2, eps=eps), grouped)
    rms = x / np.sqrt(np.mean(x * x, axis=(-2, -1), keepdims=True) + eps)
    assert np.max(np.abs(LF.rms_norm(x, (5, 2), eps=eps) - rms)) <= 1e-15
    # the two ends of group norm: one group is layer norm over (C, *), C groups are instance norm
    assert np.max(np.abs(LF.group_norm(x, 1, eps=eps) - LF.layer_norm(x, (4, 5, 2), eps=eps))) <= 1e-12
    assert np.max(np.abs(LF.group_norm(x, 4, eps=eps) - LF.instance_norm(x, eps=eps))) <= 1e-12


def test_instance_norm_leaves_the_input_and_running_statistics_in_eval_untouched():
    rng = np.random.default_rng(8)
    x = random_input(rng, (2, 3, 4), np.float32)
    x_before, running_mean, running_var = x.copy(), np.full(3, 0.5, np.float32), np.full(3, 2.0, np.float32)
    y = LF.instance_norm(x, running_mean, running_var, use_input_stats=False)
    assert np.array_equal(x, x_before) and y.dtype == np.float32
    assert np.array_equal(running_mean, np.full(3, 0.5)) and np.array_equal(running_var, np.full(3, 2.0))
    expected = (x - 0.5) / np.sqrt(np.float32(2.0 + 1e-5))
    assert np.max(np.abs(y - expected)) <= 1e-6


def test_batch_norm_training_on_an_empty_batch_gives_an_empty_output_and_keeps_the_statistics_as_torch():
    running_mean, running_var = np.full(3, 0.5), np.full(3, 2.0)
    torch_mean, torch_var = tensor(running_mean.copy()), tensor(running_var.copy())
    for shape in [(0, 3), (0, 3, 4), (2, 3, 0)]:
        ours = LF.batch_norm(np.zeros(shape), running_mean, running_var, training=True)
        theirs = F.batch_norm(torch.zeros(shape, dtype=torch.float64), torch_mean, torch_var, training=True)
        assert ours.shape == tuple(theirs.shape) == shape
    # torch: an empty batch moves neither running statistic
    assert np.array_equal(running_mean, torch_mean.numpy()) and np.array_equal(running_mean, np.full(3, 0.5))
    assert np.array_equal(running_var, torch_var.numpy()) and np.array_equal(running_var, np.full(3, 2.0))


def test_group_norm_on_an_empty_batch_is_empty_as_torch():
    ours = LF.group_norm(np.zeros((0, 4, 3), np.float32), 2)
    assert ours.shape == tuple(F.group_norm(torch.zeros(0, 4, 3), 2).shape) == (0, 4, 3)


def test_bad_input_is_a_clear_error():
    x = np.ones((2, 6, 3))
    with pytest.raises(ValueError, match="num_groups=4 does not divide the 6 channels"):
        LF.group_norm(x, 4)
    with pytest.raises(ValueError, match="num_groups must be a positive integer"):
        LF.group_norm(x, 0)
    with pytest.raises(ValueError, match=r"group_norm expects an input of shape \(N, C, \*\)"):
        LF.group_norm(np.ones(6), 2)
    with pytest.raises(ValueError, match=r"weight must have shape \(6,\)"):
        LF.group_norm(x, 2, weight=np.ones(3))
    with pytest.raises(ValueError, match="instance_norm expects an input of shape"):
        LF.instance_norm(np.ones((2, 6)))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
        LF.instance_norm(np.ones((2, 6, 1)))  # as torch's message, the same for N = 1
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        LF.instance_norm(x, use_input_stats=False)
    with pytest.raises(TypeError, match="updated in place"):
        LF.instance_norm(x, running_mean=(0.0,) * 6, running_var=np.ones(6))
    with pytest.raises(TypeError, match="float32 or float64"):
        LF.group_norm(np.ones((2, 6), np.int64), 2)
    with pytest.raises(ValueError, match="grad_out must have the input's shape"):
        LF.group_norm_backward(np.ones((2, 6)), x, 2)


@pytest.mark.parametrize("eps", [0.0, -1e-5])
def test_instance_norm_in_training_accepts_eps_zero_as_torch_but_not_a_negative_one(eps):
    x = np.random.default_rng(9).standard_normal((2, 3, 4))
    if eps < 0:
        with pytest.raises(ValueError, match="eps must be non-negative"):
            LF.instance_norm(x, eps=eps)
        return
    # torch: instance_norm takes eps = 0 in training (batch_norm refuses it)
    theirs = F.instance_norm(torch.from_numpy(x), eps=eps)
    assert_array_close(LF.instance_norm(x, eps=eps), theirs, np.float64)


def test_the_examples_of_every_public_name_run_and_pass():
    assert_every_public_name_has_passing_examples(LF)
