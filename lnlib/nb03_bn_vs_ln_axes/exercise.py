"""Notebook 03's exercise: one update of BN's running statistics, by hand, typed into two boxes.

Check names the slips it recognises (the momentum the other way round, the biased variance, a buffer
that does not start at 0 and 1, the batch's statistics copied); the worked solution is offered after a
first attempt. The answer is computed here (and checked against torch in the tests), never written in a cell.
"""

from __future__ import annotations

import html

import numpy as np

from lnlib import ui
from lnlib.nb03_bn_vs_ln_axes.running_statistics import running_updates
from lnlib.support.language import gettext as _

BATCH = (2.0, 4.0, 6.0, 8.0)  # one feature, four examples
MOMENTUM = 0.1
TOLERANCE = 1e-3


def _statistics() -> dict:
    x = np.array(BATCH)
    return {"mean": float(x.mean()), "biased": float(x.var()), "unbiased": float(x.var(ddof=1)), "n": len(x)}


def answer() -> tuple:
    """``(running_mean, running_var)`` after the one batch, as torch computes them."""
    step = running_updates([np.array(BATCH)[:, None]], MOMENTUM)[0]
    return float(step["torch running_mean"][0]), float(step["torch running_var"][0])


def _mean_slips(s: dict) -> dict:
    m = MOMENTUM
    return {
        _(
            "You weighted the batch by 0.9 and the old value by 0.1: that is d2l-zh's and cs231n's naming. "
            "torch's momentum 0.1 is the weight of the new batch."
        ): (1 - m) * s["mean"],
        _(
            "That is the batch's mean itself: the buffer starts at 0 and moves only a fraction m = 0.1 of the "
            "way towards it."
        ): s["mean"],
    }


def _var_slips(s: dict) -> dict:
    m = MOMENTUM
    return {
        _(
            "running_var stores the unbiased variance, Σ (x − μ)² / (B − 1), not the biased one the batch is "
            "normalized with."
        ): (1 - m) * 1 + m * s["biased"],
        _("You weighted the batch by 0.9: torch's momentum 0.1 is the weight of the new batch."): m * 1
        + (1 - m) * s["unbiased"],
        _("running_var starts at 1, not at 0."): m * s["unbiased"],
        _(
            "That is the batch's unbiased variance itself: the buffer moves only a fraction m = 0.1 of the way "
            "towards it, from 1."
        ): s["unbiased"],
        _("Both slips at once: the biased variance, and the batch weighted by 0.9."): m * 1
        + (1 - m) * s["biased"],
    }


def check(running_mean, running_var) -> ui.ExerciseResult:
    """Right, or which slip each number looks like."""
    s, (right_mean, right_var) = _statistics(), answer()
    messages, correct = [], True
    for name, value, right, slips, hint in (
        ("running_mean", running_mean, right_mean, _mean_slips(s), "running_mean ← (1 − m)·0 + m·μ_B."),
        (
            "running_var",
            running_var,
            right_var,
            _var_slips(s),
            "running_var ← (1 − m)·1 + m·(unbiased σ²_B).",
        ),
    ):
        if value is None:
            correct = False
            messages.append(_("{name}: not answered yet; write your number in its box.").format(name=name))
        elif abs(value - right) <= TOLERANCE:
            messages.append(_("{name}: right.").format(name=name))
        else:
            correct = False
            slip = next((h for h, wrong in slips.items() if abs(value - wrong) <= TOLERANCE), hint)
            messages.append(_("{name}: not right. {slip}").format(name=name, slip=slip))
    return ui.ExerciseResult(correct, tuple(messages))


def solution_html() -> str:
    s, (right_mean, right_var) = _statistics(), answer()
    m, n = MOMENTUM, s["n"]
    steps = [
        f"μ_B = ({' + '.join(f'{v:g}' for v in BATCH)}) / {n} = {s['mean']:g}",
        _(
            "σ²_B (biased, used to normalize) = {biased:g}; unbiased = σ²_B · {n}/{n_1} = {unbiased:.4f}"
        ).format(biased=s["biased"], n=n, n_1=n - 1, unbiased=s["unbiased"]),
        f"running_mean = (1 − {m})·0 + {m}·{s['mean']:g} = {right_mean:.4f}",
        f"running_var = (1 − {m})·1 + {m}·{s['unbiased']:.4f} = {right_var:.4f}",
    ]
    items = "".join(f"<li>{html.escape(step)}</li>" for step in steps)
    title = _("Worked solution")
    return f"<div style='font-size:16px'><b>{title}</b><ol>{items}</ol></div>"


def exercise_widget() -> ui.NumberExercise:
    question = _(
        "<div style='font-size:16px'><b>Exercise.</b> A fresh <code>torch.nn.BatchNorm1d(1)</code> (running_mean = 0, "
        "running_var = 1, momentum = {momentum}) sees one training batch of one feature, "
        "x = ({batch}). What are its running_mean and running_var afterwards? "
        "Three decimals are enough.</div>"
    ).format(momentum=MOMENTUM, batch=", ".join(f"{v:g}" for v in BATCH))
    return ui.NumberExercise(
        question,
        {"running_mean": "running_mean", "running_var": "running_var"},
        lambda answers: check(answers["running_mean"], answers["running_var"]),
        solution_html,
    )
