"""Notebook 04's shared rules: a run's outcome, the task's chain, the cache's series, and the sources cited.

A run has learned, partly learned, failed or diverged by one rule (:func:`outcome`, on the fraction of the
way from the unigram level to the optimum, :func:`progress`). The verdicts (:mod:`.initialization`,
:mod:`.warmup`, :mod:`.learning_rates`, :mod:`.batch_norm`) and the figures read the cache through the
helpers here; no verdict lives in this module.
"""

from __future__ import annotations

import functools
import html
import inspect
import math

import numpy as np

from lnlib import ui
from lnlib.support import norms
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.transformer import experiments, training
from lnlib.transformer.training import TrainConfig

LEARNED_FRACTION = 0.75
"""A run "learned" when it closed at least this fraction of the gap from the unigram level to the optimum."""
FAILED_FRACTION = 0.25
"""A run "failed" when it closed less than this fraction."""
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
SETTLING_STEPS = 20  # batch norm's running averages (momentum 0.1) need about this long to forget their start
XIONG = "Xiong et al. 2020, On Layer Normalization in the Transformer Architecture"
SHEN = "Shen et al. 2020, PowerNorm: Rethinking Batch Normalization in Transformers"
ARTICLE_004 = N_("article 004, 层归一化在深度神经网络中的应用与作用, section 7")
"""Article 004's source line, translated with ``_()`` where shown."""
architecture_name = training.architecture_name
norm_abbreviation = training.norm_abbreviation


def norm_color(norm: str) -> str:
    """The norm's colour in every figure (:mod:`lnlib.support.norms`)."""
    return norms.colour(norm)


@functools.cache
def chain():
    """The Markov chain every cached run learns (built on first use, not on import)."""
    return training.task_chain(TrainConfig())


def cached_results(results=None) -> experiments.Results:
    """``results``, or the lab's cache read through the protocol."""
    return results if results is not None else experiments.load()


def seed_count() -> int:
    """How many seeds every configuration of the lab runs with."""
    return len(experiments.SEEDS)


def progress_fraction(loss: float) -> float:
    r"""How much of the way from knowing only token frequencies to knowing the chain a loss is:
    :math:`(H(\pi) - \text{loss}) / (H(\pi) - H_\text{best})`; 1 at the optimum, 0 at the unigram level."""
    return (chain().unigram_loss - loss) / (chain().unigram_loss - chain().best_loss)


def progress(result) -> float:
    """:func:`progress_fraction` of a run's held-out loss; −∞ for a run that diverged."""
    if result.diverged or not math.isfinite(result.eval_loss):
        return -math.inf
    return progress_fraction(result.eval_loss)


def outcome(result) -> str:
    """'diverged' (NaN or ∞), 'failed' (< 25 % of the way), 'partly', or 'learned' (≥ 75 % of the way)."""
    fraction = progress(result)
    if fraction == -math.inf:
        return "diverged"
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


def _placement(norm: str, placement: str) -> str:
    """Without a norm, Pre and Post are one model; the grids hold it as 'pre'."""
    return "pre" if norm == training.NO_NORM else placement


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
    """(smallest, largest, how many) of the grid's learning rates at which every seed learned
    (:func:`lnlib.support.verdict_rule.every_seed`); (nan, nan, 0) if none."""
    from lnlib.support.verdict_rule import every_seed

    good = np.array([every_seed(column == "learned") for column in outcomes.T])
    if not good.any():
        return math.nan, math.nan, 0
    return rates[good].min(), rates[good].max(), int(good.sum())


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


class HTMLText:
    """Something the notebook displays as HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


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
