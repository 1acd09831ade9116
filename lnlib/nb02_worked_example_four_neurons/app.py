"""Notebook 02's app: a neuron selector and its three sliders (x, γ, β) recompute the blackboard, the plots and
the check against lnlib and torch."""

from __future__ import annotations

import html
import math
from fractions import Fraction

import numpy as np

from lnlib import ui
from lnlib.nb02_worked_example_four_neurons.worked_example import (
    Neurons,
    agreement_checks,
    blackboard,
    blackboard_table,
    comparison_table,
    example,
)
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style


def slider_value(value) -> Fraction:
    """A slider's value to the hundredth it shows."""
    return Fraction(round(float(value) * 100), 100)


class WorkedExampleApp(ui.app.ItemSelector, ui.App):
    """Pick a neuron, drag its value, γ or β: the blackboard table, the plots and the library check all follow."""

    selector = "neuron"
    # name → (symbol, meaning, range and step); the meaning is shown with _()
    FAMILIES = {
        "x": ("x", N_("value of the chosen neuron"), (-20, 20, 0.5)),
        "gamma": ("γ", N_("its scale"), (-3, 3, 0.25)),
        "beta": ("β", N_("its shift"), (-3, 3, 0.25)),
    }

    def __init__(self) -> None:
        start = example()
        n = len(start.values)
        self.numbers = {
            "x": [float(v) for v in start.values],
            "gamma": [float(v) for v in start.gamma],
            "beta": [float(v) for v in start.beta],
        }
        controls = {
            "neuron": ui.choice(_("neuron"), _("whose x, γ, β the sliders set"), list(range(1, n + 1)), 1)
        }
        for name, (symbol, meaning, limits) in self.FAMILIES.items():
            controls[name] = ui.slider(symbol, _(meaning), self.numbers[name][0], *limits)
        self.eps = start.eps
        figure, (input_axes, output_axes) = style.new_figure(13, 4.4, nrows=1, ncols=2)
        positions = np.arange(1, n + 1)
        self.input_bars = input_axes.bar(positions, np.zeros(n), width=0.6, color=style.NORM_COLORS["none"])
        (self.mean_line,) = input_axes.plot(
            [0.5, n + 0.5], [0, 0], "--", color=style.NORM_COLORS["layer"], label="μ"
        )
        input_axes.set_ylim(-21, 21)
        input_axes.set_title(_("neuron values xᵢ and their mean μ"))
        input_axes.set_ylabel(_("value xᵢ"))
        input_axes.legend(loc="lower right")
        self.x_hat_bars, self.y_bars = style.paired_bars(
            output_axes,
            n,
            (_("normalized x̂ᵢ"), style.NORM_COLORS["layer"]),
            (_("output yᵢ"), style.NORM_COLORS["rms"]),
        )
        bound = 3 * math.sqrt(n - 1) + 3
        output_axes.set(
            ylim=(-bound - 0.5, bound + 0.5),
            title=_("after layer norm"),
            xlabel=_("neuron i"),
            ylabel=_("value"),
        )
        output_axes.legend(loc="lower right", ncols=2)
        input_axes.set_xticks(positions)
        input_axes.set_xlabel(_("neuron i"))
        input_axes.axhline(0, color="black", linewidth=1)
        dynamic = list(self.input_bars) + [self.mean_line] + list(self.x_hat_bars) + list(self.y_bars)
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.board_view = ui.html_table_view()
        self.comparison_view = ui.html_table_view()
        self.start(
            controls,
            [self.figure, self.board_view, self.comparison_view],
            _("Four neurons by hand: pick a neuron, drag its value, γ or β"),
            tabs={
                _("the blackboard"): [self.board_view],
                _("the bars"): [self.figure],
                _("lnlib and torch"): [self.comparison_view],
            },
        )

    def item_values(self, neuron: int) -> dict:
        return {name: values[neuron - 1] for name, values in self.numbers.items()}

    def store(self, neuron: int, name: str, value) -> None:
        self.numbers[name][neuron - 1] = float(value)

    def set_neuron(self, neuron: int, **values) -> None:
        """Pick ``neuron`` and set any of its ``x``, ``gamma``, ``beta``, as a learner would with the controls."""
        self.controls["neuron"].value = neuron
        for name, value in values.items():
            self.controls[name].value = value

    def neurons(self) -> Neurons:
        """The neurons' numbers, to the hundredth the sliders show."""
        pick = lambda name: [slider_value(v) for v in self.numbers[name]]  # noqa: E731
        return Neurons.of(pick("x"), pick("gamma"), pick("beta"), self.eps)

    @torch_threads()
    def update(self) -> str:
        board = blackboard(self.neurons())
        chosen = self.value("neuron") - 1
        for i, (bar, value) in enumerate(zip(self.input_bars, board.neurons.values)):
            bar.set_height(float(value))
            bar.set_edgecolor("black" if i == chosen else "none")
            bar.set_linewidth(3 if i == chosen else 0)
        self.mean_line.set_ydata([float(board.mean)] * 2)
        for bars, values in ((self.x_hat_bars, board.x_hat_floats()), (self.y_bars, board.y_floats())):
            for bar, value in zip(bars, values):
                bar.set_height(value)
        self.figure.draw()
        self.board_view.value = blackboard_table(board)
        self.comparison_view.value = comparison_table(board)
        lines, checks = [], agreement_checks(board)
        details = [sentence for sentence, _ok in checks]
        if board.variance == 0:
            lines.append(
                _(
                    "All four values are equal: every deviation is 0 and σ² = 0. Without ε the normalized "
                    "values would be 0/0; with ε = 0.00005 each is 0/√ε = 0, so every output is its β."
                )
            )
        elif board.variance < 100 * board.neurons.eps:
            lines.append(_("σ² is not large next to ε here, so ε visibly shrinks the normalized values."))
        headline = (  # one line, the numbers folded beneath it
            _("lnlib and torch agree with the hand computation, each within its rounding (how far: open)")
            if all(ok for _sentence, ok in checks)
            else _("lnlib or torch differs from the hand computation by MORE THAN EXPECTED (how far: open)")
        )
        return "".join(f"{html.escape(line)}<br>" for line in lines) + (
            f"<details><summary>{headline}</summary>{'<br>'.join(html.escape(line) for line in details)}</details>"
        )
