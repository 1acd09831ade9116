r"""At inference batch norm costs nothing, layer norm still runs: folding a norm into the layer before it.

In evaluation mode batch norm uses its running statistics, fixed numbers, so
:math:`\mathrm{BN}(Wx + b) = \gamma \frac{Wx + b - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta` is itself an
affine map of :math:`x`, and it can be *folded* into the linear (or convolution) layer before it:

.. math::  W' = \mathrm{diag}(s) W,\quad b' = s\,(b - \mu) + \beta,\qquad s = \gamma / \sqrt{\sigma^2 + \epsilon}.

The folded network computes the same outputs with no norm left to run (inference libraries do this as
a matter of course). Layer norm's :math:`\mu, \sigma` belong to each token and are computed from it at
run time, so no fixed :math:`W', b'` can stand in for it: :math:`\mathrm{LN}(2x) = \mathrm{LN}(x)`,
which no affine map does (its output moves with :math:`x`). :func:`folding_gaps` measures both: BN
folded, and LN "folded" with the statistics of one batch and then applied to another.
"""

from __future__ import annotations

import torch
from torch import nn

from lnlib.support.determinism import torch_threads


def fold_batch_norm(linear: nn.Linear, norm: nn.BatchNorm1d) -> nn.Linear:
    """One ``nn.Linear`` that computes ``norm(linear(x))`` in eval mode (the running statistics baked in)."""
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    folded = nn.Linear(linear.in_features, linear.out_features)
    with torch.no_grad():
        folded.weight.copy_(scale[:, None] * linear.weight)
        folded.bias.copy_(scale * (linear.bias - norm.running_mean) + norm.bias)
    return folded


def fold_layer_norm_with_frozen_statistics(
    linear: nn.Linear, norm: nn.LayerNorm, x: torch.Tensor
) -> nn.Linear:
    """The best a fold can do for layer norm: freeze the per-token μ, σ of ``x`` (averaged) into one affine map."""
    h = linear(x)
    mean, std = h.mean(dim=-1).mean(), torch.sqrt(h.var(dim=-1, unbiased=False).mean() + norm.eps)
    scale = norm.weight / std
    folded = nn.Linear(linear.in_features, linear.out_features)
    with torch.no_grad():
        folded.weight.copy_(scale[:, None] * linear.weight)
        folded.bias.copy_(scale * (linear.bias - mean) + norm.bias)
    return folded


@torch.no_grad()
def folding_gaps(features: int = 64, batch: int = 256, seed: int = 0) -> dict:
    """Largest |folded − unfolded| output, for BN (eval mode, trained running statistics) and for LN.

    BN's running statistics are first gathered over 50 training batches; LN's fold uses the statistics of
    one batch and is tested on another whose inputs are twice as large (the same direction, another size).
    Also returns each output's typical size (its standard deviation) to compare the gaps with.
    """
    with torch_threads(deterministic=True):
        torch.manual_seed(seed)
        linear = nn.Linear(features, features)
        batch_norm, layer_norm = nn.BatchNorm1d(features), nn.LayerNorm(features)
        for norm in (batch_norm, layer_norm):
            nn.init.uniform_(norm.weight, 0.5, 1.5)
            nn.init.normal_(norm.bias)
        batch_norm.train()
        for _ in range(50):
            batch_norm(linear(torch.randn(batch, features) + 0.5))
        batch_norm.eval()
        x = torch.randn(batch, features) + 0.5
        bn_reference = batch_norm(linear(x))
        bn_gap = float((fold_batch_norm(linear, batch_norm)(x) - bn_reference).abs().max())
        fitted_on = torch.randn(batch, features) + 0.5
        ln_folded = fold_layer_norm_with_frozen_statistics(linear, layer_norm, fitted_on)
        other = 2 * (torch.randn(batch, features) + 0.5)
        ln_reference = layer_norm(linear(other))
        ln_gap = float((ln_folded(other) - ln_reference).abs().max())
        return {
            "batch_gap": bn_gap,
            "batch_size": float(bn_reference.std()),
            "layer_gap": ln_gap,
            "layer_size": float(ln_reference.std()),
        }
