"""Notebook 07's prediction and exercise, answered through widgets (the answers live here, not in a cell)."""

from __future__ import annotations

from lnlib import ui
from lnlib.digits.experiments import LEARNING_RATES
from lnlib.nb07_real_data_digits import verdicts
from lnlib.nb07_real_data_digits.pictures import DigitsInitApp
from lnlib.ui.exercises import Verdict

EXERCISE_SCALE = 1.0


def saturation_prediction() -> ui.Prediction:
    """Predict what BatchNorm does to tanh's saturation when the initial weights grow tenfold, then drag."""
    return ui.Prediction(
        "<p style='font-size:16px'>BatchNorm sits before every tanh. You will raise the initial scale of the "
        "weights from <b>s = 1</b> to <b>s = 10</b>. What happens to the share of saturated tanh units "
        "(|t| &gt; 0.97)?</p>",
        [
            ("It rises, as it does without a norm", "rises"),
            ("It stays where it is", "stays"),
            ("It falls to zero", "falls"),
        ],
        "stays",
        {
            "rises": "Not with a norm in front: BN divides each unit by the standard deviation it sees, and that "
            "standard deviation grows with s just as the unit does.",
            "falls": "BN makes each unit's input mean 0 and variance 1 over the batch, not smaller: a few inputs "
            "still land beyond tanh's knees.",
        },
        "BN's output does not change when a layer's weights are multiplied by a number (the biases start at 0), so "
        "the tanh sees the same inputs at every s: the saturated share stays at a few per cent. Switch to no norm "
        "and drag s to 10 to see the difference.",
        DigitsInitApp("batch", 1.0),
    )


def largest_rates(results=None) -> dict:
    """norm → the largest learning rate that trains at the exercise's initial scale (None if none does)."""
    return {norm: verdicts.largest_rate(results, norm, EXERCISE_SCALE) for norm in ("none", "batch")}


def largest_rate_exercise(results=None) -> ui.NumberExercise:
    """Read off the training app: the largest learning rate that trains at s = 1, without a norm and with BN."""
    results = verdicts.cached_results(results)
    answers = largest_rates(results)

    def judge(given: dict) -> Verdict:
        messages, correct = [], True
        for norm, label, name in (
            ("none", "without a norm", "No norm"),
            ("batch", "with BatchNorm", "BatchNorm"),
        ):
            value, right = given[norm], answers[norm]
            if value is None:
                correct = False
                messages.append(f"Enter the largest learning rate {label}.")
            elif right is not None and abs(value - right) <= 1e-9 * right:
                messages.append(f"{name}: {right:g}, right.")
            else:
                correct = False
                other = answers["batch" if norm == "none" else "none"]
                if other is not None and abs(value - other) <= 1e-9 * other:
                    messages.append(f"{name}: {value:g} is the other network's answer; swap them.")
                elif value not in LEARNING_RATES:
                    messages.append(
                        f"{value:g} is not one of the grid's rates ({', '.join(f'{r:g}' for r in LEARNING_RATES)})."
                    )
                elif right is not None and value > right:
                    messages.append(
                        f"{name}: at η = {value:g} at least one seed ends below "
                        f"{verdicts.TRAINS_AT:.0%} held-out accuracy or diverges; look at every seed."
                    )
                else:
                    messages.append(f"{name}: a larger rate still trains; keep going up.")
        return Verdict(correct, tuple(messages))

    def solution() -> str:
        rows = []
        for norm, name in (("none", "no norm"), ("batch", "BatchNorm")):
            cells = ", ".join(
                f"η = {lr:g}: {min(verdicts.held_out(results, norm, EXERCISE_SCALE, lr)):.2f}"
                for lr in LEARNING_RATES
            )
            rows.append(f"<li>{name}, lowest held-out accuracy of the seeds: {cells}</li>")
        return (
            "<div style='font-size:16px'>A rate trains when every seed reaches 90 %. "
            f"<ul>{''.join(rows)}</ul>So no norm trains up to {verdicts.describe([answers['none']]).replace('only ', '')}"
            f" and BatchNorm up to {verdicts.describe([answers['batch']]).replace('only ', '')}.</div>"
        )

    return ui.NumberExercise(
        "<p style='font-size:16px'>In the training app, keep s = 1 and step η up. What is the largest learning rate "
        "at which <b>every seed trains</b> (held-out accuracy at least 90 %), without a norm and with BatchNorm?</p>",
        {"none": "largest η, no norm", "batch": "largest η, BatchNorm"},
        judge,
        solution,
    )
