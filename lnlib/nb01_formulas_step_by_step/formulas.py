r"""Layer normalization one step at a time: mean, variance, normalize, scale and shift (notebook 01).

.. math::
    \mu = \frac1n \sum_i x_i, \qquad
    \sigma^2 = \frac1n \sum_i (x_i - \mu)^2, \qquad
    \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad
    y_i = \gamma_i \hat x_i + \beta_i

:func:`layer_norm_steps` keeps every intermediate number so that a learner can read them;
:class:`FormulaStepsApp` shows them as a table and as three plots while the inputs are dragged.
The variance divides by n (the *biased* variance) as torch does; ``ddof=1`` divides by n − 1
instead, to show what goes wrong then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.patches import Rectangle

from lnlib import ui
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.ui import style

ARTICLE_INPUT = (0.0, 1.0, 2.0, 3.0, 4.0)  # article 001's x
ARTICLE_EPS = 0.00005  # article 001's ε


@dataclass(frozen=True)
class LayerNormSteps:
    """Every number of one layer norm, in the order they are computed (arrays have the input's length)."""

    x: np.ndarray
    mean: float  # μ
    deviations: np.ndarray  # x_i − μ
    squared_deviations: np.ndarray  # (x_i − μ)²
    variance: float  # σ² = Σ (x_i − μ)² / (n − ddof)
    denominator: float  # √(σ² + ε)
    x_hat: np.ndarray  # (x_i − μ) / √(σ² + ε); NaN where it is 0/0
    y: np.ndarray  # γ_i x̂_i + β_i
    gamma: np.ndarray
    beta: np.ndarray
    eps: float
    ddof: int

    @property
    def n(self) -> int:
        return len(self.x)

    @property
    def is_constant(self) -> bool:
        """All values equal: σ² = 0 and only ε keeps the division defined."""
        return bool(np.all(self.deviations == 0))

    @property
    def mean_square_of_x_hat(self) -> float:
        r"""The variance of x̂ (its mean is 0): :math:`\tfrac{n-\text{ddof}}{n}\,\sigma^2/(\sigma^2+\epsilon)`."""
        return float(np.mean(self.x_hat**2))


def _per_feature(value, n: int, name: str) -> np.ndarray:
    """γ or β: one number for every feature, or one per feature."""
    array = (
        np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
        if np.ndim(value) == 0
        else np.asarray(value, dtype=np.float64)
    )
    if array.shape != (n,):
        raise ValueError(
            f"{name} must be one number or {n} numbers (one per feature), got shape {array.shape}"
        )
    return array


def layer_norm_steps(x, gamma=1.0, beta=0.0, eps: float = 1e-5, ddof: int = 0) -> LayerNormSteps:
    r"""Layer norm of one vector ``x``, keeping every intermediate step (float64).

    .. math::  \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad y_i = \gamma_i \hat x_i + \beta_i,
               \quad \sigma^2 = \frac{1}{n - \text{ddof}} \sum_i (x_i - \mu)^2

    ``ddof=0`` (divide by n) is what layer norm uses; ``ddof=1`` is the unbiased variance, for comparison.
    ``gamma`` and ``beta`` are one number or one per feature. With ``eps = 0`` a constant ``x`` gives
    0/0: ``x_hat`` and ``y`` are NaN, as in torch.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty vector, got shape {x.shape}")
    if ddof not in (0, 1) or x.size - ddof < 1:
        raise ValueError(f"ddof must be 0 or 1 and smaller than the number of values {x.size}, got {ddof}")
    if not eps >= 0:
        raise ValueError(f"eps must be non-negative, got {eps}")
    n = x.size
    gamma, beta = _per_feature(gamma, n, "gamma"), _per_feature(beta, n, "beta")
    # μ = (1/n) Σ x_i
    mean = float(np.sum(x) / n)
    # d_i = x_i − μ
    deviations = x - mean
    # d_i²
    squared = deviations**2
    # σ² = Σ d_i² / (n − ddof)
    variance = float(np.sum(squared) / (n - ddof))
    # √(σ² + ε)
    denominator = math.sqrt(variance + eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        # x̂_i = d_i / √(σ² + ε)
        x_hat = deviations / denominator
    # y_i = γ_i x̂_i + β_i
    y = gamma * x_hat + beta
    return LayerNormSteps(
        x, mean, deviations, squared, variance, denominator, x_hat, y, gamma, beta, eps, ddof
    )


def normalized_bound(n: int) -> float:
    r"""The largest :math:`|\hat x_i|` layer norm can give for n features: :math:`\sqrt{n-1}`.

    (Samuelson's inequality: :math:`|x_i - \mu| \le \sigma\sqrt{n-1}` with the biased σ; it is reached
    when all values but one are equal, and ε > 0 keeps :math:`|\hat x_i|` strictly below it.)
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return math.sqrt(n - 1)


def torch_layer_norm(x, gamma, beta, eps: float) -> np.ndarray:
    """``torch.nn.functional.layer_norm`` of one vector in float64, as a NumPy array: the reference."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    weight = torch.as_tensor(np.broadcast_to(np.asarray(gamma, dtype=np.float64), x.shape).copy())
    bias = torch.as_tensor(np.broadcast_to(np.asarray(beta, dtype=np.float64), x.shape).copy())
    return torch.nn.functional.layer_norm(x, x.shape, weight, bias, eps).numpy()


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------


def _steps_table(steps: LayerNormSteps) -> str:
    """The steps as an HTML table: one column per feature, the summary of each row at its end."""
    n = steps.n
    divisor = "n" if steps.ddof == 0 else "n − 1"
    header = [_("step")] + [f"i = {i + 1}" for i in range(n)] + [_("summary")]
    rows = [
        ["xᵢ"] + list(steps.x) + [f"μ = Σxᵢ/n = {ui.format_number(steps.mean)}"],
        ["xᵢ − μ"] + list(steps.deviations) + [f"Σ = {ui.format_number(float(np.sum(steps.deviations)))}"],
        ["(xᵢ − μ)²"]
        + list(steps.squared_deviations)
        + [f"σ² = Σ/({divisor}) = {ui.format_number(steps.variance)}"],
        ["x̂ᵢ = (xᵢ − μ)/√(σ² + ε)"]
        + list(steps.x_hat)
        + [f"√(σ² + ε) = {ui.format_number(steps.denominator, 6)}"],
        ["yᵢ = γ x̂ᵢ + β"]
        + list(steps.y)
        + [f"γ = {ui.format_number(steps.gamma[0])}, β = {ui.format_number(steps.beta[0])}"],
    ]
    return ui.html_table(header, rows, caption=_("Layer norm of x, step by step"))


# ε's stops: exactly 0 (a constant input then gives 0/0), every power of ten up to 10, and article 001's 0.00005
EPS_VALUES = (0.0, *sorted({10.0**k for k in range(-10, 2)} | {ARTICLE_EPS}))


class FormulaStepsApp(ui.App):
    """Five input values, one γ and one β, and ε: every step of layer norm as numbers and as plots."""

    def __init__(self) -> None:
        n = len(ARTICLE_INPUT)
        controls = {
            f"x{i + 1}": ui.slider(
                f"x{'₁₂₃₄₅'[i]}", _("input {number}").format(number=i + 1), value, -5.0, 5.0, 0.5
            )
            for i, value in enumerate(ARTICLE_INPUT)
        }
        controls["gamma"] = ui.slider("γ", _("scale, every feature"), 1.0, -3.0, 3.0, 0.25)
        controls["beta"] = ui.slider("β", _("shift, every feature"), 0.0, -3.0, 3.0, 0.25)
        controls["eps"] = ui.value_slider("ε", "eps", EPS_VALUES, ARTICLE_EPS)
        controls["ddof"] = ui.choice(
            "σ²", _("divide by"), [(_("n (biased, as layer norm)"), 0), (_("n − 1 (unbiased)"), 1)]
        )
        figure, axes = style.new_figure(13, 4.0, nrows=1, ncols=3)
        positions = np.arange(1, n + 1)
        limits = (5.5, normalized_bound(n) + 0.3, 3 * normalized_bound(n) + 3.5)
        titles = (_("1 · input x: mean μ, band μ ± σ"), _("2 · normalized x̂"), _("3 · output y = γ x̂ + β"))
        ylabels = (_("input xᵢ"), _("normalized x̂ᵢ"), _("output yᵢ"))
        colors = (style.NORM_COLORS["none"], style.NORM_COLORS["layer"], style.NORM_COLORS["rms"])
        self.bars = []
        for ax, limit, title, ylabel, color in zip(axes, limits, titles, ylabels, colors):
            self.bars.append(ax.bar(positions, np.zeros(n), color=color, width=0.6))
            ax.set_ylim(-limit, limit)
            ax.set_xticks(positions)
            ax.set_title(title)
            ax.set_xlabel(_("feature i"))
            ax.set_ylabel(ylabel)
            ax.axhline(0, color="black", linewidth=1)
        self.band = Rectangle(
            (0.4, 0), n + 0.2, 0, color=style.NORM_COLORS["layer"], alpha=0.15, label="μ ± σ"
        )
        axes[0].add_patch(self.band)
        (self.mean_line,) = axes[0].plot(
            [0.4, n + 0.6], [0, 0], "--", color=style.NORM_COLORS["layer"], label="μ"
        )
        axes[0].legend(loc="lower right")
        for level in (-1, 1):
            axes[1].axhline(level, color="black", linestyle=":", linewidth=1.5)
        (self.beta_line,) = axes[2].plot([0.4, n + 0.6], [0, 0], "--", color="black", label="β")
        axes[2].legend(loc="lower right")
        # the band first, so that it is painted under the bars
        dynamic = [self.band] + [bar for bars in self.bars for bar in bars] + [self.mean_line, self.beta_line]
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.table = ui.html_table_view()
        groups = {
            _("the input x"): [f"x{i + 1}" for i in range(n)],
            _("the layer"): ["gamma", "beta", "eps", "ddof"],
        }
        tabs = {_("the three panels"): [self.figure], _("every intermediate number"): [self.table]}
        self.start(
            controls,
            [self.figure, self.table],
            _("Layer norm step by step"),
            groups=groups,
            tabs=tabs,
            group_tabs=True,
        )

    def inputs(self) -> dict:
        """The controls' values as arguments of :func:`layer_norm_steps`."""
        x = [self.value(f"x{i + 1}") for i in range(len(ARTICLE_INPUT))]
        eps = self.value("eps")
        return {
            "x": x,
            "gamma": self.value("gamma"),
            "beta": self.value("beta"),
            "eps": eps,
            "ddof": self.value("ddof"),
        }

    @torch_threads()
    def update(self) -> str:
        arguments = self.inputs()
        steps = layer_norm_steps(**arguments)
        undefined = steps.is_constant and steps.eps == 0
        std = math.sqrt(steps.variance)
        for bar, height in zip(self.bars[0], steps.x):
            bar.set_height(height)
        for bars, values in ((self.bars[1], steps.x_hat), (self.bars[2], steps.y)):
            for bar, height in zip(bars, np.nan_to_num(values)):
                bar.set_height(height)
        self.mean_line.set_ydata([steps.mean, steps.mean])
        self.band.set_y(steps.mean - std)
        self.band.set_height(2 * std)
        self.beta_line.set_ydata([steps.beta[0], steps.beta[0]])
        self.figure.draw()
        self.table.value = _steps_table(steps)
        if undefined:
            raise ui.Explained(
                _(
                    "All five values are equal, so every deviation xᵢ − μ is 0 and σ² = 0. With ε = 0 each x̂ᵢ "
                    "is 0/0, which has no value (torch returns NaN, shown as 0 in the plots). This is what ε is "
                    "for: with any ε > 0, x̂ᵢ = 0/√ε = 0 and the output is just β."
                )
            )
        return self._note(steps, arguments)

    @staticmethod
    def _note(steps: LayerNormSteps, arguments: dict) -> str:
        fmt = ui.format_number
        n = steps.n
        statistics = (
            f"$\\mu = \\tfrac{{1}}{{{n}}}\\sum x_i = {fmt(steps.mean)}$, "
            f"$\\sigma^2 = \\tfrac{{1}}{{{n - steps.ddof}}}\\sum (x_i-\\mu)^2 = {fmt(steps.variance)}$, "
            f"$\\sqrt{{\\sigma^2+\\epsilon}} = {fmt(steps.denominator, 6)}$"
        )
        lines = [
            _("{statistics} with $\\epsilon = {eps}$.").format(statistics=statistics, eps=fmt(steps.eps))
        ]
        reference = torch_layer_norm(arguments["x"], arguments["gamma"], arguments["beta"], arguments["eps"])
        gap = float(np.max(np.abs(reference - steps.y)))
        if steps.is_constant:
            lines.append(
                _(
                    "All five values are equal: σ² = 0 and only ε keeps the division defined. "
                    "Every x̂ᵢ = 0/√ε = 0, so every output is β = {beta}, whatever γ."
                ).format(beta=fmt(steps.beta[0]))
            )
        elif steps.ddof == 1:
            lines.append(
                _(
                    "Dividing by n − 1 gives the unbiased estimate of a larger population's variance. But layer "
                    "norm standardizes these {n} numbers and nothing else: now x̂ has mean square "
                    "{mean_square} ≈ (n − 1)/n = {ratio} instead of 1, and "
                    "torch.nn.LayerNorm, which divides by n, disagrees by up to {gap}."
                ).format(
                    n=n, mean_square=fmt(steps.mean_square_of_x_hat), ratio=fmt((n - 1) / n), gap=fmt(gap)
                )
            )
        else:
            shrink = math.sqrt(steps.variance / (steps.variance + steps.eps))
            lines.append(
                _(
                    "x̂ has mean 0 and mean square σ²/(σ² + ε) = {mean_square}. "
                    "torch.nn.LayerNorm agrees: largest difference {gap}."
                ).format(mean_square=fmt(steps.mean_square_of_x_hat, 6), gap=fmt(gap))
            )
            if steps.eps > 1e-3 * steps.variance:
                lines.append(
                    _(
                        "ε is not small next to σ² here (ε/σ² = {ratio}): "
                        "it shrinks every x̂ᵢ by the factor √(σ²/(σ² + ε)) = {shrink}."
                    ).format(ratio=fmt(steps.eps / steps.variance), shrink=fmt(shrink))
                )
        return "<br>".join(lines)


# ---------------------------------------------------------------------------
# What γ and β can and cannot undo
# ---------------------------------------------------------------------------

UNDO_EXAMPLES = ((0.0, 1.0, 2.0, 3.0, 4.0), (10.0, 10.0, 20.0, 30.0, 30.0))  # two examples, five features


def undo_attempt(examples=UNDO_EXAMPLES, eps: float = ARTICLE_EPS) -> list:
    r"""Try to undo LN with one γ, β for every example: choose them for the first example, apply to all.

    Per feature, :math:`\gamma_i = \sqrt{\sigma^2 + \epsilon}` and :math:`\beta_i = \mu` of the first
    example give back that example exactly. LN's γ and β are shared by all examples, while μ and σ are
    each example's own, so the same γ, β give the second example the first one's mean and spread:
    ``[(x, y, largest |y − x|), ...]``, one tuple per example. (BN at inference is different: its μ and σ
    are per feature and fixed, so γ = √(running_var + ε), β = running_mean undo it for every example.)
    """
    rows = [np.asarray(example, dtype=np.float64) for example in examples]
    if len(rows) < 2 or any(row.shape != rows[0].shape or row.ndim != 1 for row in rows):
        raise ValueError("undo_attempt needs at least two examples of the same number of features")
    first = layer_norm_steps(rows[0], eps=eps)
    gamma, beta = np.full(first.n, first.denominator), np.full(first.n, first.mean)
    results = []
    for x in rows:
        y = layer_norm_steps(x, gamma, beta, eps).y
        results.append((x, y, float(np.max(np.abs(y - x)))))
    return results


def undo_attempt_report(examples=UNDO_EXAMPLES, eps: float = ARTICLE_EPS) -> str:
    """:func:`undo_attempt` as lines to print: each example, its output, and how far the output is from it."""
    results = undo_attempt(examples, eps)
    first = layer_norm_steps(results[0][0], eps=eps)
    lines = [
        _(
            "γᵢ = √(σ² + ε) = {denominator:.6f} and βᵢ = μ = {mean:g} for every feature, chosen from example 1:"
        ).format(denominator=first.denominator, mean=first.mean)
    ]
    for number, (x, y, gap) in enumerate(results, 1):
        lines.append(
            _("example {number}: x = {x}  →  y = {y}   largest |y − x| = {gap:.3g}").format(
                number=number,
                x=np.array2string(x, precision=4),
                y=np.array2string(y, precision=4),
                gap=gap,
            )
        )
    return "\n".join(lines)
