r"""BN's running statistics, derived by hand and checked against torch (notebook 03).

In training, ``torch.nn.BatchNorm1d`` normalizes with the batch's mean and *biased* variance, and
updates two buffers after every batch with the momentum m (torch's default 0.1):

.. math::  \text{running\_mean} \leftarrow (1 - m)\,\text{running\_mean} + m\,\mu_B, \qquad
           \text{running\_var} \leftarrow (1 - m)\,\text{running\_var} + m\,\tfrac{B}{B-1}\sigma_B^2

(the *unbiased* variance goes into ``running_var``). ``momentum=None`` makes it a cumulative average:
after batch t, m = 1/t, so the buffers are the plain average of every batch's statistics. In eval mode
BN normalizes with the buffers, one fixed affine map per feature:

.. math::  y = \gamma\,\frac{x - \text{running\_mean}}{\sqrt{\text{running\_var} + \epsilon}} + \beta

- :func:`running_updates`: every batch's statistics and the buffers by hand, beside torch's;
- :func:`eval_by_hand`: eval mode from the buffers, beside torch;
- :func:`forgotten_eval`: what goes wrong without ``model.eval()``: a batch of one refused, outputs
  that depend on the batch, buffers that drift towards the test data;
- :func:`fold_into_linear`: BN at inference folded into the ``Linear`` before it, exactly; LN cannot be.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _

FEATURES = 3
EPS = 1e-5
TRAIN_MEANS = np.array([2.0, -1.0, 0.5])
TRAIN_STDS = np.array([1.5, 0.5, 3.0])


def training_batches(count: int = 5, batch_size: int = 4, seed: int = 0, shift: float = 0.0) -> list:
    """``count`` float64 batches (batch_size, 3) from the training population; ``shift`` moves every mean."""
    if count < 1 or batch_size < 2:
        raise ValueError(f"need at least 1 batch of at least 2 examples, got {count} of {batch_size}")
    rng = np.random.default_rng(seed)
    return [
        TRAIN_MEANS + shift + TRAIN_STDS * rng.standard_normal((batch_size, FEATURES)) for _ in range(count)
    ]


def running_updates(batches, momentum: float | None = 0.1) -> list:
    """After each batch: its mean, biased and unbiased variance, the buffers by hand and torch's buffers.

    Starts from torch's initial buffers, running_mean = 0 and running_var = 1. ``momentum=None``: m = 1/t
    at batch t (a cumulative average).
    """
    if momentum is not None and not 0 <= momentum <= 1:
        raise ValueError(f"momentum must be between 0 and 1, or None, got {momentum}")
    features = np.asarray(batches[0]).shape[1]
    layer = nn.BatchNorm1d(features, eps=EPS, momentum=momentum, dtype=torch.float64).train()
    running_mean, running_var = np.zeros(features), np.ones(features)
    steps = []
    for t, batch in enumerate(batches, 1):
        batch = np.asarray(batch, dtype=np.float64)
        b = batch.shape[0]
        mean = batch.sum(axis=0) / b  # μ_B
        biased = ((batch - mean) ** 2).sum(axis=0) / b  # σ²_B: what the batch is normalized with
        unbiased = biased * b / (b - 1)  # what goes into running_var
        m = 1 / t if momentum is None else momentum
        running_mean = (1 - m) * running_mean + m * mean
        running_var = (1 - m) * running_var + m * unbiased
        with torch.no_grad():
            layer(torch.from_numpy(batch))
        steps.append(
            {
                "m": m,
                "batch mean": mean,
                "batch variance (biased)": biased,
                "batch variance (unbiased)": unbiased,
                "running_mean": running_mean.copy(),
                "running_var": running_var.copy(),
                "torch running_mean": layer.running_mean.numpy().copy(),
                "torch running_var": layer.running_var.numpy().copy(),
            }
        )
    return steps


def running_updates_report(count: int = 3, batch_size: int = 4) -> str:
    """:func:`running_updates` with m = 0.1 and with momentum=None, feature 1, as lines to print."""
    batches = training_batches(count, batch_size)
    lines = []
    for momentum in (0.1, None):
        lines.append(f"momentum={momentum}:")
        for t, step in enumerate(running_updates(batches, momentum), 1):
            lines.append(
                _(
                    "  batch {t}: m = {m:.4g}, μ_B = {mean:+.4f}, σ²_B = {biased:.4f} (unbiased {unbiased:.4f})"
                    "  →  running_mean {running_mean:+.6f} (torch {torch_mean:+.6f}), "
                    "running_var {running_var:.6f} (torch {torch_var:.6f})"
                ).format(
                    t=t,
                    m=step["m"],
                    mean=step["batch mean"][0],
                    biased=step["batch variance (biased)"][0],
                    unbiased=step["batch variance (unbiased)"][0],
                    running_mean=step["running_mean"][0],
                    torch_mean=step["torch running_mean"][0],
                    running_var=step["running_var"][0],
                    torch_var=step["torch running_var"][0],
                )
            )
    return "\n".join(lines)


@torch_threads()
def trained_layer(count: int = 50, batch_size: int = 16, momentum: float | None = 0.1) -> nn.BatchNorm1d:
    """A float64 ``BatchNorm1d(3)`` with γ, β set to (2, 0.5, 1), (0, 1, −1) and buffers from ``count`` batches."""
    layer = nn.BatchNorm1d(FEATURES, eps=EPS, momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([2.0, 0.5, 1.0]))
        layer.bias.copy_(torch.tensor([0.0, 1.0, -1.0]))
        for batch in training_batches(count, batch_size, seed=1):
            layer(torch.from_numpy(batch))
    return layer.eval()


def eval_by_hand(layer: nn.BatchNorm1d, x) -> tuple:
    """``(by hand, torch)``: the eval-mode output of ``layer`` for ``x`` from its buffers, and torch's."""
    x = np.asarray(x, dtype=np.float64)
    mean, var = layer.running_mean.numpy(), layer.running_var.numpy()
    gamma, beta = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    hand = gamma * (x - mean) / np.sqrt(var + layer.eps) + beta
    layer.eval()
    with torch.no_grad():
        ours = layer(torch.from_numpy(x)).numpy()
    return hand, ours


def eval_by_hand_report(layer: nn.BatchNorm1d, x) -> str:
    """:func:`eval_by_hand`'s largest gap between the hand-made output and torch's, as a line to print."""
    hand, ours = eval_by_hand(layer, x)
    return _(
        "largest difference, by hand vs torch: {difference:.1e} (expected: float64 rounding, below 1e-12)"
    ).format(difference=float(np.abs(hand - ours).max()))


@torch_threads()
def forgotten_eval(test_shift: float = 2.0, batches: int = 20, batch_size: int = 8) -> dict:
    """What happens when a model is evaluated without ``model.eval()``.

    - ``batch of one``: the error torch raises (eval mode gives an answer);
    - ``same example, two batches``: one test example's output in two test batches, in train mode
      (they differ) and in eval mode (they do not);
    - ``drift``: the buffers before and after evaluating ``batches`` test batches in train mode, when the
      test data's mean is shifted by ``test_shift``: the buffers move towards the test data.
    """
    layer = trained_layer()
    test = training_batches(batches, batch_size, seed=2, shift=test_shift)
    probe = test[0][:1]
    results = {}
    layer.train()
    try:
        with torch.no_grad():
            layer(torch.from_numpy(probe))
        results["batch of one"] = "no error"
    except ValueError as error:
        results["batch of one"] = str(error)
    outputs = {}
    for mode in ("train", "eval"):
        layer.train(mode == "train")
        with torch.no_grad():
            a = layer(torch.from_numpy(np.concatenate([probe, test[1][1:]])))[0].numpy()
            b = layer(torch.from_numpy(np.concatenate([probe, test[2][1:]])))[0].numpy()
        outputs[mode] = float(np.max(np.abs(a - b)))
    results["same example, two batches"] = outputs
    layer = trained_layer()
    before = layer.running_mean.numpy().copy()
    layer.train()  # forgotten model.eval()
    with torch.no_grad():
        for batch in test:
            layer(torch.from_numpy(batch))
    results["drift"] = {
        "batches": batches,
        "before": before,
        "after": layer.running_mean.numpy().copy(),
        "test mean": TRAIN_MEANS + test_shift,
    }
    return results


def forgotten_eval_report(test_shift: float = 2.0) -> str:
    """:func:`forgotten_eval` as lines to print."""
    r = forgotten_eval(test_shift)
    same = r["same example, two batches"]
    drift = r["drift"]
    fmt = lambda a: np.array2string(np.asarray(a), precision=3)  # noqa: E731
    return "\n".join(
        [
            _("train mode, a batch of one: {outcome}").format(outcome=r["batch of one"]),
            _(
                "one test example in two different test batches, largest difference of its output: train mode "
                "{train:.3f}, eval mode {eval:.1g}"
            ).format(train=same["train"], eval=same["eval"]),
            _(
                "running_mean before testing {before}; after {batches} test batches "
                "in train mode {after} (the test data's mean: {test_mean})"
            ).format(
                before=fmt(drift["before"]),
                batches=drift["batches"],
                after=fmt(drift["after"]),
                test_mean=fmt(drift["test mean"]),
            ),
        ]
    )


@torch_threads()
def fold_into_linear(seed: int = 0) -> dict:
    """``Linear → BatchNorm1d`` in eval mode folded into one ``Linear``, and the same attempt with LN.

    BN at inference is y = a ⊙ (Wx + b) + c per feature, with a = γ/√(running_var + ε) and
    c = β − a ⊙ running_mean: a fixed affine map, so W' = a ⊙ W (row by row) and b' = a ⊙ b + c.
    LN's μ and σ are computed from each example, so no fixed W', b' can reproduce it: the best one
    fitted on many examples still misses.
    """
    torch.manual_seed(seed)
    linear = nn.Linear(4, FEATURES, dtype=torch.float64)
    bn = trained_layer()
    x = torch.from_numpy(np.random.default_rng(seed).standard_normal((256, 4)))
    with torch.no_grad():
        target = bn(linear(x))
        scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        folded = nn.Linear(4, FEATURES, dtype=torch.float64)
        folded.weight.copy_(linear.weight * scale[:, None])
        folded.bias.copy_(scale * (linear.bias - bn.running_mean) + bn.bias)
        bn_gap = float((folded(x) - target).abs().max())
        ln_target = nn.functional.layer_norm(linear(x), (FEATURES,))
        design = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
        solution = torch.linalg.lstsq(design, ln_target).solution  # the best affine map in least squares
        ln_gap = float((design @ solution - ln_target).abs().max())
    return {"BN folded, largest difference": bn_gap, "LN, best affine fit, largest difference": ln_gap}


def fold_report() -> str:
    r = fold_into_linear()
    return (
        _("Linear → BatchNorm1d (eval) folded into one Linear: largest difference {difference:.1e}").format(
            difference=r["BN folded, largest difference"]
        )
        + "\n"
        + _(
            "Linear → LayerNorm, the best single Linear fitted to 256 examples: largest difference {difference:.2f}"
        ).format(difference=r["LN, best affine fit, largest difference"])
    )
