r"""The one rule that turns a toy's measured numbers into a verdict's word, stated once for every notebook.

A published claim is split into the parts it predicts. Each part is an :class:`Effect`: one number per
seed (a paired difference where two configurations share a seed, such as BN's held-out loss minus LN's
with the same seed), and what the claim predicts it to be (above or below a threshold, 0 unless said).

**An effect is clear when every seed agrees.** A part is *for* the claim when every seed's value lies on
the predicted side, *against* it when every seed's lies on the other side, and *unclear* otherwise. With
the five seeds of every claim-deciding grid, five seeds agreeing by chance alone happens with
probability :math:`2 \cdot 2^{-5} = 1/16`; the mean and its standard error are reported beside it.

**The word** follows from the parts:

- *shown*: every part is for the claim;
- *not shown*: every part is against it;
- *partly shown*: each part is clear, some for and some against;
- *not decided by the toy*: some part is unclear, or the word changes when the seeds are resampled
  (each half of the seeds, the first and the second, decides alone): the toy's seed-to-seed noise is
  larger than the effect, and more seeds or a larger toy would be needed.

"Trains" has one rule too: a configuration trains when every seed trains (:func:`every_seed`).

Example:
    >>> from lnlib.support.verdict_rule import Effect, decide
    >>> gap = Effect("BN − LN held-out loss", (0.12, 0.05, 0.09, 0.02, 0.07))
    >>> gap.side, round(gap.mean, 3)
    ('for', 0.07)
    >>> decide([gap]).word
    'shown'
    >>> decide([Effect("BN − LN", (0.12, -0.02, 0.01, 0.05, 0.03))]).word
    'not decided'
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_

WORDS = {
    "shown": N_("shown"),
    "partly shown": N_("partly shown"),
    "not shown": N_("not shown"),
    "not decided": N_("not decided by the toy"),
}
"""A toy verdict's word: the value code compares → the words a reader sees (translated where shown)."""
WORD_COLOURS = {
    "shown": "#009E73",
    "partly shown": "#E69F00",
    "not shown": "#D55E00",
    "not decided": "#777777",
}
PREDICTIONS = ("above", "below")
RULE = N_(
    "each part of the claim is clear when every seed agrees: shown when every part is for the claim, not shown "
    "when every part is against it, partly shown when the parts are clear but some are for and some against; "
    "otherwise, or when either half of the seeds alone decides otherwise, not decided by the toy"
)
"""The rule in one sentence, as ``python -m lnlib verdicts`` and every verdict's fold state it."""


def every_seed(flags) -> bool:
    """The one "trains" rule: True when every seed does (and there is at least one seed)."""
    flags = list(flags)
    return bool(flags) and all(bool(flag) for flag in flags)


@dataclass(frozen=True)
class Effect:
    """One part of a claim, measured once per seed.

    Args:
        what: what is measured, as a reader reads it (translated).
        values: one value per seed, in the seeds' order (±∞ allowed: a diverged run; NaN agrees with no side).
        predicted: ``"above"`` or ``"below"``: where the claim puts every value.
        threshold: the value the claim compares with (0 for a difference).
    """

    what: str
    values: tuple
    predicted: str = "above"
    threshold: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(float(v) for v in self.values))
        if self.predicted not in PREDICTIONS:
            raise ValueError(
                f"an effect is predicted {' or '.join(PREDICTIONS)} its threshold, not {self.predicted!r}"
            )
        if not self.values:
            raise ValueError(f"the effect {self.what!r} has no seed")

    @property
    def seeds(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        """The mean over the seeds (NaN when a seed is NaN; ±∞ when a seed diverged)."""
        if all(map(math.isfinite, self.values)):
            return math.fsum(self.values) / self.seeds
        return sum(self.values) / self.seeds  # ∞ + (−∞) is NaN, as it should be

    @property
    def standard_error(self) -> float:
        """The standard error of the mean, ``s / √n`` (NaN for one seed or an infinite value)."""
        if self.seeds < 2 or not all(map(math.isfinite, self.values)):
            return math.nan
        mean = self.mean
        variance = math.fsum((v - mean) ** 2 for v in self.values) / (self.seeds - 1)
        return math.sqrt(variance / self.seeds)

    def agrees(self, value: float) -> bool | None:
        """True when ``value`` lies on the predicted side, False on the other, None for NaN or the threshold itself."""
        if math.isnan(value) or value == self.threshold:
            return None
        return (value > self.threshold) == (self.predicted == "above")

    @property
    def side(self) -> str:
        """``"for"`` (every seed on the predicted side), ``"against"`` (every seed on the other) or ``"unclear"``."""
        agreements = [self.agrees(v) for v in self.values]
        if all(a is True for a in agreements):
            return "for"
        if all(a is False for a in agreements):
            return "against"
        return "unclear"

    def on(self, indices) -> Effect:
        """The same effect measured on the seeds at ``indices`` only."""
        return Effect(self.what, tuple(self.values[i] for i in indices), self.predicted, self.threshold)

    def summary(self) -> str:
        """``what: mean ± standard error (n seeds: v₁, v₂, …)``, as a reader reads it."""
        return _("{what}: {mean} ± {error} ({seeds} seeds: {values})").format(
            what=self.what,
            mean=_number(self.mean),
            error=_number(self.standard_error),
            seeds=self.seeds,
            values=", ".join(_number(v) for v in self.values),
        )


def _number(value: float) -> str:
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.3g}".replace("-", "−")


def word(effects) -> str:
    """The word the parts ``effects`` give, on the seeds they hold (see the module's rule)."""
    sides = [effect.side for effect in effects]
    if not sides:
        raise ValueError("a verdict needs at least one effect")
    if "unclear" in sides:
        return "not decided"
    if all(side == "for" for side in sides):
        return "shown"
    if all(side == "against" for side in sides):
        return "not shown"
    return "partly shown"


def halves(seeds: int) -> tuple:
    """The two disjoint halves of ``seeds`` seeds' indices: the first ⌊n/2⌋ and the rest."""
    cut = seeds // 2
    return tuple(range(cut)), tuple(range(cut, seeds))


@dataclass(frozen=True)
class Decision:
    """A verdict's word, with the words each half of the seeds gives alone."""

    word: str
    full: str
    first_half: str
    second_half: str

    @property
    def stable(self) -> bool:
        return self.full == self.first_half == self.second_half


def decide(effects) -> Decision:
    """The word of the parts ``effects`` by the rule, checked on both halves of the seeds."""
    effects = list(effects)
    full = word(effects)
    half_words = []
    for half in (0, 1):
        try:
            half_words.append(word([e.on(halves(e.seeds)[half]) for e in effects if halves(e.seeds)[half]]))
        except ValueError:  # an effect of one seed has no first half
            half_words.append(full)
    chosen = full if full == half_words[0] == half_words[1] else "not decided"
    return Decision(chosen, full, *half_words)


@dataclass(frozen=True)
class ToyVerdict:
    """A published claim checked at toy scale: its word follows from its effects by the rule, never typed.

    Args:
        id: a short name that never changes, e.g. ``"04-warmup"``.
        notebook: the notebook that shows it (``"04"``).
        claim: the claim, as the reader reads it.
        source: where it is published.
        effects: the parts of the claim, measured per seed.
        evidence: the numbers in sentences, filled from the measurements (a template, never typed).
    """

    id: str
    notebook: str
    claim: str
    source: str
    effects: tuple
    evidence: str
    decision: Decision = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "effects", tuple(self.effects))
        object.__setattr__(self, "decision", decide(self.effects))

    @property
    def outcome(self) -> str:
        """The word's key: ``shown``, ``partly shown``, ``not shown`` or ``not decided``."""
        return self.decision.word

    @property
    def outcome_text(self) -> str:
        """The word as the reader reads it, in the current language."""
        return _(WORDS[self.outcome])

    def numbers(self) -> str:
        """Every part's mean ± standard error and per-seed values, as sentences."""
        return _("; ").join(effect.summary() for effect in self.effects)

    def as_dict(self) -> dict:
        """What ``python -m lnlib verdicts --json`` prints for it."""
        return {
            "id": self.id,
            "notebook": self.notebook,
            "claim": self.claim,
            "source": self.source,
            "word": self.outcome,
            "rule": _(RULE),
            "words_of_the_halves": [self.decision.first_half, self.decision.second_half],
            "effects": [
                {
                    "what": e.what,
                    "predicted": e.predicted,
                    "threshold": e.threshold,
                    "side": e.side,
                    "mean": e.mean,
                    "standard_error": e.standard_error,
                    "seeds": e.seeds,
                    "values": list(e.values),
                }
                for e in self.effects
            ],
            "evidence": self.evidence,
        }

    def _repr_html_(self) -> str:
        headline = _("Verdict: {outcome}.").format(outcome=self.outcome_text)
        fold = _("the numbers, and the source ({source})").format(source=self.source)
        rule = _("Rule: {rule}.").format(rule=_(RULE))
        return (
            f"<div style='border-left:6px solid {WORD_COLOURS[self.outcome]};padding:6px 12px;font-size:16px'>"
            f"<b>{html.escape(headline)}</b> {html.escape(self.claim)}"
            f"<details><summary>{html.escape(fold)}</summary>"
            f"<p>{html.escape(self.evidence)}</p><p>{html.escape(self.numbers())}</p>"
            f"<p><small>{html.escape(rule)}</small></p></details></div>"
        )
