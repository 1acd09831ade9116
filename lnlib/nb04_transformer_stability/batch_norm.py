"""Notebook 04, section 6: Shen et al.'s (2020) four claims about batch norm in a Transformer, checked per seed.

Post-BN against Post-LN at batches of 2 … 16 sequences, with and without padding (the cache's
``batch_norm`` grid). Every part compares configurations with the same seed.
"""

from __future__ import annotations

import math

import numpy as np

from lnlib.nb04_transformer_stability.outcomes import (
    PADDING_CHOICES,
    SETTLING_STEPS,
    SHEN,
    batch_norm_runs,
    cached_results,
    clauses,
    final_losses,
    mean_shift,
    seed_count,
)
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import Effect, ToyVerdict
from lnlib.transformer import experiments

SMALL, LARGE = experiments.BATCH_SIZES[0], experiments.BATCH_SIZES[-1]
NO_CHANGE = 1e-6
"""A change of a log-probability below this many nats counts as none (float rounding)."""


def verdict_batch_statistics(results=None) -> ToyVerdict:
    """Parts, per seed: the batch statistics' distance to the running ones is larger at the smallest batch than
    at the largest (full sequences); and larger with padding than without, at each batch size."""
    results = cached_results(results)
    full = [mean_shift(batch_norm_runs(results, "batch", b)) for b in experiments.BATCH_SIZES]
    padded = [mean_shift(batch_norm_runs(results, "batch", b, True)) for b in experiments.BATCH_SIZES]
    effects = [
        Effect(
            _("batch {small} minus batch {large}: distance of the batch mean (full sequences)").format(
                small=SMALL, large=LARGE
            ),
            full[0] - full[-1],
        )
    ] + [
        Effect(
            _("padded minus full sequences: distance of the batch mean, batch {size}").format(size=b), p - f
        )
        for b, f, p in zip(experiments.BATCH_SIZES, full, padded)
    ]
    listing = ", ".join(
        f"{b}: {f.mean():.3f} / {p.mean():.3f}" for b, f, p in zip(experiments.BATCH_SIZES, full, padded)
    )
    return ToyVerdict(
        "04-batch-statistics",
        "04",
        _(
            "In a Transformer, batch norm's batch statistics fluctuate around the running ones, "
            "more so in small batches and with padding."
        ),
        _("{paper}, Section 3 and Fig. 2").format(paper=SHEN),
        effects,
        _(
            "Mean over channels and layers of |μ_B − μ_running|/σ_running after step {step}, Post-BN, "
            "{depth} layers, mean of {seeds} seeds; batch size: full / padded = {listing}. The left panel shows "
            "them over training."
        ).format(
            step=SETTLING_STEPS, depth=experiments.LEARNING_RATE_DEPTH, seeds=seed_count(), listing=listing
        ),
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


def verdict_batch_norm_gap(results=None) -> ToyVerdict:
    """Parts, per seed (BN minus LN held-out loss, the same seed): BN trails LN at the smallest batch, on full
    and on padded sequences; the gap is larger at the smallest batch than at the largest; and larger with
    padding (left out of BN's statistics) than without, at the smallest batch."""
    gaps = batch_norm_gaps(results)
    full, padded, naive = (gaps[name][1] for name, _choice in PADDING_CHOICES)
    effects = [
        Effect(_("BN minus LN, batch {size}, full sequences").format(size=SMALL), full[:, 0]),
        Effect(_("BN minus LN, batch {size}, padded").format(size=SMALL), padded[:, 0]),
        Effect(
            _("BN minus LN, batch {small} minus batch {large}, full sequences").format(
                small=SMALL, large=LARGE
            ),
            full[:, 0] - full[:, -1],
        ),
        Effect(
            _("BN minus LN, padded minus full sequences, batch {size}").format(size=SMALL),
            padded[:, 0] - full[:, 0],
        ),
    ]

    def listing(gap):
        return ", ".join(f"{b}: {g:+.3f}" for b, g in zip(experiments.BATCH_SIZES, np.nanmean(gap, axis=0)))

    return ToyVerdict(
        "04-batch-norm-gap",
        "04",
        _(
            "Batch norm trails layer norm in a Transformer, the more so the smaller the batch and with padding."
        ),
        _("{paper}, Table 1 and Section 4").format(paper=SHEN),
        effects,
        _(
            "Held-out loss of Post-BN minus Post-LN (nats; positive: BN worse), mean of {seeds} paired seeds, by "
            "batch size. Full sequences {full}; padded {padded}; padding counted {naive}."
        ).format(seeds=seed_count(), full=listing(full), padded=listing(padded), naive=listing(naive)),
    )


def _running_minus_batch(results, batch_size: int, padded: bool) -> np.ndarray:
    return np.array(
        [
            r.eval_loss - r.eval_loss_batch_statistics
            for r in batch_norm_runs(results, "batch", batch_size, padded)
        ]
    )


def verdict_train_eval_mismatch(results=None) -> ToyVerdict:
    """Parts, per seed, at the smallest batch: BN's held-out loss with running statistics minus with batch
    statistics is above 0, on full and on padded sequences (LN's two losses are the same by construction)."""
    results = cached_results(results)
    effects, texts = [], []
    for padded in (False, True):
        sequences = _("padded") if padded else _("full sequences")
        gaps = _running_minus_batch(results, SMALL, padded)
        effects.append(
            Effect(
                _("running minus batch statistics, batch {size}, {sequences}").format(
                    size=SMALL, sequences=sequences
                ),
                gaps,
            )
        )
        texts.append(
            _("{sequences}: {gaps}").format(sequences=sequences, gaps=", ".join(f"{g:+.3f}" for g in gaps))
        )
    large = [float(np.mean(_running_minus_batch(results, LARGE, padded))) for padded in (False, True)]
    return ToyVerdict(
        "04-train-eval-mismatch",
        "04",
        _(
            "Batch norm behaves differently in evaluation (running statistics) than in training (batch statistics)."
        ),
        _("{paper}, Section 3").format(paper=SHEN),
        effects,
        _(
            "Held-out loss with running minus with batch statistics, Post-BN, batch {small}, per seed: "
            "{gaps}. At batch {large}: {large_full:+.3f} / {large_padded:+.3f} (mean)."
        ).format(small=SMALL, gaps=clauses(texts), large=LARGE, large_full=large[0], large_padded=large[1]),
    )


def _dependence(results, norm: str) -> list:
    """(seeds × batch sizes) of batch-dependence records; a run that diverged has none (NaN)."""
    missing = dict.fromkeys(("train_neighbours", "train_future", "eval_neighbours", "eval_future"), math.nan)
    return [
        [r.batch_dependence or missing for r in batch_norm_runs(results, norm, b)]
        for b in experiments.BATCH_SIZES
    ]


def verdict_batch_dependence(results=None) -> ToyVerdict:
    """Parts, per seed, over every batch size: in training mode BN's output for one sequence changes when the
    others of its batch change (smallest change above :data:`NO_CHANGE`); LN's does not (largest change,
    neighbours or future, below it); in eval mode neither does."""
    results = cached_results(results)
    bn, ln = _dependence(results, "batch"), _dependence(results, "layer")
    seeds = range(seed_count())

    def over_sizes(records, reduce, *fields):
        return np.array([reduce([r[s][f] for r in records for f in fields]) for s in seeds])

    bn_moves = over_sizes(bn, min, "train_neighbours")
    ln_moves = over_sizes(ln, max, "train_neighbours", "train_future")
    eval_moves = np.maximum(over_sizes(bn, max, "eval_neighbours"), over_sizes(ln, max, "eval_neighbours"))
    effects = [
        Effect(
            _("Post-BN, training mode: smallest change over the batch sizes (nats)"),
            bn_moves,
            "above",
            NO_CHANGE,
        ),
        Effect(
            _("Post-LN, training mode: largest change over the batch sizes (nats)"),
            ln_moves,
            "below",
            NO_CHANGE,
        ),
        Effect(_("Post-BN and Post-LN, eval mode: largest change (nats)"), eval_moves, "below", NO_CHANGE),
    ]
    small = [r["train_neighbours"] for r in bn[0]]
    large = [r["train_neighbours"] for r in bn[-1]]
    return ToyVerdict(
        "04-batch-dependence",
        "04",
        _("Batch norm makes one sequence's output depend on the other sequences of its batch."),
        _("{paper}; article 002's first claim").format(paper=SHEN),
        effects,
        _(
            "Largest change of sequence 0's next-token log-probabilities when the rest of its batch is "
            "replaced, trained Post-BN in training mode: batch {small} {small_low:.3f} … {small_high:.3f} "
            "nats, batch {large} {large_low:.3f} … {large_high:.3f}; Post-LN at most {layer_norm:.3g}; in eval "
            "mode at most {eval_mode:.3g}."
        ).format(
            small=SMALL,
            small_low=np.nanmin(small),
            small_high=np.nanmax(small),
            large=LARGE,
            large_low=np.nanmin(large),
            large_high=np.nanmax(large),
            layer_norm=np.nanmax(ln_moves),
            eval_mode=np.nanmax(eval_moves),
        ),
    )
