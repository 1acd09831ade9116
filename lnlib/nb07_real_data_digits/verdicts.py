"""Notebook 07's verdicts: each published effect checked on the digits, decided from the results cache.

A seed *trains* when it ends without diverging and with a held-out accuracy of at least :data:`TRAINS_AT`
(chance is 0.10), after the grid's 400 steps of SGD; a configuration trains when every seed does
(:func:`trains`, :func:`lnlib.support.verdict_rule.every_seed`). Each verdict is split into parts measured
per seed (:class:`~lnlib.support.verdict_rule.Effect`), and its word follows from them by the course's one
rule (:mod:`lnlib.support.verdict_rule`).

Its size is earned by one concern, the four verdicts: each with the rule that decides it, its parts and the
template its numbers fill, and the tables of trained cells they read.
"""

from __future__ import annotations

import math

import numpy as np

from lnlib import ui
from lnlib.digits import data, experiments, network
from lnlib.digits.experiments import INIT_SCALES, LEARNING_RATES
from lnlib.digits.network import NORMS, norm_name
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.support.verdict_rule import Effect, ToyVerdict, every_seed

TRAINS_AT = 0.90  # held-out accuracy a seed must reach to train
LARGER_BY = 0.5  # BN's largest rate is "larger" when it is at least one grid step (half a decade) above
SATURATION_SCALES = (1.0, 3.0, 10.0)  # the initial scales the saturation verdict compares
SATURATED_NET = 0.25  # no norm "saturates" when a quarter of its tanh units are saturated
NORM_SATURATION_LIMIT = 0.10  # a norm "keeps tanh out of saturation" below this at every scale
REGULARIZING_GAIN = (
    0.5  # points of held-out accuracy BN's noise must add, per seed, to count as a regularizer
)
SIDES = ("for", "against", "unclear")
SIDE_TEXTS = {
    "for": N_("at every seed at the initial scales {scales}"),
    "against": N_("at no seed at the initial scales {scales}"),
    "unclear": N_("at some seeds only at the initial scales {scales}"),
}
"""An Effect's side (:attr:`lnlib.support.verdict_rule.Effect.side`) → where the learning-rate verdict says it holds."""

IOFFE = N_("Ioffe and Szegedy 2015, Batch Normalization, § 3.3")
SANTURKAR = N_("Santurkar et al. 2018, How Does Batch Normalization Help Optimization?")
BA = N_("Ba et al. 2016, Layer Normalization, § 5 (invariance to re-scaling the weights)")
KARPATHY = N_("Karpathy 2022, makemore part 3 (activations, gradients, BatchNorm)")
NOISE_SOURCES = N_("Ioffe and Szegedy 2015, § 3.4; Luo et al. 2019; Hoffer et al. 2017")


def clauses(parts) -> str:
    """Clauses joined as the reader's language writes them ("; " in English)."""
    return _("; ").join(parts)


def listing(parts) -> str:
    """Named items of a sentence joined as the reader's language writes them (", " in English)."""
    return _(", ").join(parts)


def per_norm(values: dict) -> str:
    """norm → value, each value after its norm's name: "no norm 0.03 to 1, BatchNorm 0.01 to 3, …"."""
    return listing(_("{norm} {value}").format(norm=norm_name(n), value=v) for n, v in values.items())


def cached_results(results=None) -> experiments.Results:
    return results if results is not None else experiments.load()


def runs(results, norm: str, scale: float, lr: float) -> list:
    """The grid's records of one configuration, one per seed."""
    return cached_results(results).runs(experiments.grid_config(norm, scale, lr))


def run_outcome(record: dict) -> str:
    """'diverged' (the loss became NaN or infinite), 'trains' (held-out accuracy ≥ TRAINS_AT) or 'fails'."""
    if record["diverged_at"] is not None or not math.isfinite(record["test_accuracy"]):
        return "diverged"
    return "trains" if record["test_accuracy"] >= TRAINS_AT else "fails"


def trains(results, norm: str, scale: float, lr: float) -> bool:
    """Every seed of the configuration trains."""
    return every_seed(seed_trains(results, norm, scale, lr))


def held_out(results, norm: str, scale: float, lr: float) -> np.ndarray:
    """Each seed's final held-out accuracy (NaN for a seed that diverged)."""
    return np.array([r["test_accuracy"] for r in runs(results, norm, scale, lr)], dtype=float)


def trained_rates(results, norm: str, scale: float) -> list:
    return [lr for lr in LEARNING_RATES if trains(results, norm, scale, lr)]


def trained_scales(results, norm: str, lr: float) -> list:
    return [scale for scale in INIT_SCALES if trains(results, norm, scale, lr)]


def trained_cells(results, norm: str) -> int:
    """How many (initial scale, learning rate) cells of the grid train."""
    return sum(trains(results, norm, s, lr) for s in INIT_SCALES for lr in LEARNING_RATES)


def largest_rate(results, norm: str, scale: float) -> float | None:
    """The largest learning rate that trains at ``scale`` (None: none does)."""
    found = trained_rates(results, norm, scale)
    return max(found) if found else None


def describe(values: list) -> str:
    """A set of grid values read aloud: "0.01 to 1", "only 3", "none", or a list when it has gaps."""
    if not values:
        return _("none")
    if len(values) == 1:
        return _("only {value:g}").format(value=values[0])
    grid = LEARNING_RATES if values[0] in LEARNING_RATES and values[-1] in LEARNING_RATES else INIT_SCALES
    first, last = grid.index(values[0]), grid.index(values[-1])
    if list(grid[first : last + 1]) == list(values):
        return _("{first:g} to {last:g}").format(first=values[0], last=values[-1])
    return ", ".join(f"{v:g}" for v in values)


def seed_trains(results, norm: str, scale: float, lr: float) -> list:
    """Per seed: does it train (:func:`run_outcome`)?"""
    return [run_outcome(r) == "trains" for r in runs(results, norm, scale, lr)]


def largest_rate_step(results, norm: str, scale: float, seed_index: int) -> int:
    """The largest learning rate at which seed number ``seed_index`` trains at ``scale``, as its place in
    :data:`LEARNING_RATES` (−1: it trains at none)."""
    found = [i for i, lr in enumerate(LEARNING_RATES) if seed_trains(results, norm, scale, lr)[seed_index]]
    return max(found, default=-1)


def seed_cells(results, norm: str, seed_index: int) -> int:
    """How many (initial scale, learning rate) cells seed number ``seed_index`` trains in."""
    return sum(seed_trains(results, norm, s, lr)[seed_index] for s in INIT_SCALES for lr in LEARNING_RATES)


def seeds_of(results) -> tuple:
    return cached_results(results).seeds


def scales_text(scales) -> str:
    return listing(f"{s:g}" for s in scales) if scales else _("none")


def rate_steps_effects(results) -> list:
    """Per initial scale, one Effect: per seed, BN's largest learning rate that trains minus no norm's, in steps
    of the grid (half decades); the claim puts it at one step or more."""
    count = len(seeds_of(results))
    return [
        Effect(
            _("s = {scale:g}: BN's largest learning rate minus no norm's, in half-decade steps").format(
                scale=scale
            ),
            [
                largest_rate_step(results, "batch", scale, i) - largest_rate_step(results, "none", scale, i)
                for i in range(count)
            ],
            "above",
            LARGER_BY,
        )
        for scale in INIT_SCALES
    ]


def verdict_larger_learning_rates(results=None) -> ToyVerdict:
    """BN lets larger learning rates train. One part per initial scale: per seed, the largest learning rate at
    which that seed trains with BN minus the largest without a norm, in steps of the grid; the claim puts it at
    one step or more (:data:`LARGER_BY`). The word follows from the parts by the rule of
    :mod:`lnlib.support.verdict_rule`."""
    results = cached_results(results)
    effects = rate_steps_effects(results)
    sides = {side: [s for s, e in zip(INIT_SCALES, effects) if e.side == side] for side in SIDES}
    texts = [
        _("scale {scale:g}: BN up to {bn}, no norm up to {none}, LN up to {ln}, RMSNorm up to {rms}").format(
            scale=scale,
            bn=rate_text(largest_rate(results, "batch", scale)),
            none=rate_text(largest_rate(results, "none", scale)),
            ln=rate_text(largest_rate(results, "layer", scale)),
            rms=rate_text(largest_rate(results, "rms", scale)),
        )
        for scale in INIT_SCALES
    ]
    return ToyVerdict(
        "07-larger-learning-rates",
        "07",
        _("BatchNorm lets larger learning rates train."),
        clauses([_(IOFFE), _(SANTURKAR)]),
        effects,
        _(
            "BN's largest learning rate that trains is at least one half-decade step above no norm's: {where}. "
            "Largest learning rate at which every one of {seeds} seeds "
            "reaches {bar:.0%} held-out accuracy after {steps} SGD steps: {rates}. The literature explains it "
            "by a smoother loss landscape (Santurkar et al.) and by BN's invariance to the weights' scale, which "
            "lets a weight that grows slow its own effective step (Ioffe and Szegedy § 3.3); this toy can show "
            "the effect, not its cause."
        ).format(
            where=clauses(
                _(SIDE_TEXTS[side]).format(scales=scales_text(sides[side])) for side in SIDES if sides[side]
            ),
            seeds=len(seeds_of(results)),
            bar=TRAINS_AT,
            steps=experiments.GRID_STEPS,
            rates=clauses(texts),
        ),
    )


def cells_effects(results) -> list:
    """Per norm, one Effect: per seed, the cells of the grid that seed trains in with the norm minus without one
    (summed over the learning rates: how many initial scales train at each)."""
    count = len(seeds_of(results))
    return [
        Effect(
            _("{norm} minus no norm: cells of the grid that train").format(norm=norm_name(norm)),
            [seed_cells(results, norm, i) - seed_cells(results, "none", i) for i in range(count)],
        )
        for norm in NORMS[1:]
    ]


def verdict_wider_init_scales(results=None) -> ToyVerdict:
    """The norms widen the range of initial scales that train. One part per norm: per seed, the number of
    (initial scale, learning rate) cells that seed trains in with the norm minus without one, predicted above 0.
    The word follows from the parts by the rule of :mod:`lnlib.support.verdict_rule`."""
    results = cached_results(results)
    effects = cells_effects(results)
    texts = [
        _(
            "{norm}: {more} cells per seed against no norm, on average ({cells} of {total} cells train at every seed)"
        ).format(
            norm=norm_name(norm),
            more=f"{effect.mean:+.1f}",
            cells=trained_cells(results, norm),
            total=len(INIT_SCALES) * len(LEARNING_RATES),
        )
        for norm, effect in zip(NORMS[1:], effects)
    ]
    per_rate = clauses(
        _("η = {lr:g}: {scales}").format(
            lr=lr, scales=per_norm({n: describe(trained_scales(results, n, lr)) for n in NORMS})
        )
        for lr in LEARNING_RATES
    )
    return ToyVerdict(
        "07-wider-init-scales",
        "07",
        _("A norm before each tanh widens the range of initial weight scales that train."),
        clauses([_(IOFFE), _(BA)]),
        effects,
        _(
            "No norm: {cells} of {total} cells train at every seed. {norms}. The initial scales that train at every "
            "one of {seeds} seeds, at each learning rate: {per_rate}."
        ).format(
            cells=trained_cells(results, "none"),
            total=len(INIT_SCALES) * len(LEARNING_RATES),
            norms=clauses(texts),
            seeds=len(seeds_of(results)),
            per_rate=per_rate,
        ),
    )


def saturation(norm: str, scale: float, seed: int) -> float:
    """The mean over blocks of the fraction of saturated tanh units of a fresh network."""
    return float(network.at_initialization(norm, scale, seed).saturation.mean())


def saturation_table(seeds=experiments.SEEDS) -> dict:
    """norm → (scale → per seed, the mean over blocks of the fraction of saturated tanh units at initialization)."""
    return {
        norm: {s: [saturation(norm, s, seed) for seed in seeds] for s in SATURATION_SCALES} for norm in NORMS
    }


def saturation_effects(table: dict) -> list:
    """No norm saturates at the largest scale (per seed, above :data:`SATURATED_NET`); each norm stays out of
    saturation at every scale (per seed, its largest share over the scales below :data:`NORM_SATURATION_LIMIT`)."""
    top = SATURATION_SCALES[-1]
    effects = [
        Effect(
            _("no norm at s = {scale:g}: share of saturated units").format(scale=top),
            table["none"][top],
            "above",
            SATURATED_NET,
        )
    ]
    for norm in NORMS[1:]:
        effects.append(
            Effect(
                _("{norm}: largest share of saturated units over s = {scales}").format(
                    norm=norm_name(norm), scales=listing(f"{s:g}" for s in SATURATION_SCALES)
                ),
                [max(values) for values in zip(*table[norm].values())],
                "below",
                NORM_SATURATION_LIMIT,
            )
        )
    return effects


def verdict_saturation(seeds=experiments.SEEDS) -> ToyVerdict:
    """A norm before tanh keeps it out of saturation at initialization, whatever the weights' scale. Computed
    now on fresh networks, one per seed (:func:`saturation_effects` names the parts). The word follows from the
    parts by the rule of :mod:`lnlib.support.verdict_rule`."""
    table = saturation_table(seeds)
    rows = clauses(
        _("{norm}: {values}").format(
            norm=norm_name(n),
            values=listing(
                _("{percent:.1f} % at scale {scale:g}").format(percent=100 * float(np.mean(v)), scale=s)
                for s, v in table[n].items()
            ),
        )
        for n in NORMS
    )
    return ToyVerdict(
        "07-saturation",
        "07",
        _(
            "A norm before each tanh keeps it out of saturation at initialization, whatever the weights' scale."
        ),
        clauses([_(KARPATHY), _(IOFFE)]),
        saturation_effects(table),
        _(
            "Fraction of tanh outputs with |t| > {limit} at initialization, mean of the {depth} blocks, on "
            "{examples} training digits, mean of {seeds} seeds: {rows}. A standardised Gaussian input would give "
            "{gaussian:.1f} %. The claim puts no norm above {net:.0%} at scale {top:g} and every norm below "
            "{limit_norm:.0%} at every scale, at every seed."
        ).format(
            limit=network.SATURATED,
            depth=network.DEPTH,
            examples=network.INIT_EXAMPLES,
            seeds=len(seeds),
            rows=rows,
            gaussian=100 * (1 - math.erf(math.atanh(network.SATURATED) / math.sqrt(2))),
            net=SATURATED_NET,
            top=SATURATION_SCALES[-1],
            limit_norm=NORM_SATURATION_LIMIT,
        ),
    )


def batch_noise_numbers(results=None) -> dict:
    """norm → batch → per-seed arrays of final training and held-out accuracy."""
    results = cached_results(results)
    table = {}
    for norm in experiments.BATCH_NOISE_NORMS:
        table[norm] = {}
        for batch in experiments.BATCH_SIZES:
            records = results.runs(experiments.batch_noise_config(norm, batch))
            table[norm][batch] = {
                "train": np.array([r["train_accuracy"] for r in records]),
                "test": np.array([r["test_accuracy"] for r in records]),
            }
    return table


def small_batch_gain(table: dict, norm: str) -> np.ndarray:
    """Per seed: held-out accuracy at the small batch minus at the large one, in points."""
    small, large = experiments.BATCH_SIZES
    return 100 * (table[norm][small]["test"] - table[norm][large]["test"])


def batch_noise_effect(results=None) -> Effect:
    """Per seed, BN's held-out gain from the large batch to the small one minus no norm's, in points (paired by
    seed); the claim puts it above :data:`REGULARIZING_GAIN`."""
    table = batch_noise_numbers(results)
    return Effect(
        _("BN's held-out gain from the small batch minus no norm's, in points"),
        small_batch_gain(table, "batch") - small_batch_gain(table, "none"),
        "above",
        REGULARIZING_GAIN,
    )


def batch_noise_extra(results=None) -> tuple:
    """BN's held-out gain from the large batch to the small one minus no norm's, paired by seed, in points:
    (mean, standard error)."""
    effect = batch_noise_effect(results)
    return effect.mean, effect.standard_error


def verdict_batch_noise(results=None) -> ToyVerdict:
    """BN's batch noise regularizes. Small batches make BN's statistics noisy (and the gradient too, for every
    norm); so BN's held-out gain from the large batch to the small one, minus no norm's, paired by seed, is what
    BN's noise adds (:func:`batch_noise_effect`). The word follows by the rule of
    :mod:`lnlib.support.verdict_rule`."""
    results = cached_results(results)
    table = batch_noise_numbers(results)
    small, large = experiments.BATCH_SIZES
    effect = batch_noise_effect(results)
    rows = clauses(
        _("{norm}: batch {small} → {small_pair}, batch {large} → {large_pair}").format(
            norm=norm_name(n),
            small=small,
            small_pair=_pair(table[n][small]),
            large=large,
            large_pair=_pair(table[n][large]),
        )
        for n in experiments.BATCH_NOISE_NORMS
    )
    lowest_train = 100 * min(
        float(cell["train"].min()) for cells in table.values() for cell in cells.values()
    )
    return ToyVerdict(
        "07-batch-noise",
        "07",
        _(
            "BatchNorm's batch noise acts as a regularizer: small batches help BN on held-out digits more than "
            "they help no norm."
        ),
        _(NOISE_SOURCES),
        [effect],
        _(
            "Final training / held-out accuracy, mean of {seeds} seeds, {steps} steps at η = {lr:g}: {rows}. BN's "
            "extra gain from the small batch over no norm's: {mean:+.2f} ± {error:.2f} points (paired by seed; "
            "the claim puts every seed above {gain:+.1f}). Every run's training accuracy on its {examples} "
            "training digits is at least {lowest_train:.1f} %."
        ).format(
            seeds=len(seeds_of(results)),
            steps=experiments.BATCH_NOISE_STEPS,
            lr=experiments.BATCH_NOISE_LR,
            rows=rows,
            mean=effect.mean,
            error=effect.standard_error,
            gain=REGULARIZING_GAIN,
            examples=data.TRAIN_EXAMPLES,
            lowest_train=lowest_train,
        ),
    )


def _pair(cell: dict) -> str:
    return f"{cell['train'].mean():.3f} / {cell['test'].mean():.3f}"


def rate_text(rate: float | None) -> str:
    """A largest learning rate read aloud: the number, or "none"."""
    return _("none") if rate is None else f"{rate:g}"


def ranges_text(results=None, scale: float = 1.0, lr: float = 0.1) -> str:
    """The learning rates that train at initial scale ``scale`` and the initial scales that train at ``lr``, per
    norm, with the cells that train: the digits' evidence for notebook 06's ledger."""
    results = cached_results(results)
    rates = per_norm({n: describe(trained_rates(results, n, scale)) for n in NORMS})
    scales = per_norm({n: describe(trained_scales(results, n, lr)) for n in NORMS})
    cells = per_norm({n: trained_cells(results, n) for n in NORMS})
    return _(
        "learning rates that train at initial scale {scale:g}: {rates}; initial scales that train at η = {lr:g}: "
        "{scales}; cells of the {rows} × {columns} grid that train: {cells}"
    ).format(
        scale=scale,
        rates=rates,
        lr=lr,
        scales=scales,
        rows=len(INIT_SCALES),
        columns=len(LEARNING_RATES),
        cells=cells,
    )


def all_verdicts(results=None) -> list:
    """Notebook 07's toy verdicts, from the cache (``python -m lnlib verdicts`` calls it with no argument)."""
    results = cached_results(results)
    return [
        verdict_larger_learning_rates(results),
        verdict_wider_init_scales(results),
        verdict_saturation(),
        verdict_batch_noise(results),
    ]


LITERATURE = (
    N_(
        "Ioffe and Szegedy trained an Inception network with 5× and 30× the learning rate; "
        "Santurkar et al. and Bjorck et al. 2018 relate it to a smoother loss landscape."
    ),
    N_(
        "BN's and LN's outputs do not change when a layer's weights are re-scaled "
        "(Ioffe and Szegedy § 3.3; Ba et al. Table 1), so the initial scale matters far less."
    ),
    N_(
        "Ioffe and Szegedy: BN makes saturating non-linearities usable; Karpathy "
        "shows the saturated tanh units and how BN removes them."
    ),
    N_(
        "Ioffe and Szegedy could drop dropout with BN; Luo et al. 2019 derive the noise "
        "as a regularizer; the effect is seen on ImageNet-scale models, not guaranteed on small data."
    ),
)
"""The literature's evidence for each claim, in the order of :func:`all_verdicts`."""


def verdict_table(results=None) -> ui.text.Markdown:
    """Every claim with the literature's evidence and the toy's verdict, one row each (a slide's summary)."""
    rows = [
        (verdict.claim, _(literature), verdict.outcome_text)
        for verdict, literature in zip(all_verdicts(results), LITERATURE, strict=True)
    ]
    header = [_("claim"), _("the literature"), _("on the digits")]
    return ui.Markdown(ui.markdown_table(header, rows))
