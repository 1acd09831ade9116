"""Notebook 04's verdicts: each published effect checked at toy scale, decided from the results cache.

Everything reads the results cache of :mod:`lnlib.transformer.experiments` (``data/transformer_results.json``).
A run has learned, partly learned, failed or diverged by one rule (:func:`outcome`), and each verdict
function states in its docstring the rule that turns the numbers into "shown", "partly shown" or
"not shown", so that the notebook's conclusions cannot drift from its data.

Its size is earned by one concern: nine verdicts (two more, on warm-up's cause and Post-LN's side, are
in :mod:`.post_ln`; the learning-rate range at 600 steps is in :mod:`.budget`), each with the rule that decides it and the numbers
it reports; the figures and apps that show the same data live beside it.
"""

from __future__ import annotations

import functools
import html
import inspect
import math

import numpy as np

from lnlib import ui
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.transformer import experiments, training
from lnlib.transformer.experiments import SEEDS
from lnlib.transformer.training import TrainConfig
from lnlib.ui.text import ToyVerdict

LEARNED_FRACTION = (
    0.75  # "learned": closed at least this fraction of the gap from the unigram level to the optimum
)
FAILED_FRACTION = 0.25  # "failed": closed less than this fraction
LOSS_LIMITS = (1.0, 4.8)
PADDING_CHOICES = (
    (N_("full sequences"), (False, False)),
    (N_("padded, padding left out of BN"), (True, False)),
    (N_("padded, padding counted by BN"), (True, True)),
)
"""(name, (padded, BN counts padding)); the name is a key, shown translated with ``_()``."""
OUTCOME_WORDS = {
    "learned": N_("learned"),
    "partly": N_("partly"),
    "failed": N_("failed"),
    "diverged": N_("diverged"),
}
"""A run's outcome (a key) → its word as the learner reads it, translated with ``_()`` where shown."""
VERDICT_WORDS = {"shown": N_("shown"), "partly shown": N_("partly shown"), "not shown": N_("not shown")}
"""A verdict's outcome (a key) → its word in the summary table."""
NORM_NAMES = training.NORM_ABBREVIATIONS
architecture_name = training.architecture_name
SETTLING_STEPS = 20  # batch norm's running averages (momentum 0.1) need about this long to forget their start


@functools.cache
def chain():
    """The Markov chain every cached run learns (built on first use, not on import)."""
    return training.task_chain(TrainConfig())


def cached_results(results=None) -> experiments.Results:
    return results if results is not None else experiments.load()


def progress_fraction(loss: float) -> float:
    r"""How much of the way from knowing only token frequencies to knowing the chain a loss is:
    :math:`(H(\pi) - \text{loss}) / (H(\pi) - H_\text{best})`; 1 at the optimum, 0 at the unigram level."""
    return (chain().unigram_loss - loss) / (chain().unigram_loss - chain().best_loss)


def outcome(result) -> str:
    """'diverged' (NaN or ∞), 'failed' (< 25 % of the way), 'partly', or 'learned' (≥ 75 % of the way)."""
    if result.diverged or not math.isfinite(result.eval_loss):
        return "diverged"
    fraction = progress_fraction(result.eval_loss)
    return "learned" if fraction >= LEARNED_FRACTION else "failed" if fraction < FAILED_FRACTION else "partly"


def learned_threshold() -> float:
    """The held-out loss below which a run counts as 'learned'."""
    return chain().unigram_loss - LEARNED_FRACTION * (chain().unigram_loss - chain().best_loss)


def final_losses(runs) -> np.ndarray:
    return np.array([r.final_loss for r in runs])


def clauses(texts) -> str:
    """Clauses joined as a list of facts: '; ' in English, '；' in Chinese."""
    return _("; ").join(texts)


def words(names) -> str:
    """Names or words joined as a list: ', ' in English, '、' in Chinese (lists of numbers keep ', ')."""
    return _(", ").join(names)


def describe_runs(runs) -> str:
    """'learned: 1.64, 1.61, 1.66' or 'diverged at steps 3, 5; failed: 4.08' — each seed's fate."""
    groups: dict = {}
    for run in runs:
        kind = outcome(run)
        text = (
            _("step {step}").format(step=run.diverged_step)
            if kind == "diverged"
            else ui.format_number(run.eval_loss, 3)
        )
        groups.setdefault(kind, []).append(text)
    return clauses(
        _("{outcome} ({values})").format(outcome=_(OUTCOME_WORDS[kind]), values=", ".join(values))
        for kind, values in groups.items()
    )


def mean_unless_diverged(losses: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """(seeds, rates) → (rates,): the mean over seeds, capped at the chart's top; NaN where a seed diverged."""
    return np.where(
        (outcomes == "diverged").any(axis=0), np.nan, np.clip(losses.mean(axis=0), None, LOSS_LIMITS[1] - 0.1)
    )


XIONG = "Xiong et al. 2020, On Layer Normalization in the Transformer Architecture"
SHEN = "Shen et al. 2020, PowerNorm: Rethinking Batch Normalization in Transformers"
ARTICLE_004 = N_("article 004, 层归一化在深度神经网络中的应用与作用, section 7")
"""Article 004's source line, translated with ``_()`` where shown."""


def _placement(norm: str, placement: str) -> str:
    """Without a norm, Pre and Post are one model; the grids hold it as 'pre'."""
    return "pre" if norm == "none" else placement


def init_series(results, norm, placement, init, depth, what) -> np.ndarray:
    """(seeds, values) of one measurement at initialization."""
    records = results.init(
        TrainConfig(norm=norm, placement=_placement(norm, placement), n_layers=depth, init=init)
    )
    return np.array([record[what] for record in records])


def last_layer_gradient(results, norm, placement, init) -> np.ndarray:
    """(seeds, depths): the last block's ‖∂L/∂W²‖ at initialization, for each depth of the grid."""
    return np.array(
        [
            init_series(results, norm, placement, init, depth, "init_grad_norms")[:, -1]
            for depth in experiments.INIT_DEPTHS
        ]
    ).T


def predicted_from_residual(results, norm, init) -> np.ndarray:
    r"""Pre-LN's last-layer gradient predicted from the residual stream's size: :math:`g(L) = g(1)\sqrt{r(1)/r(L)}`.

    The final norm divides by :math:`\|x_L\|`, so its gradient shrinks as :math:`1/\sqrt{r(L)}`,
    :math:`r(L) = \mathbb E\|x_L\|^2/d` (the argument of Xiong et al.'s Theorem 1).
    """
    size = np.array(
        [
            init_series(results, norm, "pre", init, depth, "init_residual")[:, -1].mean()
            for depth in experiments.INIT_DEPTHS
        ]
    )
    first = last_layer_gradient(results, norm, "pre", init)[:, 0].mean()
    return first * np.sqrt(size[0] / size)


def verdict_gradient_vs_depth(results=None) -> ToyVerdict:
    """Shown if, for both initializations, Pre-LN's last-layer gradient falls by ≥ 25 % from depth 1 to 16
    while Post-LN's does not fall by more than 10 %."""
    results = cached_results(results)
    falls, slower, texts = [], [], []
    depths = experiments.INIT_DEPTHS
    sqrt_depth_ratio = math.sqrt(depths[0] / depths[-1])
    for init in experiments.INITS:
        pre = last_layer_gradient(results, "layer", "pre", init).mean(axis=0)
        post = last_layer_gradient(results, "layer", "post", init).mean(axis=0)
        predicted = predicted_from_residual(results, "layer", init)
        falls.append(pre[-1] / pre[0] <= 0.75 and post[-1] / post[0] >= 0.9)
        slower.append(pre[-1] / pre[0] > 1.2 * sqrt_depth_ratio)
        texts.append(
            _(
                "{init} init: Pre-LN {pre_first:.3f} → {pre_last:.3f} (×{pre_ratio:.2f}; the measured "
                "residual stream predicts ×{predicted_ratio:.2f}), Post-LN {post_first:.3f} → "
                "{post_last:.3f} (×{post_ratio:.2f})"
            ).format(
                init=init,
                pre_first=pre[0],
                pre_last=pre[-1],
                pre_ratio=pre[-1] / pre[0],
                predicted_ratio=predicted[-1] / predicted[0],
                post_first=post[0],
                post_last=post[-1],
                post_ratio=post[-1] / post[0],
            )
        )
    outcome_ = "shown" if all(falls) else "partly shown" if any(falls) else "not shown"
    pace = (
        _(
            " 1/√L would be ×{ratio:.2f}: the fall is slower, because the residual stream grows "
            "more slowly than linearly with depth."
        ).format(ratio=sqrt_depth_ratio)
        if any(slower)
        else ""
    )
    return ToyVerdict(
        _("At initialization the last layer's gradient shrinks with depth under Pre-LN, not under Post-LN."),
        _("{paper}, Theorem 1").format(paper=XIONG),
        outcome_,
        _("Depth {first} → {last}, mean of {seeds} seeds. {measurements}.{pace}").format(
            first=depths[0],
            last=depths[-1],
            seeds=len(experiments.INIT_SEEDS),
            measurements=clauses(texts),
            pace=pace,
        ),
    )


def verdict_gradient_per_layer(results=None, depth: int = 12) -> ToyVerdict:
    """Xiong et al.'s Fig. 3: at init, Post-LN's gradient grows towards the output, Pre-LN's stays level.
    Shown if Post-LN's last/first ratio ≥ 1.1 and Pre-LN's lies in [0.8, 1.25], for both inits; partly if
    either holds for one."""
    results = cached_results(results)
    checks, texts = [], []
    for init in experiments.INITS:
        ratios = {}
        for placement in ("pre", "post"):
            layers = init_series(results, "layer", placement, init, depth, "init_grad_norms").mean(axis=0)
            ratios[placement] = layers[-1] / layers[0]
        checks.append((ratios["post"] >= 1.1, 0.8 <= ratios["pre"] <= 1.25))
        texts.append(
            _("{init} init: last/first layer Post-LN ×{post:.2f}, Pre-LN ×{pre:.2f}").format(
                init=init, post=ratios["post"], pre=ratios["pre"]
            )
        )
    post_ok = all(c[0] for c in checks)
    pre_ok = all(c[1] for c in checks)
    outcome_ = (
        "shown" if post_ok and pre_ok else "partly shown" if any(any(c) for c in checks) else "not shown"
    )
    missing = []
    if not post_ok:
        missing.append(_("Post-LN's gradient does not grow towards the output with every initialization"))
    if not pre_ok:
        missing.append(_("Pre-LN's gradient does not stay level with every initialization"))
    return ToyVerdict(
        _("At initialization, Post-LN's gradients grow towards the output layer; Pre-LN's stay level."),
        _("{paper}, Fig. 3").format(paper=XIONG),
        outcome_,
        _("{depth} layers, mean of {seeds} seeds. {measurements}.").format(
            depth=depth, seeds=len(experiments.INIT_SEEDS), measurements=clauses(texts)
        )
        + (_(" Not as in the paper: {differences}.").format(differences=clauses(missing)) if missing else ""),
    )


def verdict_residual_growth(results=None, depth: int = 12) -> ToyVerdict:
    """Shown if under Pre-LN E‖x_L‖²/d grows ≥ 1.5× over the stack and under Post-LN stays within 10 % of 1,
    for both initializations."""
    results = cached_results(results)
    checks, texts = [], []
    for init in experiments.INITS:
        pre = init_series(results, "layer", "pre", init, depth, "init_residual").mean(axis=0)
        post = init_series(results, "layer", "post", init, depth, "init_residual").mean(axis=0)
        checks.append(pre[-1] / pre[0] >= 1.5 and np.all(np.abs(post[1:] - 1) <= 0.1))
        texts.append(
            _(
                "{init} init: Pre-LN {pre_first:.2f} → {pre_last:.2f}, Post-LN {post_first:.2f} … {post_last:.2f}"
            ).format(init=init, pre_first=pre[0], pre_last=pre[-1], post_first=post[1], post_last=post[-1])
        )
    xavier_pre = init_series(results, "layer", "pre", "xavier", depth, "init_residual").mean(axis=0)
    # Lemma 2: E‖x_l‖²/d ≥ 1 + l/2, allowing 5 % for the seeds' spread
    bound_holds = bool(np.all(xavier_pre >= 0.95 * (1 + np.arange(depth + 1) / 2)))
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"
    bound = (
        _("With Xavier init the lemma's bound 1 + l/2 holds (within 5 %)")
        if bound_holds
        else _("With Xavier init the lemma's bound 1 + l/2 does not hold (within 5 %)")
    )
    return ToyVerdict(
        _("The residual stream grows with depth under Pre-LN and stays flat under Post-LN."),
        _("{paper}, Lemma 2").format(paper=XIONG),
        outcome_,
        _(
            "E‖x_l‖²/d at initialization, {depth} layers, mean of {seeds} seeds. {measurements}. "
            "{bound}; PyTorch's smaller default init grows more slowly."
        ).format(depth=depth, seeds=len(experiments.INIT_SEEDS), measurements=clauses(texts), bound=bound),
    )


def warmup_runs(results, placement, warmup, depth=12, init="torch"):
    return results.runs(
        TrainConfig(
            norm="layer",
            placement=placement,
            n_layers=depth,
            lr=experiments.WARMUP_LR,
            warmup_steps=warmup,
            init=init,
        )
    )


def verdict_warmup(results=None) -> ToyVerdict:
    """Shown if, at 12 blocks and lr 0.01, every seed of Post-LN without warm-up fails or diverges, every seed
    of Post-LN with the longest warm-up learns, and every seed of Pre-LN without warm-up learns."""
    results = cached_results(results)
    longest = max(experiments.WARMUP_STEPS)
    post_cold = [outcome(r) for r in warmup_runs(results, "post", 0)]
    post_warm = [outcome(r) for r in warmup_runs(results, "post", longest)]
    pre_cold = [outcome(r) for r in warmup_runs(results, "pre", 0)]
    checks = (
        all(o in ("failed", "diverged") for o in post_cold),
        all(o == "learned" for o in post_warm),
        all(o == "learned" for o in pre_cold),
    )
    shallow = [outcome(r) for r in warmup_runs(results, "post", 0, depth=min(experiments.WARMUP_DEPTHS))]
    xavier = warmup_runs(results, "post", 50, init="xavier")
    warmups = clauses(
        _("{steps} steps: {runs}").format(steps=w, runs=describe_runs(warmup_runs(results, "post", w)))
        for w in experiments.WARMUP_STEPS
        if w
    )
    evidence = _(
        "12 blocks, lr 0.01, 150 steps, 3 seeds. Post-LN without warm-up: {post_cold}; with warm-up of "
        "{warmups}. Pre-LN without warm-up: {pre_cold}. At {depth} blocks, Post-LN without warm-up: "
        "{shallow}. With Xiong et al.'s Xavier initialization, Post-LN with 50 warm-up steps: {xavier}."
    ).format(
        post_cold=describe_runs(warmup_runs(results, "post", 0)),
        warmups=warmups,
        pre_cold=describe_runs(warmup_runs(results, "pre", 0)),
        depth=min(experiments.WARMUP_DEPTHS),
        shallow=words(_(OUTCOME_WORDS[o]) for o in shallow),
        xavier=describe_runs(xavier),
    )
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"
    return ToyVerdict(
        _(
            "Deep Post-LN at a high learning rate fails without warm-up; with warm-up, or as Pre-LN, it learns."
        ),
        _("{paper}, Section 3 and Fig. 2").format(paper=XIONG),
        outcome_,
        evidence,
    )


def learning_rate_table(
    results=None, architectures=experiments.ARCHITECTURES, steps: int | None = None
) -> dict:
    """(norm, placement) → (learning rates, (seeds, rates) held-out losses, (seeds, rates) outcomes), for
    the learning-rate grid's ``architectures`` trained ``steps`` steps (default: the grid's own budget)."""
    results = cached_results(results)
    steps = TrainConfig().steps if steps is None else steps
    table = {}
    for norm, placement in architectures:
        runs = [
            results.runs(
                TrainConfig(
                    norm=norm,
                    placement=placement,
                    n_layers=experiments.LEARNING_RATE_DEPTH,
                    lr=lr,
                    steps=steps,
                )
            )
            for lr in experiments.LEARNING_RATES
        ]
        losses = np.array([[r.final_loss for r in per_lr] for per_lr in runs]).T
        outcomes = np.array([[outcome(r) for r in per_lr] for per_lr in runs]).T
        table[(norm, placement)] = (np.array(experiments.LEARNING_RATES), losses, outcomes)
    return table


def learning_rate_range(outcomes: np.ndarray, rates: np.ndarray) -> tuple:
    """(smallest, largest, how many) of the grid's learning rates at which every seed learned; (nan, nan, 0) if none."""
    good = (outcomes == "learned").all(axis=0)
    if not good.any():
        return math.nan, math.nan, 0
    return rates[good].min(), rates[good].max(), int(good.sum())


def verdict_learning_rate_range(results=None) -> ToyVerdict:
    """Shown if Pre-LN and Post-LN each learn (every seed) at more of the grid's learning rates than the model
    without a norm; partly if some normalized variant does; not shown otherwise."""
    table = learning_rate_table(results)
    spans, texts = {}, []
    for (norm, placement), (rates, _losses, outcomes) in table.items():
        spans[(norm, placement)] = learning_rate_range(outcomes, rates)
        low, high, count = spans[(norm, placement)]
        texts.append(
            _("{name} {low:g} … {high:g}").format(name=architecture_name(norm, placement), low=low, high=high)
            if count
            else _("{name} none").format(name=architecture_name(norm, placement))
        )
    base_low, base_high, base_count = spans[("none", "pre")]
    normalized = [k for k in spans if k != ("none", "pre")]
    wider = [k for k in normalized if spans[k][2] > base_count]
    narrower = [k for k in normalized if spans[k][2] < base_count]
    higher = [k for k in normalized if spans[k][2] and spans[k][1] > base_high]
    lower_lost = [k for k in normalized if spans[k][2] and spans[k][0] > base_low]
    ln_wider = ("layer", "pre") in wider and ("layer", "post") in wider
    outcome_ = "shown" if ln_wider else "partly shown" if wider else "not shown"

    def names(keys):
        return words(architecture_name(*k) for k in keys) or _("none")

    lowest = min(experiments.LEARNING_RATES)
    slow = [
        _("{name} {loss:.2f}").format(name=architecture_name(*k), loss=table[k][1][:, 0].mean())
        for k in lower_lost
    ]
    # if a longer run let these learn at the lowest rate too, which would then train over a wider range?
    would_widen = [k for k in lower_lost if spans[k][2] + 1 > base_count]
    budget = (
        _(
            " So this verdict is what 150 steps show: if the slow ones learned at {lowest:g} given more steps, "
            "{names} would train over a wider range than no norm (the next verdict gives no norm, "
            "Post-LN and Pre-LN {steps} steps)."
        ).format(lowest=lowest, names=names(would_widen), steps=experiments.LONG_BUDGET_STEPS)
        if would_widen
        else ""
    )
    return ToyVerdict(
        _("Layer normalization widens the range of learning rates that train (within 150 steps)."),
        _(ARTICLE_004),
        outcome_,
        _(
            "{depth} blocks, no warm-up, 150 steps, learning rates {rates}; where all 3 seeds learn: "
            "{ranges}. A wider range than without a norm: {wider}; narrower: {narrower}. Learns at a "
            "larger rate than the model without a norm: {higher}. "
        ).format(
            depth=experiments.LEARNING_RATE_DEPTH,
            rates=", ".join(f"{lr:g}" for lr in experiments.LEARNING_RATES),
            ranges=clauses(texts),
            wider=names(wider),
            narrower=names(narrower),
            higher=names(higher),
        )
        + (
            _(
                "At {lowest:g}, where the model without a norm learns, these are still on their way down "
                "after 150 steps (mean loss; no norm {baseline:.2f}): {slow}."
            ).format(lowest=lowest, baseline=table[("none", "pre")][1][:, 0].mean(), slow=words(slow))
            if slow
            else ""
        )
        + budget,
    )


def batch_norm_runs(results, norm, batch_size, padded=False, counts_padding=False):
    return results.runs(
        TrainConfig(
            norm=norm,
            placement="post",
            n_layers=experiments.LEARNING_RATE_DEPTH,
            lr=experiments.BATCH_NORM_LR,
            batch_size=batch_size,
            padded=padded,
            batch_norm_counts_padding=counts_padding,
        )
    )


def mean_shift(runs) -> np.ndarray:
    """(seeds,) the batch-vs-running mean shift of each seed, averaged over training after the settling steps."""
    return np.array(
        [
            np.mean([s for step, s in zip(r.statistics_steps, r.mean_shift) if step >= SETTLING_STEPS])
            for r in runs
        ]
    )


def verdict_batch_statistics(results=None) -> ToyVerdict:
    """Shown if the batch statistics' distance to the running ones is larger at the smallest batch than at the
    largest (every seed) and larger with padding than without, at every batch size (means over seeds)."""
    results = cached_results(results)
    full = [mean_shift(batch_norm_runs(results, "batch", b)) for b in experiments.BATCH_SIZES]
    padded = [mean_shift(batch_norm_runs(results, "batch", b, True)) for b in experiments.BATCH_SIZES]
    shrinking = full[0].min() > full[-1].max()
    padding_worse = all(p.mean() > f.mean() for p, f in zip(padded, full))
    outcome_ = (
        "shown"
        if shrinking and padding_worse
        else "partly shown"
        if shrinking or padding_worse
        else "not shown"
    )
    listing = ", ".join(
        f"{b}: {f.mean():.3f} / {p.mean():.3f}" for b, f, p in zip(experiments.BATCH_SIZES, full, padded)
    )
    return ToyVerdict(
        _(
            "In a Transformer, batch norm's batch statistics fluctuate around the running ones, "
            "more so in small batches and with padding."
        ),
        _("{paper}, Section 3 and Fig. 2").format(paper=SHEN),
        outcome_,
        _(
            "Mean over channels and layers of |μ_B − μ_running|/σ_running after step {step}, "
            "Post-BN, 4 layers, 3 seeds; batch size: full / padded = {listing}. They do not settle "
            "as training goes on (see the left panel)."
        ).format(step=SETTLING_STEPS, listing=listing),
    )


def batch_norm_gaps(results=None) -> dict:
    """variant → (batch sizes, (seeds, sizes) held-out loss of BN minus LN, paired by seed)."""
    results = cached_results(results)
    gaps = {}
    for name, (padded, counts) in PADDING_CHOICES:
        rows = []
        for b in experiments.BATCH_SIZES:
            bn = final_losses(batch_norm_runs(results, "batch", b, padded, counts))
            ln = final_losses(batch_norm_runs(results, "layer", b, padded))
            rows.append(bn - ln)
        gaps[name] = (np.array(experiments.BATCH_SIZES), np.array(rows).T)
    return gaps


def _significant(differences: np.ndarray) -> bool:
    """Mean above two standard errors (paired seeds)."""
    differences = differences[np.isfinite(differences)]
    if len(differences) < 2:
        return False
    return differences.mean() > 2 * differences.std(ddof=1) / math.sqrt(len(differences))


def verdict_batch_norm_gap(results=None) -> ToyVerdict:
    """Shown if BN trails LN significantly (mean above 2 standard errors) at the smallest batch, by more than at
    the largest batch, and by more with padding than without; partly if some of these hold."""
    gaps = batch_norm_gaps(results)
    full, padded, naive = (gaps[name][1] for name, _choice in PADDING_CHOICES)
    checks = (
        _significant(full[:, 0]) or _significant(padded[:, 0]),
        np.nanmean(full[:, 0]) > np.nanmean(full[:, -1])
        and np.nanmean(padded[:, 0]) > np.nanmean(padded[:, -1]),
        np.nanmean(padded[:, 0]) > np.nanmean(full[:, 0]),
    )
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"

    def listing(gap):
        return ", ".join(f"{b}: {g:+.3f}" for b, g in zip(experiments.BATCH_SIZES, np.nanmean(gap, axis=0)))

    spread = float(np.nanmedian(np.nanstd(np.stack([full, padded, naive]), axis=1, ddof=1)))
    return ToyVerdict(
        _(
            "Batch norm trails layer norm in a Transformer, the more so the smaller the batch and with padding."
        ),
        _("{paper}, Table 1 and Section 4").format(paper=SHEN),
        outcome_,
        _(
            "Held-out loss of Post-BN minus Post-LN (nats; positive: BN worse), mean of 3 paired seeds, by "
            "batch size. Full sequences {full}; padded {padded}; padding counted {naive}. A difference's "
            "typical seed-to-seed spread (standard deviation): {spread:.3f}."
        ).format(full=listing(full), padded=listing(padded), naive=listing(naive), spread=spread),
    )


def verdict_train_eval_mismatch(results=None) -> ToyVerdict:
    """Shown if, at the smallest batch, BN's held-out loss with running statistics is higher than with batch
    statistics for every seed (with or without padding); LN's two losses are the same by construction."""
    results = cached_results(results)
    texts, worse = [], []
    for padded in (False, True):
        runs = batch_norm_runs(results, "batch", experiments.BATCH_SIZES[0], padded)
        gaps = np.array([r.eval_loss - r.eval_loss_batch_statistics for r in runs])
        worse.append(bool(np.all(gaps > 0)))
        texts.append(
            _("{sequences}: {gaps}").format(
                sequences=_("padded") if padded else _("full sequences"),
                gaps=", ".join(f"{g:+.3f}" for g in gaps),
            )
        )
    large = [
        np.mean(
            [
                r.eval_loss - r.eval_loss_batch_statistics
                for r in batch_norm_runs(results, "batch", experiments.BATCH_SIZES[-1], padded)
            ]
        )
        for padded in (False, True)
    ]
    outcome_ = "shown" if all(worse) else "partly shown" if any(worse) else "not shown"
    return ToyVerdict(
        _(
            "Batch norm behaves differently in evaluation (running statistics) than in training (batch statistics)."
        ),
        _("{paper}, Section 3").format(paper=SHEN),
        outcome_,
        _(
            "Held-out loss with running minus with batch statistics, Post-BN, batch {small}, per seed: "
            "{gaps}. At batch {large}: {large_full:+.3f} / {large_padded:+.3f} (mean)."
        ).format(
            small=experiments.BATCH_SIZES[0],
            gaps=clauses(texts),
            large=experiments.BATCH_SIZES[-1],
            large_full=large[0],
            large_padded=large[1],
        ),
    )


def verdict_batch_dependence(results=None) -> ToyVerdict:
    """Shown if, in training mode, every BN model's output for one sequence changes when the others of its batch
    change, and every LN model's does not (exactly); in eval mode neither does."""
    results = cached_results(results)
    bn = [r.batch_dependence for b in experiments.BATCH_SIZES for r in batch_norm_runs(results, "batch", b)]
    ln = [r.batch_dependence for b in experiments.BATCH_SIZES for r in batch_norm_runs(results, "layer", b)]
    bn_moves = all(d["train_neighbours"] > 0 for d in bn)
    ln_still = all(d["train_neighbours"] == 0 and d["train_future"] == 0 for d in ln)
    eval_still = all(d["eval_neighbours"] == 0 for d in bn + ln)
    outcome_ = (
        "shown" if bn_moves and ln_still and eval_still else "partly shown" if bn_moves else "not shown"
    )
    small = [d["train_neighbours"] for d in bn[: len(SEEDS)]]
    large = [d["train_neighbours"] for d in bn[-len(SEEDS) :]]
    return ToyVerdict(
        _("Batch norm makes one sequence's output depend on the other sequences of its batch."),
        _("{paper}; article 002's first claim").format(paper=SHEN),
        outcome_,
        _(
            "Largest change of sequence 0's next-token log-probabilities when the rest of its batch is "
            "replaced, trained Post-BN in training mode: batch {small} {small_low:.3f} … {small_high:.3f} "
            "nats, batch {large} {large_low:.3f} … {large_high:.3f}; Post-LN: {layer_norm}; in eval mode: "
            "{eval_mode}."
        ).format(
            small=experiments.BATCH_SIZES[0],
            small_low=min(small),
            small_high=max(small),
            large=experiments.BATCH_SIZES[-1],
            large_low=min(large),
            large_high=max(large),
            layer_norm=_("exactly 0") if ln_still else _("not 0"),
            eval_mode=_("exactly 0") if eval_still else _("not 0"),
        ),
    )


def all_verdicts(results=None) -> list:
    from lnlib.nb04_transformer_stability import budget, post_ln  # they build on this module

    results = cached_results(results)
    return [
        verdict_gradient_vs_depth(results),
        verdict_gradient_per_layer(results),
        verdict_residual_growth(results),
        verdict_warmup(results),
        post_ln.verdict_warmup_cause(results),
        post_ln.verdict_post_ln_shallow(results),
        verdict_learning_rate_range(results),
        budget.verdict_learning_rate_range_long(results),
        verdict_batch_statistics(results),
        verdict_batch_norm_gap(results),
        verdict_train_eval_mismatch(results),
        verdict_batch_dependence(results),
    ]


class HTMLText:
    """Something the notebook displays as HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def verdict_table(results=None) -> HTMLText:
    """Every claim, its source and its verdict at toy scale, in one table."""
    rows = [(v.claim, v.source, _(VERDICT_WORDS[v.outcome])) for v in all_verdicts(results)]
    return HTMLText(
        ui.html_table([_("claim"), _("source"), _("at toy scale")], rows, _("The published effects, checked"))
    )


def block_source() -> HTMLText:
    """The code of a Transformer block's forward pass, to check against the two formulas."""
    from lnlib.transformer.model import Block

    source = inspect.getsource(Block.forward)
    return HTMLText(f"<pre style='font-size:15px;line-height:1.35'>{html.escape(source)}</pre>")


def task_table() -> HTMLText:
    """The task's three reference losses and an example sequence."""
    batch = training.evaluation_batches(TrainConfig())[0]
    example = " ".join(str(int(t)) for t in batch[0][0][:12])
    rows = [
        (_("optimum: knows the chain"), "ln 4", chain().best_loss),
        (_("knows only how often each token occurs"), "H(π)", chain().unigram_loss),
        (_("chance: uniform guess"), "ln 64", chain().chance_loss),
    ]
    return HTMLText(
        ui.html_table(
            [_("a model that …"), _("formula"), _("loss (nats/token)")],
            rows,
            _("Next-token loss on the Markov chain (example sequence: {example} …)").format(example=example),
        )
    )
