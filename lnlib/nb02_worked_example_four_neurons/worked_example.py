r"""Article 001's four-neuron example, worked by hand as on a blackboard (notebook 02).

Four neuron values :math:`x_1..x_4`, each neuron with its own scale :math:`\gamma_i` and shift
:math:`\beta_i`, and :math:`\epsilon = 0.00005`, are read from ``data/worked_example.json`` (the
article's own numbers were pictures and are lost: these are the course's). Then

.. math::  \mu = \tfrac14 \sum x_i, \quad \sigma^2 = \tfrac14 \sum (x_i - \mu)^2, \quad
           \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad y_i = \gamma_i \hat x_i + \beta_i

are computed *exactly*: fractions up to the variance, then 40-digit decimals for the square root.
That hand computation is the reference that ``lnlib`` and ``torch.nn.LayerNorm`` are checked against.

The exercise is checked in :mod:`~lnlib.nb02_worked_example_four_neurons.exercise`; the sliders are
:class:`~lnlib.nb02_worked_example_four_neurons.app.WorkedExampleApp`.
"""

from __future__ import annotations

import decimal
import json
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from lnlib import functional, ui
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.support.paths import WORKED_EXAMPLE

DIGITS = 7  # decimals shown for numbers that are not short fractions
_PRECISION = decimal.Context(prec=40)
# data/worked_example.json's "source", marked here so that the catalogue holds its translation
SOURCE = N_(
    "Chosen for this course, not taken from article 001. The article (老饼讲解, 层归一化是什么LN) works a "
    "four-neuron example, but its numbers were pictures that did not survive the copy; these are the course's "
    "own, picked so that the mean, the variance and the standard deviation (ε left out) are whole numbers. "
    "ε = 0.00005 is the article's."
)


def _exact(value) -> Fraction:
    """A number from the data file or a slider as an exact fraction (a float is read as it prints)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, str)):
        raise TypeError(f"expected a number, got {value!r}")
    return Fraction(str(value))


@dataclass(frozen=True)
class Neurons:
    """One layer's four neuron values with their own γ and β, and ε; all exact fractions."""

    values: tuple
    gamma: tuple
    beta: tuple
    eps: Fraction

    @classmethod
    def of(cls, values, gamma, beta, eps) -> Neurons:
        values, gamma, beta = (tuple(_exact(v) for v in vector) for vector in (values, gamma, beta))
        if not len(values) == len(gamma) == len(beta) >= 2:
            raise ValueError(
                f"values, gamma and beta need one number per neuron (at least 2 neurons), "
                f"got {len(values)}, {len(gamma)} and {len(beta)}"
            )
        eps = _exact(eps)
        if eps < 0:
            raise ValueError(f"eps must be non-negative, got {eps}")
        return cls(values, gamma, beta, eps)

    def as_arrays(self, dtype=np.float64) -> tuple:
        """``(values, gamma, beta)`` as float arrays, for lnlib and torch."""
        return tuple(
            np.array([float(v) for v in vector], dtype=dtype)
            for vector in (self.values, self.gamma, self.beta)
        )


def load_data(path: Path = WORKED_EXAMPLE) -> dict:
    """The data file: ``source`` (a sentence, in the reader's language), ``eps``, ``example`` and ``exercise``."""
    with Path(path).open(encoding="utf-8") as file:
        data = json.load(file)
    missing = {"source", "eps", "example", "exercise"} - set(data)
    if missing:
        raise ValueError(f"{path} lacks {sorted(missing)}")
    data["source"] = _(data["source"])
    return data


def example(path: Path = WORKED_EXAMPLE) -> Neurons:
    """The worked example's four neurons."""
    data = load_data(path)
    return Neurons.of(**data["example"], eps=data["eps"])


def exercise(path: Path = WORKED_EXAMPLE) -> tuple:
    """``(neurons, i)``: the exercise's four neurons and the (1-based) neuron the learner works out."""
    data = load_data(path)
    task = dict(data["exercise"])
    neuron = task.pop("neuron")
    neurons = Neurons.of(**task, eps=data["eps"])
    if not 1 <= neuron <= len(neurons.values):
        raise ValueError(f"the exercise's neuron must be between 1 and {len(neurons.values)}, got {neuron}")
    return neurons, neuron


def _rational_sqrt(q: Fraction):
    """√q as a fraction when it is one (numerator and denominator perfect squares), else None."""
    top, bottom = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(top, bottom) if top * top == q.numerator and bottom * bottom == q.denominator else None


def _decimal(q: Fraction) -> decimal.Decimal:
    return _PRECISION.divide(decimal.Decimal(q.numerator), decimal.Decimal(q.denominator))


@dataclass(frozen=True)
class Blackboard:
    """Every number of the hand computation: exact fractions up to σ², 40-digit decimals after the root."""

    neurons: Neurons
    total: Fraction  # Σ xᵢ
    mean: Fraction  # μ = Σ xᵢ / n
    deviations: tuple  # xᵢ − μ
    squared_deviations: tuple  # (xᵢ − μ)²
    sum_of_squares: Fraction  # Σ (xᵢ − μ)²
    variance: Fraction  # σ² = Σ (xᵢ − μ)² / n
    std: decimal.Decimal  # √(σ² + ε): the divisor, a hair above the standard deviation σ
    x_hat: tuple  # (xᵢ − μ) / √(σ² + ε), Decimals
    y: tuple  # γᵢ x̂ᵢ + βᵢ, Decimals
    x_hat_without_eps: tuple  # (xᵢ − μ) / σ: Fractions when σ is rational, Decimals if not; () when σ = 0
    y_without_eps: tuple  # γᵢ (xᵢ − μ)/σ + βᵢ, the same kinds; () when σ = 0

    @property
    def n(self) -> int:
        return len(self.neurons.values)

    def y_floats(self) -> np.ndarray:
        return np.array([float(v) for v in self.y])

    def x_hat_floats(self) -> np.ndarray:
        return np.array([float(v) for v in self.x_hat])


def blackboard(neurons: Neurons) -> Blackboard:
    r"""Layer norm of ``neurons`` by hand, exactly.

    .. math::  y_i = \gamma_i \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta_i
    """
    n = len(neurons.values)
    # Σ xᵢ
    total = sum(neurons.values, Fraction(0))
    # μ = Σ xᵢ / n
    mean = total / n
    # xᵢ − μ
    deviations = tuple(x - mean for x in neurons.values)
    # (xᵢ − μ)²
    squared = tuple(d * d for d in deviations)
    # σ² = Σ (xᵢ − μ)² / n
    sum_of_squares = sum(squared, Fraction(0))
    variance = sum_of_squares / n
    # √(σ² + ε), to 40 digits
    std = _decimal(variance + neurons.eps).sqrt(_PRECISION)
    gamma = [_decimal(g) for g in neurons.gamma]
    beta = [_decimal(b) for b in neurons.beta]
    # x̂ᵢ = (xᵢ − μ) / √(σ² + ε)   (0 when σ² + ε = 0 would be 0/0: handled by the caller's explanation)
    x_hat = tuple(_PRECISION.divide(_decimal(d), std) if std else decimal.Decimal("NaN") for d in deviations)
    # yᵢ = γᵢ x̂ᵢ + βᵢ
    y = tuple(_PRECISION.add(_PRECISION.multiply(g, h), b) for g, h, b in zip(gamma, x_hat, beta))
    without_eps, y_without_eps = (), ()
    if variance > 0:
        sigma = _rational_sqrt(variance)
        if sigma is not None:
            # (xᵢ − μ)/σ exactly, σ rational
            without_eps = tuple(d / sigma for d in deviations)
            y_without_eps = tuple(g * h + b for g, h, b in zip(neurons.gamma, without_eps, neurons.beta))
        else:
            sigma_decimal = _decimal(variance).sqrt(_PRECISION)
            without_eps = tuple(_PRECISION.divide(_decimal(d), sigma_decimal) for d in deviations)
            y_without_eps = tuple(
                _PRECISION.add(_PRECISION.multiply(g, h), b) for g, h, b in zip(gamma, without_eps, beta)
            )
    return Blackboard(
        neurons,
        total,
        mean,
        deviations,
        squared,
        sum_of_squares,
        variance,
        std,
        x_hat,
        y,
        without_eps,
        y_without_eps,
    )


def _decimal_places(q: Fraction):
    """How many decimals ``q`` needs when it is a terminating decimal, else None."""
    bottom, twos, fives = q.denominator, 0, 0
    while bottom % 2 == 0:
        bottom, twos = bottom // 2, twos + 1
    while bottom % 5 == 0:
        bottom, fives = bottom // 5, fives + 1
    return max(twos, fives) if bottom == 1 else None


def exact_text(q) -> str:
    """A number as a teacher writes it: ``20``, ``-1.4``, ``0.00005``, ``5/7``; long ones as ``≈0.7142857``."""
    if isinstance(q, decimal.Decimal):
        return decimal_text(q)
    places = _decimal_places(q)
    if places is not None and places <= 8:
        return decimal_text(_decimal(q))
    if len(str(q)) <= 7:
        return str(q)
    text = decimal_text(_decimal(q))
    return text if text.startswith("≈") else "≈" + text


def decimal_text(d: decimal.Decimal, digits: int = DIGITS) -> str:
    """A decimal as written: in full when it has at most ``digits`` decimals (``1``, ``-0.7``), else rounded
    to ``digits`` places; NaN by name."""
    if d.is_nan():
        return "NaN"
    if d == d.quantize(decimal.Decimal(1).scaleb(-digits), context=_PRECISION):
        text = f"{d.normalize(_PRECISION):f}"
        return "0" if d == 0 else text
    text = f"{d:.{digits}f}"
    return "≈0" if text.strip("-0.") == "" else text


def _sum_text(values) -> str:
    """``6 + (-2) + 12 + 4``: the addition written out, negatives in brackets."""
    return " + ".join(f"({exact_text(v)})" if v < 0 else exact_text(v) for v in values)


def blackboard_rows(board: Blackboard) -> tuple:
    """``(header, rows)`` of the blackboard table: one column per neuron, the running result at the end."""
    n, eps = board.n, board.neurons.eps
    empty = [""] * n
    header = [_("step"), _("formula")] + [_("neuron {i}").format(i=i + 1) for i in range(n)] + [_("result")]
    numbers_ = lambda values: [exact_text(v) for v in values]  # noqa: E731
    variance_plus_eps = exact_text(board.variance + eps)
    rows = [
        [_("neuron values"), "xᵢ", *numbers_(board.neurons.values), ""],
        [_("sum"), "Σ xᵢ", *empty, f"{_sum_text(board.neurons.values)} = {exact_text(board.total)}"],
        [_("mean"), f"μ = Σ xᵢ / {n}", *empty, f"{exact_text(board.total)} / {n} = {exact_text(board.mean)}"],
        [_("deviations"), "xᵢ − μ", *numbers_(board.deviations), _("they add up to 0")],
        [
            _("squared deviations"),
            "(xᵢ − μ)²",
            *numbers_(board.squared_deviations),
            f"Σ = {exact_text(board.sum_of_squares)}",
        ],
        [
            _("variance"),
            f"σ² = Σ (xᵢ − μ)² / {n}",
            *empty,
            f"{exact_text(board.sum_of_squares)} / {n} = {exact_text(board.variance)}",
        ],
        # √(σ² + ε) is the divisor, not the standard deviation σ = √σ² (the row after next shows σ)
        [_("divisor (σ with ε)"), "√(σ² + ε)", *empty, f"√{variance_plus_eps} = {decimal_text(board.std)}"],
    ]
    if board.x_hat_without_eps:
        sigma = _rational_sqrt(board.variance)
        sigma_text = (
            exact_text(sigma)
            if sigma is not None
            else decimal_text(_decimal(board.variance).sqrt(_PRECISION))
        )
        rows.append(
            [
                _("normalized, ε left out"),
                "(xᵢ − μ) / σ",
                *numbers_(board.x_hat_without_eps),
                f"σ = √{exact_text(board.variance)} = {sigma_text}",
            ]
        )
    else:
        rows.append([_("normalized, ε left out"), "(xᵢ − μ) / σ", *(["0/0"] * n), _("σ = 0: undefined")])
    rows += [
        [_("normalized"), "x̂ᵢ = (xᵢ − μ) / √(σ² + ε)", *numbers_(board.x_hat), f"ε = {exact_text(eps)}"],
        [_("scale"), "γᵢ", *numbers_(board.neurons.gamma), _("each neuron its own")],
        [_("shift"), "βᵢ", *numbers_(board.neurons.beta), _("each neuron its own")],
    ]
    if board.y_without_eps:
        rows.append([_("output, ε left out"), "γᵢ (xᵢ − μ)/σ + βᵢ", *numbers_(board.y_without_eps), ""])
    rows.append([_("output"), "yᵢ = γᵢ x̂ᵢ + βᵢ", *numbers_(board.y), ""])
    return header, rows


def blackboard_table(board: Blackboard, caption: str | None = None) -> str:
    """The blackboard as an HTML table."""
    header, rows = blackboard_rows(board)
    return ui.html_table(
        header, rows, caption=_("Layer norm of four neurons, by hand") if caption is None else caption
    )


# name → (dtype, the largest difference from the hand computation we expect, and why); shown with _()
LIBRARIES = {
    N_("lnlib.functional.layer_norm, float64"): (np.float64, 1e-12, N_("float64 rounding")),
    N_("torch.nn.LayerNorm, float64"): (np.float64, 1e-12, N_("float64 rounding")),
    N_("torch.nn.LayerNorm, float32 (torch's default)"): (
        np.float32,
        1e-5,
        N_("float32 keeps about 7 digits"),
    ),
}


def library_outputs(neurons: Neurons) -> dict:
    """name → ``(x_hat, y)`` from lnlib and torch, as float64 arrays, for every entry of :data:`LIBRARIES`."""
    eps = float(neurons.eps)
    results = {}
    for name, (dtype, _expected, _reason) in LIBRARIES.items():
        values, gamma, beta = neurons.as_arrays(dtype)
        n = values.shape[-1]
        if name.startswith("lnlib"):
            x_hat = functional.layer_norm(values, n, eps=eps)
            y = functional.layer_norm(values, n, gamma, beta, eps=eps)
        else:
            layer = torch.nn.LayerNorm(
                n, eps=eps, dtype=torch.float64 if dtype == np.float64 else torch.float32
            )
            with torch.no_grad():
                layer.weight.copy_(torch.from_numpy(gamma))
                layer.bias.copy_(torch.from_numpy(beta))
                y = layer(torch.from_numpy(values)).numpy()
                x_hat = torch.nn.functional.layer_norm(torch.from_numpy(values), (n,), eps=eps).numpy()
        results[name] = (np.asarray(x_hat, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return results


def agreement(board: Blackboard) -> dict:
    """name → largest |difference| from the hand computation, over x̂ and y."""
    hand_x_hat, hand_y = board.x_hat_floats(), board.y_floats()
    return {
        name: float(max(np.max(np.abs(x_hat - hand_x_hat)), np.max(np.abs(y - hand_y))))
        for name, (x_hat, y) in library_outputs(board.neurons).items()
    }


def agreement_checks(board: Blackboard) -> list:
    """``(sentence, as expected)`` per library: its largest difference from the hand computation and what to
    expect."""
    checks = []
    for name, gap in agreement(board).items():
        _dtype, expected, reason = LIBRARIES[name]
        sentence = (
            _(
                "{name}: largest difference from the hand computation {gap:.1e} (should be below {expected:.0e}, {reason}): as expected"
            )
            if gap < expected
            else _(
                "{name}: largest difference from the hand computation {gap:.1e} (should be below {expected:.0e}, {reason}): MORE THAN EXPECTED"
            )
        )
        checks.append(
            (sentence.format(name=_(name), gap=gap, expected=expected, reason=_(reason)), gap < expected)
        )
    return checks


def agreement_lines(board: Blackboard) -> list:
    """One sentence per library: its largest difference from the hand computation and what to expect."""
    return [sentence for sentence, _ok in agreement_checks(board)]


def comparison_table(board: Blackboard) -> str:
    """The outputs yᵢ three ways (hand, lnlib, torch) side by side, as an HTML table."""
    outputs = library_outputs(board.neurons)
    header = [_("neuron"), _("by hand")] + [_(name).replace(", float", " float") for name in outputs]
    rows = [
        [i + 1, decimal_text(board.y[i])] + [f"{y[i]:.{DIGITS}f}" for _x_hat, y in outputs.values()]
        for i in range(board.n)
    ]
    return ui.html_table(header, rows, caption=_("The outputs yᵢ, computed three ways"))
