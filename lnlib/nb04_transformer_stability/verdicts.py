"""Notebook 04's verdicts, every one computed from the lab's cache by the one rule (:mod:`lnlib.support.verdict_rule`).

The verdicts live by concept (:mod:`.initialization`, :mod:`.warmup`, :mod:`.learning_rates`,
:mod:`.batch_norm`); this module lists them in the notebook's order (:func:`all_verdicts`, read by
``python -m lnlib verdicts``) and draws their table.
"""

from __future__ import annotations

from lnlib import ui
from lnlib.nb04_transformer_stability import batch_norm, initialization, learning_rates, warmup
from lnlib.nb04_transformer_stability.outcomes import HTMLText, cached_results
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import WORDS


def all_verdicts(results=None) -> list:
    """Every verdict of notebook 04, in its order, from ``results`` (default: the cache, through the protocol)."""
    results = cached_results(results)
    return [
        initialization.verdict_gradient_vs_depth(results),
        initialization.verdict_gradient_per_layer(results),
        initialization.verdict_residual_growth(results),
        warmup.verdict_warmup(results),
        warmup.verdict_warmup_cause(results),
        warmup.verdict_post_ln_shallow(results),
        learning_rates.verdict_learning_rate_range(results),
        learning_rates.verdict_learning_rate_range_long(results),
        batch_norm.verdict_batch_statistics(results),
        batch_norm.verdict_batch_norm_gap(results),
        batch_norm.verdict_train_eval_mismatch(results),
        batch_norm.verdict_batch_dependence(results),
    ]


def verdict_table(results=None) -> HTMLText:
    """Every claim, its source and its verdict at toy scale, in one table."""
    rows = [(v.claim, v.source, _(WORDS[v.outcome])) for v in all_verdicts(results)]
    return HTMLText(
        ui.html_table([_("claim"), _("source"), _("at toy scale")], rows, _("The published effects, checked"))
    )
