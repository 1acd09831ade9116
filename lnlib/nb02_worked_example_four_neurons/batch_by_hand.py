r"""Batch norm worked by hand beside layer norm, on one table of numbers (notebook 02).

A batch X of B examples (rows) × D features (columns). Layer norm standardizes each **row** with
its own mean and variance; batch norm (in training) standardizes each **column** with the batch's
mean and variance of that feature. Both with the biased variance (divide by the count) and ε under
the root:

.. math::  \text{LN: } \hat x_{bd} = \frac{x_{bd} - \mu_b}{\sqrt{\sigma_b^2 + \epsilon}}, \qquad
           \text{BN: } \hat x_{bd} = \frac{x_{bd} - \mu_d}{\sqrt{\sigma_d^2 + \epsilon}}

Computed exactly (fractions up to the variance, 40-digit decimals after the root), then checked
against ``lnlib.functional`` and ``torch.nn.LayerNorm`` / ``torch.nn.BatchNorm1d`` (train mode).
The first example is d2l-zh's X = [[1, 2], [2, 3]]; the second, :data:`BATCH`, is the course's
4 × 4, chosen so that every row and every column has a whole mean and a whole standard deviation.
"""

from __future__ import annotations

import decimal
import html
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch

from lnlib import functional, ui
from lnlib.nb02_worked_example_four_neurons.worked_example import (
    _PRECISION,
    _decimal,
    _exact,
    _rational_sqrt,
    exact_text,
)
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style

D2L_EXAMPLE = ((1, 2), (2, 3))  # the two-by-two example of d2l-zh's batch-norm chapter
# The course's 4 × 4: rows have (μ, σ) = (2, 3), (8, 1), (4, 3), (2, 5); columns (4, 3), (2, 3), (2, 5), (8, 1).
BATCH = ((1, -1, 1, 7), (9, 7, 9, 7), (3, 1, 3, 9), (3, 1, -5, 9))
EPS = Fraction(1, 100000)  # torch's default ε = 1e-5
NORMS = {
    "layer": "LN: each row (example) over its own features",
    "batch": "BN: each column (feature) over the batch",
}


@dataclass(frozen=True)
class ByHand:
    """One norm of a B × D table by hand: the statistics of each set and every normalized value."""

    norm: str  # "layer" (sets are rows) or "batch" (sets are columns)
    x: tuple  # B rows of D Fractions
    eps: Fraction
    means: tuple  # one per set: per row for LN, per column for BN
    variances: tuple  # biased: Σ (x − μ)² / count
    x_hat: tuple  # B rows of D Decimals, ε included
    x_hat_without_eps: tuple  # B rows of D Fractions (Decimals when σ is irrational, None when σ = 0)

    def x_hat_floats(self) -> np.ndarray:
        return np.array([[float(v) for v in row] for row in self.x_hat])


def as_table(rows) -> tuple:
    """``rows`` (B lists of D numbers) as exact fractions; at least 2 × 2 and rectangular."""
    table = tuple(tuple(_exact(v) for v in row) for row in rows)
    if len(table) < 2 or len({len(row) for row in table}) != 1 or len(table[0]) < 2:
        raise ValueError(f"need a rectangular table of at least 2 × 2 numbers, got {[len(r) for r in table]}")
    return table


def by_hand(rows, norm: str, eps=EPS) -> ByHand:
    """LN (``norm="layer"``: one mean and variance per row) or BN (``"batch"``: per column) of ``rows``, exactly."""
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {sorted(NORMS)}, got {norm!r}")
    x, eps = as_table(rows), _exact(eps)
    if eps < 0:
        raise ValueError(f"eps must be non-negative, got {eps}")
    sets = x if norm == "layer" else tuple(zip(*x))
    means = tuple(sum(s, Fraction(0)) / len(s) for s in sets)
    variances = tuple(sum(((v - m) ** 2 for v in s), Fraction(0)) / len(s) for s, m in zip(sets, means))
    divisors = [_decimal(v + eps).sqrt(_PRECISION) for v in variances]
    hat_sets, plain_sets = [], []
    for s, mean, variance, divisor in zip(sets, means, variances, divisors):
        hat_sets.append(
            [_PRECISION.divide(_decimal(v - mean), divisor) if divisor else decimal.Decimal("NaN") for v in s]
        )
        sigma = _rational_sqrt(variance) if variance > 0 else None
        if variance == 0:
            plain_sets.append([None] * len(s))
        elif sigma is not None:
            plain_sets.append([(v - mean) / sigma for v in s])
        else:
            root = _decimal(variance).sqrt(_PRECISION)
            plain_sets.append([_PRECISION.divide(_decimal(v - mean), root) for v in s])
    if norm == "batch":  # sets were columns: back to rows
        hat_sets, plain_sets = list(zip(*hat_sets)), list(zip(*plain_sets))
    return ByHand(norm, x, eps, means, variances, tuple(map(tuple, hat_sets)), tuple(map(tuple, plain_sets)))


@torch_threads()
def library_outputs(rows, eps=EPS) -> dict:
    """name → x̂ (B × D, float64) from lnlib and torch, for LN and BN (BN in training, as it normalizes a batch)."""
    x = np.array([[float(v) for v in row] for row in as_table(rows)])
    d, eps = x.shape[1], float(eps)
    tensor = torch.from_numpy(x)
    with torch.no_grad():
        torch_ln = torch.nn.LayerNorm(d, eps=eps, dtype=torch.float64)(tensor).numpy()
        torch_bn = torch.nn.BatchNorm1d(d, eps=eps, dtype=torch.float64).train()(tensor).numpy()
    return {
        ("layer", "lnlib.functional.layer_norm"): functional.layer_norm(x, d, eps=eps),
        ("layer", "torch.nn.LayerNorm"): torch_ln,
        ("batch", "lnlib.functional.batch_norm"): functional.batch_norm(
            x, None, None, training=True, eps=eps
        ),
        ("batch", "torch.nn.BatchNorm1d"): torch_bn,
    }


def agreement(rows, eps=EPS) -> dict:
    """(norm, library) → largest |difference| between the library's x̂ and the exact one."""
    exact = {norm: by_hand(rows, norm, eps).x_hat_floats() for norm in NORMS}
    return {
        key: float(np.max(np.abs(out - exact[key[0]]))) for key, out in library_outputs(rows, eps).items()
    }


def _cell(value) -> str:
    return "0/0" if value is None else exact_text(value)


def blackboard_rows(rows, eps=EPS) -> tuple:
    """``(header, rows)`` of one table: the inputs with each row's μ, σ² (LN's) on the right and each column's
    μ, σ² (BN's) below; then LN's x̂ and BN's x̂, ε left out (exact) as on a blackboard."""
    ln, bn = by_hand(rows, "layer", eps), by_hand(rows, "batch", eps)
    b, d = len(ln.x), len(ln.x[0])
    header = [
        "",
        *[_("feature {j}").format(j=j + 1) for j in range(d)],
        _("LN's μ (row)"),
        _("LN's σ² (row)"),
    ]
    table = [
        [
            _("example {i}").format(i=i + 1),
            *[exact_text(v) for v in ln.x[i]],
            exact_text(ln.means[i]),
            exact_text(ln.variances[i]),
        ]
        for i in range(b)
    ]
    table.append([_("BN's μ (column)"), *[exact_text(m) for m in bn.means], "", ""])
    table.append([_("BN's σ² (column)"), *[exact_text(v) for v in bn.variances], "", ""])
    for label, result in ((N_("LN x̂, example {i}"), ln), (N_("BN x̂, example {i}"), bn)):
        for i in range(b):
            table.append([_(label).format(i=i + 1), *[_cell(v) for v in result.x_hat_without_eps[i]], "", ""])
    return header, table


def blackboard_html(rows, eps=EPS, caption: str | None = None) -> str:
    header, table = blackboard_rows(rows, eps)
    if caption is None:
        caption = _("LN and BN of one batch, by hand (ε left out)")
    return ui.html_table(header, table, caption=caption)


def agreement_lines(rows, eps=EPS) -> list:
    """One sentence per library: how far its x̂ is from the exact one with ε (float64: below 1e-12)."""
    as_expected = _(
        "{library} ({norm}, float64): largest difference from the hand computation {gap:.1e} "
        "(as expected, float64 keeps 16 digits)"
    )
    more_than_expected = _(
        "{library} ({norm}, float64): largest difference from the hand computation {gap:.1e} "
        "(MORE THAN EXPECTED, float64 keeps 16 digits)"
    )
    return [
        (as_expected if gap < 1e-12 else more_than_expected).format(
            library=library, norm="LN" if norm == "layer" else "BN", gap=gap
        )
        for (norm, library), gap in agreement(rows, eps).items()
    ]


def statistics_note(rows, example: int, eps=EPS) -> str:
    """Which statistics each norm used for ``example`` (1-based)."""
    ln, bn = by_hand(rows, "layer", eps), by_hand(rows, "batch", eps)
    i = example - 1
    if not 0 <= i < len(ln.x):
        raise ValueError(f"example must be between 1 and {len(ln.x)}, got {example}")
    listing = lambda values: "(" + ", ".join(exact_text(v) for v in values) + ")"  # noqa: E731
    return _(
        "LN normalized example {example} with its own μ = {mean} and σ² = {variance}, from its {features} "
        "features alone. BN normalized each of its features with that feature's batch statistics, "
        "μ = {means} and σ² = {variances}, computed from all {examples} examples: change another example and "
        "BN's x̂ here moves, LN's does not."
    ).format(
        example=example,
        mean=exact_text(ln.means[i]),
        variance=exact_text(ln.variances[i]),
        features=len(ln.x[i]),
        means=listing(bn.means),
        variances=listing(bn.variances),
        examples=len(ln.x),
    )


def d2l_figure():
    """d2l-zh's X = [[1, 2], [2, 3]]: the input, LN's output and BN's output as three small grids with numbers."""
    ln, bn = by_hand(D2L_EXAMPLE, "layer"), by_hand(D2L_EXAMPLE, "batch")
    figure, axes = style.new_figure(12, 3.6, nrows=1, ncols=3)
    panels = (
        ("X", np.array([[float(v) for v in r] for r in ln.x]), "grey"),
        (_("LN: each row over itself"), ln.x_hat_floats(), style.NORM_COLORS["layer"]),
        (_("BN: each column over the batch"), bn.x_hat_floats(), style.NORM_COLORS["batch"]),
    )
    for ax, (title, values, colour) in zip(axes, panels):
        ax.imshow(values, cmap="coolwarm", vmin=-3, vmax=3)
        for (r, c), v in np.ndenumerate(values):
            ax.text(c, r, f"{v:.4g}", ha="center", va="center", fontsize=18)
        ax.set(
            title=title,
            xticks=[0, 1],
            yticks=[0, 1],
            xticklabels=[_("f{j}").format(j=j) for j in (1, 2)],
            yticklabels=[_("ex {i}").format(i=i) for i in (1, 2)],
        )
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_edgecolor(colour)
    return figure


class BatchBesideLayerApp(ui.app.ItemSelector, ui.App):
    """Pick an example and drag its four features: LN's row and every BN column it touches are recomputed."""

    def __init__(self) -> None:
        self.rows = [list(map(Fraction, row)) for row in BATCH]
        b, d = len(BATCH), len(BATCH[0])
        controls = {
            "example": ui.choice(_("example"), _("whose features the sliders set"), list(range(1, b + 1)), 1)
        }
        for j in range(d):
            controls[f"x{j + 1}"] = ui.slider(
                f"x{j + 1}", _("feature {j}").format(j=j + 1), float(BATCH[0][j]), -10, 10, 1
            )
        figure, axes = style.new_figure(13, 4.2, nrows=1, ncols=2)
        self.images, self.texts, self.frames = [], [], []
        for ax, norm in zip(axes, NORMS):
            self.images.append(ax.imshow(np.zeros((b, d)), cmap="coolwarm", vmin=-2, vmax=2))
            self.texts.append(
                [
                    [ax.text(c, r, "", ha="center", va="center", fontsize=15) for c in range(d)]
                    for r in range(b)
                ]
            )
            (frame,) = ax.plot([], [], color="black", linewidth=3)
            self.frames.append(frame)
            ax.set(
                title=(
                    _("LN x̂: each row over its own μ, σ")
                    if norm == "layer"
                    else _("BN x̂: each column over the batch")
                ),
                xticks=range(d),
                xticklabels=[_("f{j}").format(j=j + 1) for j in range(d)],
                yticks=range(b),
                yticklabels=[_("ex {i}").format(i=i + 1) for i in range(b)],
            )
            ax.grid(False)
        dynamic = self.images + [t for panel in self.texts for row in panel for t in row] + self.frames
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.board_view = ui.html_table_view()
        self._loading = False
        self.start(
            controls,
            [self.figure, self.board_view],
            _("BN beside LN: pick an example, drag its features"),
            tabs={_("the bars"): [self.figure], _("the blackboard"): [self.board_view]},
        )

    selector = "example"

    def item_values(self, example: int) -> dict:
        return {f"x{j + 1}": float(value) for j, value in enumerate(self.rows[example - 1])}

    def store(self, example: int, name: str, value) -> None:
        self.rows[example - 1][int(name[1:]) - 1] = Fraction(int(value))

    def update(self) -> str:
        example = self.value("example")
        d = len(self.rows[0])
        for k, norm in enumerate(NORMS):
            values = by_hand(self.rows, norm).x_hat_floats()
            self.images[k].set_data(values)
            for (r, c), v in np.ndenumerate(values):
                self.texts[k][r][c].set_text(ui.format_number(v, 2))
        top, bottom = example - 1.5, example - 0.5
        for frame in self.frames:
            frame.set_data([-0.5, d - 0.5, d - 0.5, -0.5, -0.5], [top, top, bottom, bottom, top])
        self.figure.draw()
        self.board_view.value = blackboard_html(self.rows)
        lines = [statistics_note(self.rows, example)]
        bn = by_hand(self.rows, "batch")
        flat = [j + 1 for j, v in enumerate(bn.variances) if v == 0]
        ln = by_hand(self.rows, "layer")
        if ln.variances[example - 1] == 0:
            lines.append(
                _(
                    "Example {example}'s four values are equal: its σ² = 0, and LN gives 0/√ε = 0 for each of them."
                ).format(example=example)
            )
        if flat:
            lines.append(
                _(
                    "Feature(s) {flat} have the same value in every example: BN's σ² = 0 there, and x̂ = 0."
                ).format(flat=flat)
            )
        lines += agreement_lines(self.rows)
        return "<br>".join(html.escape(line) for line in lines)
