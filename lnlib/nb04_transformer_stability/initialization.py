"""Notebook 04, sections 2 and 3: what Xiong et al. (2020) predict at initialization, checked per seed.

Three verdicts read the cache's ``init`` grid: the last layer's gradient against depth (Theorem 1), the
gradient layer by layer (Fig. 3) and the residual stream's growth (Lemma 2). Each part of a claim is an
:class:`~lnlib.support.verdict_rule.Effect` with one value per seed (the same seed's models compared).
"""

from __future__ import annotations

import math

import numpy as np

from lnlib.nb04_transformer_stability.outcomes import (
    XIONG,
    cached_results,
    clauses,
    init_series,
    last_layer_gradient,
    predicted_from_residual,
    seed_count,
)
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import Effect, ToyVerdict
from lnlib.transformer import experiments

DEPTH_FALL = 0.75
"""Theorem 1's part for Pre-LN: its last-layer gradient at depth 16 is below this fraction of depth 1's."""
DEPTH_LEVEL = 0.9
"""…and Post-LN's stays above this fraction."""
OUTPUT_GROWTH = 1.1
"""Fig. 3: Post-LN's last/first-layer gradient ratio is above this."""
LEVEL_BAND = 1.25
"""Fig. 3: Pre-LN's last/first-layer ratio stays within ×/÷ this (|ln ratio| below ln 1.25)."""
RESIDUAL_GROWTH = 1.5
"""Lemma 2: Pre-LN's E‖x_L‖²/d is above this multiple of E‖x_0‖²/d."""
RESIDUAL_FLAT = 0.1
"""Lemma 2: Post-LN's E‖x_l‖²/d stays within this distance of 1 after every block."""
FIGURE_DEPTH = 12


def verdict_gradient_vs_depth(results=None) -> ToyVerdict:
    """Parts, for each initialization, per seed: Pre-LN's last-layer gradient at depth 16 over depth 1 below
    :data:`DEPTH_FALL`; Post-LN's above :data:`DEPTH_LEVEL`."""
    results = cached_results(results)
    effects, texts, slower = [], [], []
    depths = experiments.INIT_DEPTHS
    sqrt_depth_ratio = math.sqrt(depths[0] / depths[-1])
    for init in experiments.INITS:
        pre = last_layer_gradient(results, "layer", "pre", init)
        post = last_layer_gradient(results, "layer", "post", init)
        pre_ratio, post_ratio = pre[:, -1] / pre[:, 0], post[:, -1] / post[:, 0]
        effects += [
            Effect(
                _("Pre-LN, {init} init: last-layer gradient, depth {last} over depth {first}").format(
                    init=init, last=depths[-1], first=depths[0]
                ),
                pre_ratio,
                "below",
                DEPTH_FALL,
            ),
            Effect(
                _("Post-LN, {init} init: last-layer gradient, depth {last} over depth {first}").format(
                    init=init, last=depths[-1], first=depths[0]
                ),
                post_ratio,
                "above",
                DEPTH_LEVEL,
            ),
        ]
        predicted = predicted_from_residual(results, "layer", init)
        slower.append(pre_ratio.mean() > 1.2 * sqrt_depth_ratio)
        texts.append(
            _(
                "{init} init: Pre-LN ×{pre_ratio:.2f} (the measured residual stream predicts "
                "×{predicted_ratio:.2f}), Post-LN ×{post_ratio:.2f}"
            ).format(
                init=init,
                pre_ratio=pre_ratio.mean(),
                predicted_ratio=predicted[-1] / predicted[0],
                post_ratio=post_ratio.mean(),
            )
        )
    pace = (
        _(
            " 1/√L would be ×{ratio:.2f}: the fall is slower, because the residual stream grows "
            "more slowly than linearly with depth."
        ).format(ratio=sqrt_depth_ratio)
        if any(slower)
        else ""
    )
    return ToyVerdict(
        "04-gradient-vs-depth",
        "04",
        _("At initialization the last layer's gradient shrinks with depth under Pre-LN, not under Post-LN."),
        _("{paper}, Theorem 1").format(paper=XIONG),
        effects,
        _(
            "Last layer's gradient at depth {last} over depth {first}, mean of {seeds} seeds (the claim: Pre-LN "
            "below ×{fall}, Post-LN above ×{level}, every seed). {measurements}.{pace}"
        ).format(
            first=depths[0],
            last=depths[-1],
            seeds=seed_count(),
            fall=DEPTH_FALL,
            level=DEPTH_LEVEL,
            measurements=clauses(texts),
            pace=pace,
        ),
    )


def verdict_gradient_per_layer(results=None, depth: int = FIGURE_DEPTH) -> ToyVerdict:
    """Parts, for each initialization, per seed: Post-LN's last/first-layer gradient ratio above
    :data:`OUTPUT_GROWTH`; Pre-LN's |ln ratio| below ln :data:`LEVEL_BAND`."""
    results = cached_results(results)
    effects, texts = [], []
    for init in experiments.INITS:
        ratios = {}
        for placement in ("pre", "post"):
            layers = init_series(results, "layer", placement, init, depth, "init_grad_norms")
            ratios[placement] = layers[:, -1] / layers[:, 0]
        effects += [
            Effect(
                _("Post-LN, {init} init: last/first-layer gradient").format(init=init),
                ratios["post"],
                "above",
                OUTPUT_GROWTH,
            ),
            Effect(
                _("Pre-LN, {init} init: |ln(last/first-layer gradient)|").format(init=init),
                np.abs(np.log(ratios["pre"])),
                "below",
                math.log(LEVEL_BAND),
            ),
        ]
        texts.append(
            _("{init} init: last/first layer Post-LN ×{post:.2f}, Pre-LN ×{pre:.2f}").format(
                init=init, post=ratios["post"].mean(), pre=ratios["pre"].mean()
            )
        )
    return ToyVerdict(
        "04-gradient-per-layer",
        "04",
        _("At initialization, Post-LN's gradients grow towards the output layer; Pre-LN's stay level."),
        _("{paper}, Fig. 3").format(paper=XIONG),
        effects,
        _(
            "{depth} layers, mean of {seeds} seeds (the claim: Post-LN above ×{growth}, Pre-LN within "
            "×/÷{band}, every seed). {measurements}."
        ).format(
            depth=depth,
            seeds=seed_count(),
            growth=OUTPUT_GROWTH,
            band=LEVEL_BAND,
            measurements=clauses(texts),
        ),
    )


def verdict_residual_growth(results=None, depth: int = FIGURE_DEPTH) -> ToyVerdict:
    """Parts, for each initialization, per seed: Pre-LN's E‖x_L‖²/d over E‖x_0‖²/d above :data:`RESIDUAL_GROWTH`;
    Post-LN's largest |E‖x_l‖²/d − 1| after a block below :data:`RESIDUAL_FLAT`."""
    results = cached_results(results)
    effects, texts = [], []
    for init in experiments.INITS:
        pre = init_series(results, "layer", "pre", init, depth, "init_residual")
        post = init_series(results, "layer", "post", init, depth, "init_residual")
        effects += [
            Effect(
                _("Pre-LN, {init} init: E‖x_L‖²/d over E‖x_0‖²/d").format(init=init),
                pre[:, -1] / pre[:, 0],
                "above",
                RESIDUAL_GROWTH,
            ),
            Effect(
                _("Post-LN, {init} init: largest |E‖x_l‖²/d − 1| after a block").format(init=init),
                np.abs(post[:, 1:] - 1).max(axis=1),
                "below",
                RESIDUAL_FLAT,
            ),
        ]
        pre_mean, post_mean = pre.mean(axis=0), post.mean(axis=0)
        texts.append(
            _(
                "{init} init: Pre-LN {pre_first:.2f} → {pre_last:.2f}, Post-LN {post_first:.2f} … {post_last:.2f}"
            ).format(
                init=init,
                pre_first=pre_mean[0],
                pre_last=pre_mean[-1],
                post_first=post_mean[1],
                post_last=post_mean[-1],
            )
        )
    xavier_pre = init_series(results, "layer", "pre", "xavier", depth, "init_residual").mean(axis=0)
    # Lemma 2: E‖x_l‖²/d ≥ 1 + l/2, allowing 5 % for the seeds' spread
    bound_holds = bool(np.all(xavier_pre >= 0.95 * (1 + np.arange(depth + 1) / 2)))
    bound = (
        _("With Xavier init the lemma's bound 1 + l/2 holds (within 5 %, mean of the seeds).")
        if bound_holds
        else _("With Xavier init the lemma's bound 1 + l/2 does not hold (within 5 %, mean of the seeds).")
    )
    return ToyVerdict(
        "04-residual-growth",
        "04",
        _("The residual stream grows with depth under Pre-LN and stays flat under Post-LN."),
        _("{paper}, Lemma 2").format(paper=XIONG),
        effects,
        _(
            "E‖x_l‖²/d at initialization, {depth} layers, mean of {seeds} seeds (the claim: Pre-LN grows above "
            "×{growth}, Post-LN stays within {flat} of 1, every seed). {measurements}. {bound}"
        ).format(
            depth=depth,
            seeds=seed_count(),
            growth=RESIDUAL_GROWTH,
            flat=RESIDUAL_FLAT,
            measurements=clauses(texts),
            bound=bound,
        ),
    )
