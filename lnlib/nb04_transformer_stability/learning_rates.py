"""Notebook 04, section 5: does layer norm widen the range of learning rates that train, at 150 and 600 steps?

A configuration "learns" at a rate when every seed learns there (:func:`.outcomes.learning_rate_range`,
the one rule :func:`lnlib.support.verdict_rule.every_seed`); that is the range the evidence reports. The
claim's parts are measured per seed: the count of the grid's rates at which that seed learns, Pre-LN's and
Post-LN's minus the model's without a norm (the same seed). At 150 steps the normalized models may still
be on their way down at the lowest rate; the ``long_budget`` grid runs no norm, Post-LN and Pre-LN at the
same six rates for 600 steps, read by the same rule (:func:`verdict_learning_rate_range_long`).
"""

from __future__ import annotations

import numpy as np

from lnlib.nb04_transformer_stability.outcomes import (
    ARTICLE_004,
    LOSS_LIMITS,
    architecture_name,
    cached_results,
    clauses,
    learned_threshold,
    learning_rate_range,
    learning_rate_table,
    mean_unless_diverged,
    norm_color,
    seed_count,
    words,
)
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import Effect, ToyVerdict
from lnlib.transformer import experiments
from lnlib.transformer.training import NO_NORM, TrainConfig
from lnlib.ui import style

SHORT_STEPS = TrainConfig().steps
BASELINE = (NO_NORM, "pre")
LAYER_NORMS = (("layer", "pre"), ("layer", "post"))
MORE_RATES = 0.5
"""The counts are whole numbers: a seed widens the range when it learns at one rate more or (above 0.5)."""


def learned_counts(outcomes: np.ndarray) -> np.ndarray:
    """(seeds,): at how many of the grid's rates each seed learned."""
    return (outcomes == "learned").sum(axis=1)


def range_effects(table: dict, steps: int) -> list:
    """Per seed: the count of rates at which Pre-LN (Post-LN) learns minus no norm's, the same seed; at least 1."""
    base = learned_counts(table[BASELINE][2])
    return [
        Effect(
            _("{name} minus no norm: rates that learn ({steps} steps)").format(
                name=architecture_name(*key), steps=steps
            ),
            learned_counts(table[key][2]) - base,
            "above",
            MORE_RATES,
        )
        for key in LAYER_NORMS
    ]


def _span_text(span) -> str:
    low, high, count = span
    return (
        _("{low:g} … {high:g} ({count} rates)").format(low=low, high=high, count=count)
        if count
        else _("none")
    )


def verdict_learning_rate_range(results=None) -> ToyVerdict:
    """Parts: Pre-LN and Post-LN each learn, seed by seed, at more of the grid's rates than no norm (150 steps)."""
    table = learning_rate_table(results)
    spans = {key: learning_rate_range(outcomes, rates) for key, (rates, _losses, outcomes) in table.items()}
    texts = [
        _("{name} {span}").format(name=architecture_name(*key), span=_span_text(span))
        for key, span in spans.items()
    ]
    base_low, base_high, base_count = spans[BASELINE]
    normalized = [k for k in spans if k != BASELINE]
    wider = [k for k in normalized if spans[k][2] > base_count]
    narrower = [k for k in normalized if spans[k][2] < base_count]
    higher = [k for k in normalized if spans[k][2] and spans[k][1] > base_high]
    lower_lost = [k for k in normalized if spans[k][2] and spans[k][0] > base_low]

    def names(keys):
        return words(architecture_name(*k) for k in keys) or _("none")

    lowest = base_low  # the lowest rate at which no norm learns (NaN if none)
    column = list(experiments.LEARNING_RATES).index(lowest) if base_count else 0
    slow = [
        _("{name} {loss:.2f}").format(name=architecture_name(*k), loss=table[k][1][:, column].mean())
        for k in lower_lost
    ]
    would_widen = [k for k in lower_lost if spans[k][2] + 1 > base_count]
    budget = (
        _(
            " If the slow ones learned at {lowest:g} given more steps, {names} would train over a wider range "
            "than no norm (the next verdict gives no norm, Post-LN and Pre-LN {steps} steps)."
        ).format(lowest=lowest, names=names(would_widen), steps=experiments.LONG_BUDGET_STEPS)
        if would_widen
        else ""
    )
    return ToyVerdict(
        "04-learning-rate-range",
        "04",
        _("Layer normalization widens the range of learning rates that train (within {steps} steps).").format(
            steps=SHORT_STEPS
        ),
        _(ARTICLE_004),
        range_effects(table, SHORT_STEPS),
        _(
            "{depth} blocks, no warm-up, {steps} steps, learning rates {rates}; where all {seeds} seeds learn: "
            "{ranges}. A wider range than without a norm: {wider}; narrower: {narrower}. Learns at a "
            "larger rate than the model without a norm: {higher}. "
        ).format(
            depth=experiments.LEARNING_RATE_DEPTH,
            steps=SHORT_STEPS,
            rates=", ".join(f"{lr:g}" for lr in experiments.LEARNING_RATES),
            seeds=seed_count(),
            ranges=clauses(texts),
            wider=names(wider),
            narrower=names(narrower),
            higher=names(higher),
        )
        + (
            _(
                "At {lowest:g}, where every seed of the model without a norm learns, not every seed of these does "
                "within {steps} steps (mean loss; no norm {baseline:.2f}): {slow}."
            ).format(
                lowest=lowest,
                steps=SHORT_STEPS,
                baseline=table[BASELINE][1][:, column].mean(),
                slow=words(slow),
            )
            if slow
            else ""
        )
        + budget,
    )


def long_budget_table(results=None) -> dict:
    """(norm, placement) → (learning rates, (seeds, rates) held-out losses, (seeds, rates) outcomes) at 600 steps."""
    return learning_rate_table(results, experiments.LONG_BUDGET_ARCHITECTURES, experiments.LONG_BUDGET_STEPS)


def verdict_learning_rate_range_long(results=None) -> ToyVerdict:
    """The parts of :func:`verdict_learning_rate_range` on the runs of 600 steps."""
    results = cached_results(results)
    long_table = long_budget_table(results)
    short_table = learning_rate_table(results)
    spans = {key: learning_rate_range(outcomes, rates) for key, (rates, _, outcomes) in long_table.items()}
    short = {key: learning_rate_range(short_table[key][2], short_table[key][0]) for key in long_table}
    base = spans[BASELINE][2]
    wider = [key for key in LAYER_NORMS if spans[key][2] > base]
    texts = [
        _("{name} {short} → {long}").format(
            name=architecture_name(*key), short=_span_text(short[key]), long=_span_text(spans[key])
        )
        for key in long_table
    ]
    return ToyVerdict(
        "04-learning-rate-range-long",
        "04",
        _("Layer normalization widens the range of learning rates that train (given {steps} steps).").format(
            steps=experiments.LONG_BUDGET_STEPS
        ),
        _(ARTICLE_004),
        range_effects(long_table, experiments.LONG_BUDGET_STEPS),
        _(
            "{depth} blocks, no warm-up, {seeds} seeds, the same {count} rates; where every seed learns, {short} → "
            "{long} steps: {ranges}. Wider than no norm at {long} steps (every seed's rates): {wider}. A toy of "
            "{depth} blocks and {long} steps; the literature's claims are about models and budgets far larger."
        ).format(
            depth=experiments.LEARNING_RATE_DEPTH,
            seeds=seed_count(),
            count=len(experiments.LEARNING_RATES),
            short=SHORT_STEPS,
            long=experiments.LONG_BUDGET_STEPS,
            ranges=clauses(texts),
            wider=words(architecture_name(*key) for key in wider) or _("neither Pre-LN nor Post-LN"),
        ),
    )


def figure_budget(results=None):
    """Held-out loss against learning rate after 150 and after 600 steps, for no norm, Post-LN and Pre-LN."""
    results = cached_results(results)
    short_table, long_table = learning_rate_table(results), long_budget_table(results)
    figure, axes = style.new_figure(12, 4.4, ncols=2, sharey=True)
    for axis, table, steps in (
        (axes[0], short_table, SHORT_STEPS),
        (axes[1], long_table, experiments.LONG_BUDGET_STEPS),
    ):
        for key in experiments.LONG_BUDGET_ARCHITECTURES:
            rates, losses, outcomes = table[key]
            axis.semilogx(
                rates,
                mean_unless_diverged(losses, outcomes),
                marker="o",
                linestyle="--" if key[1] == "post" and key[0] != NO_NORM else "-",
                color=norm_color(key[0]),
                label=architecture_name(*key),
            )
        axis.axhline(
            learned_threshold(), color="black", linestyle=":", linewidth=1.2, label=_("'learned' line")
        )
        axis.set(
            xlabel=_("learning rate"),
            title=_("after {steps} steps (mean of {seeds} seeds)").format(steps=steps, seeds=seed_count()),
            ylim=LOSS_LIMITS,
        )
    axes[0].set_ylabel(_("held-out loss (nats/token)"))
    axes[1].legend(loc="upper left")
    return figure
