"""Notebook 07's prediction and exercise, answered through widgets (the answers live here, not in a cell)."""

from __future__ import annotations

from lnlib import ui
from lnlib.digits.experiments import LEARNING_RATES
from lnlib.digits.network import norm_name
from lnlib.nb07_real_data_digits import verdicts
from lnlib.nb07_real_data_digits.pictures import DigitsInitApp
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.exercises import ExerciseResult

EXERCISE_SCALE = 1.0


def saturation_prediction() -> ui.Prediction:
    """Predict what BatchNorm does to tanh's saturation when the initial weights grow tenfold, then drag."""
    question = _(
        "BatchNorm sits before every tanh. You will raise the initial scale of the weights from <b>s = 1</b> to "
        "<b>s = 10</b>. What happens to the share of saturated tanh units (|t| &gt; 0.97)?"
    )
    return ui.Prediction(
        f"<p style='font-size:16px'>{question}</p>",
        [
            (_("It rises, as it does without a norm"), "rises"),
            (_("It stays where it is"), "stays"),
            (_("It falls to zero"), "falls"),
        ],
        "stays",
        {
            "rises": _(
                "Not with a norm in front: BN divides each unit by the standard deviation it sees, and that "
                "standard deviation grows with s just as the unit does."
            ),
            "falls": _(
                "BN makes each unit's input mean 0 and variance 1 over the batch, not smaller: a few inputs "
                "still land beyond tanh's knees."
            ),
        },
        _(
            "BN's output does not change when a layer's weights are multiplied by a number (the biases start at 0), "
            "so the tanh sees the same inputs at every s: the saturated share stays at a few per cent. Switch to no "
            "norm and drag s to 10 to see the difference."
        ),
        DigitsInitApp("batch", 1.0),
    )


def largest_rates(results=None) -> dict:
    """norm → the largest learning rate that trains at the exercise's initial scale (None if none does)."""
    return {norm: verdicts.largest_rate(results, norm, EXERCISE_SCALE) for norm in ("none", "batch")}


def largest_rate_exercise(results=None) -> ui.NumberExercise:
    """Read off the training app: the largest learning rate that trains at s = 1, without a norm and with BN."""
    results = verdicts.cached_results(results)
    answers = largest_rates(results)

    def judge(given: dict) -> ExerciseResult:
        messages, correct = [], True
        for norm, missing, name in (
            ("none", N_("Enter the largest learning rate without a norm."), N_("No norm")),
            ("batch", N_("Enter the largest learning rate with BatchNorm."), "BatchNorm"),
        ):
            value, right, name = given[norm], answers[norm], _(name)
            if value is None:
                correct = False
                messages.append(_(missing))
            elif right is not None and abs(value - right) <= 1e-9 * right:
                messages.append(_("{name}: {rate:g}, right.").format(name=name, rate=right))
            else:
                correct = False
                other = answers["batch" if norm == "none" else "none"]
                if other is not None and abs(value - other) <= 1e-9 * other:
                    messages.append(
                        _("{name}: {rate:g} is the other network's answer; swap them.").format(
                            name=name, rate=value
                        )
                    )
                elif value not in LEARNING_RATES:
                    messages.append(
                        _("{rate:g} is not one of the grid's rates ({rates}).").format(
                            rate=value, rates=", ".join(f"{r:g}" for r in LEARNING_RATES)
                        )
                    )
                elif right is not None and value > right:
                    messages.append(
                        _(
                            "{name}: at η = {rate:g} at least one seed ends below {bar:.0%} held-out accuracy or "
                            "diverges; look at every seed."
                        ).format(name=name, rate=value, bar=verdicts.TRAINS_AT)
                    )
                else:
                    messages.append(_("{name}: a larger rate still trains; keep going up.").format(name=name))
        return ExerciseResult(correct, tuple(messages))

    def solution() -> str:
        rows = []
        for norm in ("none", "batch"):
            cells = ", ".join(
                f"η = {lr:g}: {min(verdicts.held_out(results, norm, EXERCISE_SCALE, lr)):.2f}"
                for lr in LEARNING_RATES
            )
            row = _("{norm}, lowest held-out accuracy of the seeds: {cells}").format(
                norm=norm_name(norm), cells=cells
            )
            rows.append(f"<li>{row}</li>")
        rule = _("A rate trains when every seed reaches 90 %.")
        answer = _("So no norm trains up to {none} and BatchNorm up to {batch}.").format(
            none=verdicts.rate_text(answers["none"]), batch=verdicts.rate_text(answers["batch"])
        )
        return f"<div style='font-size:16px'>{rule} <ul>{''.join(rows)}</ul>{answer}</div>"

    question = _(
        "In the training app, keep s = 1 and step η up. What is the largest learning rate at which <b>every seed "
        "trains</b> (held-out accuracy at least 90 %), without a norm and with BatchNorm?"
    )
    return ui.NumberExercise(
        f"<p style='font-size:16px'>{question}</p>",
        {"none": _("largest η, no norm"), "batch": _("largest η, BatchNorm")},
        judge,
        solution,
    )
