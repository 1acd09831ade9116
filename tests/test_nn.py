"""lnlib.nn modules against their torch.nn namesakes: outputs, gradients, running statistics, state_dicts.
(The corners of torch.nn's contract, module by module, are in tests/test_nn_contract.py.)

Agreement "to rounding": max |ours − torch| ≤ 2e-5 in float32 and ≤ 1e-12 in float64.
"""

import inspect

import pytest
import torch
from norm_checks import assert_every_public_name_has_passing_examples, assert_tensor_close, module_pair

from lnlib import nn as lnn

DTYPES = [torch.float32, torch.float64]

PAIRS = {  # name -> (ours, torch's, constructor arguments, input shapes)
    "LayerNorm": (
        lnn.LayerNorm,
        torch.nn.LayerNorm,
        [
            {"normalized_shape": 8},
            {"normalized_shape": (4, 8)},
            {"normalized_shape": 8, "elementwise_affine": False},
            {"normalized_shape": 8, "bias": False, "eps": 1e-3},
        ],
        [(3, 4, 8), (2, 3, 4, 8)],
    ),
    "RMSNorm": (
        lnn.RMSNorm,
        torch.nn.RMSNorm,
        [
            {"normalized_shape": 8},
            {"normalized_shape": (4, 8), "eps": 1e-4},
            {"normalized_shape": 8, "elementwise_affine": False},
        ],
        [(3, 4, 8), (2, 3, 4, 8)],
    ),
    "BatchNorm1d": (
        lnn.BatchNorm1d,
        torch.nn.BatchNorm1d,
        [
            {"num_features": 4},
            {"num_features": 4, "momentum": None},
            {"num_features": 4, "track_running_stats": False},
            {"num_features": 4, "affine": False},
            {"num_features": 4, "bias": False, "momentum": 0.3},
        ],
        [(6, 4), (3, 4, 5)],
    ),
    "BatchNorm2d": (
        lnn.BatchNorm2d,
        torch.nn.BatchNorm2d,
        [
            {"num_features": 4},
            {"num_features": 4, "momentum": None},
            {"num_features": 4, "track_running_stats": False},
            {"num_features": 4, "affine": False, "eps": 1e-3},
        ],
        [(3, 4, 5, 2), (2, 4, 1, 3)],
    ),
    "BatchNorm3d": (
        lnn.BatchNorm3d,
        torch.nn.BatchNorm3d,
        [
            {"num_features": 3},
            {"num_features": 3, "momentum": None, "bias": False},
            {"num_features": 3, "track_running_stats": False},
        ],
        [(2, 3, 2, 3, 2)],
    ),
    "GroupNorm": (
        lnn.GroupNorm,
        torch.nn.GroupNorm,
        [
            {"num_groups": 2, "num_channels": 6},
            {"num_groups": 3, "num_channels": 6, "affine": False},
            {"num_groups": 6, "num_channels": 6, "bias": False, "eps": 1e-3},
        ],
        [(4, 6, 3), (3, 6, 5), (2, 6, 3, 2)],
    ),
    "InstanceNorm1d": (
        lnn.InstanceNorm1d,
        torch.nn.InstanceNorm1d,
        [
            {"num_features": 3},
            {"num_features": 3, "affine": True, "track_running_stats": True},
            {"num_features": 3, "affine": True, "bias": False, "momentum": 0.3, "track_running_stats": True},
        ],
        [(4, 3, 5), (3, 5)],
    ),
    "InstanceNorm2d": (
        lnn.InstanceNorm2d,
        torch.nn.InstanceNorm2d,
        [{"num_features": 3, "affine": True}, {"num_features": 3, "track_running_stats": True}],
        [(2, 3, 4, 3), (3, 4, 3)],
    ),
    "InstanceNorm3d": (
        lnn.InstanceNorm3d,
        torch.nn.InstanceNorm3d,
        [{"num_features": 2, "affine": True, "track_running_stats": True, "eps": 1e-3}],
        [(2, 2, 3, 2, 2), (2, 3, 2, 2)],
    ),
}

CASES = [
    (name, kwargs, shape)
    for name, (_, _, kwargs_list, shapes) in PAIRS.items()
    for kwargs in kwargs_list
    for shape in shapes
]


def non_trivial_input(shape, dtype, step=0, seed=0):
    generator = torch.Generator().manual_seed(seed * 100 + step)
    return torch.randn(shape, generator=generator, dtype=dtype) * (1.5 + step) + (step - 1.0)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name, kwargs, shape", CASES, ids=str)
def test_outputs_gradients_and_statistics_match_torch_over_training_steps_then_eval(
    name, kwargs, shape, dtype
):
    ours, theirs = module_pair(*PAIRS[name][:2], dtype, **kwargs)
    for step in range(3):
        x = non_trivial_input(shape, dtype, step)
        x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        assert_tensor_close(y_ours, y_theirs)
        grad = non_trivial_input(shape, dtype, step, seed=1)
        y_ours.backward(grad)
        y_theirs.backward(grad)
        assert_tensor_close(x_ours.grad, x_theirs.grad)
        for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters(), strict=True):
            assert_tensor_close(p_ours.grad, p_theirs.grad)
        for key, value in theirs.state_dict().items():  # running statistics and num_batches_tracked
            if value.is_floating_point():
                assert_tensor_close(ours.state_dict()[key], value)
            else:
                assert torch.equal(ours.state_dict()[key], value), key
    ours.eval()
    theirs.eval()
    x = non_trivial_input(shape, dtype, 7)
    assert_tensor_close(ours(x), theirs(x))


@pytest.mark.parametrize("name", PAIRS)
def test_constructor_arguments_are_torchs(name):
    ours_class, torch_class, _, _ = PAIRS[name]
    ours = inspect.signature(ours_class.__init__).parameters
    theirs = inspect.signature(torch_class.__init__).parameters
    assert list(ours) == list(theirs)
    for key in theirs:
        assert ours[key].default == theirs[key].default, key
        assert ours[key].kind == theirs[key].kind, key  # BatchNorm's bias is keyword-only in both


@pytest.mark.parametrize("name", PAIRS)
def test_state_dict_loads_both_ways_with_the_same_names(name):
    ours_class, torch_class, kwargs_list, shapes = PAIRS[name]
    for kwargs in kwargs_list:
        ours, theirs = module_pair(*PAIRS[name][:2], torch.float32, **kwargs)
        x = non_trivial_input(shapes[-1], torch.float32)
        ours(x)  # moves the running statistics away from their initial values
        fresh_torch = torch_class(**kwargs)
        fresh_torch.load_state_dict(ours.state_dict())  # strict: same keys, same shapes
        assert list(fresh_torch.state_dict()) == list(ours.state_dict())
        for key, value in ours.state_dict().items():
            assert torch.equal(fresh_torch.state_dict()[key], value), key
        theirs(x)
        theirs(x * 2)
        fresh_ours = ours_class(**kwargs)
        fresh_ours.load_state_dict(theirs.state_dict())
        for key, value in theirs.state_dict().items():
            assert torch.equal(fresh_ours.state_dict()[key], value), key


def test_momentum_none_is_the_cumulative_average_of_the_batches():
    module = lnn.BatchNorm1d(2, momentum=None, dtype=torch.float64)
    batches = [non_trivial_input((5, 2), torch.float64, step) for step in range(4)]
    for batch in batches:
        module(batch)
    expected_mean = torch.stack([b.mean(0) for b in batches]).mean(0)
    expected_var = torch.stack([b.var(0, unbiased=True) for b in batches]).mean(0)
    assert torch.allclose(module.running_mean, expected_mean, atol=1e-12)
    assert torch.allclose(module.running_var, expected_var, atol=1e-12)
    assert module.num_batches_tracked.item() == 4


def test_track_running_stats_false_uses_batch_statistics_in_eval_too():
    module = lnn.BatchNorm1d(3, track_running_stats=False).eval()
    x = non_trivial_input((6, 3), torch.float32)
    y = module(x)
    assert torch.allclose(y.mean(0), torch.zeros(3), atol=1e-6)
    assert module.running_mean is None and module.num_batches_tracked is None


def test_no_torch_normalization_kernel_is_used_forward_or_backward():
    modules = [
        lnn.LayerNorm(8),
        lnn.RMSNorm(8),
        lnn.BatchNorm1d(4),
        lnn.BatchNorm2d(4),
        lnn.BatchNorm3d(4),
        lnn.GroupNorm(2, 4),
        lnn.InstanceNorm1d(4, affine=True, track_running_stats=True),
        lnn.InstanceNorm2d(4, affine=True, track_running_stats=True),
        lnn.InstanceNorm3d(4),
    ]
    inputs = [
        torch.randn(3, 8),
        torch.randn(3, 8),
        torch.randn(5, 4, 8),
        torch.randn(2, 4, 3, 8),
        torch.randn(2, 4, 2, 3, 2),
        torch.randn(2, 4, 3, 2),
        torch.randn(2, 4, 5),
        torch.randn(2, 4, 3, 2),
        torch.randn(2, 4, 2, 3, 2),
    ]
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        for module, x in zip(modules, inputs, strict=True):
            module(x.requires_grad_()).sum().backward()
            module.eval()
            module(x)
    names = {event.key for event in profile.key_averages()}
    assert any("mean" in name for name in names), "the profiler saw nothing"  # it did record the ops
    assert not [name for name in names if "norm" in name.lower()], sorted(names)


def test_bad_input_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"normalized_shape \(8,\).*\(3, 7\)"):  # torch: a RuntimeError
        lnn.LayerNorm(8)(torch.randn(3, 7))
    with pytest.raises(TypeError, match="floating-point"):
        lnn.LayerNorm(3)(torch.ones(2, 3, dtype=torch.long))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        lnn.BatchNorm1d(3)(torch.randn(1, 3))
    with pytest.raises(ValueError, match="eps must be positive during training"):
        lnn.BatchNorm1d(3, eps=0.0)(torch.randn(4, 3))
    with pytest.raises(ValueError, match=r"BatchNorm2d expects a 4D \(N, C, H, W\) input"):
        lnn.BatchNorm2d(3)(torch.randn(4, 3))
    with pytest.raises(RuntimeError, match=r"expects 3 channels"):  # torch: a RuntimeError
        lnn.BatchNorm1d(3)(torch.randn(4, 5))
    with pytest.raises(TypeError, match="floating-point"):
        lnn.RMSNorm(3)(torch.ones(2, 3, dtype=torch.int32))


def test_one_sample_is_fine_in_eval_and_for_layer_norm():
    bn = lnn.BatchNorm1d(3).eval()
    assert bn(torch.randn(1, 3)).shape == (1, 3)
    assert lnn.LayerNorm(3)(torch.randn(1, 3)).shape == (1, 3)


def test_nan_propagates():
    x = torch.randn(3, 4)
    x[1, 2] = float("nan")
    assert torch.isnan(lnn.LayerNorm(4)(x)[1]).all() and torch.isfinite(lnn.LayerNorm(4)(x)[[0, 2]]).all()
    assert torch.isnan(lnn.BatchNorm1d(4)(x)[:, 2]).all()


@pytest.mark.parametrize("name", PAIRS)
def test_reset_parameters_restores_the_state_of_construction_as_torch(name):
    ours_class, torch_class, kwargs_list, shapes = PAIRS[name]
    for kwargs in kwargs_list:
        ours, _ = module_pair(*PAIRS[name][:2], torch.float32, **kwargs)  # non-trivial parameters
        ours(non_trivial_input(shapes[-1], torch.float32))  # and running statistics, for batch norm
        ours.reset_parameters()
        fresh = torch_class(**kwargs)
        for key, value in fresh.state_dict().items():
            assert torch.equal(ours.state_dict()[key], value), key


def test_the_examples_of_every_public_name_run_and_pass():
    assert_every_public_name_has_passing_examples(lnn)
