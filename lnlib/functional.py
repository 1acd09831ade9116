r"""Batch, layer, instance, group and RMS normalization in NumPy, computed as PyTorch computes them.

One function does the work of four norms: :func:`standardize`,

.. math::  \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}},
           \quad \mu = \tfrac1n \sum x, \quad \sigma^2 = \tfrac1n \sum (x - \mu)^2

taken over some axes of ``x``. The norms differ only in those axes (``x`` of shape (N, C, *) for the
channel norms, (*, *normalized_shape) for layer and RMS norm)::

    norm           axes of the statistics                     as code
    -------------  -----------------------------------------  -------------------------------------------
    batch_norm     every axis but the channel axis 1          standardize(x, axis=(0, 2, 3, ...))
    layer_norm     the last k = len(normalized_shape) axes    standardize(x, axis=(-k, ..., -1))
    instance_norm  every axis after the channel axis          standardize(x, axis=(2, 3, ...))
    group_norm     the C/G channels of a group, and every     standardize(x.reshape(N, G, C // G, *),
                   axis after the channel axis                            axis=(2, 3, ...)).reshape(x.shape)
    rms_norm       the last k = len(normalized_shape) axes    x / sqrt(mean(x², axis=(-k, ..., -1)) + eps)
                   (no centering: the root mean square only)

then each is scaled and shifted, ``* weight + bias``, per feature (layer norm) or per channel (batch,
instance and group norm). The variance is the *biased* one (divide by n) in all of them. Batch and
instance norm's running variance, an estimate of the population's, is the *unbiased* one (divide by n - 1).

Signatures mirror ``torch.nn.functional``. This module imports NumPy only: no torch.
Arrays must be float32 or float64, and the result has the input's dtype.

Its size is earned by one concern, the norms in NumPy: the shared core first, then the five norms, their
backward passes, each with its maths and a doctest, and the input checks last.

Examples::

    >>> import numpy as np
    >>> from lnlib import functional
    >>> x = np.random.default_rng(0).standard_normal((4, 6, 5))
    >>> np.array_equal(functional.instance_norm(x), functional.standardize(x, axis=2))
    True
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "moments",
    "standardize",
    "layer_norm",
    "batch_norm",
    "instance_norm",
    "group_norm",
    "rms_norm",
    "layer_norm_backward",
    "batch_norm_backward",
    "instance_norm_backward",
    "group_norm_backward",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


# ---------------------------------------------------------------------------
# The shared core.
# ---------------------------------------------------------------------------


def moments(x, axis) -> tuple:
    r"""Mean and biased variance of ``x`` over ``axis``, kept as size-1 axes.

    .. math::  \mu = \tfrac1n \sum x_i, \qquad
               \sigma^2 = \tfrac1n \sum (x_i - \mu)^2 - \Bigl(\tfrac1n \sum (x_i - \mu)\Bigr)^2

    The second term of :math:`\sigma^2` is zero in exact arithmetic; in floating point
    it removes the error left by rounding :math:`\mu` (the corrected two-pass algorithm of
    Chan, Golub and LeVeque, 1983). Never :math:`E[x^2] - E[x]^2`: in float32 it cancels
    catastrophically when the mean is large next to the spread (1e4 + N(0, 0.1²) gives
    garbage, even negative variances).

    Args:
        x: a float32 or float64 array.
        axis: an axis or a tuple of axes (negative ones count from the end).

    Shape:
        - ``x``: any.
        - ``mean``, ``var``: as ``x`` with each axis of ``axis`` of size 1.

    Examples::

        >>> mean, var = moments(np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 10.0]]), axis=1)
        >>> mean.ravel(), var.ravel().round(4)
        (array([ 2., 10.]), array([0.6667, 0.    ]))
    """
    x = _as_float_array(x)
    axes = _axes_tuple(axis, x.ndim)
    mean, var, _ = _centered_moments(x, axes)
    return mean, var


def _centered_moments(x: np.ndarray, axes: tuple) -> tuple:
    """Mean, biased variance and the centered input x − μ (a new array, free to overwrite)."""
    n = np.prod([x.shape[a] for a in axes])
    # μ = (1/n) Σ x
    mean = x.mean(axis=axes, keepdims=True)
    # d = x − μ
    centered = x - mean
    # σ² = (1/n) Σ d² − ((1/n) Σ d)²
    every_axis = list(range(x.ndim))
    kept_axes = [a for a in every_axis if a not in axes]
    sum_of_squares = np.einsum(centered, every_axis, centered, every_axis, kept_axes)
    drift = centered.mean(axis=axes, keepdims=True)
    var = sum_of_squares.reshape(drift.shape) / x.dtype.type(n) - drift * drift
    # A variance is never negative; rounding must not make it so.
    np.maximum(var, 0, out=var)
    return mean, var, centered


def standardize(x, axis, eps: float = 1e-5, *, return_moments: bool = False):
    r"""Zero mean and unit variance over ``axis``: the core of layer, batch, instance and group norm.

    .. math::  \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}

    with :math:`\mu, \sigma^2` the mean and biased variance over ``axis`` (see :func:`moments`),
    and :math:`\epsilon` inside the square root, as in PyTorch.

    - layer norm of (N, D) features: ``axis=-1``; of (N, L, D) tokens: ``axis=-1``;
    - batch norm of (N, C): ``axis=0``; of (N, C, L): ``axis=(0, 2)``; of (N, C, H, W): ``axis=(0, 2, 3)``;
    - instance norm of (N, C, H, W): ``axis=(2, 3)``;
    - group norm of (N, C, H, W) in G groups: ``axis=(2, 3, 4)`` of ``x.reshape(N, G, C // G, H, W)``.

    Args:
        x: a float32 or float64 array.
        axis: an axis or a tuple of axes (negative ones count from the end).
        eps: added to the variance under the square root. With ``eps = 0``, a constant slice
            gives 0/0 = NaN, as in torch.
        return_moments: also return the mean and the biased variance.

    Shape:
        - ``x_hat``: the shape and dtype of ``x``.
        - ``mean``, ``var`` (with ``return_moments=True``): as ``x`` with each axis of ``axis`` of size 1.

    Examples::

        >>> x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
        >>> standardize(x, axis=1).round(4)
        array([[-1.2247,  0.    ,  1.2247],
               [-1.2247,  0.    ,  1.2247]])
        >>> x_hat, mean, var = standardize(x, axis=0, return_moments=True)
        >>> mean, var
        (array([[1.5, 3. , 4.5]]), array([[0.25, 1.  , 2.25]]))
    """
    x = _as_float_array(x)
    axes = _axes_tuple(axis, x.ndim)
    _check_eps(eps)
    mean, var, centered = _centered_moments(x, axes)
    with np.errstate(divide="ignore", invalid="ignore"):
        # 1 / sqrt(σ² + ε)
        inverse_std = 1 / np.sqrt(var + x.dtype.type(eps))
        # x̂ = (x − μ) · 1/sqrt(σ² + ε)   (in place: `centered` is ours)
        x_hat = np.multiply(centered, inverse_std, out=centered)
    return (x_hat, mean, var) if return_moments else x_hat


def _scale_and_shift(x_hat: np.ndarray, weight, bias) -> np.ndarray:
    """y = x̂ · γ + β in place, skipping what is None."""
    if weight is not None:
        x_hat *= weight
    if bias is not None:
        x_hat += bias
    return x_hat


# ---------------------------------------------------------------------------
# The norms.
# ---------------------------------------------------------------------------


def layer_norm(x, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> np.ndarray:
    r"""Layer normalization (Ba, Kiros and Hinton, 2016), as ``torch.nn.functional.layer_norm``.

    Each example is standardized over its last ``len(normalized_shape)`` axes,
    then scaled and shifted feature by feature:

    .. math::  y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} \odot \gamma + \beta

    - (N, D) with normalized_shape D: :math:`\mu_n, \sigma^2_n` over the D features of example n;
    - (N, L, D) with normalized_shape D: over the D features of each token (n, l);
    - (N, C, H, W) with normalized_shape (C, H, W): over all C·H·W values of example n.

    Args:
        x: a float32 or float64 array.
        normalized_shape: the shape of the last axes to normalize over (an int for one axis).
        weight: γ, or None for no scaling.
        bias: β, or None for no shift.
        eps: added to the variance under the square root.

    Shape:
        - ``x``: (*, *normalized_shape); the result: as ``x``.
        - ``weight``, ``bias``: normalized_shape.

    Examples::

        >>> x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 9.0]])
        >>> layer_norm(x, 3, weight=np.full(3, 2.0), bias=np.ones(3)).round(3)
        array([[-1.449,  1.   ,  3.449],
               [-1.038,  0.321,  3.717]])
    """
    x = _as_float_array(x)
    axes = _trailing_axes(x, normalized_shape)
    feature_shape = x.shape[axes[0] :]
    weight = _as_parameter(weight, feature_shape, x.dtype, "weight")
    bias = _as_parameter(bias, feature_shape, x.dtype, "bias")
    # x̂ = (x − μ) / sqrt(σ² + ε), μ and σ² over the feature axes of each example
    x_hat = standardize(x, axes, eps)
    # y = γ ⊙ x̂ + β
    return _scale_and_shift(x_hat, weight, bias)


def batch_norm(
    x,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Batch normalization (Ioffe and Szegedy, 2015), as ``torch.nn.functional.batch_norm``.

    Each channel c is standardized over every other axis, then scaled and shifted:

    .. math::  y_{n c \dots} = \frac{x_{n c \dots} - \mu_c}{\sqrt{\sigma^2_c + \epsilon}} \gamma_c + \beta_c

    - (N, C): :math:`\mu_c, \sigma^2_c` over the N examples;
    - (N, C, L): over the N·L values of channel c;
    - (N, C, H, W): over the N·H·W values of channel c.

    ``training=True``: :math:`\mu_c, \sigma^2_c` are the batch's mean and *biased* variance, and
    the running statistics, when given, are updated in place with the *unbiased* variance
    (m = N·L or N·H·W values per channel):

    .. math::  \text{running\_mean} \leftarrow (1 - \text{momentum})\,\text{running\_mean}
               + \text{momentum}\,\mu_c
    .. math::  \text{running\_var} \leftarrow (1 - \text{momentum})\,\text{running\_var}
               + \text{momentum}\,\tfrac{m}{m-1}\sigma^2_c

    An empty batch (m = 0) gives an empty result and leaves the running statistics as they are, as torch.

    ``training=False``: :math:`\mu_c, \sigma^2_c` are ``running_mean`` and ``running_var``,
    which are left unchanged.

    Args:
        x: a float32 or float64 array.
        running_mean, running_var: writable arrays updated in place in training, or None.
        weight: γ, or None for no scaling.
        bias: β, or None for no shift.
        training: normalize with the batch's statistics (True) or the running ones (False).
        momentum: the weight of the batch in the running statistics' update.
        eps: added to the variance under the square root (positive in training, as torch).

    Shape:
        - ``x``: (N, C, *); the result: as ``x``.
        - ``running_mean``, ``running_var``, ``weight``, ``bias``: (C,).

    Examples::

        >>> x = np.array([[1.0, 10.0], [3.0, 30.0]])
        >>> running_mean, running_var = np.zeros(2), np.ones(2)
        >>> batch_norm(x, running_mean, running_var, training=True).round(3)
        array([[-1., -1.],
               [ 1.,  1.]])
        >>> running_mean, running_var
        (array([0.2, 2. ]), array([ 1.1, 20.9]))
    """
    x = _as_float_array(x)
    axes = _batch_norm_axes(x)
    weight, bias, running_mean, running_var = _channel_arguments(
        x, weight, bias, running_mean, running_var, updates_running_statistics=training
    )

    if not training:
        x_hat = _normalize_with_running_statistics(
            x,
            running_mean,
            running_var,
            eps,
            "batch_norm in evaluation mode (training=False)",
            "pass training=True",
        )
        return _scale_and_shift(x_hat, weight, bias)

    values_per_channel = x.size // x.shape[1] if x.shape[1] else 0
    if values_per_channel == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {x.shape}: "
            f"a channel's variance over a single value is meaningless"
        )
    if not eps > 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if values_per_channel == 0:
        # torch: an empty batch gives an empty output and leaves the running statistics as they are
        return np.empty_like(x)
    # x̂ = (x − μ_c) / sqrt(σ²_c + ε), μ_c and σ²_c over the batch (and positions)
    x_hat, mean, var = standardize(x, axes, eps, return_moments=True)
    _update_running_statistics(running_mean, running_var, mean, var, values_per_channel, momentum)
    # y = γ_c · x̂ + β_c
    return _scale_and_shift(x_hat, weight, bias)


def instance_norm(
    x,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> np.ndarray:
    r"""Instance normalization (Ulyanov et al., 2016), as ``torch.nn.functional.instance_norm``.

    Each channel of each example is standardized over its positions, then scaled and shifted:

    .. math::  y_{nc\dots} = \frac{x_{nc\dots} - \mu_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}} \gamma_c + \beta_c

    - (N, C, L): :math:`\mu_{nc}, \sigma^2_{nc}` over the L positions of channel c of example n;
    - (N, C, H, W): over the H·W pixels of channel c of example n.

    ``use_input_stats=True``: :math:`\mu_{nc}, \sigma^2_{nc}` are the example's mean and *biased*
    variance; the running statistics, when given, are updated in place with their averages over the
    N examples (the variance *unbiased*, m = L or H·W positions), as batch norm's:

    .. math::  \text{running\_var} \leftarrow (1 - \text{momentum})\,\text{running\_var}
               + \text{momentum}\,\tfrac1N \textstyle\sum_n \tfrac{m}{m-1}\sigma^2_{nc}

    ``use_input_stats=False``: every example is normalized with ``running_mean`` and ``running_var``.

    Args:
        x: a float32 or float64 array.
        running_mean, running_var: writable arrays updated in place with ``use_input_stats``, or None.
        weight: γ, or None for no scaling.
        bias: β, or None for no shift.
        use_input_stats: normalize with each example's statistics (True) or the running ones (False).
        momentum: the weight of the batch in the running statistics' update.
        eps: added to the variance under the square root.

    Shape:
        - ``x``: (N, C, *) with at least one position axis; the result: as ``x``.
        - ``running_mean``, ``running_var``, ``weight``, ``bias``: (C,).

    Examples::

        >>> x = np.array([[[1.0, 2.0, 3.0], [0.0, 0.0, 6.0]]])
        >>> instance_norm(x).round(3)
        array([[[-1.225,  0.   ,  1.225],
                [-0.707, -0.707,  1.414]]])
    """
    x = _as_float_array(x)
    axes = _instance_norm_axes(x)
    weight, bias, running_mean, running_var = _channel_arguments(
        x, weight, bias, running_mean, running_var, updates_running_statistics=use_input_stats
    )

    if not use_input_stats:
        x_hat = _normalize_with_running_statistics(
            x,
            running_mean,
            running_var,
            eps,
            "instance_norm with use_input_stats=False",
            "pass use_input_stats=True",
        )
        return _scale_and_shift(x_hat, weight, bias)

    positions = int(np.prod(x.shape[2:]))
    if positions == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {x.shape}: "
            f"an instance's variance over a single position is meaningless"
        )
    # x̂ = (x − μ_nc) / sqrt(σ²_nc + ε), μ_nc and σ²_nc over the positions of channel c of example n
    x_hat, mean, var = standardize(x, axes, eps, return_moments=True)
    if positions > 0:
        # the examples' statistics averaged over the batch (an empty batch: NaN, as torch)
        with np.errstate(invalid="ignore", divide="ignore"):
            batch_mean, batch_var = (s.sum(axis=0) / x.dtype.type(x.shape[0]) for s in (mean, var))
        _update_running_statistics(running_mean, running_var, batch_mean, batch_var, positions, momentum)
    # y = γ_c · x̂ + β_c
    return _scale_and_shift(x_hat, weight, bias)


def group_norm(x, num_groups: int, weight=None, bias=None, eps: float = 1e-5) -> np.ndarray:
    r"""Group normalization (Wu and He, 2018), as ``torch.nn.functional.group_norm``.

    The C channels are split into ``num_groups`` groups of C/G consecutive channels; each group of each
    example is standardized over its channels and positions, then scaled and shifted channel by channel:

    .. math::  y_{nc\dots} = \frac{x_{nc\dots} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}} \gamma_c
               + \beta_c, \qquad g = \lfloor c / (C/G) \rfloor

    One group is layer norm over (C, *) with per-channel γ, β; C groups are instance norm.

    Args:
        x: a float32 or float64 array.
        num_groups: G, which must divide the number of channels C.
        weight: γ, or None for no scaling.
        bias: β, or None for no shift.
        eps: added to the variance under the square root.

    Shape:
        - ``x``: (N, C, *); the result: as ``x``.
        - ``weight``, ``bias``: (C,).

    Examples::

        >>> x = np.array([[1.0, 3.0, 10.0, 20.0]])
        >>> group_norm(x, num_groups=2).round(3)
        array([[-1., 1., -1., 1.]])
        >>> group_norm(x, num_groups=3)
        Traceback (most recent call last):
        ...
        ValueError: group_norm: num_groups=3 does not divide the 4 channels of an input of shape (1, 4)
    """
    x = _as_float_array(x)
    grouped = _grouped(x, num_groups)
    channels = (x.shape[1],)
    weight = _as_parameter(weight, channels, x.dtype, "weight")
    bias = _as_parameter(bias, channels, x.dtype, "bias")
    weight, bias = (None if p is None else _per_channel(p, x.ndim) for p in (weight, bias))
    # x̂ = (x − μ_ng) / sqrt(σ²_ng + ε), μ_ng and σ²_ng over the C/G channels of group g and their positions
    x_hat = standardize(grouped, tuple(range(2, grouped.ndim)), eps).reshape(x.shape)
    # y = γ_c · x̂ + β_c
    return _scale_and_shift(x_hat, weight, bias)


def rms_norm(x, normalized_shape, weight=None, eps: float | None = None) -> np.ndarray:
    r"""Root-mean-square normalization (Zhang and Sennrich, 2019), as ``torch.nn.functional.rms_norm``.

    Like layer norm without the centering and without a bias:

    .. math::  y = \frac{x}{\sqrt{\tfrac1n \sum x_i^2 + \epsilon}} \odot \gamma

    over the last ``len(normalized_shape)`` axes, for (N, D), (N, L, D) or any (*, *normalized_shape).

    Args:
        x: a float32 or float64 array.
        normalized_shape: the shape of the last axes to normalize over (an int for one axis).
        weight: γ, or None for no scaling.
        eps: added to the mean square under the square root; None means the dtype's machine
            epsilon (1.19e-7 for float32, 2.22e-16 for float64), as torch.

    Shape:
        - ``x``: (*, *normalized_shape); the result: as ``x``.
        - ``weight``: normalized_shape.

    Examples::

        >>> rms_norm(np.array([[3.0, 4.0], [1.0, -1.0]]), 2).round(4)
        array([[ 0.8485,  1.1314],
               [ 1.    , -1.    ]])
    """
    x = _as_float_array(x)
    axes = _trailing_axes(x, normalized_shape)
    weight = _as_parameter(weight, x.shape[axes[0] :], x.dtype, "weight")
    eps = np.finfo(x.dtype).eps if eps is None else eps
    _check_eps(eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        # 1 / sqrt(mean(x²) + ε)
        inverse_rms = 1 / np.sqrt(np.mean(x * x, axis=axes, keepdims=True) + x.dtype.type(eps))
        # y = x / rms(x) ⊙ γ
        return _scale_and_shift(x * inverse_rms, weight, None)


def _normalize_with_running_statistics(
    x: np.ndarray, running_mean, running_var, eps: float, caller: str, alternative: str
) -> np.ndarray:
    """x̂ with the running statistics in place of the batch's (batch norm's eval, instance norm's
    ``use_input_stats=False``)."""
    if running_mean is None or running_var is None:
        raise ValueError(
            f"{caller} needs running_mean and running_var; "
            f"{alternative} to normalize with the input's statistics"
        )
    _check_eps(eps)
    mean, var = (_per_channel(s, x.ndim) for s in (running_mean, running_var))
    with np.errstate(divide="ignore", invalid="ignore"):
        # x̂ = (x − running_mean) / sqrt(running_var + ε)
        return (x - mean) * (1 / np.sqrt(var + x.dtype.type(eps)))


def _update_running_statistics(
    running_mean, running_var, mean: np.ndarray, var: np.ndarray, values_per_channel: int, momentum: float
) -> None:
    """The in-place update of batch and instance norm's running statistics (each may be None);
    ``var`` is biased, over ``values_per_channel`` values."""
    if running_mean is not None:
        # running_mean ← (1 − momentum) · running_mean + momentum · μ_c
        running_mean *= 1 - momentum
        running_mean += momentum * mean.reshape(-1)
    if running_var is not None:
        # running_var ← (1 − momentum) · running_var + momentum · m/(m − 1) · σ²_c   (unbiased)
        running_var *= 1 - momentum
        running_var += momentum * var.reshape(-1) * (values_per_channel / (values_per_channel - 1))


# ---------------------------------------------------------------------------
# Backward passes, derived by hand (the derivation is in notebook 05).
# ---------------------------------------------------------------------------


def _standardize_backward(
    grad_x_hat: np.ndarray, x_hat: np.ndarray, inverse_std: np.ndarray, axes: tuple
) -> np.ndarray:
    r"""Gradient through x̂ = (x − μ)/sqrt(σ² + ε) with μ, σ² over ``axes``.

    .. math::  \frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
               \Bigl(g - \overline{g} - \hat x\,\overline{g \hat x}\Bigr),
               \qquad g = \frac{\partial L}{\partial \hat x},\ \overline{\,\cdot\,} = \text{mean over axes}
    """
    # mean of g over the normalized axes: the part of g that moves μ
    mean_grad = grad_x_hat.mean(axis=axes, keepdims=True)
    # mean of g·x̂: the part of g that moves σ²
    mean_grad_dot_x_hat = (grad_x_hat * x_hat).mean(axis=axes, keepdims=True)
    # ∂L/∂x = (g − mean(g) − x̂ · mean(g·x̂)) / sqrt(σ² + ε)
    return (grad_x_hat - mean_grad - x_hat * mean_grad_dot_x_hat) * inverse_std


def _normalization_backward(grad_out, x, axes: tuple, weight, eps: float, shared_axes: tuple) -> tuple:
    """Shared by every norm, which differ in the normalized ``axes`` and in the ``shared_axes``
    that γ and β are shared over; ``weight`` already broadcasts against ``x``."""
    grad_out = _as_float_array(grad_out, "grad_out")
    if grad_out.shape != x.shape or grad_out.dtype != x.dtype:
        raise ValueError(
            f"grad_out must have the input's shape and dtype {x.shape} {x.dtype}, "
            f"got {grad_out.shape} {grad_out.dtype}"
        )
    _check_eps(eps)
    x_hat, _, var = standardize(x, axes, eps, return_moments=True)
    inverse_std = 1 / np.sqrt(var + x.dtype.type(eps))
    if weight is None:
        return _standardize_backward(grad_out, x_hat, inverse_std, axes), None, None
    # ∂L/∂β = Σ ∂L/∂y,  ∂L/∂γ = Σ ∂L/∂y · x̂   (sums over the values that share one γ)
    grad_bias = grad_out.sum(axis=shared_axes)
    grad_weight = (grad_out * x_hat).sum(axis=shared_axes)
    # ∂L/∂x̂ = ∂L/∂y · γ
    grad_x_hat = grad_out * weight
    return _standardize_backward(grad_x_hat, x_hat, inverse_std, axes), grad_weight, grad_bias


def layer_norm_backward(grad_out, x, normalized_shape, weight=None, eps: float = 1e-5) -> tuple:
    r"""Gradients of :func:`layer_norm`: ``(grad_x, grad_weight, grad_bias)``.

    With :math:`g = \partial L/\partial y \odot \gamma` and means over the normalized axes:

    .. math::  \frac{\partial L}{\partial x} = \frac{g - \overline{g} - \hat x\,\overline{g\hat x}}
               {\sqrt{\sigma^2 + \epsilon}}, \qquad
               \frac{\partial L}{\partial \gamma} = \sum_{\text{examples}}
               \frac{\partial L}{\partial y}\hat x, \qquad
               \frac{\partial L}{\partial \beta} = \sum_{\text{examples}} \frac{\partial L}{\partial y}

    Args:
        grad_out: :math:`\partial L/\partial y`.
        x, normalized_shape, weight, eps: the arguments of the forward :func:`layer_norm`.

    Shape:
        - ``grad_out``, ``x``, ``grad_x``: (*, *normalized_shape).
        - ``grad_weight``, ``grad_bias``: normalized_shape, or None where ``weight`` is None.

    Examples::

        >>> x = np.array([[1.0, 2.0, 4.0]])
        >>> grad_x, grad_weight, grad_bias = layer_norm_backward(np.ones((1, 3)), x, 3, np.ones(3))
        >>> bool(np.abs(grad_x).max() < 1e-12), grad_bias   # a constant ∂L/∂y moves μ only: none reaches x
        (True, array([1., 1., 1.]))
    """
    x = _as_float_array(x)
    axes = _trailing_axes(x, normalized_shape)
    weight = _as_parameter(weight, x.shape[axes[0] :], x.dtype, "weight")
    return _normalization_backward(grad_out, x, axes, weight, eps, shared_axes=tuple(range(axes[0])))


def batch_norm_backward(grad_out, x, weight=None, eps: float = 1e-5) -> tuple:
    r"""Gradients of :func:`batch_norm` with ``training=True``: ``(grad_x, grad_weight, grad_bias)``.

    The formula is layer norm's with the means taken per channel over the batch (and positions),
    so every example's gradient depends on every other example of the batch:

    .. math::  \frac{\partial L}{\partial x_{nc\dots}} = \frac{g_{nc\dots} - \overline{g}_c
               - \hat x_{nc\dots}\,\overline{g\hat x}_c}{\sqrt{\sigma^2_c + \epsilon}},
               \qquad g = \frac{\partial L}{\partial y}\gamma_c

    Args:
        grad_out: :math:`\partial L/\partial y`.
        x, weight, eps: the arguments of the forward :func:`batch_norm`.

    Shape:
        - ``grad_out``, ``x``, ``grad_x``: (N, C, *).
        - ``grad_weight``, ``grad_bias``: (C,), or None where ``weight`` is None.

    Examples::

        >>> x = np.array([[1.0], [2.0], [6.0]])
        >>> grad_x, _, _ = batch_norm_backward(np.array([[1.0], [0.0], [0.0]]), x)
        >>> grad_x.round(4)   # example 0's loss reaches examples 1 and 2 through μ and σ²
        array([[ 0.1763],
               [-0.2204],
               [ 0.0441]])
    """
    x = _as_float_array(x)
    axes = _batch_norm_axes(x)
    weight = _as_parameter(weight, (x.shape[1],), x.dtype, "weight")
    if weight is not None:
        weight = _per_channel(weight, x.ndim)
    return _normalization_backward(grad_out, x, axes, weight, eps, shared_axes=axes)


def instance_norm_backward(grad_out, x, weight=None, eps: float = 1e-5) -> tuple:
    r"""Gradients of :func:`instance_norm` (``use_input_stats=True``): ``(grad_x, grad_weight, grad_bias)``.

    Layer norm's formula with the means taken over the positions of one channel of one example,
    so examples (and channels) do not exchange gradient:

    .. math::  \frac{\partial L}{\partial x_{nc\dots}} = \frac{g_{nc\dots} - \overline{g}_{nc}
               - \hat x_{nc\dots}\,\overline{g\hat x}_{nc}}{\sqrt{\sigma^2_{nc} + \epsilon}},
               \qquad g = \frac{\partial L}{\partial y}\gamma_c

    Args:
        grad_out: :math:`\partial L/\partial y`.
        x, weight, eps: the arguments of the forward :func:`instance_norm`.

    Shape:
        - ``grad_out``, ``x``, ``grad_x``: (N, C, *).
        - ``grad_weight``, ``grad_bias``: (C,), or None where ``weight`` is None.

    Examples::

        >>> x = np.array([[[1.0, 2.0, 6.0]], [[5.0, 0.0, 1.0]]])
        >>> grad_x, _, _ = instance_norm_backward(np.array([[[1.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]]]), x)
        >>> grad_x.round(4)   # example 1 gets nothing from example 0's loss
        array([[[ 0.1763, -0.2204,  0.0441]],
        <BLANKLINE>
               [[ 0.    ,  0.    ,  0.    ]]])
    """
    x = _as_float_array(x)
    axes = _instance_norm_axes(x)
    weight = _as_parameter(weight, (x.shape[1],), x.dtype, "weight")
    if weight is not None:
        weight = _per_channel(weight, x.ndim)
    shared_axes = (0,) + axes
    return _normalization_backward(grad_out, x, axes, weight, eps, shared_axes)


def group_norm_backward(grad_out, x, num_groups: int, weight=None, eps: float = 1e-5) -> tuple:
    r"""Gradients of :func:`group_norm`: ``(grad_x, grad_weight, grad_bias)``.

    Layer norm's formula with the means over one group's channels and positions of one example,
    on the input seen as (N, G, C/G, *); γ and β stay per channel:

    .. math::  \frac{\partial L}{\partial x_{nc\dots}} = \frac{g_{nc\dots} - \overline{g}_{ng}
               - \hat x_{nc\dots}\,\overline{g\hat x}_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}},
               \qquad g = \frac{\partial L}{\partial y}\gamma_c

    Args:
        grad_out: :math:`\partial L/\partial y`.
        x, num_groups, weight, eps: the arguments of the forward :func:`group_norm`.

    Shape:
        - ``grad_out``, ``x``, ``grad_x``: (N, C, *).
        - ``grad_weight``, ``grad_bias``: (C,), or None where ``weight`` is None.

    Examples::

        >>> x = np.array([[1.0, 3.0, 10.0, 20.0]])
        >>> grad_x, grad_weight, grad_bias = group_norm_backward(np.ones((1, 4)), x, 2, np.ones(4))
        >>> bool(np.abs(grad_x).max() < 1e-12), grad_weight.round(3), grad_bias
        (True, array([-1.,  1., -1.,  1.]), array([1., 1., 1., 1.]))
    """
    x = _as_float_array(x)
    grouped = _grouped(x, num_groups)
    grad_out = _as_float_array(grad_out, "grad_out")
    if grad_out.shape != x.shape:
        raise ValueError(f"grad_out must have the input's shape {x.shape}, got {grad_out.shape}")
    weight = _as_parameter(weight, (x.shape[1],), x.dtype, "weight")
    if weight is not None:
        # γ of shape (C,) seen as (1, G, C/G, 1, ...) to broadcast against the grouped input
        weight = weight.reshape((1,) + grouped.shape[1:3] + (1,) * (grouped.ndim - 3))
    axes = tuple(range(2, grouped.ndim))
    shared_axes = (0,) + axes[1:]
    grad_grouped, grad_weight, grad_bias = _normalization_backward(
        grad_out.reshape(grouped.shape), grouped, axes, weight, eps, shared_axes
    )
    if weight is None:
        return grad_grouped.reshape(x.shape), None, None
    return grad_grouped.reshape(x.shape), grad_weight.reshape(-1), grad_bias.reshape(-1)


# ---------------------------------------------------------------------------
# Checking what comes in: a clear error, never a silent wrong answer.
# ---------------------------------------------------------------------------


def _as_float_array(x, name: str = "input") -> np.ndarray:
    """``x`` as an ndarray of float32 or float64; a TypeError for anything else."""
    array = np.asarray(x)
    if array.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be a float32 or float64 array, got dtype {array.dtype}; "
            f"convert it first, for example with .astype(np.float32)"
        )
    return array


def _as_parameter(value, shape: tuple, dtype: np.dtype, name: str):
    """A weight, bias or running statistic: None, or an array of ``shape`` and ``dtype``."""
    if value is None:
        return None
    array = _as_float_array(value, name)
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got shape {array.shape}")
    if array.dtype != dtype:
        raise TypeError(f"{name} has dtype {array.dtype} but the input has dtype {dtype}; use one dtype")
    return array


def _axes_tuple(axis, ndim: int) -> tuple:
    """``axis`` (an int or a tuple of ints, negatives allowed) as sorted non-negative axes."""
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    if not axes:
        raise ValueError("axis must name at least one axis")
    for a in axes:
        if not isinstance(a, numbers.Integral) or not -ndim <= a < ndim:
            raise ValueError(f"axis {a!r} is out of range for an input with {ndim} dimensions")
    normalized = sorted(int(a) % ndim for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axis {axis!r} names the same axis twice")
    return tuple(normalized)


def _shape_tuple(normalized_shape) -> tuple:
    """``normalized_shape`` (an int or a sequence of ints) as a tuple."""
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(d) for d in normalized_shape)


def _trailing_axes(x: np.ndarray, normalized_shape) -> tuple:
    """The last axes of ``x``, which must have the shape ``normalized_shape``."""
    shape = _shape_tuple(normalized_shape)
    if not shape or x.shape[x.ndim - len(shape) :] != shape or len(shape) > x.ndim:
        raise ValueError(
            f"normalized_shape {shape} must match the last dimensions of the input, "
            f"but the input has shape {x.shape}"
        )
    return tuple(range(x.ndim - len(shape), x.ndim))


def _channel_arguments(x, weight, bias, running_mean, running_var, updates_running_statistics: bool) -> tuple:
    """Batch and instance norm's per-channel arguments, checked: ``(weight, bias, running_mean, running_var)``.

    Each is None or a (C,) array of ``x``'s dtype; weight and bias come back shaped to broadcast against ``x``.
    """
    channels = (x.shape[1],)
    weight = _as_parameter(weight, channels, x.dtype, "weight")
    bias = _as_parameter(bias, channels, x.dtype, "bias")
    if updates_running_statistics:
        _check_updatable(running_mean, "running_mean")
        _check_updatable(running_var, "running_var")
    running_mean = _as_parameter(running_mean, channels, x.dtype, "running_mean")
    running_var = _as_parameter(running_var, channels, x.dtype, "running_var")
    weight, bias = (None if p is None else _per_channel(p, x.ndim) for p in (weight, bias))
    return weight, bias, running_mean, running_var


def _check_updatable(array, name: str) -> None:
    """A running statistic that is updated in place: a writable ndarray (or None)."""
    if array is not None and not (isinstance(array, np.ndarray) and array.flags.writeable):
        raise TypeError(
            f"{name} is updated in place, so it must be a writable NumPy array, not {type(array).__name__}"
        )


def _check_eps(eps) -> None:
    if not eps >= 0:  # also catches NaN
        raise ValueError(f"eps must be non-negative, got {eps}")


def _batch_norm_axes(x: np.ndarray) -> tuple:
    """Every axis of an (N, C, ...) input but the channel axis 1."""
    if x.ndim < 2:
        raise ValueError(
            f"batch_norm expects an input of shape (N, C), (N, C, L) or (N, C, H, W), got shape {x.shape}"
        )
    return (0,) + tuple(range(2, x.ndim))


def _instance_norm_axes(x: np.ndarray) -> tuple:
    """Every axis of an (N, C, *) input after the channel axis 1 (there must be one)."""
    if x.ndim < 3:
        raise ValueError(
            f"instance_norm expects an input of shape (N, C, *) with a position axis, "
            f"got shape {x.shape}: an instance is standardized over its positions"
        )
    return tuple(range(2, x.ndim))


def _grouped(x: np.ndarray, num_groups) -> np.ndarray:
    """An (N, C, *) input seen as (N, G, C/G, *): one group of C/G channels per index of axis 1."""
    if x.ndim < 2:
        raise ValueError(f"group_norm expects an input of shape (N, C, *), got shape {x.shape}")
    if not isinstance(num_groups, numbers.Integral) or num_groups < 1:
        raise ValueError(f"group_norm: num_groups must be a positive integer, got {num_groups!r}")
    channels = x.shape[1]
    if channels % num_groups:
        raise ValueError(
            f"group_norm: num_groups={num_groups} does not divide the {channels} channels "
            f"of an input of shape {x.shape}"
        )
    return x.reshape((x.shape[0], num_groups, channels // num_groups) + x.shape[2:])


def _per_channel(vector: np.ndarray, ndim: int) -> np.ndarray:
    """A (C,) vector shaped (1, C, 1, ...) to broadcast against an (N, C, ...) input."""
    return vector.reshape((1, -1) + (1,) * (ndim - 2))
