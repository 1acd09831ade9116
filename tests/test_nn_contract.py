"""Every corner of torch.nn's contract for the nine lnlib.nn norms, side by side with torch.nn on one input.

Construction (every keyword, parameter and buffer names and order, repr), inputs (empty batches, no batch
dim, non-contiguous and channels-last, float32/float64), state (old state_dicts, pickle, deepcopy,
train/eval), gradients (gradcheck and gradgradcheck in float64, no_grad, inference_mode) and errors (the
exception type torch raises). Where torch is surprising, a comment says what torch does.
Agreement "to rounding": max |ours − torch| ≤ 2e-5 in float32 and ≤ 1e-12 in float64.
"""

import copy
import pickle
import warnings

import pytest
import torch
from norm_checks import assert_tensor_close, module_pair
from torch.func import functional_call

from lnlib import nn as lnn

MODULES = {  # name -> (the fullest constructor arguments, a batched input shape)
    "LayerNorm": ({"normalized_shape": (3, 4)}, (2, 3, 4)),
    "RMSNorm": ({"normalized_shape": 4, "eps": 1e-6}, (2, 3, 4)),
    "BatchNorm1d": ({"num_features": 3}, (4, 3, 2)),
    "BatchNorm2d": ({"num_features": 3}, (2, 3, 2, 2)),
    "BatchNorm3d": ({"num_features": 3}, (2, 3, 2, 2, 1)),
    "GroupNorm": ({"num_groups": 2, "num_channels": 4}, (2, 4, 3)),
    "InstanceNorm1d": ({"num_features": 3, "affine": True, "track_running_stats": True}, (2, 3, 4)),
    "InstanceNorm2d": ({"num_features": 3, "affine": True, "track_running_stats": True}, (2, 3, 2, 3)),
    "InstanceNorm3d": ({"num_features": 3, "affine": True, "track_running_stats": True}, (2, 3, 2, 2, 2)),
}
# every constructor keyword of torch 2.13 that changes the parameters, buffers or repr
VARIANTS = {
    "LayerNorm": [
        {},
        {"bias": False},
        {"elementwise_affine": False},
        {"elementwise_affine": False, "bias": False},
        {"eps": 1e-3},
    ],
    "RMSNorm": [{}, {"elementwise_affine": False}, {"eps": None}],
    "BatchNorm1d": [
        {},
        {"bias": False},
        {"affine": False},
        {"affine": False, "bias": False},
        {"track_running_stats": False},
        {"momentum": None},
        {"eps": 1e-3, "momentum": 0.5},
    ],
    "BatchNorm2d": [{}, {"bias": False}, {"affine": False, "track_running_stats": False}],
    "BatchNorm3d": [{}, {"bias": False}, {"momentum": None, "track_running_stats": False}],
    "GroupNorm": [{}, {"bias": False}, {"affine": False}, {"eps": 1e-3}],
    "InstanceNorm1d": [
        {},
        {"affine": False},
        {"bias": False},
        {"track_running_stats": False},
        {"affine": False, "track_running_stats": False},
        {"momentum": None},
    ],
    "InstanceNorm2d": [{}, {"bias": False}, {"affine": False, "track_running_stats": False}],
    "InstanceNorm3d": [{}, {"track_running_stats": False}],
}
TRACKING = [name for name in MODULES if "Batch" in name or "Instance" in name]


def build(name, dtype=torch.float32, seed=0, **overrides):
    """Ours and torch's module with the same non-trivial parameters (not the initial ones and zeros)."""
    kwargs = {**MODULES[name][0], **overrides}
    return module_pair(getattr(lnn, name), getattr(torch.nn, name), dtype, seed, **kwargs)


def sample(shape, dtype=torch.float32, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=generator, dtype=dtype) * 2 + 0.5


def assert_same_state(ours, theirs):
    ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(theirs_state)
    for key, value in theirs_state.items():
        assert_tensor_close(ours_state[key], value)


def run_both(ours, theirs, x):
    """Forward and backward through both with the same input and output gradient; compare everything."""
    ours.zero_grad()
    theirs.zero_grad()
    x_ours, x_theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
    assert_tensor_close(y_ours, y_theirs)
    grad = sample(y_theirs.shape, y_theirs.dtype, seed=99)
    y_ours.backward(grad)
    y_theirs.backward(grad)
    assert_tensor_close(x_ours.grad, x_theirs.grad)
    for p_ours, p_theirs in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert_tensor_close(p_ours.grad, p_theirs.grad)
    assert_same_state(ours, theirs)
    return y_ours


# ---------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------

CONSTRUCTION_CASES = [(name, variant) for name, variants in VARIANTS.items() for variant in variants]


@pytest.mark.parametrize("name, variant", CONSTRUCTION_CASES, ids=str)
def test_parameters_buffers_state_dict_and_repr_are_torchs(name, variant):
    ours, theirs = (
        getattr(lnn, name)(**{**MODULES[name][0], **variant}),
        getattr(torch.nn, name)(**{**MODULES[name][0], **variant}),
    )
    # absent parameters and buffers are registered as None, in torch's order (bias=False: "bias" is None)
    assert [(k, v is None) for k, v in ours._parameters.items()] == [
        (k, v is None) for k, v in theirs._parameters.items()
    ]
    assert [(k, v is None) for k, v in ours._buffers.items()] == [
        (k, v is None) for k, v in theirs._buffers.items()
    ]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert_same_state(ours, theirs)  # the initial values: γ = 1, β = 0, running mean 0, variance 1, count 0
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_device_and_dtype_keywords_place_parameters_and_buffers_as_torch(name, dtype):
    for device in ["cpu", "meta"]:
        ours = getattr(lnn, name)(**MODULES[name][0], device=device, dtype=dtype)
        theirs = getattr(torch.nn, name)(**MODULES[name][0], device=device, dtype=dtype)
        for (key, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items(), strict=True):
            assert (a.device, a.dtype, a.shape) == (b.device, b.dtype, b.shape), key  # the count stays long


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", MODULES)
def test_an_empty_batch_in_training_as_torch(name):
    # (torch 2.13's InstanceNorm with affine=True fails on an empty batch with an IndexError from inside
    # its kernel; lnlib returns the empty output there too: see the next test)
    ours, theirs = build(name, **({"affine": False} if "Instance" in name else {}))
    shape = (0,) + MODULES[name][1][1:]
    run_both(ours, theirs, sample(MODULES[name][1]))  # some statistics first, so that "unchanged" shows
    y = run_both(ours, theirs, torch.zeros(shape))  # the output, the state: running statistics and the count
    assert y.shape == shape
    if "Batch" in name:
        # torch: the empty batch counts in num_batches_tracked, but leaves the running statistics as they are
        assert ours.num_batches_tracked.item() == 2
    if "Instance" in name:
        # torch: the running statistics become NaN (the mean over no examples), and the count stays 0
        assert torch.isnan(ours.running_mean).all() and ours.num_batches_tracked.item() == 0


@pytest.mark.parametrize("name", [n for n in MODULES if "Instance" in n])
def test_instance_norm_with_affine_gives_an_empty_output_for_an_empty_batch_where_torch_fails(name):
    ours, theirs = build(name)
    shape = (0,) + MODULES[name][1][1:]
    with pytest.raises(IndexError):  # torch 2.13: "select(): index 0 out of range", a failure inside torch
        theirs(torch.zeros(shape))
    assert ours(torch.zeros(shape)).shape == shape
    assert torch.isnan(ours.running_mean).all()  # as without affine: the mean over no examples


def test_batch_norm_momentum_none_counts_an_empty_batch_in_its_average_as_torch():
    ours, theirs = build("BatchNorm1d", momentum=None)
    for x in [torch.zeros(0, 3, 2), sample((4, 3, 2)), sample((4, 3, 2), seed=1)]:
        run_both(ours, theirs, x)
    # torch: the empty batch was batch 1, so the second real batch enters with weight 1/3, not 1/2
    assert ours.num_batches_tracked.item() == 3


@pytest.mark.parametrize("name", [n for n in MODULES if "Instance" in n])
@pytest.mark.parametrize("track_running_stats", [True, False])
def test_instance_norm_takes_an_input_without_batch_dim_as_a_batch_of_one(name, track_running_stats):
    ours, theirs = build(name, track_running_stats=track_running_stats)
    x = sample(MODULES[name][1][1:])
    y = run_both(ours, theirs, x)  # training: updates the running statistics from the one example
    ours.eval()
    theirs.eval()
    run_both(ours, theirs, x)
    assert y.shape == x.shape


def test_group_norm_has_no_input_without_batch_dim_as_torch():
    # torch 2.13: GroupNorm reads a (C, L) input as (N, C) with C = L, so num_channels no longer matches
    ours, theirs = build("GroupNorm")
    with pytest.raises(RuntimeError):
        theirs(sample((4, 3)))
    with pytest.raises(RuntimeError, match=r"expects 4 channels in dim 1, got shape \(4, 3\)"):
        ours(sample((4, 3)))


def channels_last(x):
    return x.contiguous(memory_format=torch.channels_last if x.dim() == 4 else torch.channels_last_3d)


@pytest.mark.parametrize("name", MODULES)
def test_non_contiguous_and_channels_last_inputs_as_torch(name):
    ours, theirs = build(name, dtype=torch.float64)
    shape = MODULES[name][1]
    every_other = sample((shape[0], 2 * shape[1]) + shape[2:], torch.float64)[:, ::2]  # a strided view
    transposed = sample(shape[:-2] + (shape[-1], shape[-2]), torch.float64, seed=1).transpose(-1, -2)
    assert not every_other.is_contiguous()
    for x in (every_other, transposed):
        run_both(ours, theirs, x)
    if len(shape) in (4, 5):
        run_both(ours, theirs, channels_last(sample(shape, torch.float64, seed=2)))
    ours.eval()
    theirs.eval()
    run_both(ours, theirs, every_other)


@pytest.mark.parametrize("name", MODULES)
def test_float_and_double_convert_the_module_as_torch(name):
    ours, theirs = build(name)  # float32 parameters and statistics
    run_both(ours, theirs, sample(MODULES[name][1]))
    ours.double()
    theirs.double()
    for key, value in ours.state_dict().items():  # num_batches_tracked stays long
        assert value.dtype == theirs.state_dict()[key].dtype, key
    theirs.load_state_dict(ours.state_dict())  # share the float32 rounding so far, then compare in float64
    run_both(ours, theirs, sample(MODULES[name][1], torch.float64))
    ours.float()
    theirs.float()
    run_both(ours, theirs, sample(MODULES[name][1], seed=2))


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------


def old_state_dict(module, version):
    """A state_dict as saved before num_batches_tracked existed: no count, metadata version 1 or none."""
    state = module.state_dict()
    del state["num_batches_tracked"]
    if version is None:
        del state._metadata[""]["version"]
    else:
        state._metadata[""]["version"] = version
    return state


@pytest.mark.parametrize("name", TRACKING)
@pytest.mark.parametrize("version", [None, 1])
def test_an_old_state_dict_without_num_batches_tracked_loads_as_torch(name, version):
    source, _ = build(name)
    source(sample(MODULES[name][1]))
    ours, theirs = build(name, seed=1)  # fresh: the count is 0
    ours.load_state_dict(old_state_dict(source, version))  # strict
    theirs.load_state_dict(old_state_dict(source, version))
    assert ours.num_batches_tracked.item() == 0
    assert_same_state(ours, theirs)
    # torch: a module that has already counted batches keeps its own count, it is not reset to 0
    run_both(ours, theirs, sample(MODULES[name][1]))
    ours.load_state_dict(old_state_dict(source, version))
    theirs.load_state_dict(old_state_dict(source, version))
    assert ours.num_batches_tracked.item() == (1 if "Batch" in name else 0)
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("name", TRACKING)
def test_a_version_2_state_dict_without_num_batches_tracked_is_a_missing_key_as_torch(name):
    ours, theirs = build(name)
    for module in (ours, theirs):
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            module.load_state_dict(old_state_dict(module, version=2))


def test_instance_norm_refuses_running_statistics_it_does_not_track_from_an_unversioned_state_dict():
    # torch: such a state_dict predates torch 0.4, when InstanceNorm tracked statistics by default; an error
    tracking, _ = build("InstanceNorm1d")
    state = old_state_dict(tracking, version=None)
    ours, theirs = build("InstanceNorm1d", track_running_stats=False)
    with pytest.raises(RuntimeError):
        theirs.load_state_dict(copy.copy(state))
    with pytest.raises(RuntimeError, match="Unexpected running statistics running_mean and running_var"):
        ours.load_state_dict(copy.copy(state))


@pytest.mark.parametrize("name", MODULES)
def test_pickle_and_deepcopy_keep_parameters_statistics_and_mode(name):
    ours, theirs = build(name)
    run_both(ours, theirs, sample(MODULES[name][1]))
    ours.eval()
    for clone in (pickle.loads(pickle.dumps(ours)), copy.deepcopy(ours)):
        assert type(clone) is type(ours) and not clone.training and repr(clone) == repr(ours)
        for key, value in ours.state_dict().items():
            assert torch.equal(clone.state_dict()[key], value), key
        x = sample(MODULES[name][1], seed=3)
        assert torch.equal(clone(x), ours(x))
        clone.train()
        clone(x)
        assert ours.state_dict().keys() == clone.state_dict().keys() and not ours.training  # independent


@pytest.mark.parametrize("name", MODULES)
def test_train_eval_train_switches_as_torch(name):
    ours, theirs = build(name, dtype=torch.float64)
    for step, mode in enumerate(["train", "eval", "train", "eval", "eval"]):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        run_both(ours, theirs, sample(MODULES[name][1], torch.float64, seed=step))


def test_instance_norm_momentum_none_leaves_the_running_statistics_as_they_are():
    # torch: InstanceNorm passes momentum=None on as momentum 0 (no cumulative average, as batch norm has)
    ours, theirs = build("InstanceNorm1d", momentum=None)
    run_both(ours, theirs, sample((2, 3, 4)))
    assert torch.equal(ours.running_mean, torch.zeros(3)) and torch.equal(ours.running_var, torch.ones(3))


def test_instance_norm_without_running_statistics_normalizes_each_example_in_eval_too():
    ours, theirs = build("InstanceNorm2d", track_running_stats=False)
    ours.eval()
    theirs.eval()
    y = run_both(ours, theirs, sample((2, 3, 2, 3)))
    x_hat = (y - ours.bias.reshape(1, 3, 1, 1)) / ours.weight.reshape(1, 3, 1, 1)
    assert x_hat.mean(dim=(2, 3)).abs().max() < 1e-5


# ---------------------------------------------------------------------------
# Gradients
# ---------------------------------------------------------------------------


def as_function(module):
    """The module as a function of (input, *parameters), for gradcheck."""
    names = [name for name, _ in module.named_parameters()]

    def function(x, *parameters):
        return functional_call(module, dict(zip(names, parameters, strict=True)), (x,))

    return function


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_first_and_second_derivatives_by_gradcheck_and_gradgradcheck(name, mode):
    ours, _ = build(name, dtype=torch.float64)
    ours.train(mode == "train")
    if mode == "eval" and name in TRACKING:
        ours.train()(sample(MODULES[name][1], torch.float64))  # running statistics away from 0 and 1
        ours.eval()
    x = sample(MODULES[name][1], torch.float64).requires_grad_()
    inputs = (x, *(p.detach().clone().requires_grad_() for p in ours.parameters()))
    function = as_function(ours)
    assert torch.autograd.gradcheck(function, inputs, eps=1e-6, atol=1e-6)
    assert torch.autograd.gradgradcheck(function, inputs, eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", MODULES)
@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode])
def test_no_grad_and_inference_mode_give_torchs_output_and_statistics_without_a_graph(name, context):
    ours, theirs = build(name)
    x = sample(MODULES[name][1]).requires_grad_()
    with context():
        y_ours, y_theirs = ours(x), theirs(x)
    assert not y_ours.requires_grad and y_ours.grad_fn is None
    assert_tensor_close(y_ours, y_theirs)
    assert_same_state(ours, theirs)  # the running statistics are updated in both contexts, as torch's


# ---------------------------------------------------------------------------
# Errors: the exception type torch raises, with lnlib's own message
# ---------------------------------------------------------------------------

ERRORS = [  # (name, constructor overrides, bad input shape, exception type, lnlib's message)
    ("BatchNorm1d", {}, (2, 3, 4, 5), ValueError, r"expects a 2D \(N, C\) or 3D \(N, C, L\) input"),
    ("BatchNorm1d", {}, (3,), ValueError, r"expects a 2D"),
    ("BatchNorm2d", {}, (2, 3, 4), ValueError, r"expects a 4D \(N, C, H, W\) input"),
    ("BatchNorm3d", {}, (2, 3, 4, 5), ValueError, r"expects a 5D \(N, C, D, H, W\) input"),
    ("BatchNorm1d", {}, (1, 3), ValueError, "Expected more than 1 value per channel when training"),
    ("BatchNorm2d", {}, (1, 3, 1, 1), ValueError, "Expected more than 1 value per channel when training"),
    ("BatchNorm3d", {"track_running_stats": False}, (1, 3, 1, 1, 1), ValueError, "more than 1 value"),
    ("BatchNorm1d", {}, (4, 5), RuntimeError, r"BatchNorm1d\(3\) expects 3 channels in dim 1"),
    ("BatchNorm2d", {"affine": False}, (2, 5, 2, 2), RuntimeError, "expects 3 channels"),  # running stats
    ("GroupNorm", {}, (4,), RuntimeError, r"GroupNorm expects an \(N, C, \*\) input"),
    ("GroupNorm", {}, (2, 6, 3), RuntimeError, "expects 4 channels in dim 1"),
    ("GroupNorm", {"affine": False}, (2, 5, 3), RuntimeError, "num_groups=2 does not divide the 5 channels"),
    ("InstanceNorm1d", {}, (2, 3, 4, 5), ValueError, r"expects a 2D \(C, L\) or 3D \(N, C, L\) input"),
    ("InstanceNorm2d", {}, (3, 4), ValueError, r"expects a 3D \(C, H, W\) or 4D \(N, C, H, W\) input"),
    ("InstanceNorm1d", {}, (2, 3, 1), ValueError, "Expected more than 1 spatial element when training"),
    ("InstanceNorm3d", {}, (3, 1, 1, 1), ValueError, "Expected more than 1 spatial element"),
    ("InstanceNorm1d", {}, (2, 4, 5), ValueError, r"affine=True\) expects 3 channels in dim 1"),
    ("LayerNorm", {}, (2, 4, 3), RuntimeError, r"normalized_shape \(3, 4\) must match"),
    ("RMSNorm", {}, (2, 3, 5), RuntimeError, r"normalized_shape \(4,\) must match"),
]


@pytest.mark.parametrize("name, overrides, shape, error, message", ERRORS, ids=str)
def test_bad_input_raises_torchs_exception_type_with_a_clear_message(name, overrides, shape, error, message):
    ours, theirs = build(name, **overrides)
    with pytest.raises(error):
        theirs(sample(shape))
    with pytest.raises(error, match=message):
        ours(sample(shape))


def test_instance_norm_in_eval_without_running_statistics_still_needs_two_positions_as_torch():
    # torch: the error says "when training" although the module is in eval: it normalizes by each example
    ours, theirs = build("InstanceNorm1d", track_running_stats=False)
    for module in (ours.eval(), theirs.eval()):
        with pytest.raises(ValueError, match="Expected more than 1 spatial element when training"):
            module(sample((2, 3, 1)))


def test_group_norm_whose_groups_do_not_divide_the_channels_is_refused_at_construction():
    with pytest.raises(ValueError):
        torch.nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match="num_groups=2 does not divide num_channels=5"):
        lnn.GroupNorm(2, 5)


def test_without_per_channel_tensors_num_features_is_unused_as_in_torch():
    # torch: BatchNorm without γ, β or running statistics normalizes any number of channels; InstanceNorm
    # without γ and β warns, then normalizes them (or fails on running statistics for another count)
    ours, theirs = build("BatchNorm1d", affine=False, track_running_stats=False)
    run_both(ours, theirs, sample((4, 5)))
    ours, theirs = build("InstanceNorm1d", affine=False, track_running_stats=False)
    for module in (theirs, ours):
        with pytest.warns(UserWarning, match="num_features"):
            module(sample((2, 5, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        run_both(ours, theirs, sample((2, 5, 4)))
        ours, theirs = build("InstanceNorm1d", affine=False)  # tracks running statistics for 3 channels
        with pytest.raises(RuntimeError):
            theirs(sample((2, 5, 4)))
        with pytest.raises(RuntimeError, match="running statistics for 3 channels"):
            ours(sample((2, 5, 4)))


def test_a_group_of_one_value_gives_the_bias_as_torch():
    # torch: no error for one value per group (unlike batch norm's one value per channel); x̂ = 0
    ours, theirs = build("GroupNorm", num_groups=4)
    x = sample((2, 4))
    y = ours(x)
    assert torch.equal(y, ours.bias.expand(2, 4).detach())  # x − μ is exactly 0 in lnlib
    # torch's fused kernel computes x·s − μ·s with s = γ/sqrt(ε) ≈ 300, so its rounding reaches ~1e-5 here
    assert (theirs(x) - y).abs().max() <= 1e-4
