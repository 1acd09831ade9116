r"""Article 001's four-neuron example, worked by hand as on a blackboard (notebook 02).

Four neuron values :math:`x_1..x_4`, each neuron with its own scale :math:`\gamma_i` and shift
:math:`\beta_i`, and :math:`\epsilon = 0.00005`, are read from ``data/worked_example.json`` (the
article's own numbers were pictures and are lost: these are the course's). Then

.. math::  \mu = \tfrac14 \sum x_i, \quad \sigma^2 = \tfrac14 \sum (x_i - \mu)^2, \quad
           \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}, \quad y_i = \gamma_i \hat x_i + \beta_i

are computed *exactly*: fractions up to the variance, then 40-digit decimals for the square root.
That hand computation is the reference that ``lnlib`` and ``torch.nn.LayerNorm`` are checked against.
"""
from __future__ import annotations

import decimal
import html
import json
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from . import functional, style, ui

DATA_PATH = Path(__file__).resolve().parents[1] / "data" / "worked_example.json"
DIGITS = 7          # decimals shown for numbers that are not short fractions
TOLERANCE = 1e-3    # the exercise accepts answers to three decimals
_PRECISION = decimal.Context(prec=40)


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
    def of(cls, values, gamma, beta, eps) -> "Neurons":
        values, gamma, beta = (tuple(_exact(v) for v in vector) for vector in (values, gamma, beta))
        if not len(values) == len(gamma) == len(beta) >= 2:
            raise ValueError(f"values, gamma and beta need one number per neuron (at least 2 neurons), "
                             f"got {len(values)}, {len(gamma)} and {len(beta)}")
        eps = _exact(eps)
        if eps < 0:
            raise ValueError(f"eps must be non-negative, got {eps}")
        return cls(values, gamma, beta, eps)

    def as_arrays(self, dtype=np.float64) -> tuple:
        """``(values, gamma, beta)`` as float arrays, for lnlib and torch."""
        return tuple(np.array([float(v) for v in vector], dtype=dtype)
                     for vector in (self.values, self.gamma, self.beta))


def load_data(path: Path = DATA_PATH) -> dict:
    """The data file: ``source`` (a sentence), ``eps``, ``example`` and ``exercise``."""
    with Path(path).open(encoding="utf-8") as file:
        data = json.load(file)
    missing = {"source", "eps", "example", "exercise"} - set(data)
    if missing:
        raise ValueError(f"{path} lacks {sorted(missing)}")
    return data


def example(path: Path = DATA_PATH) -> Neurons:
    """The worked example's four neurons."""
    data = load_data(path)
    return Neurons.of(**data["example"], eps=data["eps"])


def exercise(path: Path = DATA_PATH) -> tuple:
    """``(neurons, i)``: the exercise's four neurons and the (1-based) neuron the learner works out."""
    data = load_data(path)
    task = dict(data["exercise"])
    neuron = task.pop("neuron")
    neurons = Neurons.of(**task, eps=data["eps"])
    if not 1 <= neuron <= len(neurons.values):
        raise ValueError(f"the exercise's neuron must be between 1 and {len(neurons.values)}, got {neuron}")
    return neurons, neuron


# ---------------------------------------------------------------------------
# The hand computation
# ---------------------------------------------------------------------------

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
    total: Fraction              # Σ xᵢ
    mean: Fraction               # μ = Σ xᵢ / n
    deviations: tuple            # xᵢ − μ
    squared_deviations: tuple    # (xᵢ − μ)²
    sum_of_squares: Fraction     # Σ (xᵢ − μ)²
    variance: Fraction           # σ² = Σ (xᵢ − μ)² / n
    std: decimal.Decimal         # √(σ² + ε)
    x_hat: tuple                 # (xᵢ − μ) / √(σ² + ε), Decimals
    y: tuple                     # γᵢ x̂ᵢ + βᵢ, Decimals
    x_hat_without_eps: tuple     # (xᵢ − μ) / σ: Fractions when σ is rational, Decimals if not; () when σ = 0
    y_without_eps: tuple         # γᵢ (xᵢ − μ)/σ + βᵢ, the same kinds; () when σ = 0

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
            y_without_eps = tuple(_PRECISION.add(_PRECISION.multiply(g, h), b)
                                  for g, h, b in zip(gamma, without_eps, beta))
    return Blackboard(neurons, total, mean, deviations, squared, sum_of_squares, variance, std, x_hat, y,
                      without_eps, y_without_eps)


# ---------------------------------------------------------------------------
# Writing numbers as on a blackboard
# ---------------------------------------------------------------------------

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
    header = ["step", "formula"] + [f"neuron {i + 1}" for i in range(n)] + ["result"]
    numbers_ = lambda values: [exact_text(v) for v in values]  # noqa: E731
    variance_plus_eps = exact_text(board.variance + eps)
    rows = [
        ["neuron values", "xᵢ", *numbers_(board.neurons.values), ""],
        ["sum", "Σ xᵢ", *empty, f"{_sum_text(board.neurons.values)} = {exact_text(board.total)}"],
        ["mean", f"μ = Σ xᵢ / {n}", *empty, f"{exact_text(board.total)} / {n} = {exact_text(board.mean)}"],
        ["deviations", "xᵢ − μ", *numbers_(board.deviations), "they add up to 0"],
        ["squared deviations", "(xᵢ − μ)²", *numbers_(board.squared_deviations),
         f"Σ = {exact_text(board.sum_of_squares)}"],
        ["variance", f"σ² = Σ (xᵢ − μ)² / {n}", *empty,
         f"{exact_text(board.sum_of_squares)} / {n} = {exact_text(board.variance)}"],
        ["standard deviation", "√(σ² + ε)", *empty,
         f"√{variance_plus_eps} = {decimal_text(board.std)}"],
    ]
    if board.x_hat_without_eps:
        sigma = _rational_sqrt(board.variance)
        sigma_text = exact_text(sigma) if sigma is not None else decimal_text(_decimal(board.variance).sqrt(_PRECISION))
        rows.append(["normalized, ε left out", "(xᵢ − μ) / σ", *numbers_(board.x_hat_without_eps),
                     f"σ = √{exact_text(board.variance)} = {sigma_text}"])
    else:
        rows.append(["normalized, ε left out", "(xᵢ − μ) / σ", *(["0/0"] * n), "σ = 0: undefined"])
    rows += [
        ["normalized", "x̂ᵢ = (xᵢ − μ) / √(σ² + ε)", *numbers_(board.x_hat), f"ε = {exact_text(eps)}"],
        ["scale", "γᵢ", *numbers_(board.neurons.gamma), "each neuron its own"],
        ["shift", "βᵢ", *numbers_(board.neurons.beta), "each neuron its own"],
    ]
    if board.y_without_eps:
        rows.append(["output, ε left out", "γᵢ (xᵢ − μ)/σ + βᵢ", *numbers_(board.y_without_eps), ""])
    rows.append(["output", "yᵢ = γᵢ x̂ᵢ + βᵢ", *numbers_(board.y), ""])
    return header, rows


def blackboard_table(board: Blackboard, caption: str = "Layer norm of four neurons, by hand") -> str:
    """The blackboard as an HTML table."""
    header, rows = blackboard_rows(board)
    return ui.html_table(header, rows, caption=caption)


# ---------------------------------------------------------------------------
# The same numbers from lnlib and from torch
# ---------------------------------------------------------------------------

# name → (dtype, the largest difference from the hand computation we expect, and why)
LIBRARIES = {
    "lnlib.functional.layer_norm, float64": (np.float64, 1e-12, "float64 rounding"),
    "torch.nn.LayerNorm, float64": (np.float64, 1e-12, "float64 rounding"),
    "torch.nn.LayerNorm, float32 (torch's default)": (np.float32, 1e-5, "float32 keeps about 7 digits"),
}


def library_outputs(neurons: Neurons) -> dict:
    """name → ``(x_hat, y)`` from lnlib and torch, as float64 arrays, for every entry of :data:`LIBRARIES`."""
    eps = float(neurons.eps)
    results = {}
    for name, (dtype, _, _) in LIBRARIES.items():
        values, gamma, beta = neurons.as_arrays(dtype)
        n = values.shape[-1]
        if name.startswith("lnlib"):
            x_hat = functional.layer_norm(values, n, eps=eps)
            y = functional.layer_norm(values, n, gamma, beta, eps=eps)
        else:
            layer = torch.nn.LayerNorm(n, eps=eps, dtype=torch.float64 if dtype == np.float64 else torch.float32)
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
    return {name: float(max(np.max(np.abs(x_hat - hand_x_hat)), np.max(np.abs(y - hand_y))))
            for name, (x_hat, y) in library_outputs(board.neurons).items()}


def agreement_lines(board: Blackboard) -> list:
    """One sentence per library: its largest difference from the hand computation and what to expect."""
    lines = []
    for name, gap in agreement(board).items():
        _, expected, reason = LIBRARIES[name]
        verdict = "as expected" if gap < expected else "MORE THAN EXPECTED"
        lines.append(f"{name}: largest difference from the hand computation {gap:.1e} "
                     f"(should be below {expected:.0e}, {reason}): {verdict}")
    return lines


def comparison_table(board: Blackboard) -> str:
    """The outputs yᵢ three ways (hand, lnlib, torch) side by side, as an HTML table."""
    outputs = library_outputs(board.neurons)
    header = ["neuron", "by hand"] + [name.replace(", float", " float") for name in outputs]
    rows = [[i + 1, decimal_text(board.y[i])] + [f"{y[i]:.{DIGITS}f}" for _, y in outputs.values()]
            for i in range(board.n)]
    return ui.html_table(header, rows, caption="The outputs yᵢ, computed three ways")


# ---------------------------------------------------------------------------
# The exercise
# ---------------------------------------------------------------------------

def neurons_text(neurons: Neurons) -> str:
    """``x = (6, -2, 12, 4), γ = (2, 0.5, 1, 3), β = (1, 0, -1, 0.5), ε = 0.00005``."""
    def listing(vector):
        return "(" + ", ".join(exact_text(v) for v in vector) + ")"
    return (f"x = {listing(neurons.values)}, γ = {listing(neurons.gamma)}, β = {listing(neurons.beta)}, "
            f"ε = {exact_text(neurons.eps)}")


def exercise_html(path: Path = DATA_PATH) -> str:
    """The exercise's question (never its answer)."""
    neurons, i = exercise(path)
    return (f"<div style='font-size:16px'><b>Exercise.</b> Four neurons: {html.escape(neurons_text(neurons))}. "
            f"Work out, by hand or with a calculator, the normalized value x̂<sub>{i}</sub> and the output "
            f"y<sub>{i}</sub> of neuron {i}, to three decimals.</div>")


@dataclass(frozen=True)
class Feedback:
    """The check's answer: right or not, with one sentence per number."""

    correct: bool
    messages: tuple

    def __str__(self) -> str:
        return ("Right. " if self.correct else "Not yet. ") + " ".join(self.messages)

    def _repr_html_(self) -> str:
        style_ = ui.NOTE_STYLES["ok" if self.correct else "explained"]
        verdict = "Right." if self.correct else "Not yet."
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        return (f"<div class='lnlib-feedback' style='{style_} padding:6px 12px;font-size:16px'>"
                f"<b>{verdict}</b><ul>{items}</ul></div>")


def _as_answer(value):
    """The learner's number as a float, or None when it is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        answer = float(value)
    except (TypeError, ValueError):
        return None
    return answer if math.isfinite(answer) else None


def _normalized_mistakes(neurons: Neurons, i: int) -> dict:
    """Hint → the x̂ᵢ a common slip gives."""
    x = np.array([float(v) for v in neurons.values])
    eps, d = float(neurons.eps), x[i] - x.mean()
    squares = float(np.sum((x - x.mean()) ** 2))
    n = len(x)
    return {
        "Divide the sum of squared deviations by n (here 4), not by n − 1: layer norm uses the variance of "
        "these four numbers themselves.": d / math.sqrt(squares / (n - 1) + eps),
        "You divided by the variance; divide by the standard deviation, the square root of σ² + ε.":
            d / (squares / n + eps),
        "Subtract the mean μ from xᵢ before dividing.": x[i] / math.sqrt(squares / n + eps),
        "Divide the sum of squared deviations by n before taking the square root.": d / math.sqrt(squares + eps),
        "Check the sign: xᵢ − μ is negative when xᵢ is below the mean and positive above it.":
            -d / math.sqrt(squares / n + eps),
    }


def _output_mistakes(neurons: Neurons, i: int, x_hat: float) -> dict:
    """Hint → the yᵢ a common slip gives, from the right x̂ᵢ."""
    gamma = [float(g) for g in neurons.gamma]
    beta = [float(b) for b in neurons.beta]
    mistakes = {
        "That is the normalized value; the output also scales by γᵢ and shifts by βᵢ.": x_hat,
        "γ scales and β shifts: y = γᵢ·x̂ᵢ + βᵢ, not βᵢ·x̂ᵢ + γᵢ.": beta[i] * x_hat + gamma[i],
        "Scale first, then shift: y = γᵢ·x̂ᵢ + βᵢ, not γᵢ·(x̂ᵢ + βᵢ).": gamma[i] * (x_hat + beta[i]),
    }
    for j in range(len(gamma)):
        if j != i:
            mistakes[f"Use neuron {i + 1}'s own γ and β: in layer norm every neuron has its own pair."] = \
                gamma[j] * x_hat + beta[j]
    return mistakes


def _subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def check_exercise(normalized=None, output=None, path: Path = DATA_PATH) -> Feedback:
    """Right or wrong, with a hint: the learner's x̂ᵢ and yᵢ for the exercise's neuron i (to three decimals)."""
    neurons, neuron = exercise(path)
    i = neuron - 1
    k = _subscript(neuron)
    board = blackboard(neurons)
    true_x_hat, true_y = float(board.x_hat[i]), float(board.y[i])
    messages, correct = [], True
    answer = _as_answer(normalized)
    if answer is None:
        correct = False
        messages.append(f"Normalized value x̂{k}: not answered yet; replace None by your number, "
                        "for example my_normalized = 0.123.")
    elif abs(answer - true_x_hat) <= TOLERANCE:
        messages.append(f"Normalized value x̂{k}: right.")
    else:
        correct = False
        hint = next((h for h, wrong in _normalized_mistakes(neurons, i).items()
                     if abs(answer - wrong) <= TOLERANCE),
                    "Start from μ = Σ xᵢ / 4, then σ² = Σ (xᵢ − μ)² / 4, then x̂ᵢ = (xᵢ − μ) / √(σ² + ε).")
        messages.append(f"Normalized value x̂{k}: not right. {hint}")
    answer_y = _as_answer(output)
    if answer_y is None:
        correct = False
        messages.append(f"Output y{k}: not answered yet; replace None by your number.")
    elif abs(answer_y - true_y) <= TOLERANCE:
        messages.append(f"Output y{k}: right.")
    else:
        correct = False
        gamma, beta = float(neurons.gamma[i]), float(neurons.beta[i])
        wrong_x_hat = answer is not None and abs(answer - true_x_hat) > TOLERANCE
        if wrong_x_hat and abs(answer_y - (gamma * answer + beta)) <= TOLERANCE:
            hint = "Your scale-and-shift step is right; it starts from a wrong x̂, so fix that first."
        else:
            hint = next((h for h, wrong in _output_mistakes(neurons, i, true_x_hat).items()
                         if abs(answer_y - wrong) <= TOLERANCE),
                        f"y{k} = γ{k}·x̂{k} + β{k}, with neuron {neuron}'s own γ and β.")
        messages.append(f"Output y{k}: not right. {hint}")
    if correct:
        relative = 1 - math.sqrt(float(board.variance) / float(board.variance + neurons.eps))
        messages.append(f"ε changes these answers by about {relative:.0e} of their size, far below three "
                        f"decimals: σ² = {exact_text(board.variance)} is large next to ε, so leaving ε out is "
                        "fine here.")
    return Feedback(correct, tuple(messages))


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------

def _slider_value(value) -> Fraction:
    """A slider's value to the hundredth it shows."""
    return Fraction(round(float(value) * 100), 100)


class WorkedExampleApp(ui.App):
    """Drag any neuron's value, γ or β: the blackboard table, the plots and the library check all follow."""

    def __init__(self) -> None:
        start = example()
        n = len(start.values)
        controls = {}
        # name → (symbol, meaning, starting values, range and step)
        families = {"x": ("x", "value", start.values, (-20, 20, 0.5)),
                    "gamma": ("γ", "scale", start.gamma, (-3, 3, 0.25)),
                    "beta": ("β", "shift", start.beta, (-3, 3, 0.25))}
        for name, (symbol, meaning, values, limits) in families.items():
            for i, value in enumerate(values):
                controls[f"{name}{i + 1}"] = ui.slider(f"{symbol}{_subscript(i + 1)}", f"{meaning} of neuron {i + 1}",
                                                       float(value), *limits)
        self.eps = start.eps
        figure, (input_axes, output_axes) = style.new_figure(13, 4.4, nrows=1, ncols=2)
        positions = np.arange(1, n + 1)
        self.input_bars = input_axes.bar(positions, np.zeros(n), width=0.6, color=style.NORM_COLORS["none"])
        (self.mean_line,) = input_axes.plot([0.5, n + 0.5], [0, 0], "--", color=style.NORM_COLORS["layer"], label="μ")
        input_axes.set_ylim(-21, 21)
        input_axes.set_title("neuron values xᵢ and their mean μ")
        input_axes.set_ylabel("value xᵢ")
        input_axes.legend(loc="lower right")
        self.x_hat_bars, self.y_bars = style.paired_bars(output_axes, n, ("normalized x̂ᵢ", style.NORM_COLORS["layer"]),
                                                         ("output yᵢ", style.NORM_COLORS["rms"]))
        bound = 3 * math.sqrt(n - 1) + 3
        output_axes.set(ylim=(-bound - 0.5, bound + 0.5), title="after layer norm", xlabel="neuron i", ylabel="value")
        output_axes.legend(loc="lower right", ncols=2)
        input_axes.set_xticks(positions)
        input_axes.set_xlabel("neuron i")
        input_axes.axhline(0, color="black", linewidth=1)
        dynamic = list(self.input_bars) + [self.mean_line] + list(self.x_hat_bars) + list(self.y_bars)
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.board_view = ui.html_table_view()
        self.comparison_view = ui.html_table_view()
        self.start(controls, [self.figure, self.board_view, self.comparison_view],
                   "Four neurons by hand: drag any value, γ or β")

    def neurons(self) -> Neurons:
        """The sliders' numbers, to the hundredth they show."""
        n = sum(1 for name in self.controls if name.startswith("x"))
        pick = lambda prefix: [_slider_value(self.value(f"{prefix}{i + 1}")) for i in range(n)]  # noqa: E731
        return Neurons.of(pick("x"), pick("gamma"), pick("beta"), self.eps)

    @ui.one_torch_thread()
    def update(self) -> str:
        board = blackboard(self.neurons())
        for bar, value in zip(self.input_bars, board.neurons.values):
            bar.set_height(float(value))
        self.mean_line.set_ydata([float(board.mean)] * 2)
        for bars, values in ((self.x_hat_bars, board.x_hat_floats()), (self.y_bars, board.y_floats())):
            for bar, value in zip(bars, values):
                bar.set_height(value)
        self.figure.draw()
        self.board_view.value = blackboard_table(board)
        self.comparison_view.value = comparison_table(board)
        lines = agreement_lines(board)
        if board.variance == 0:
            lines.insert(0, "All four values are equal: every deviation is 0 and σ² = 0. Without ε the normalized "
                            "values would be 0/0; with ε = 0.00005 each is 0/√ε = 0, so every output is its β.")
        elif board.variance < 100 * board.neurons.eps:
            lines.insert(0, "σ² is not large next to ε here, so ε visibly shrinks the normalized values.")
        return "<br>".join(html.escape(line) for line in lines)
