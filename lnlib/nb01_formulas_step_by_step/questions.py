"""Notebook 01's questions: a prediction before the step-by-step sliders, and when LN fails.

The answers and their explanations are here, in lnlib, never in a cell's source.
"""

from __future__ import annotations

from lnlib import ui
from lnlib.nb01_formulas_step_by_step.formulas import FormulaStepsApp
from lnlib.support.language import gettext as _


def predict_formula_steps() -> ui.Prediction:
    """Before dragging x₅: what happens to the other four normalized values?"""
    return ui.Prediction(
        _(
            "<p style='font-size:16px'>You are about to drag <b>x₅</b> from 4 down to −5 and leave x₁…x₄ where "
            "they are. What happens to the normalized values x̂₁…x̂₄ of the four features you did not touch?</p>"
        ),
        [
            (_("They stay where they are: only x̂₅ changes."), "stay"),
            (_("They all move: μ and σ² are computed from all five values, x₅ included."), "move"),
            (_("They move only once x₅ passes the mean."), "threshold"),
        ],
        "move",
        {
            "stay": _(
                "Each x̂ᵢ divides by σ and subtracts μ, and both are computed from all five values: "
                "moving x₅ moves them, so every x̂ᵢ moves."
            ),
            "threshold": _(
                "μ and σ² change with every move of x₅, not only when it crosses the mean; "
                "so the other x̂ᵢ change at every step."
            ),
        },
        _(
            "Right: the five features share one μ and one σ², so moving any one value moves every normalized "
            "value. Drag x₅ now and watch the first four bars of the middle panel."
        ),
        FormulaStepsApp(),
    )


def when_does_ln_fail() -> ui.ChoiceQuestion:
    """cs231n-style: in which situation does layer norm lose (nearly) all the information in its input?"""
    return ui.ChoiceQuestion(
        _(
            "<p style='font-size:16px'>In which case does layer norm throw away (almost) everything its input "
            "carried, so that very different examples come out the same?</p>"
        ),
        [
            (_("A batch of one example."), "batch"),
            (_("An example with very few features, e.g. D = 2."), "features"),
            (_("Inputs with very large values, e.g. around 10⁴."), "large"),
            (_("Inputs with negative values."), "negative"),
        ],
        "features",
        {
            "batch": _(
                "LN never looks at the other examples: one example alone is normalized exactly as in a "
                "batch of 64. A batch of one is BN's problem (with (N, C) features)."
            ),
            "large": _(
                "LN divides out the scale and subtracts the mean, so a large offset or scale changes "
                "nothing (in float64; float32 keeps about 7 digits, but torch subtracts the mean first)."
            ),
            "negative": _("The sign of the inputs plays no role: LN subtracts their mean whatever it is."),
        },
        _(
            "Right: with D = 2 features the mean and the variance use up both numbers, and every example becomes "
            "(−1, 1) or (1, −1) up to ε, whatever its values: the mirror image of BN with a batch of two. "
            "Notebook 03 shows it."
        ),
    )
