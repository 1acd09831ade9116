"""Notebook 02's questions: a prediction before BN's and LN's table is edited.

The answers and their explanations are here, in lnlib, never in a cell's source.
"""

from __future__ import annotations

from lnlib import ui
from lnlib.nb02_worked_example_four_neurons.batch_by_hand import BatchBesideLayerApp


def predict_batch_beside_layer() -> ui.Prediction:
    """Before editing example 1's feature 3: which of BN's normalized values change?"""
    return ui.Prediction(
        "<p style='font-size:16px'>You are about to change <b>feature 3 of example 1</b>. Which entries of "
        "<b>BN's</b> normalized table change?</p>",
        [
            ("Example 1's row: all four of its features.", "row"),
            ("Feature 3's column: that feature in all four examples.", "column"),
            ("Only the one entry you changed.", "entry"),
            ("All sixteen entries.", "all"),
        ],
        "column",
        {
            "row": "That is what LN does: LN's statistics are the row's. BN's are the column's.",
            "entry": "The entry you change also moves its column's mean and variance, which every example "
            "of that column is normalized with.",
            "all": "The other columns have their own means and variances, which you did not touch.",
        },
        "Right: BN normalizes each feature with the mean and variance of its column, so the whole column "
        "moves, in every example; LN's row 1 moves instead. Drag and compare the two panels.",
        BatchBesideLayerApp(),
    )
