"""Notebook 04, section 5's second half: the learning-rate range again, with four times the steps.

At 150 steps the normalized models are still on their way down at the lowest learning rate, so the
verdict of :func:`lnlib.nb04_transformer_stability.verdicts.verdict_learning_rate_range` is what 150
steps show. The ``long_budget`` grid of :mod:`lnlib.transformer.experiments` runs no norm, Post-LN and
Pre-LN at the same six rates for 600 steps; :func:`verdict_learning_rate_range_long` reads it by the
same rule, and :func:`figure_budget` draws both budgets side by side.
"""

from __future__ import annotations

from lnlib.nb04_transformer_stability.verdicts import (
    ARTICLE_004,
    LOSS_LIMITS,
    ToyVerdict,
    architecture_name,
    cached_results,
    clauses,
    learned_threshold,
    learning_rate_range,
    learning_rate_table,
    mean_unless_diverged,
    words,
)
from lnlib.support.language import gettext as _
from lnlib.transformer import experiments
from lnlib.transformer.training import TrainConfig
from lnlib.ui import style

SHORT_STEPS = TrainConfig().steps


def long_budget_table(results=None) -> dict:
    """(norm, placement) → (learning rates, (seeds, rates) held-out losses, (seeds, rates) outcomes) at 600 steps."""
    return learning_rate_table(results, experiments.LONG_BUDGET_ARCHITECTURES, experiments.LONG_BUDGET_STEPS)


def _span_text(span) -> str:
    low, high, count = span
    return (
        _("{low:g} … {high:g} ({count} rates)").format(low=low, high=high, count=count)
        if count
        else _("none")
    )


def verdict_learning_rate_range_long(results=None) -> ToyVerdict:
    """Shown if, at 600 steps, Pre-LN and Post-LN each learn (every seed) at more of the grid's rates than no norm;
    partly if one of them does; not shown otherwise (the rule of the 150-step verdict, on the longer runs)."""
    results = cached_results(results)
    long_table = long_budget_table(results)
    short_table = learning_rate_table(results)
    spans = {key: learning_rate_range(outcomes, rates) for key, (rates, _, outcomes) in long_table.items()}
    short = {key: learning_rate_range(short_table[key][2], short_table[key][0]) for key in long_table}
    base = spans[("none", "pre")][2]
    wider = [key for key in (("layer", "pre"), ("layer", "post")) if spans[key][2] > base]
    outcome_ = "shown" if len(wider) == 2 else "partly shown" if wider else "not shown"
    texts = [
        _("{name} {short} → {long}").format(
            name=architecture_name(*key), short=_span_text(short[key]), long=_span_text(spans[key])
        )
        for key in long_table
    ]
    return ToyVerdict(
        _("Layer normalization widens the range of learning rates that train (given {steps} steps).").format(
            steps=experiments.LONG_BUDGET_STEPS
        ),
        _(ARTICLE_004),
        outcome_,
        _(
            "{depth} blocks, no warm-up, 3 seeds, the same six rates; where every seed learns, {short} → "
            "{long} steps: {ranges}. Wider than no norm at {long} steps: {wider}. A toy of 4 blocks and 600 "
            "steps; the literature's claims are about models and budgets far larger."
        ).format(
            depth=experiments.LEARNING_RATE_DEPTH,
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
                linestyle="--" if key[1] == "post" and key[0] != "none" else "-",
                color=style.NORM_COLORS[key[0]],
                label=architecture_name(*key),
            )
        axis.axhline(
            learned_threshold(), color="black", linestyle=":", linewidth=1.2, label=_("'learned' line")
        )
        axis.set(
            xlabel=_("learning rate"),
            title=_("after {steps} steps (mean of 3 seeds)").format(steps=steps),
            ylim=LOSS_LIMITS,
        )
    axes[0].set_ylabel(_("held-out loss (nats/token)"))
    axes[1].legend(loc="upper left")
    return figure
