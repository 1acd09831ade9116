"""Notebook 06's toy verdicts: each published claim its small networks test, decided by the one verdict rule.

Every verdict is a :class:`lnlib.support.verdict_rule.ToyVerdict` whose word follows from its parts, each
measured per seed and paired by seed (the arms of one experiment share their seeds), read from the caches
of :mod:`lnlib.small_nets` through the protocol (``LAB.results()``). :func:`all_verdicts` returns them all
(``python -m lnlib verdicts`` prints them); :func:`by_id` one of them.

Its size is earned by one concern, notebook 06's eleven toy verdicts: each with its parts, the thresholds that
define them, and the template its numbers fill.
"""

from __future__ import annotations

import math

import numpy as np

from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import Effect, ToyVerdict

NOTEBOOK = "06"
HARM = 0.01
"""A held-out accuracy lost by more than this (one point) counts as harm in the RNN memory task."""
NO_REDUCTION = 0.9
"""BN "does not reduce" the gradient ICS when its ICS is at least this fraction of no norm's (a cut of under a
tenth)."""


def _seeds(lab) -> tuple:
    return tuple(lab.LAB.seeds)


def _per_seed(lab, field: str, **config) -> np.ndarray:
    """``field`` of every seed's run of one configuration of ``lab``, in the seeds' order."""
    results = lab.LAB.results()
    return np.array([results[lab.key({**config, "seed": seed})][field] for seed in _seeds(lab)], dtype=float)


def _mean_over_training(lab, field: str, skip: int = 0, **config) -> np.ndarray:
    results = lab.LAB.results()
    return np.array(
        [np.mean(results[lab.key({**config, "seed": seed})][field][skip:]) for seed in _seeds(lab)]
    )


def _points(values) -> str:
    return f"{100 * float(np.mean(values)):+.1f}".replace("-", "−")


# ---------------------------------------------------------------------------
# § 6: internal covariate shift (Santurkar et al. 2018, repeated small)
# ---------------------------------------------------------------------------


def covariate_shift() -> ToyVerdict:
    from lnlib.small_nets import covariate_shift as lab

    def loss(arm):
        return _per_seed(lab, "train_loss", arm=arm)

    def shift(arm):
        return _mean_over_training(lab, "input_shift", 1, arm=arm)

    def ics(arm):
        return _mean_over_training(lab, "gradient_ics", arm=arm)

    def loss_range(arm):
        return _mean_over_training(lab, "loss_range", arm=arm)

    shift_ratio = shift("noisy batch") / shift("none")
    effects = (
        Effect(_("noisy BN's final training loss − no norm's"), loss("noisy batch") - loss("none"), "below"),
        Effect(_("BN's gradient ICS ÷ no norm's"), ics("batch") / ics("none"), "above", NO_REDUCTION),
        Effect(
            _("no norm's loss range along −g ÷ BN's"), loss_range("none") / loss_range("batch"), "above", 1.0
        ),
    )
    evidence = _(
        "10-layer MLP, η = {lr:g}, {seeds} seeds. Noisy BN's layer inputs shift {ratio:.2g} times as much as "
        "without a norm, and its final training loss is {noisy:.3f} against {none:.3f}; BN's gradient ICS is "
        "{bn_ics:.3f} against {none_ics:.3f}; the loss varies along −g by {bn_range:.3g} with BN against "
        "{none_range:.3g} without a norm."
    ).format(
        lr=lab.LR,
        seeds=len(_seeds(lab)),
        ratio=float(np.mean(shift_ratio)),
        noisy=float(np.mean(loss("noisy batch"))),
        none=float(np.mean(loss("none"))),
        bn_ics=float(np.mean(ics("batch"))),
        none_ics=float(np.mean(ics("none"))),
        bn_range=float(np.mean(loss_range("batch"))),
        none_range=float(np.mean(loss_range("none"))),
    )
    return ToyVerdict(
        "06-covariate-shift",
        NOTEBOOK,
        _(
            "BN does not help by reducing internal covariate shift: noisy BN still trains better than no norm, BN "
            "does not reduce the gradient ICS (not by a tenth or more), and BN smooths the loss landscape."
        ),
        _("Santurkar et al. 2018"),
        effects,
        evidence,
    )


def layer_norm_shift() -> ToyVerdict:
    from lnlib.small_nets import covariate_shift as lab

    shift = {arm: _mean_over_training(lab, "input_shift", 1, arm=arm) for arm in ("layer", "none")}
    loss = {arm: _per_seed(lab, "train_loss", arm=arm) for arm in ("layer", "none")}
    effects = (
        Effect(_("LN's input shift − no norm's"), shift["layer"] - shift["none"], "below"),
        Effect(_("LN's final training loss − no norm's"), loss["layer"] - loss["none"], "below"),
    )
    evidence = _(
        "10-layer MLP, η = {lr:g}, {seeds} seeds: layer 4's input shifts by {ln_shift:.3f} per 10 steps with LN, "
        "{none_shift:.3f} without a norm; final training loss {ln_loss:.3f} with LN, {none_loss:.3f} without."
    ).format(
        lr=lab.LR,
        seeds=len(_seeds(lab)),
        ln_shift=float(np.mean(shift["layer"])),
        none_shift=float(np.mean(shift["none"])),
        ln_loss=float(np.mean(loss["layer"])),
        none_loss=float(np.mean(loss["none"])),
    )
    return ToyVerdict(
        "06-ln-covariate-shift",
        NOTEBOOK,
        _("LN reduces internal covariate shift, and so learns faster."),
        _("article 004"),
        effects,
        evidence,
    )


# ---------------------------------------------------------------------------
# § 7: learning rates and initial scales
# ---------------------------------------------------------------------------


def _training_counts(norm: str, sweep: str) -> np.ndarray:
    """Per seed: at how many points of ``sweep`` that seed trains (final loss below TRAINS_BELOW)."""
    from lnlib.small_nets import learning_rates as lab

    return np.array(
        [len(lab.seed_range(lab.LAB.results(), norm, seed, sweep)) for seed in _seeds(lab)], dtype=float
    )


def _range_verdict(sweep: str) -> ToyVerdict:
    from lnlib.small_nets import learning_rates as lab

    results = lab.LAB.results()
    counts = {norm: _training_counts(norm, sweep) for norm in lab.COMPARED_NORMS}
    what = _("learning rates") if sweep == "lr" else _("initial scales")
    effects = (
        Effect(
            _("{points} at which LN trains − at which no norm trains").format(points=what),
            counts["layer"] - counts["none"],
            "above",
        ),
    )
    evidence = _(
        "10-layer MLP, SGD, {steps} steps, {seeds} seeds; a setting trains when every seed's final loss is below "
        "{threshold}. {points} that train: {ranges}."
    ).format(
        steps=lab.STEPS,
        seeds=len(_seeds(lab)),
        threshold=lab.TRAINS_BELOW,
        points=what[:1].upper() + what[1:],
        ranges=lab.ranges_text(results, sweep),
    )
    if sweep == "lr":
        return ToyVerdict(
            "06-learning-rates",
            NOTEBOOK,
            _("LN lets training succeed over a wider range of learning rates."),
            _("article 004"),
            effects,
            evidence,
        )
    return ToyVerdict(
        "06-initial-scales",
        NOTEBOOK,
        _("LN makes training less sensitive to the initial weights' scale."),
        _("article 004"),
        effects,
        evidence,
    )


def learning_rates() -> ToyVerdict:
    return _range_verdict("lr")


def initial_scales() -> ToyVerdict:
    return _range_verdict("init_gain")


def layer_norm_convergence() -> ToyVerdict:
    """Article 000's "LN speeds up training": LN against no norm at two learning rates of the MLP, and in the RNN."""
    from lnlib.small_nets import covariate_shift, rnn_noise
    from lnlib.small_nets import learning_rates as sweep

    def mlp(norm):
        return _per_seed(sweep, "final_loss", norm=norm, lr=sweep.INIT_SWEEP_LR, init_gain=1.0)

    def fast(arm):
        return _per_seed(covariate_shift, "train_loss", arm=arm)

    def rnn(arm):
        results = rnn_noise.LAB.results()
        return np.array(
            [results[rnn_noise.key({"arm": arm, "seed": s})]["losses"][-1] for s in _seeds(rnn_noise)]
        )

    effects = (
        Effect(
            _("MLP, η = {lr:g}: LN's final training loss − no norm's").format(lr=sweep.INIT_SWEEP_LR),
            mlp("layer") - mlp("none"),
            "below",
        ),
        Effect(
            _("MLP, η = {lr:g}: LN's final training loss − no norm's").format(lr=covariate_shift.LR),
            fast("layer") - fast("none"),
            "below",
        ),
        Effect(
            _("RNN, {length} tokens: LN's last training loss − no norm's").format(length=rnn_noise.LENGTH),
            rnn("layer") - rnn("none"),
            "below",
        ),
    )
    evidence = _(
        "Final training loss, mean of {seeds} seeds: the 10-layer MLP at η = {slow:g} {ln_slow:.3f} with LN, "
        "{none_slow:.3f} without a norm; at η = {fast:g} {ln_fast:.3f} and {none_fast:.3f}; the RNN's last "
        "training loss on {length} tokens {ln_rnn:.3f} and {none_rnn:.3f} (chance {chance:.3f})."
    ).format(
        seeds=len(_seeds(sweep)),
        slow=sweep.INIT_SWEEP_LR,
        ln_slow=float(np.mean(mlp("layer"))),
        none_slow=float(np.mean(mlp("none"))),
        fast=covariate_shift.LR,
        ln_fast=float(np.mean(fast("layer"))),
        none_fast=float(np.mean(fast("none"))),
        length=rnn_noise.LENGTH,
        ln_rnn=float(np.mean(rnn("layer"))),
        none_rnn=float(np.mean(rnn("none"))),
        chance=math.log(rnn_noise.TOKENS),
    )
    return ToyVerdict(
        "06-ln-convergence",
        NOTEBOOK,
        _("LN speeds up training and makes convergence easier."),
        _("article 000"),
        effects,
        evidence,
    )


# ---------------------------------------------------------------------------
# § 2: batch norm's noise in a recurrent network, and LN in it
# ---------------------------------------------------------------------------


def rnn_noise() -> ToyVerdict:
    from lnlib.small_nets import rnn_noise as lab

    none = _per_seed(lab, "test_accuracy", arm="none")
    groups = [arm for arm in lab.ARMS if arm.startswith("batch")]
    effects = tuple(
        Effect(
            _("held-out accuracy, {arm} − no norm").format(arm=lab.arm_label(arm)),
            _per_seed(lab, "test_accuracy", arm=arm) - none,
            "below",
            -HARM,
        )
        for arm in groups
    )
    evidence = _(
        "Recall the first of {length} tokens, batches of {batch}, {seeds} seeds; harm is more than {harm:g} "
        "point of held-out accuracy lost against no norm ({none:.3f}). BN's held-out accuracy by examples per "
        "statistic: {accuracies}."
    ).format(
        length=lab.LENGTH,
        batch=lab.BATCH,
        seeds=len(_seeds(lab)),
        harm=100 * HARM,
        none=float(np.mean(none)),
        accuracies=_(", ").join(
            f"{lab.ARMS[arm][1]}: {np.mean(_per_seed(lab, 'test_accuracy', arm=arm)):.3f}" for arm in groups
        ),
    )
    return ToyVerdict(
        "06-rnn-noise",
        NOTEBOOK,
        _(
            "BN's cross-example noise harms learning a long-range dependency in an RNN, at every batch-norm group size."
        ),
        _("article 003"),
        effects,
        evidence,
    )


def rnn_layer_norm() -> ToyVerdict:
    from lnlib.small_nets import rnn_noise as lab

    layer, none = (_per_seed(lab, "test_accuracy", arm=arm) for arm in ("layer", "none"))
    short = _per_seed(lab, "test_accuracy", arm="layer, 10 tokens")
    effects = (
        Effect(
            _("held-out accuracy, LN − no norm ({length} tokens)").format(length=lab.LENGTH), layer - none
        ),
    )
    evidence = _(
        "Recall the first of {length} tokens, {seeds} seeds: held-out accuracy {layer:.3f} with LN, {none:.3f} "
        "without a norm (chance {chance:g}); LN on {short} tokens: {layer_short:.3f}."
    ).format(
        length=lab.LENGTH,
        seeds=len(_seeds(lab)),
        layer=float(np.mean(layer)),
        none=float(np.mean(none)),
        chance=1 / lab.TOKENS,
        short=lab.ARMS["layer, 10 tokens"][2],
        layer_short=float(np.mean(short)),
    )
    return ToyVerdict(
        "06-rnn-layer-norm",
        NOTEBOOK,
        _("LN performs better in RNNs (here: a tanh RNN recalling a token)."),
        _("articles 000 and 004"),
        effects,
        evidence,
    )


# ---------------------------------------------------------------------------
# § 8: held-out test and batch noise
# ---------------------------------------------------------------------------


def _held_out(norm: str) -> np.ndarray:
    from lnlib.small_nets import generalization as lab

    return _per_seed(lab, "final_test_accuracy", norm=norm)


def generalization_against(other: str) -> ToyVerdict:
    """LN's held-out accuracy against ``other``'s (``"none"``: article 004's claim; ``"batch"``: article 000's)."""
    from lnlib.small_nets import generalization as lab

    difference = _held_out("layer") - _held_out(other)
    name = lab.arm_label(other)
    evidence = _(
        "{train} training examples, {noise:.0%} of their labels random, {seeds} seeds: held-out accuracy {layer:.3f} "
        "with LN, {other:.3f} with {name}; LN − {name}, paired by seed: {points} points."
    ).format(
        train=lab.TRAIN,
        noise=lab.LABEL_NOISE,
        seeds=len(_seeds(lab)),
        layer=float(np.mean(_held_out("layer"))),
        other=float(np.mean(_held_out(other))),
        name=name,
        points=_points(difference),
    )
    if other == "none":
        return ToyVerdict(
            "06-generalization",
            NOTEBOOK,
            _("LN has an implicit regularizing effect: it does better on unseen data than no norm."),
            _("article 004"),
            (Effect(_("held-out accuracy, LN − no norm"), difference),),
            evidence,
        )
    return ToyVerdict(
        "06-generalization-vs-bn",
        NOTEBOOK,
        _("LN generalizes better than BN."),
        _("article 000"),
        (Effect(_("held-out accuracy, LN − BN"), difference),),
        evidence,
    )


def bn_generalization() -> ToyVerdict:
    """Article 003's "BN regularizes and improves generalization": BN's held-out accuracy against no norm's."""
    from lnlib.small_nets import generalization as lab

    difference = _held_out("batch") - _held_out("none")
    evidence = _(
        "{train} training examples, {noise:.0%} of their labels random, {seeds} seeds: held-out accuracy {batch:.3f} "
        "with BN, {none:.3f} without a norm; BN − no norm, paired by seed: {points} points."
    ).format(
        train=lab.TRAIN,
        noise=lab.LABEL_NOISE,
        seeds=len(_seeds(lab)),
        batch=float(np.mean(_held_out("batch"))),
        none=float(np.mean(_held_out("none"))),
        points=_points(difference),
    )
    return ToyVerdict(
        "06-generalization-bn",
        NOTEBOOK,
        _("BN improves generalization: it does better on unseen data than no norm."),
        _("article 003"),
        (Effect(_("held-out accuracy, BN − no norm"), difference),),
        evidence,
    )


def batch_noise() -> ToyVerdict:
    from lnlib.small_nets import batch_noise as lab

    plain, noisiest = (f"batch, m = {m}" for m in (lab.GROUPS[0], lab.GROUPS[-1]))

    def held_out(arm):
        return _per_seed(lab, "final_test_accuracy", arm=arm)

    def gap(arm):
        return _per_seed(lab, "final_train_accuracy", arm=arm) - held_out(arm)

    effects = (
        Effect(
            _("held-out accuracy, BN over {m} − over {n}").format(m=lab.GROUPS[-1], n=lab.GROUPS[0]),
            held_out(noisiest) - held_out(plain),
            "above",
        ),
        Effect(
            _("train − held-out gap, BN over {m} − over {n}").format(m=lab.GROUPS[-1], n=lab.GROUPS[0]),
            gap(noisiest) - gap(plain),
            "below",
        ),
    )
    evidence = _(
        "Batch of {batch}, {seeds} seeds: from BN's statistics over all {largest} examples to over {smallest}, "
        "held-out accuracy changes by {test} points and the train − held-out gap by {gap}."
    ).format(
        batch=lab.BATCH,
        seeds=len(_seeds(lab)),
        largest=lab.GROUPS[0],
        smallest=lab.GROUPS[-1],
        test=_points(held_out(noisiest) - held_out(plain)),
        gap=_points(gap(noisiest) - gap(plain)),
    )
    return ToyVerdict(
        "06-batch-noise",
        NOTEBOOK,
        _("BN's batch noise regularizes: noisier statistics do better on held-out data and narrow the gap."),
        _("Ioffe and Szegedy 2015; article 003"),
        effects,
        evidence,
    )


VERDICTS = {
    "06-covariate-shift": covariate_shift,
    "06-ln-covariate-shift": layer_norm_shift,
    "06-learning-rates": learning_rates,
    "06-initial-scales": initial_scales,
    "06-ln-convergence": layer_norm_convergence,
    "06-rnn-noise": rnn_noise,
    "06-rnn-layer-norm": rnn_layer_norm,
    "06-generalization": lambda: generalization_against("none"),
    "06-generalization-vs-bn": lambda: generalization_against("batch"),
    "06-generalization-bn": bn_generalization,
    "06-batch-noise": batch_noise,
}
"""Every toy verdict of notebook 06: its id → the function that computes it from the caches."""


def by_id(verdict_id: str) -> ToyVerdict:
    """The toy verdict ``verdict_id``, computed now (a KeyError that lists the ids, for any other)."""
    if verdict_id not in VERDICTS:
        raise KeyError(f"no toy verdict {verdict_id!r}; notebook 06 has {', '.join(VERDICTS)}")
    return VERDICTS[verdict_id]()


def all_verdicts() -> list:
    """Every toy verdict of notebook 06, computed from the caches."""
    return [compute() for compute in VERDICTS.values()]


class Shown:
    """Toy verdicts as a notebook shows them: one after another, each with its word, claim and folded numbers."""

    def __init__(self, verdicts) -> None:
        self.verdicts = list(verdicts)

    def _repr_html_(self) -> str:
        return "".join(verdict._repr_html_() for verdict in self.verdicts)

    def __str__(self) -> str:
        return "\n".join(
            f"{verdict.outcome_text}: {verdict.claim} {verdict.evidence} {verdict.numbers()}"
            for verdict in self.verdicts
        )


def shown(*verdict_ids: str) -> Shown:
    """The toy verdicts ``verdict_ids`` (all of them when none is named), computed now, for a notebook cell."""
    return Shown(by_id(verdict_id) for verdict_id in verdict_ids or VERDICTS)


class VerdictTable:
    """Every toy verdict of notebook 06 in one table (claim and word), for the summary's slide."""

    def __init__(self, verdicts) -> None:
        self.verdicts = list(verdicts)

    def _repr_html_(self) -> str:
        from lnlib.ui.text import html_table

        rows = [(verdict.claim, verdict.outcome_text) for verdict in self.verdicts]
        return html_table(
            [_("claim"), _("at toy scale")], rows, _("Notebook 06's toy verdicts, by the one rule")
        )


def verdict_table() -> VerdictTable:
    """Every toy verdict of notebook 06, computed now, as one table of claims and words."""
    return VerdictTable(all_verdicts())
