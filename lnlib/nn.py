r"""The nine norms of ``torch.nn`` as torch modules, from elementary ops.

``LayerNorm``, ``RMSNorm``, ``BatchNorm1d``/``2d``/``3d``, ``GroupNorm`` and ``InstanceNorm1d``/``2d``/``3d``
take the constructor arguments of their ``torch.nn`` namesakes (torch 2.13), have the same parameters and
buffers under the same names and in the same order (so a ``state_dict`` loads either way), the same
``repr``, the same train/eval behaviour and the same exceptions for bad input. The forward pass uses only
``mean``, subtraction, multiplication, ``reshape`` and ``rsqrt``, never torch's own normalization kernels;
autograd derives the backward pass from those steps. The maths is the one of :mod:`lnlib.functional`,
written here for tensors: every norm but RMSNorm is :func:`standardize` over its dims.

Its size is earned by one concern, the norms as torch modules: torch's whole contract for nine modules
(arguments, parameters, buffers, state_dicts, errors), each with its maths and a doctest.

Examples::

    >>> import torch
    >>> from lnlib import nn as lnn
    >>> x = torch.randn(4, 6, 5, generator=torch.Generator().manual_seed(0))
    >>> torch.allclose(lnn.GroupNorm(6, 6, affine=False)(x), lnn.InstanceNorm1d(6)(x), atol=1e-6)
    True
"""

from __future__ import annotations

import math
import warnings
from typing import ClassVar

import torch
from torch import Tensor, nn

from .functional import _shape_tuple

__all__ = [
    "standardize",
    "LayerNorm",
    "RMSNorm",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
]


def standardize(x: Tensor, dim, eps: float = 1e-5, *, return_moments: bool = False):
    r"""Zero mean and unit variance over ``dim``: the torch twin of :func:`lnlib.functional.standardize`.

    .. math::  \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}

    with :math:`\mu, \sigma^2` the mean and biased variance over ``dim``, by the corrected two-pass
    algorithm (see :func:`lnlib.functional.moments`).

    Args:
        x: a floating-point tensor.
        dim: a dim or a tuple of dims (negative ones count from the end).
        eps: added to the variance under the square root.
        return_moments: also return the mean and the biased variance.

    Shape:
        - ``x_hat``: as ``x``.
        - ``mean``, ``var`` (with ``return_moments=True``): as ``x`` with each dim of ``dim`` of size 1.
          ``var`` is as computed, before the clamp at 0 that protects the square root.

    Examples::

        >>> x = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
        >>> standardize(x, dim=1).round(decimals=4)
        tensor([[-1.2247,  0.0000,  1.2247],
                [-1.2247,  0.0000,  1.2247]])
        >>> x_hat, mean, var = standardize(x, dim=0, return_moments=True)
        >>> mean, var
        (tensor([[1.5000, 3.0000, 4.5000]]), tensor([[0.2500, 1.0000, 2.2500]]))
    """
    # μ = (1/n) Σ x
    mean = x.mean(dim=dim, keepdim=True)
    # d = x − μ
    centered = x - mean
    # σ² = (1/n) Σ d² − ((1/n) Σ d)²
    var = (centered * centered).mean(dim=dim, keepdim=True) - centered.mean(dim=dim, keepdim=True) ** 2
    # x̂ = (x − μ) / sqrt(σ² + ε)
    x_hat = centered * torch.rsqrt(var.clamp(min=0) + eps)
    return (x_hat, mean, var) if return_moments else x_hat


class LayerNorm(nn.Module):
    r"""Layer norm over the last ``len(normalized_shape)`` dims, as ``torch.nn.LayerNorm``.

    .. math::  y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta

    with :math:`\mu, \sigma^2` the mean and biased variance of each example's (or token's) features.

    Args:
        normalized_shape: the shape of the last dims to normalize over (an int for one dim).
        eps: added to the variance under the square root. Default: 1e-5.
        elementwise_affine: learn γ (ones) and β (zeros) of shape normalized_shape. Default: True.
        bias: with ``elementwise_affine``, learn β too. Default: True.
        device, dtype: of the parameters.

    Shape:
        - Input: (*, *normalized_shape); output: the same.

    Examples::

        >>> x = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))
        >>> norm = LayerNorm(8)
        >>> norm
        LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> norm(x).shape
        torch.Size([2, 5, 8])
        >>> torch.allclose(norm(x), torch.nn.LayerNorm(8)(x), atol=1e-6)
        True
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, bias, device, dtype)

    def reset_parameters(self) -> None:
        """γ ← 1, β ← 0, as at construction."""
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        dims = _trailing_dims(input, self.normalized_shape)
        # x̂ = (x − μ) / sqrt(σ² + ε), over each example's features
        x_hat = standardize(input, dims, self.eps)
        # y = γ ⊙ x̂ + β
        return _scale_and_shift(x_hat, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(nn.Module):
    r"""Root-mean-square norm over the last ``len(normalized_shape)`` dims, as ``torch.nn.RMSNorm``.

    .. math::  y = \frac{x}{\sqrt{\tfrac1n \sum x_i^2 + \epsilon}} \odot \gamma

    Args:
        normalized_shape: the shape of the last dims to normalize over (an int for one dim).
        eps: added to the mean square under the square root; None (the default) means the input
            dtype's machine epsilon, as torch.
        elementwise_affine: learn γ (ones) of shape normalized_shape. Default: True.
        device, dtype: of the parameter.

    Shape:
        - Input: (*, *normalized_shape); output: the same.

    Examples::

        >>> x = torch.randn(2, 5, 8, generator=torch.Generator().manual_seed(0))
        >>> norm = RMSNorm(8)
        >>> norm
        RMSNorm((8,), eps=None, elementwise_affine=True)
        >>> torch.allclose(norm(x), torch.nn.RMSNorm(8)(x), atol=1e-6)
        True
    """

    def __init__(
        self,
        normalized_shape,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, None, device, dtype)

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


class GroupNorm(nn.Module):
    r"""Group norm of (N, C, *) inputs, as ``torch.nn.GroupNorm``.

    The C channels are split into ``num_groups`` groups of C/G consecutive channels, and each group of
    each example is standardized over its channels and positions:

    .. math::  y_{nc\dots} = \frac{x_{nc\dots} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}} \gamma_c + \beta_c

    It uses no batch statistics, so training and evaluation compute the same thing.

    Args:
        num_groups: G, which must divide ``num_channels``.
        num_channels: C.
        eps: added to the variance under the square root. Default: 1e-5.
        affine: learn γ (ones) and β (zeros) per channel. Default: True.
        device, dtype: of the parameters.
        bias: with ``affine``, learn β too. Default: True.

    Shape:
        - Input: (N, C, *); output: the same. (torch takes no input without a batch dim here.)

    Examples::

        >>> x = torch.randn(2, 6, 4, 4, generator=torch.Generator().manual_seed(0))
        >>> norm = GroupNorm(3, 6)
        >>> norm
        GroupNorm(3, 6, eps=1e-05, affine=True, bias=True)
        >>> torch.allclose(norm(x), torch.nn.GroupNorm(3, 6)(x), atol=1e-6)
        True
        >>> GroupNorm(4, 6)
        Traceback (most recent call last):
        ...
        ValueError: GroupNorm: num_groups=4 does not divide num_channels=6
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_groups == 0 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_groups={num_groups} does not divide num_channels={num_channels}"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _register_affine(self, (num_channels,), affine, bias, device, dtype)

    def reset_parameters(self) -> None:
        """γ ← 1, β ← 0, as at construction."""
        _reset_affine(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        _check_float(input)
        if input.dim() < 2:
            raise RuntimeError(f"GroupNorm expects an (N, C, *) input, got shape {tuple(input.shape)}")
        batch, channels = input.shape[:2]
        if channels != self.num_channels and (self.weight is not None or self.bias is not None):
            raise RuntimeError(
                f"GroupNorm({self.num_groups}, {self.num_channels}) expects "
                f"{self.num_channels} channels in dim 1, got shape {tuple(input.shape)}"
            )
        if channels % self.num_groups:  # only reachable without γ and β, which pin the channels
            raise RuntimeError(
                f"GroupNorm: num_groups={self.num_groups} does not divide the {channels} "
                f"channels of an input of shape {tuple(input.shape)}"
            )
        # (N, C, *) seen as (N, G, C/G, *): one group per index of dim 1
        group_shape = (batch, self.num_groups, channels // self.num_groups) + tuple(input.shape[2:])
        grouped = input.reshape(group_shape)
        # x̂ = (x − μ_ng) / sqrt(σ²_ng + ε), over the C/G channels of group g and their positions
        x_hat = standardize(grouped, tuple(range(2, grouped.dim())), self.eps).reshape(input.shape)
        # y = γ_c · x̂ + β_c
        return _scale_and_shift(x_hat, *_per_channel(input.dim(), self.weight, self.bias))

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _NormBase(nn.Module):
    """What batch and instance norm share, as torch's ``_NormBase``: the constructor, the parameters and
    running statistics, their reset, the repr, old state_dicts, and normalizing with running statistics."""

    _version = 2  # the state_dict version of torch's norms (num_batches_tracked was added at 2)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _register_affine(self, (num_features,), affine, bias, device, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", torch.ones(num_features, device=device, dtype=dtype))
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

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # A state_dict saved before version 2 (or without metadata) has no num_batches_tracked. As torch, it
        # loads, and the module keeps its own count (0 for a fresh module; a meta count becomes a real 0).
        version = local_metadata.get("version", None)
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            own_count = self.num_batches_tracked
            real = own_count is not None and own_count.device != torch.device("meta")
            state_dict[key] = own_count if real else torch.tensor(0, dtype=torch.long)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def _normalize_with_running_statistics(self, input: Tensor, per_channel: tuple) -> Tensor:
        # x̂ = (x − running_mean) / sqrt(running_var + ε)
        return (input - self.running_mean.reshape(per_channel)) * torch.rsqrt(
            self.running_var.reshape(per_channel) + self.eps
        )

    @torch.no_grad()
    def _blend_into_running_statistics(
        self, mean: Tensor, biased_var: Tensor, values_per_channel: int, momentum: float
    ) -> None:
        # running_mean ← (1 − momentum) · running_mean + momentum · μ_c
        self.running_mean.mul_(1 - momentum).add_(momentum * mean)
        # running_var ← (1 − momentum) · running_var + momentum · m/(m − 1) · σ²_c   (unbiased)
        unbiased_var = biased_var * (values_per_channel / (values_per_channel - 1))
        self.running_var.mul_(1 - momentum).add_(momentum * unbiased_var)


class _BatchNorm(_NormBase):
    r"""Batch norm over every dim but the channel dim 1; ``BatchNorm1d``, ``2d``, ``3d`` fix the input's rank.

    .. math::  y_{nc\dots} = \frac{x_{nc\dots} - \mu_c}{\sqrt{\sigma^2_c + \epsilon}} \gamma_c + \beta_c

    In training, :math:`\mu_c, \sigma^2_c` are the batch's mean and biased variance, and the running
    statistics are updated with the unbiased variance:
    ``running ← (1 − momentum)·running + momentum·batch`` (``momentum=None``: the cumulative average,
    momentum = 1/num_batches_tracked). In eval they are ``running_mean`` and ``running_var``; with
    ``track_running_stats=False`` there are none, and the batch's statistics are used in eval too.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance under the square root. Default: 1e-5.
        momentum: the weight of each batch in the running statistics, or None for their cumulative
            average. Default: 0.1.
        affine: learn γ (ones) and β (zeros) per channel. Default: True.
        track_running_stats: keep running statistics for evaluation. Default: True.
        device, dtype: of the parameters and running statistics.
        bias: with ``affine``, learn β too. Default: True.
    """

    expected_shapes: ClassVar[dict] = {}  # input rank -> the shape's letters, set by each subclass

    def _check_input(self, input: Tensor) -> None:
        _check_float(input)
        if input.dim() not in self.expected_shapes:
            shapes = " or ".join(f"{rank}D {letters}" for rank, letters in self.expected_shapes.items())
            raise ValueError(
                f"{type(self).__name__} expects a {shapes} input, got shape {tuple(input.shape)}"
            )
        # torch checks the channels only against a per-channel tensor: without γ, β or running statistics,
        # num_features is unused and any number of channels is normalized.
        per_channel_tensors = (self.weight, self.bias, self.running_mean)
        if input.shape[1] != self.num_features and any(t is not None for t in per_channel_tensors):
            raise RuntimeError(
                f"{type(self).__name__}({self.num_features}) expects {self.num_features} "
                f"channels in dim 1, got shape {tuple(input.shape)}"
            )

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        dims = (0,) + tuple(range(2, input.dim()))
        per_channel = (1, -1) + (1,) * (input.dim() - 2)
        weight, bias = _per_channel(input.dim(), self.weight, self.bias)
        use_batch_statistics = self.training or self.running_mean is None
        if not use_batch_statistics:
            if self.eps < 0:
                raise ValueError(f"batch_norm eps must be non-negative, but got {self.eps}")
            x_hat = self._normalize_with_running_statistics(input, per_channel)
            return _scale_and_shift(x_hat, weight, bias)

        values_per_channel = input.shape[0] * math.prod(input.shape[2:])
        if values_per_channel == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {tuple(input.shape)}"
            )
        if self.eps <= 0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {self.eps}")
        # x̂ = (x − μ_c) / sqrt(σ²_c + ε), μ_c and σ²_c over the batch (and positions)
        x_hat, mean, var = standardize(input, dims, self.eps, return_moments=True)
        if self.training and self.track_running_stats:
            self._update_running_statistics(mean.reshape(-1), var.reshape(-1), values_per_channel)
        # y = γ_c · x̂ + β_c
        return _scale_and_shift(x_hat, weight, bias)

    @torch.no_grad()
    def _update_running_statistics(self, mean: Tensor, biased_var: Tensor, values_per_channel: int) -> None:
        self.num_batches_tracked += 1
        # momentum=None: the cumulative average of every batch so far
        momentum = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        if values_per_channel == 0:
            return  # torch: an empty batch counts in num_batches_tracked but moves no statistic
        self._blend_into_running_statistics(mean, biased_var, values_per_channel, momentum)


class BatchNorm1d(_BatchNorm):
    r"""Batch norm of (N, C) features or (N, C, L) sequences, as ``torch.nn.BatchNorm1d``.

    The maths, arguments and running statistics are those of every batch norm (see ``_BatchNorm``).

    Shape:
        - Input: (N, C) or (N, C, L); output: the same.

    Examples::

        >>> x = torch.randn(8, 4, 5, generator=torch.Generator().manual_seed(0))
        >>> norm, theirs = BatchNorm1d(4), torch.nn.BatchNorm1d(4)
        >>> norm
        BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> torch.allclose(norm(x), theirs(x), atol=1e-6)
        True
        >>> torch.allclose(norm.running_var, theirs.running_var)
        True
        >>> norm(torch.randn(1, 4))
        Traceback (most recent call last):
        ...
        ValueError: Expected more than 1 value per channel when training, got input size (1, 4)
    """

    expected_shapes: ClassVar[dict] = {2: "(N, C)", 3: "(N, C, L)"}


class BatchNorm2d(_BatchNorm):
    r"""Batch norm of (N, C, H, W) images, as ``torch.nn.BatchNorm2d``.

    The maths, arguments and running statistics are those of every batch norm (see ``_BatchNorm``).

    Shape:
        - Input: (N, C, H, W); output: the same.

    Examples::

        >>> x = torch.randn(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
        >>> norm, theirs = BatchNorm2d(3).eval(), torch.nn.BatchNorm2d(3).eval()
        >>> torch.allclose(norm(x), theirs(x), atol=1e-6)
        True
    """

    expected_shapes: ClassVar[dict] = {4: "(N, C, H, W)"}


class BatchNorm3d(_BatchNorm):
    r"""Batch norm of (N, C, D, H, W) volumes, as ``torch.nn.BatchNorm3d``.

    The maths, arguments and running statistics are those of every batch norm (see ``_BatchNorm``).

    Shape:
        - Input: (N, C, D, H, W); output: the same.

    Examples::

        >>> x = torch.randn(2, 3, 2, 4, 4, generator=torch.Generator().manual_seed(0))
        >>> norm, theirs = BatchNorm3d(3, momentum=None), torch.nn.BatchNorm3d(3, momentum=None)
        >>> torch.allclose(norm(x), theirs(x), atol=1e-6), norm.num_batches_tracked
        (True, tensor(1))
    """

    expected_shapes: ClassVar[dict] = {5: "(N, C, D, H, W)"}


class _InstanceNorm(_NormBase):
    r"""Instance norm over the positions of each channel of each example; ``InstanceNorm1d``, ``2d`` and
    ``3d`` fix the number of position dims.

    .. math::  y_{nc\dots} = \frac{x_{nc\dots} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} \gamma_c + \beta_c

    With ``track_running_stats=True``, training updates running statistics with the examples' means and
    unbiased variances averaged over the batch, and evaluation uses them; otherwise (the default) each
    example's own statistics are used in training and evaluation alike. As torch: ``momentum=None`` means
    momentum 0 (the running statistics never move), and ``num_batches_tracked`` is never counted.

    Args:
        num_features: C, the number of channels.
        eps: added to the variance under the square root. Default: 1e-5.
        momentum: the weight of each batch in the running statistics. Default: 0.1.
        affine: learn γ (ones) and β (zeros) per channel. Default: False.
        track_running_stats: keep running statistics for evaluation. Default: False.
        device, dtype: of the parameters and running statistics.
        bias: with ``affine``, learn β too. Default: True.
    """

    position_dims: ClassVar[int] = 0  # set by each subclass
    position_letters: ClassVar[str] = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        _check_float(input)
        unbatched_rank = self.position_dims + 1
        if input.dim() not in (unbatched_rank, unbatched_rank + 1):
            letters = self.position_letters
            raise ValueError(
                f"{type(self).__name__} expects a {unbatched_rank}D (C, {letters}) or "
                f"{unbatched_rank + 1}D (N, C, {letters}) input, got shape {tuple(input.shape)}"
            )
        channel_dim = input.dim() - unbatched_rank
        name, channels, shape = type(self).__name__, self.num_features, tuple(input.shape)
        if input.shape[channel_dim] != channels:
            if self.affine:
                raise ValueError(
                    f"{name}({channels}, affine=True) expects {channels} channels in dim "
                    f"{channel_dim}, got shape {shape}"
                )
            # torch: without γ and β, num_features is unused; a warning, then running statistics (if any) fail
            warnings.warn(
                f"{name}({channels}) got {input.shape[channel_dim]} channels in dim {channel_dim}; "
                f"num_features is unused because affine=False",
                stacklevel=2,
            )
            if self.running_mean is not None:
                raise RuntimeError(
                    f"{name}({channels}) has running statistics for {channels} channels, got shape {shape}"
                )
        if channel_dim == 0:  # no batch dim: a batch of one
            return self._normalize(input.unsqueeze(0)).squeeze(0)
        return self._normalize(input)

    def _normalize(self, input: Tensor) -> Tensor:
        per_channel = (1, -1) + (1,) * self.position_dims
        weight, bias = _per_channel(input.dim(), self.weight, self.bias)
        if not self.training and self.track_running_stats:
            x_hat = self._normalize_with_running_statistics(input, per_channel)
            return _scale_and_shift(x_hat, weight, bias)

        positions = math.prod(input.shape[2:])
        if positions == 1:  # torch says "when training" even in eval without running statistics
            raise ValueError(
                f"Expected more than 1 spatial element when training, got input size {tuple(input.shape)}"
            )
        # x̂ = (x − μ_nc) / sqrt(σ²_nc + ε), μ_nc and σ²_nc over the positions of channel c of example n
        x_hat, mean, var = standardize(input, tuple(range(2, input.dim())), self.eps, return_moments=True)
        if self.running_mean is not None and positions > 0:
            # the examples' statistics averaged over the batch (an empty batch: NaN, as torch)
            momentum = 0.0 if self.momentum is None else self.momentum
            self._blend_into_running_statistics(
                mean.mean(dim=0).reshape(-1), var.mean(dim=0).reshape(-1), positions, momentum
            )
        # y = γ_c · x̂ + β_c
        return _scale_and_shift(x_hat, weight, bias)

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # As torch: running statistics in a state_dict without metadata, for a module that tracks none,
        # are an error (instance norm stopped tracking them by default in torch 0.4).
        keys = [prefix + name for name in ("running_mean", "running_var") if prefix + name in state_dict]
        if local_metadata.get("version", None) is None and not self.track_running_stats and keys:
            error_msgs.append(
                f"Unexpected running statistics {' and '.join(keys)} for {type(self).__name__} "
                f"with track_running_stats=False: remove them, or construct it with "
                f"track_running_stats=True to use them"
            )
            for key in keys:
                state_dict.pop(key)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


class InstanceNorm1d(_InstanceNorm):
    r"""Instance norm of (N, C, L) or unbatched (C, L) sequences, as ``torch.nn.InstanceNorm1d``.

    The maths, arguments and running statistics are those of every instance norm (see ``_InstanceNorm``).

    Shape:
        - Input: (N, C, L) or (C, L); output: the same.

    Examples::

        >>> x = torch.randn(2, 3, 6, generator=torch.Generator().manual_seed(0))
        >>> norm = InstanceNorm1d(3)
        >>> norm
        InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
        >>> torch.allclose(norm(x), torch.nn.InstanceNorm1d(3)(x), atol=1e-6)
        True
        >>> torch.equal(norm(x[0]), norm(x[:1])[0])   # no batch dim: a batch of one
        True
    """

    position_dims = 1
    position_letters = "L"


class InstanceNorm2d(_InstanceNorm):
    r"""Instance norm of (N, C, H, W) or unbatched (C, H, W) images, as ``torch.nn.InstanceNorm2d``.

    The maths, arguments and running statistics are those of every instance norm (see ``_InstanceNorm``).

    Shape:
        - Input: (N, C, H, W) or (C, H, W); output: the same.

    Examples::

        >>> x = torch.randn(2, 3, 4, 4, generator=torch.Generator().manual_seed(0))
        >>> norm = InstanceNorm2d(3, affine=True, track_running_stats=True)
        >>> theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
        >>> torch.allclose(norm(x), theirs(x), atol=1e-6)
        True
        >>> torch.allclose(norm.running_var, theirs.running_var)
        True
    """

    position_dims = 2
    position_letters = "H, W"


class InstanceNorm3d(_InstanceNorm):
    r"""Instance norm of (N, C, D, H, W) or unbatched (C, D, H, W) volumes, as ``torch.nn.InstanceNorm3d``.

    The maths, arguments and running statistics are those of every instance norm (see ``_InstanceNorm``).

    Shape:
        - Input: (N, C, D, H, W) or (C, D, H, W); output: the same.

    Examples::

        >>> x = torch.randn(2, 3, 2, 3, 3, generator=torch.Generator().manual_seed(0))
        >>> torch.allclose(InstanceNorm3d(3)(x), torch.nn.InstanceNorm3d(3)(x), atol=1e-6)
        True
    """

    position_dims = 3
    position_letters = "D, H, W"


# ---------------------------------------------------------------------------
# Shared helpers: checks, parameters, scale and shift.
# ---------------------------------------------------------------------------


def _check_float(x: Tensor) -> None:
    if not torch.is_floating_point(x):
        raise TypeError(
            f"input must be a floating-point tensor, got dtype {x.dtype}; convert it with .float()"
        )


def _trailing_dims(x: Tensor, normalized_shape: tuple) -> tuple:
    """The last dims of ``x``, which must have the shape ``normalized_shape`` (a RuntimeError as torch's)."""
    _check_float(x)
    n = len(normalized_shape)
    if x.dim() < n or tuple(x.shape[x.dim() - n :]) != normalized_shape:
        raise RuntimeError(
            f"normalized_shape {normalized_shape} must match the last dimensions of the "
            f"input, but the input has shape {tuple(x.shape)}"
        )
    return tuple(range(-n, 0))


def _register_affine(module: nn.Module, shape: tuple, affine: bool, bias: bool | None, device, dtype) -> None:
    """γ (ones) and, unless ``bias`` is False or None, β (zeros) of ``shape``; each absent one registered
    as None, as torch does, so that the parameters and state_dict keys are torch's."""
    factory = {"device": device, "dtype": dtype}
    module.register_parameter("weight", nn.Parameter(torch.ones(shape, **factory)) if affine else None)
    if bias is not None:
        beta = nn.Parameter(torch.zeros(shape, **factory)) if affine and bias else None
        module.register_parameter("bias", beta)


@torch.no_grad()
def _reset_affine(weight: Tensor | None, bias: Tensor | None) -> None:
    """γ ← 1 and β ← 0: the identity, where a norm's scale and shift start."""
    if weight is not None:
        weight.fill_(1)
    if bias is not None:
        bias.zero_()


def _per_channel(rank: int, *vectors: Tensor | None) -> tuple:
    """(C,) vectors (or None) shaped (1, C, 1, ...) to broadcast against a rank-``rank`` (N, C, ...) input."""
    shape = (1, -1) + (1,) * (rank - 2)
    return tuple(None if v is None else v.reshape(shape) for v in vectors)


def _scale_and_shift(x_hat: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """y = x̂ · γ + β, skipping what is None (γ and β already broadcast against x̂)."""
    if weight is not None:
        x_hat = x_hat * weight
    if bias is not None:
        x_hat = x_hat + bias
    return x_hat
