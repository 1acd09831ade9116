"""Notebook 04, section 4: warm-up, the cause Xiong et al. (2020) give for it, and Post-LN's side.

:func:`verdict_warmup` checks the effect (deep Post-LN fails without warm-up), :func:`verdict_warmup_cause`
the cause they give (large gradients near the output make the first full-size steps too big), from the
cache and a one-step Adam measurement, and :func:`verdict_post_ln_shallow` where Post-LN matches Pre-LN.
What only the literature shows (Liu et al. 2020's amplification, Admin, DeepNorm, Post-LN's final quality)
is prose in the notebook, never a verdict of the toy. A run's progress (:func:`.outcomes.progress`) is
the part of each claim measured per seed: "learns" is a progress of at least 0.75, "fails" below 0.25.
"""

from __future__ import annotations

import numpy as np
import torch

from lnlib.nb04_transformer_stability.outcomes import (
    FAILED_FRACTION,
    LEARNED_FRACTION,
    OUTCOME_WORDS,
    XIONG,
    cached_results,
    clauses,
    describe_runs,
    init_series,
    outcome,
    progress,
    seed_count,
    warmup_runs,
    words,
)
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import Effect, ToyVerdict
from lnlib.transformer import experiments
from lnlib.transformer.training import TrainConfig

DEEP = max(experiments.WARMUP_DEPTHS)
SHALLOW = min(experiments.WARMUP_DEPTHS)
CAUSE_WARMUP = 50
"""The warm-up under which PyTorch's and Xavier's initializations are compared."""
SCALES = (1.0, 1000.0)  # Adam's first step for a gradient and for the same gradient 1000 times larger
ADAM_SENSITIVITY = 0.1
"""The cause's third part: Adam's first step for gradients 1000× apart differs by more than this fraction."""
OUTPUT_GROWTH = 1.1
"""The cause's first part: Post-LN's last/first-layer gradient ratio at initialization is above this."""
MATCH_TOLERANCE = 0.05
"""Post-LN "matches" Pre-LN when its held-out loss is at most this many nats above Pre-LN's (same seed)."""


def _progress(runs) -> np.ndarray:
    return np.array([progress(r) for r in runs])


def verdict_warmup(results=None) -> ToyVerdict:
    """Parts, per seed, at 12 blocks and lr 0.01: Post-LN without warm-up fails (progress below 0.25); Post-LN
    with the longest warm-up learns (progress at least 0.75); Pre-LN without warm-up learns."""
    results = cached_results(results)
    longest = max(experiments.WARMUP_STEPS)
    effects = [
        Effect(
            _("Post-LN, no warm-up: progress"),
            _progress(warmup_runs(results, "post", 0)),
            "below",
            FAILED_FRACTION,
        ),
        Effect(
            _("Post-LN, {steps} warm-up steps: progress").format(steps=longest),
            _progress(warmup_runs(results, "post", longest)),
            "above",
            LEARNED_FRACTION,
        ),
        Effect(
            _("Pre-LN, no warm-up: progress"),
            _progress(warmup_runs(results, "pre", 0)),
            "above",
            LEARNED_FRACTION,
        ),
    ]
    shallow = [outcome(r) for r in warmup_runs(results, "post", 0, depth=SHALLOW)]
    warmups = clauses(
        _("{steps} steps: {runs}").format(steps=w, runs=describe_runs(warmup_runs(results, "post", w)))
        for w in experiments.WARMUP_STEPS
        if w
    )
    evidence = _(
        "{depth} blocks, lr {lr:g}, {steps} steps, {seeds} seeds. Post-LN without warm-up: {post_cold}; with "
        "warm-up of {warmups}. Pre-LN without warm-up: {pre_cold}. At {shallow_depth} blocks, Post-LN without "
        "warm-up: {shallow}. With Xiong et al.'s Xavier initialization, Post-LN with {cause_warmup} warm-up "
        "steps: {xavier}."
    ).format(
        depth=DEEP,
        lr=experiments.WARMUP_LR,
        steps=TrainConfig().steps,
        seeds=seed_count(),
        post_cold=describe_runs(warmup_runs(results, "post", 0)),
        warmups=warmups,
        pre_cold=describe_runs(warmup_runs(results, "pre", 0)),
        shallow_depth=SHALLOW,
        shallow=words(_(OUTCOME_WORDS[o]) for o in shallow),
        cause_warmup=CAUSE_WARMUP,
        xavier=describe_runs(warmup_runs(results, "post", CAUSE_WARMUP, init="xavier")),
    )
    return ToyVerdict(
        "04-warmup",
        "04",
        _(
            "Deep Post-LN at a high learning rate fails without warm-up; with warm-up, or as Pre-LN, it learns."
        ),
        _("{paper}, Section 3 and Fig. 2").format(paper=XIONG),
        effects,
        evidence,
    )


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


def output_to_input_gradient(results, placement: str, init: str, depth: int = DEEP) -> np.ndarray:
    """(seeds,): the last block's ‖∂L/∂W²‖ over the first block's, at initialization."""
    layers = init_series(results, "layer", placement, init, depth, "init_grad_norms")
    return layers[:, -1] / layers[:, 0]


def verdict_warmup_cause(results=None) -> ToyVerdict:
    """Xiong et al.'s cause of the need for warm-up, in three parts, per seed: (1) under the initialization of
    the warm-up runs (PyTorch's) Post-LN's last/first-layer gradient ratio is above :data:`OUTPUT_GROWTH`;
    (2) where it grows more (Xavier) the same warm-up rescues Post-LN at least as well (progress under Xavier
    minus under PyTorch's init, same seed, above 0); (3) Adam's first step grows with the gradient's size
    (steps for gradients 1000× apart differ by more than :data:`ADAM_SENSITIVITY`, one random gradient per seed).
    """
    results = cached_results(results)
    torch_ratio = output_to_input_gradient(results, "post", "torch")
    xavier_ratio = output_to_input_gradient(results, "post", "xavier")
    torch_warm = warmup_runs(results, "post", CAUSE_WARMUP)
    xavier_warm = warmup_runs(results, "post", CAUSE_WARMUP, init="xavier")
    steps = np.array([[adam_first_step(s, seed=seed) for s in SCALES] for seed in experiments.SEEDS])
    effects = [
        Effect(_("Post-LN, PyTorch's init: last/first-layer gradient"), torch_ratio, "above", OUTPUT_GROWTH),
        Effect(
            _("Post-LN, {steps} warm-up steps: progress under Xavier init minus under PyTorch's").format(
                steps=CAUSE_WARMUP
            ),
            _progress(xavier_warm) - _progress(torch_warm),
            "above",
        ),
        Effect(
            _("Adam's first step: |step for the gradient ×{scale:g} over step for the gradient − 1|").format(
                scale=SCALES[1]
            ),
            np.abs(steps[:, 1] / steps[:, 0] - 1),
            "above",
            ADAM_SENSITIVITY,
        ),
    ]
    small, large = steps[:, 0].mean(), steps[:, 1].mean()
    adam = (
        _("Adam divides the gradient's size out.")
        if effects[2].side == "against"
        else _("Adam's step follows the gradient's size.")
        if effects[2].side == "for"
        else ""
    )
    verdict = ToyVerdict(
        "04-warmup-cause",
        "04",
        _(
            "Warm-up is needed because Post-LN's gradients near the output are large at initialization, so the "
            "first full-size steps are too big."
        ),
        _("{paper}, Section 3 (their explanation)").format(paper=XIONG),
        effects,
        "",
    )
    evidence = _(
        "{depth} blocks at initialization, mean of {seeds} seeds: Post-LN's last/first-layer gradient ratio is "
        "×{torch_ratio:.2f} under PyTorch's init, the one the warm-up runs use, and there Post-LN without "
        "warm-up {cold}. Under Xavier init the ratio is ×{xavier_ratio:.2f}, and with {warmup} warm-up steps "
        "Post-LN {xavier_warm}, against {torch_warm} under PyTorch's init. Adam's first step at lr "
        "{lr:g} is {small:.5f} for a gradient and {large:.5f} for the same gradient ×{scale:g}. {adam}"
    ).format(
        depth=DEEP,
        seeds=seed_count(),
        torch_ratio=torch_ratio.mean(),
        cold=describe_runs(warmup_runs(results, "post", 0)),
        xavier_ratio=xavier_ratio.mean(),
        warmup=CAUSE_WARMUP,
        xavier_warm=describe_runs(xavier_warm),
        torch_warm=describe_runs(torch_warm),
        lr=experiments.WARMUP_LR,
        small=small,
        large=large,
        scale=SCALES[1],
        adam=adam,
    )
    if verdict.outcome == "not shown":
        evidence += _(" The toy shows the effect, not this cause.")
    return ToyVerdict(verdict.id, verdict.notebook, verdict.claim, verdict.source, effects, evidence.strip())


def verdict_post_ln_shallow(results=None, depth: int = SHALLOW) -> ToyVerdict:
    """Parts, per seed, at ``depth`` blocks, lr 0.01 and no warm-up: Post-LN learns (progress at least 0.75);
    Post-LN's held-out loss minus Pre-LN's (same seed) is below :data:`MATCH_TOLERANCE`."""
    results = cached_results(results)
    post = warmup_runs(results, "post", 0, depth=depth)
    pre = warmup_runs(results, "pre", 0, depth=depth)
    differences = np.array([a.final_loss - b.final_loss for a, b in zip(post, pre)])
    effects = [
        Effect(_("Post-LN: progress"), _progress(post), "above", LEARNED_FRACTION),
        Effect(_("Post-LN minus Pre-LN: held-out loss"), differences, "below", MATCH_TOLERANCE),
    ]
    mean = float(np.mean(differences))
    relation = _("below Pre-LN's") if mean < 0 else _("above Pre-LN's")
    steps = TrainConfig().steps
    return ToyVerdict(
        "04-post-ln-shallow",
        "04",
        _("Shallow Post-LN trains without warm-up and matches Pre-LN."),
        "Xiong et al. 2020; Liu et al. 2020; Takase et al. 2023",
        effects,
        _(
            "{depth} blocks, lr {lr:g}, no warm-up, {steps} steps, {seeds} seeds. Post-LN: {post}; Pre-LN: {pre}. "
            "Post-LN minus Pre-LN, paired by seed: {difference:+.3f} on average, {relation} (the claim: below "
            "+{tolerance} nats, every seed). Whether Post-LN ends better when both train long enough is the "
            "literature's finding; {steps} steps cannot show it."
        ).format(
            depth=depth,
            lr=experiments.WARMUP_LR,
            steps=steps,
            seeds=seed_count(),
            post=describe_runs(post),
            pre=describe_runs(pre),
            difference=mean,
            relation=relation,
            tolerance=MATCH_TOLERANCE,
        ),
    )
