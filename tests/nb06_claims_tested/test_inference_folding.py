"""Batch norm folds into the layer before it at inference; layer norm cannot."""

import torch
from torch import nn

from lnlib.nb06_claims_tested import inference_folding


def test_batch_norm_folds_to_rounding_and_layer_norm_does_not():
    gaps = inference_folding.folding_gaps()
    assert gaps["batch_gap"] < 1e-5 * gaps["batch_size"]
    assert gaps["layer_gap"] > gaps["layer_size"]  # off by more than the outputs' own size


def test_the_fold_is_one_linear_layer_equal_to_linear_then_batch_norm_in_eval_mode():
    torch.manual_seed(1)
    linear, norm = nn.Linear(6, 4), nn.BatchNorm1d(4)
    norm.running_mean.uniform_(-1, 1)
    norm.running_var.uniform_(0.5, 2)
    nn.init.normal_(norm.weight)
    norm.eval()
    folded = inference_folding.fold_batch_norm(linear, norm)
    x = torch.randn(10, 6)
    assert isinstance(folded, nn.Linear)
    torch.testing.assert_close(folded(x), norm(linear(x)))
