"""Notebook 04, section 4's second half: what the toy shows about warm-up and what it does not, and Post-LN's side.

The toy shows the *effect* Xiong et al. (2020) report (deep Post-LN fails without warm-up; see
:func:`lnlib.nb04_transformer_stability.verdicts.verdict_warmup`). Its numbers do not support the *cause*
they give (large gradients near the output make the first full-size steps too big): :func:`verdict_warmup_cause`
reads the cache and a one-step Adam measurement and says so. :func:`verdict_post_ln_shallow` reads where
Post-LN matches Pre-LN in the toy. What only the literature shows (Liu et al. 2020's amplification,
Admin, DeepNorm, Post-LN's final quality) is prose in the notebook, never a verdict of the toy.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from lnlib.nb04_transformer_stability.verdicts import (
    XIONG,
    ToyVerdict,
    cached_results,
    describe_runs,
    init_series,
    outcome,
    warmup_runs,
)
from lnlib.support.language import gettext as _
from lnlib.transformer import experiments

SCALES = (1.0, 1000.0)  # Adam's first step for a gradient and for the same gradient 1000 times larger


def adam_first_step(gradient_scale: float, lr: float = experiments.WARMUP_LR, seed: int = 0) -> float:
    """The size (RMS over the weights) of Adam's first update for a random gradient times ``gradient_scale``.

    The optimizer is notebook 04's (Adam, β = (0.9, 0.98), ε = 1e-8): after one step m̂ = g and v̂ = g², so the
    update is lr · g/(|g| + ε), about lr whatever the gradient's size.
    """
    generator = torch.Generator().manual_seed(seed)
    weight = torch.zeros(256, 64, dtype=torch.float64, requires_grad=True)
    weight.grad = gradient_scale * torch.randn(256, 64, generator=generator, dtype=torch.float64)
    torch.optim.Adam([weight], lr=lr, betas=(0.9, 0.98), eps=1e-8).step()
    return float(weight.detach().pow(2).mean().sqrt())


def output_to_input_gradient(results, placement: str, init: str, depth: int = 12) -> float:
    """Mean over seeds of the last block's ‖∂L/∂W²‖ over the first block's, at initialization."""
    layers = init_series(results, "layer", placement, init, depth, "init_grad_norms").mean(axis=0)
    return float(layers[-1] / layers[0])


def verdict_warmup_cause(results=None) -> ToyVerdict:
    """Xiong et al.'s cause of the need for warm-up, checked against the toy's numbers.

    Supported only if (1) under the initialization of the warm-up runs (PyTorch's) Post-LN's gradient
    grows towards the output (last/first ≥ 1.1), (2) where it grows more (Xavier) the same warm-up
    rescues Post-LN at least as well, and (3) Adam's first step grows with the gradient's size (the
    steps for gradients 1000× apart differ by more than 10 %). 'shown' if all three, 'partly shown' if
    some, 'not shown' if none: then the toy shows the effect, not this cause.
    """
    results = cached_results(results)
    torch_ratio = output_to_input_gradient(results, "post", "torch")
    xavier_ratio = output_to_input_gradient(results, "post", "xavier")
    torch_warm = warmup_runs(results, "post", 50)
    xavier_warm = warmup_runs(results, "post", 50, init="xavier")
    rank = {"diverged": 0, "failed": 1, "partly": 2, "learned": 3}
    torch_best = np.mean([rank[outcome(r)] for r in torch_warm])
    xavier_best = np.mean([rank[outcome(r)] for r in xavier_warm])
    small, large = (adam_first_step(s) for s in SCALES)
    checks = (torch_ratio >= 1.1, xavier_best >= torch_best, abs(large / small - 1) > 0.1)
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"
    return ToyVerdict(
        _(
            "Warm-up is needed because Post-LN's gradients near the output are large at initialization, so the "
            "first full-size steps are too big."
        ),
        _("{paper}, Section 3 (their explanation)").format(paper=XIONG),
        outcome_,
        _(
            "12 blocks at initialization, mean of {seeds} seeds: Post-LN's last/first-layer gradient ratio is "
            "×{torch_ratio:.2f} under PyTorch's init, the one the warm-up runs use, and there Post-LN without "
            "warm-up {cold}. Under Xavier init the ratio is ×{xavier_ratio:.2f}, and with 50 warm-up steps "
            "Post-LN {xavier_warm}, against {torch_warm} under PyTorch's init. Adam's first step at lr "
            "{lr:g} is {small:.5f} for a gradient and {large:.5f} for the same gradient ×{scale:g}: Adam "
            "divides the gradient's size out."
        ).format(
            seeds=len(experiments.INIT_SEEDS),
            torch_ratio=torch_ratio,
            cold=describe_runs(warmup_runs(results, "post", 0)),
            xavier_ratio=xavier_ratio,
            xavier_warm=describe_runs(xavier_warm),
            torch_warm=describe_runs(torch_warm),
            lr=experiments.WARMUP_LR,
            small=small,
            large=large,
            scale=SCALES[1],
        )
        + (_(" The toy shows the effect, not this cause.") if outcome_ == "not shown" else ""),
    )


def verdict_post_ln_shallow(results=None, depth: int = min(experiments.WARMUP_DEPTHS)) -> ToyVerdict:
    """Shown if, at ``depth`` blocks, lr 0.01 and no warm-up, every Post-LN seed learns and its held-out loss
    is within two standard errors of Pre-LN's (paired by seed) or below it: Post-LN matches Pre-LN when shallow."""
    results = cached_results(results)
    post = warmup_runs(results, "post", 0, depth=depth)
    pre = warmup_runs(results, "pre", 0, depth=depth)
    differences = np.array([a.eval_loss - b.eval_loss for a, b in zip(post, pre)])
    error = differences.std(ddof=1) / math.sqrt(len(differences))
    learned = all(outcome(r) == "learned" for r in post)
    matches = differences.mean() <= 2 * error
    outcome_ = "shown" if learned and matches else "partly shown" if learned else "not shown"
    relation = (
        _("better than Pre-LN")
        if differences.mean() < -2 * error
        else _("no worse than Pre-LN")
        if matches
        else _("worse than Pre-LN")
    )
    return ToyVerdict(
        _("Shallow Post-LN trains without warm-up and matches Pre-LN."),
        "Xiong et al. 2020; Liu et al. 2020; Takase et al. 2023",
        outcome_,
        _(
            "{depth} blocks, lr {lr:g}, no warm-up, 150 steps, 3 seeds. Post-LN: {post}; Pre-LN: {pre}. "
            "Post-LN minus Pre-LN, paired by seed: {difference:+.3f} ± {error:.3f} (standard error): "
            "{relation}. Whether Post-LN ends better when both train long enough is the literature's "
            "finding; 150 steps cannot show it."
        ).format(
            depth=depth,
            lr=experiments.WARMUP_LR,
            post=describe_runs(post),
            pre=describe_runs(pre),
            difference=differences.mean(),
            error=error,
            relation=relation,
        ),
    )
