"""Notebook 02's questions: a prediction before BN's and LN's table is edited.

The answers and their explanations are here, in lnlib, never in a cell's source.
"""

from __future__ import annotations

from lnlib import ui
from lnlib.nb02_worked_example_four_neurons.batch_by_hand import BatchBesideLayerApp
from lnlib.support.language import gettext as _


def predict_batch_beside_layer() -> ui.Prediction:
    """Before editing example 1's feature 3: which of BN's normalized values change?"""
    question = _(
        "You are about to change <b>feature 3 of example 1</b>. Which entries of <b>BN's</b> normalized "
        "table change?"
    )
    return ui.Prediction(
        f"<p style='font-size:16px'>{question}</p>",
        [
            (_("Example 1's row: all four of its features."), "row"),
            (_("Feature 3's column: that feature in all four examples."), "column"),
            (_("Only the one entry you changed."), "entry"),
            (_("All sixteen entries."), "all"),
        ],
        "column",
        {
            "row": _("That is what LN does: LN's statistics are the row's. BN's are the column's."),
            "entry": _(
                "The entry you change also moves its column's mean and variance, which every example "
                "of that column is normalized with."
            ),
            "all": _("The other columns have their own means and variances, which you did not touch."),
        },
        _(
            "Right: BN normalizes each feature with the mean and variance of its column, so the whole column "
            "moves, in every example; LN's row 1 moves instead. Drag and compare the two panels."
        ),
        BatchBesideLayerApp(),
    )
