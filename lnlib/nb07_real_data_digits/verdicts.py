"""Notebook 07's verdicts: each published effect checked on the digits, decided from the results cache.

A configuration *trains* when every seed ends without diverging and with a held-out accuracy of at least
:data:`TRAINS_AT` (chance is 0.10), after the grid's 400 steps of SGD (:func:`trains`). Each verdict
function states in its docstring the rule that turns the numbers into "shown", "partly shown" or "not
shown", and says what the toy shows beside what only the literature shows.
"""

from __future__ import annotations

import math

import numpy as np

from lnlib import ui
from lnlib.digits import data, experiments, network
from lnlib.digits.experiments import INIT_SCALES, LEARNING_RATES, SEEDS
from lnlib.digits.network import NORMS, norm_name
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.text import ToyVerdict

TRAINS_AT = 0.90  # held-out accuracy every seed must reach
SATURATION_SCALES = (1.0, 3.0, 10.0)  # the initial scales the saturation verdict compares
SATURATED_NET = 0.25  # no norm "saturates" when a quarter of its tanh units are saturated
NORM_SATURATION_LIMIT = 0.10  # a norm "keeps tanh out of saturation" below this at every scale

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
    return all(run_outcome(r) == "trains" for r in runs(results, norm, scale, lr))


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


def verdict_larger_learning_rates(results=None) -> ToyVerdict:
    """BN lets larger learning rates train. At each initial scale, compare the largest learning rate that
    trains with BN and without a norm (a scale at which no norm trains at all counts for BN if BN trains
    there). Shown if BN's is larger at every scale, partly shown if at some, not shown if at none."""
    results = cached_results(results)
    larger, texts = [], []
    for scale in INIT_SCALES:
        bn, none = largest_rate(results, "batch", scale), largest_rate(results, "none", scale)
        larger.append(bn is not None and (none is None or bn > none))
        texts.append(
            _(
                "scale {scale:g}: BN up to {bn}, no norm up to {none}, LN up to {ln}, RMSNorm up to {rms}"
            ).format(
                scale=scale,
                bn=rate_text(bn),
                none=rate_text(none),
                ln=rate_text(largest_rate(results, "layer", scale)),
                rms=rate_text(largest_rate(results, "rms", scale)),
            )
        )
    outcome = "shown" if all(larger) else "partly shown" if any(larger) else "not shown"
    where = [f"{s:g}" for s, more in zip(INIT_SCALES, larger) if more]
    claim = (
        _(
            "BatchNorm lets larger learning rates train (here at {count} of the {total} initial scales: {scales})."
        )
        if outcome == "partly shown"
        else _("BatchNorm lets larger learning rates train.")
    )
    return ToyVerdict(
        claim.format(count=len(where), total=len(INIT_SCALES), scales=", ".join(where)),
        clauses([_(IOFFE), _(SANTURKAR)]),
        outcome,
        _(
            "Largest learning rate at which every one of {seeds} seeds reaches {bar:.0%} held-out accuracy after "
            "{steps} SGD steps: {rates}. The literature explains it by a smoother loss landscape (Santurkar et al.) "
            "and by BN's invariance to the weights' scale, which lets a weight that grows slow its own effective "
            "step (Ioffe and Szegedy § 3.3); this toy shows the effect, not its cause."
        ).format(seeds=len(SEEDS), bar=TRAINS_AT, steps=experiments.GRID_STEPS, rates=clauses(texts)),
    )


def verdict_wider_init_scales(results=None) -> ToyVerdict:
    """The norms widen the range of initial scales that train. At each learning rate, count the initial
    scales that train. A norm widens the range if it trains at more scales than no norm at a majority of
    the learning rates and at fewer at none. Shown if all three norms widen it, partly shown if some do,
    not shown if none does."""
    results = cached_results(results)
    widens, texts = {}, []
    for norm in NORMS[1:]:
        more = sum(
            len(trained_scales(results, norm, lr)) > len(trained_scales(results, "none", lr))
            for lr in LEARNING_RATES
        )
        fewer = sum(
            len(trained_scales(results, norm, lr)) < len(trained_scales(results, "none", lr))
            for lr in LEARNING_RATES
        )
        widens[norm] = more > len(LEARNING_RATES) / 2 and fewer == 0
        texts.append(
            _(
                "{norm}: more scales than no norm at {more} of {rates} rates, fewer at {fewer}; "
                "{cells} of {total} cells train"
            ).format(
                norm=norm_name(norm),
                more=more,
                rates=len(LEARNING_RATES),
                fewer=fewer,
                cells=trained_cells(results, norm),
                total=len(INIT_SCALES) * len(LEARNING_RATES),
            )
        )
    per_rate = clauses(
        _("η = {lr:g}: {scales}").format(
            lr=lr, scales=per_norm({n: describe(trained_scales(results, n, lr)) for n in NORMS})
        )
        for lr in LEARNING_RATES
    )
    count = sum(widens.values())
    outcome = "shown" if count == len(widens) else "partly shown" if count else "not shown"
    names = [norm_name(n) for n, w in widens.items() if w]
    claim = (
        _("A norm before each tanh widens the range of initial weight scales that train ({norms} do here).")
        if outcome == "partly shown"
        else _("A norm before each tanh widens the range of initial weight scales that train.")
    )
    return ToyVerdict(
        claim.format(norms=listing(names)),
        clauses([_(IOFFE), _(BA)]),
        outcome,
        _(
            "No norm: {cells} of {total} cells train. {norms}. The initial scales that train, at each learning "
            "rate: {per_rate}."
        ).format(
            cells=trained_cells(results, "none"),
            total=len(INIT_SCALES) * len(LEARNING_RATES),
            norms=clauses(texts),
            per_rate=per_rate,
        ),
    )


def saturation_table(seed: int = 0) -> dict:
    """norm → (scale → the mean over blocks of the fraction of saturated tanh units at initialization)."""
    return {
        norm: {
            s: float(network.at_initialization(norm, s, seed).saturation.mean()) for s in SATURATION_SCALES
        }
        for norm in NORMS
    }


def verdict_saturation(seed: int = 0) -> ToyVerdict:
    """A norm before tanh keeps it out of saturation at initialization, whatever the weights' scale. Computed
    now on a fresh network (seeded). Shown if without a norm the saturated fraction passes SATURATED_NET at
    the largest scale while every norm stays below NORM_SATURATION_LIMIT at every scale; partly shown if
    some norms do; not shown otherwise."""
    table = saturation_table(seed)
    top = SATURATION_SCALES[-1]
    saturates = table["none"][top] > SATURATED_NET
    kept = {norm: max(table[norm].values()) < NORM_SATURATION_LIMIT for norm in NORMS[1:]}
    outcome = (
        "shown"
        if saturates and all(kept.values())
        else "partly shown"
        if saturates and any(kept.values())
        else "not shown"
    )
    rows = clauses(
        _("{norm}: {values}").format(
            norm=norm_name(n),
            values=listing(
                _("{percent:.1f} % at scale {scale:g}").format(percent=100 * v, scale=s)
                for s, v in table[n].items()
            ),
        )
        for n in NORMS
    )
    return ToyVerdict(
        _(
            "A norm before each tanh keeps it out of saturation at initialization, whatever the weights' scale."
        ),
        clauses([_(KARPATHY), _(IOFFE)]),
        outcome,
        _(
            "Fraction of tanh outputs with |t| > {limit} at initialization, mean of the {depth} blocks, on "
            "{examples} training digits: {rows}. A standardised Gaussian input would give {gaussian:.1f} %."
        ).format(
            limit=network.SATURATED,
            depth=network.DEPTH,
            examples=network.INIT_EXAMPLES,
            rows=rows,
            gaussian=100 * (1 - math.erf(math.atanh(network.SATURATED) / math.sqrt(2))),
        ),
    )


def batch_noise_numbers(results=None) -> dict:
    """norm → batch → per-seed arrays of final training and held-out accuracy; and BN's effect, paired by seed."""
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


def batch_noise_extra(results=None) -> tuple:
    """BN's held-out gain from the large batch to the small one minus no norm's, paired by seed, in points:
    (mean, standard error)."""
    table = batch_noise_numbers(results)
    extra = small_batch_gain(table, "batch") - small_batch_gain(table, "none")
    return float(extra.mean()), float(extra.std(ddof=1) / math.sqrt(len(extra)))


def verdict_batch_noise(results=None) -> ToyVerdict:
    """BN's batch noise regularizes. Small batches make BN's statistics noisy (and the gradient too, for every
    norm); so BN's held-out gain from the large batch to the small one, minus no norm's, paired by seed, is what
    BN's noise adds. Shown if it is above +0.5 points and above twice its standard error, and BN's training
    accuracy does not rise with it; not shown otherwise."""
    table = batch_noise_numbers(results)
    small, large = experiments.BATCH_SIZES
    mean, error = batch_noise_extra(results)
    train_rise = 100 * float((table["batch"][small]["train"] - table["batch"][large]["train"]).mean())
    outcome = "shown" if mean > 0.5 and mean > 2 * error and train_rise <= 0 else "not shown"
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
    return ToyVerdict(
        _(
            "BatchNorm's batch noise acts as a regularizer: small batches help BN on held-out digits more than "
            "they help no norm."
        ),
        _(NOISE_SOURCES),
        outcome,
        _(
            "Final training / held-out accuracy, mean of {seeds} seeds, {steps} steps at η = {lr:g}: {rows}. BN's "
            "extra gain from the small batch over no norm's: {mean:+.2f} ± {error:.2f} points (paired by seed). "
            "Every network fits its {examples} training digits (almost) exactly and the held-out accuracies differ "
            "by about a point, so there is little over-fitting for a regularizer to cure at this scale."
        ).format(
            seeds=len(SEEDS),
            steps=experiments.BATCH_NOISE_STEPS,
            lr=experiments.BATCH_NOISE_LR,
            rows=rows,
            mean=mean,
            error=error,
            examples=data.TRAIN_EXAMPLES,
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
        # the outcome's words are ui.text's messages ("shown", "partly shown", "not shown")
        (verdict.claim, _(literature), _(verdict.outcome))
        for verdict, literature in zip(all_verdicts(results), LITERATURE, strict=True)
    ]
    header = [_("claim"), _("the literature"), _("on the digits")]
    return ui.Markdown(ui.markdown_table(header, rows))
