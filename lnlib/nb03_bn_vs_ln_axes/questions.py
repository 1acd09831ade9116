"""Notebook 03's questions: a prediction before the batch-size slider, and two conceptual questions
(the bias before BN, and which preprocessing is BN-like or LN-like).

The answers and their explanations are here, in lnlib, never in a cell's source.
"""

from __future__ import annotations

from lnlib import ui
from lnlib.nb03_bn_vs_ln_axes.batch_dependence import BatchSizeApp
from lnlib.support.language import gettext as _


def predict_batch_size() -> ui.Prediction:
    """Before dragging B down: how does the spread of BN's batch mean change?"""
    return ui.Prediction(
        _(
            "<p style='font-size:16px'>You are about to drag <b>B</b> from 8 down to 2. The spread of BN's "
            "batch mean μ₁ between batches will…</p>"
        ),
        [
            (_("stay about the same: every batch comes from the same population."), "same"),
            (_("grow, roughly like 1/√B."), "grow"),
            (_("shrink: a smaller batch has fewer outliers."), "shrink"),
        ],
        "grow",
        {
            "same": _(
                "The population is the same, but a mean of B draws is itself random, and its spread "
                "depends on how many draws it averages."
            ),
            "shrink": _(
                "Fewer values average out less: one outlier weighs 1/B of the mean, more in a small batch."
            ),
        },
        _(
            "Right: a mean of B values fluctuates with standard deviation σ/√B (here σ₁·√(B − 1)/B, as x₀ is "
            "always one of them), so BN normalizes x₀ less and less consistently as B falls. Drag B and read "
            "the right panel."
        ),
        BatchSizeApp(),
    )


def bias_before_batch_norm() -> ui.ChoiceQuestion:
    """cs231n-style: why is the bias of a Linear (or Conv) layer right before BN redundant?"""
    return ui.ChoiceQuestion(
        _(
            "<p style='font-size:16px'>Code often writes <code>nn.Linear(d, h, bias=False)</code> (or "
            "<code>nn.Conv2d(..., bias=False)</code>) right before a <code>BatchNorm</code>. Why is the bias "
            "not needed there?</p>"
        ),
        [
            (
                _(
                    "BN subtracts each feature's batch mean, which removes any constant added to that feature; "
                    "BN's own β then supplies the shift."
                ),
                "mean",
            ),
            (_("BN's γ multiplies the bias away."), "gamma"),
            (_("The bias starts at zero, so it never matters."), "zero"),
            (_("It is needed; leaving it out is only a speed trick."), "needed"),
        ],
        "mean",
        {
            "gamma": _(
                "γ multiplies the normalized value; the bias is gone before that, at the subtraction of "
                "the mean."
            ),
            "zero": _(
                "torch initialises a Linear's bias at random, not at zero, and training would move it; "
                "what makes it useless is that BN removes it."
            ),
            "needed": _(
                "Adding b to feature d adds b to its batch mean too, and x − μ cancels it exactly: "
                "the output does not depend on b at all, in training; at inference running_mean has absorbed it."
            ),
        },
        _(
            "Right: (x + b) − mean(x + b) = x − mean(x), so the bias cancels in training, and its gradient is 0; "
            "BN's β is the shift that remains. (LN subtracts a mean too, but over the features of one example: "
            "only a bias equal for every feature cancels there.)"
        ),
    )


def preprocessing_like_bn_or_ln() -> ui.ChoiceQuestion:
    """cs231n-style: which familiar preprocessing step is BN-like and which is LN-like?"""
    return ui.ChoiceQuestion(
        _(
            "<p style='font-size:16px'>Two preprocessing steps: (a) standardize every input feature (or colour "
            "channel) with its mean and standard deviation over the training set, as scikit-learn's "
            "<code>StandardScaler</code> or ImageNet's per-channel mean and std do; (b) standardize each "
            "example (an image, a recording) with its own mean and standard deviation. Which is BN-like and "
            "which LN-like?</p>"
        ),
        [
            (_("(a) is BN-like, (b) is LN-like."), "a-bn"),
            (_("(a) is LN-like, (b) is BN-like."), "a-ln"),
            (_("Both are BN-like: both standardize."), "both-bn"),
            (_("Both are LN-like: both work feature by feature."), "both-ln"),
        ],
        "a-bn",
        {
            "a-ln": _(
                "Ask over what the statistics run: (a) pools one feature across many examples, as BN "
                "does across a batch; (b) pools the values of one example, as LN does."
            ),
            "both-bn": _("Both standardize, but over different sets: (b) never looks at other examples."),
            "both-ln": _(
                "(a) pools one feature across examples: that is BN's set, and like BN's running "
                "statistics its numbers are fixed once computed."
            ),
        },
        _(
            "Right: (a) takes each feature's statistics across examples, BN's set (and, like BN at inference, "
            "uses fixed numbers afterwards); (b) takes each example's own statistics, LN's set, and needs no "
            "other example."
        ),
    )
