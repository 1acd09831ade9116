r"""``LayerNorm``, ``BatchNorm1d``, ``BatchNorm2d`` and ``RMSNorm`` as torch modules, from elementary ops.

Each class takes the constructor arguments of its ``torch.nn`` namesake (torch 2.13), has the same
parameters and buffers under the same names (so a ``state_dict`` loads either way), and the same
train/eval behaviour. The forward pass uses only ``mean``, subtraction, multiplication and ``rsqrt``,
never torch's own normalization kernels; autograd derives the backward pass from those steps.
The maths is the one of :mod:`lnlib.functional`, written here for tensors.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from .functional import _shape_tuple

__all__ = ["LayerNorm", "BatchNorm1d", "BatchNorm2d", "RMSNorm", "standardize"]


def standardize(x: Tensor, dims: tuple, eps: float) -> tuple:
    r"""``(x_hat, mean, var)``: :math:`\hat x = (x - \mu)/\sqrt{\sigma^2 + \epsilon}` over ``dims``.

    :math:`\sigma^2` is the biased variance, by the corrected two-pass algorithm (see
    :func:`lnlib.functional.moments`); ``mean`` and ``var`` keep ``dims`` as size-1 dimensions.
    """
    # μ = (1/n) Σ x
    mean = x.mean(dim=dims, keepdim=True)
    # d = x − μ
    centered = x - mean
    # σ² = (1/n) Σ d² − ((1/n) Σ d)²
    var = (centered * centered).mean(dim=dims, keepdim=True) - centered.mean(dim=dims, keepdim=True) ** 2
    # x̂ = (x − μ) / sqrt(σ² + ε)
    x_hat = centered * torch.rsqrt(var.clamp(min=0) + eps)
    return x_hat, mean, var


def _check_float(x: Tensor) -> None:
    if not torch.is_floating_point(x):
        raise TypeError(f"input must be a floating-point tensor, got dtype {x.dtype}; convert it with .float()")


def _trailing_dims(x: Tensor, normalized_shape: tuple) -> tuple:
    """The last dims of ``x``, which must have the shape ``normalized_shape``."""
    _check_float(x)
    n = len(normalized_shape)
    if x.dim() < n or tuple(x.shape[x.dim() - n:]) != normalized_shape:
        raise ValueError(f"normalized_shape {normalized_shape} must match the last dimensions of the input, "
                         f"but the input has shape {tuple(x.shape)}")
    return tuple(range(-n, 0))


def _scale_and_shift(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """y = x̂ · γ + β, skipping what is None (γ and β already broadcast against x̂)."""
    if weight is not None:
        x_hat = x_hat * weight
    if bias is not None:
        x_hat = x_hat + bias
    return x_hat


@torch.no_grad()
def _reset_affine(weight: Tensor | None, bias: Tensor | None) -> None:
    """γ ← 1 and β ← 0: the identity, where a norm's scale and shift start."""
    if weight is not None:
        weight.fill_(1)
    if bias is not None:
        bias.zero_()


class LayerNorm(nn.Module):
    r"""Layer norm over the last ``len(normalized_shape)`` dims, as ``torch.nn.LayerNorm``.

    .. math::  y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta

    with :math:`\mu, \sigma^2` the mean and biased variance of each example's (or token's) features.
    Shapes: input (*, *normalized_shape), output the same; ``weight`` (γ, ones) and ``bias``
    (β, zeros) of shape normalized_shape when ``elementwise_affine``.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        factory = {"device": device, "dtype": dtype}
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape, **factory))
            self.bias = nn.Parameter(torch.zeros(self.normalized_shape, **factory)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """γ ← 1, β ← 0, as at construction."""
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        dims = _trailing_dims(input, self.normalized_shape)
        # x̂ = (x − μ) / sqrt(σ² + ε), over each example's features
        x_hat, _, _ = standardize(input, dims, self.eps)
        # y = γ ⊙ x̂ + β
        return _scale_and_shift(x_hat, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class RMSNorm(nn.Module):
    r"""Root-mean-square norm over the last ``len(normalized_shape)`` dims, as ``torch.nn.RMSNorm``.

    .. math::  y = \frac{x}{\sqrt{\tfrac1n \sum x_i^2 + \epsilon}} \odot \gamma

    ``eps=None`` means the input dtype's machine epsilon. Shapes: input (*, *normalized_shape),
    output the same; ``weight`` (γ, ones) of shape normalized_shape when ``elementwise_affine``.
    """

    def __init__(self, normalized_shape, eps: float | None = None, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """γ ← 1, as at construction."""
        _reset_affine(self.weight, None)

    def forward(self, input: Tensor) -> Tensor:
        dims = _trailing_dims(input, self.normalized_shape)
        eps = torch.finfo(input.dtype).eps if self.eps is None else self.eps
        # 1 / sqrt(mean(x²) + ε)
        inverse_rms = torch.rsqrt((input * input).mean(dim=dims, keepdim=True) + eps)
        # y = x / rms(x) ⊙ γ
        return _scale_and_shift(input * inverse_rms, self.weight, None)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class _BatchNorm(nn.Module):
    r"""Batch norm over every dim but the channel dim 1; ``BatchNorm1d`` and ``BatchNorm2d`` fix the input's rank.

    .. math::  y_{nc\dots} = \frac{x_{nc\dots} - \mu_c}{\sqrt{\sigma^2_c + \epsilon}} \gamma_c + \beta_c

    In training, :math:`\mu_c, \sigma^2_c` are the batch's mean and biased variance, and the running
    statistics are updated with the unbiased variance:
    ``running ← (1 − momentum)·running + momentum·batch`` (``momentum=None``: the cumulative average,
    momentum = 1/num_batches_tracked). In eval they are ``running_mean`` and ``running_var``; with
    ``track_running_stats=False`` there are none, and the batch's statistics are used in eval too.
    """

    _version = 2  # the state_dict version of torch's batch norm (num_batches_tracked was added at 2)
    expected_shapes: dict = {}  # input rank -> the shape's letters, set by each subclass

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        factory = {"device": device, "dtype": dtype}
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features, **factory))
            self.bias = nn.Parameter(torch.zeros(num_features, **factory)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, **factory))
            self.register_buffer("running_var", torch.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """running_mean ← 0, running_var ← 1, num_batches_tracked ← 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """The running statistics reset, γ ← 1, β ← 0, as at construction."""
        self.reset_running_stats()
        _reset_affine(self.weight, self.bias)

    def _check_input(self, input: Tensor) -> None:
        _check_float(input)
        if input.dim() not in self.expected_shapes:
            shapes = " or ".join(f"{rank}D {letters}" for rank, letters in self.expected_shapes.items())
            raise ValueError(f"{type(self).__name__} expects a {shapes} input, got shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}) expects {self.num_features} channels "
                             f"in dim 1, got shape {tuple(input.shape)}")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        dims = (0,) + tuple(range(2, input.dim()))
        per_channel = (1, -1) + (1,) * (input.dim() - 2)
        weight, bias = (None if p is None else p.reshape(per_channel) for p in (self.weight, self.bias))
        use_batch_statistics = self.training or self.running_mean is None
        if not use_batch_statistics:
            if self.eps < 0:
                raise ValueError(f"batch_norm eps must be non-negative, but got {self.eps}")
            # x̂ = (x − running_mean) / sqrt(running_var + ε)
            x_hat = (input - self.running_mean.reshape(per_channel)) * torch.rsqrt(
                self.running_var.reshape(per_channel) + self.eps)
            return _scale_and_shift(x_hat, weight, bias)

        values_per_channel = input.numel() // input.shape[1]
        if values_per_channel <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, "
                             f"got input size {tuple(input.shape)}")
        if self.eps <= 0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {self.eps}")
        # x̂ = (x − μ_c) / sqrt(σ²_c + ε), μ_c and σ²_c over the batch (and positions)
        x_hat, mean, var = standardize(input, dims, self.eps)
        if self.training and self.track_running_stats:
            self._update_running_statistics(mean.reshape(-1), var.reshape(-1), values_per_channel)
        # y = γ_c · x̂ + β_c
        return _scale_and_shift(x_hat, weight, bias)

    @torch.no_grad()
    def _update_running_statistics(self, mean: Tensor, biased_var: Tensor, values_per_channel: int) -> None:
        self.num_batches_tracked += 1
        # momentum=None: the cumulative average of every batch so far
        momentum = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        # running_mean ← (1 − momentum) · running_mean + momentum · μ_c
        self.running_mean.mul_(1 - momentum).add_(momentum * mean)
        # running_var ← (1 − momentum) · running_var + momentum · m/(m − 1) · σ²_c   (unbiased)
        unbiased_var = biased_var * (values_per_channel / (values_per_channel - 1))
        self.running_var.mul_(1 - momentum).add_(momentum * unbiased_var)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) features or (N, C, L) sequences, as ``torch.nn.BatchNorm1d``."""

    expected_shapes = {2: "(N, C)", 3: "(N, C, L)"}


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) images, as ``torch.nn.BatchNorm2d``."""

    expected_shapes = {4: "(N, C, H, W)"}
