"""Notebook 02's exercise: the learner computes one neuron by hand and types it into two boxes; Check
says right, or which mistake the answer looks like, with a hint; a worked solution is offered after a
first attempt (:func:`exercise_widget`). The answer is computed here, never written in a cell."""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np

from lnlib import ui
from lnlib.nb02_worked_example_four_neurons.worked_example import Neurons, blackboard, exact_text, exercise
from lnlib.support.language import gettext as _
from lnlib.support.paths import WORKED_EXAMPLE

TOLERANCE = 1e-3  # the exercise accepts answers to three decimals


def neurons_text(neurons: Neurons) -> str:
    """``x = (6, -2, 12, 4), γ = (2, 0.5, 1, 3), β = (1, 0, -1, 0.5), ε = 0.00005``."""

    def listing(vector):
        return "(" + ", ".join(exact_text(v) for v in vector) + ")"

    return (
        f"x = {listing(neurons.values)}, γ = {listing(neurons.gamma)}, β = {listing(neurons.beta)}, "
        f"ε = {exact_text(neurons.eps)}"
    )


def exercise_html(path: Path = WORKED_EXAMPLE) -> str:
    """The exercise's question (never its answer)."""
    neurons, i = exercise(path)
    question = _(
        "<b>Exercise.</b> Four neurons: {neurons}. Work out, by hand or with a calculator, the normalized "
        "value x̂<sub>{i}</sub> and the output y<sub>{i}</sub> of neuron {i}, to three decimals."
    ).format(neurons=html.escape(neurons_text(neurons)), i=i)
    return f"<div style='font-size:16px'>{question}</div>"


Feedback = ui.ExerciseResult  # the check's answer: right or not, one sentence per number


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
        _(
            "Divide the sum of squared deviations by n (here 4), not by n − 1: layer norm uses the variance of "
            "these four numbers themselves."
        ): d / math.sqrt(squares / (n - 1) + eps),
        _("You divided by the variance; divide by its square root with ε inside, √(σ² + ε)."): d
        / (squares / n + eps),
        _("Subtract the mean μ from xᵢ before dividing."): x[i] / math.sqrt(squares / n + eps),
        _("Divide the sum of squared deviations by n before taking the square root."): d
        / math.sqrt(squares + eps),
        _("Check the sign: xᵢ − μ is negative when xᵢ is below the mean and positive above it."): -d
        / math.sqrt(squares / n + eps),
    }


def _output_mistakes(neurons: Neurons, i: int, x_hat: float) -> dict:
    """Hint → the yᵢ a common slip gives, from the right x̂ᵢ."""
    gamma = [float(g) for g in neurons.gamma]
    beta = [float(b) for b in neurons.beta]
    mistakes = {
        _("That is the normalized value; the output also scales by γᵢ and shifts by βᵢ."): x_hat,
        _("γ scales and β shifts: y = γᵢ·x̂ᵢ + βᵢ, not βᵢ·x̂ᵢ + γᵢ."): beta[i] * x_hat + gamma[i],
        _("Scale first, then shift: y = γᵢ·x̂ᵢ + βᵢ, not γᵢ·(x̂ᵢ + βᵢ)."): gamma[i] * (x_hat + beta[i]),
    }
    own_pair = _("Use neuron {neuron}'s own γ and β: in layer norm every neuron has its own pair.")
    for j in range(len(gamma)):
        if j != i:
            mistakes[own_pair.format(neuron=i + 1)] = gamma[j] * x_hat + beta[j]
    return mistakes


def subscript(i: int) -> str:
    return str(i).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def check_exercise(normalized=None, output=None, path: Path = WORKED_EXAMPLE) -> Feedback:
    """Right or wrong, with a hint: the learner's x̂ᵢ and yᵢ for the exercise's neuron i (to three decimals)."""
    neurons, neuron = exercise(path)
    i = neuron - 1
    k = subscript(neuron)
    board = blackboard(neurons)
    true_x_hat, true_y = float(board.x_hat[i]), float(board.y[i])
    messages, correct = [], True
    answer = _as_answer(normalized)
    if answer is None:
        correct = False
        messages.append(
            _(
                "Normalized value x̂{k}: not answered yet; write your number in its box, for example 0.123."
            ).format(k=k)
        )
    elif abs(answer - true_x_hat) <= TOLERANCE:
        messages.append(_("Normalized value x̂{k}: right.").format(k=k))
    else:
        correct = False
        hint = next(
            (h for h, wrong in _normalized_mistakes(neurons, i).items() if abs(answer - wrong) <= TOLERANCE),
            _("Start from μ = Σ xᵢ / 4, then σ² = Σ (xᵢ − μ)² / 4, then x̂ᵢ = (xᵢ − μ) / √(σ² + ε)."),
        )
        messages.append(_("Normalized value x̂{k}: not right. {hint}").format(k=k, hint=hint))
    answer_y = _as_answer(output)
    if answer_y is None:
        correct = False
        messages.append(_("Output y{k}: not answered yet; write your number in its box.").format(k=k))
    elif abs(answer_y - true_y) <= TOLERANCE:
        messages.append(_("Output y{k}: right.").format(k=k))
    else:
        correct = False
        gamma, beta = float(neurons.gamma[i]), float(neurons.beta[i])
        wrong_x_hat = answer is not None and abs(answer - true_x_hat) > TOLERANCE
        if wrong_x_hat and abs(answer_y - (gamma * answer + beta)) <= TOLERANCE:
            hint = _("Your scale-and-shift step is right; it starts from a wrong x̂, so fix that first.")
        else:
            hint = next(
                (
                    h
                    for h, wrong in _output_mistakes(neurons, i, true_x_hat).items()
                    if abs(answer_y - wrong) <= TOLERANCE
                ),
                _("y{k} = γ{k}·x̂{k} + β{k}, with neuron {neuron}'s own γ and β.").format(k=k, neuron=neuron),
            )
        messages.append(_("Output y{k}: not right. {hint}").format(k=k, hint=hint))
    if correct:
        relative = 1 - math.sqrt(float(board.variance) / float(board.variance + neurons.eps))
        messages.append(
            _(
                "ε changes these answers by about {relative:.0e} of their size, far below three decimals: "
                "σ² = {variance} is large next to ε, so leaving ε out is fine here."
            ).format(relative=relative, variance=exact_text(board.variance))
        )
    return Feedback(correct, tuple(messages))


def solution_html(path: Path = WORKED_EXAMPLE) -> str:
    """The worked solution, step by step (shown only after an attempt)."""
    neurons, neuron = exercise(path)
    i, k = neuron - 1, subscript(neuron)
    board = blackboard(neurons)
    n = len(neurons.values)
    steps = [
        f"μ = ({' + '.join(exact_text(v) for v in neurons.values)}) / {n} = {exact_text(board.mean)}",
        _("deviations xᵢ − μ = ({deviations})").format(
            deviations=", ".join(exact_text(d) for d in board.deviations)
        ),
        f"σ² = ({' + '.join(exact_text(q) for q in board.squared_deviations)}) / {n} = {exact_text(board.variance)}",
        f"√(σ² + ε) = √{exact_text(board.variance + neurons.eps)} ≈ {exact_text(board.std)}",
        f"x̂{k} = {exact_text(board.deviations[i])} / {exact_text(board.std)} ≈ {float(board.x_hat[i]):.4f}",
        f"y{k} = γ{k}·x̂{k} + β{k} = {exact_text(neurons.gamma[i])} · {float(board.x_hat[i]):.4f} + "
        f"{exact_text(neurons.beta[i])} ≈ {float(board.y[i]):.4f}",
    ]
    items = "".join(f"<li>{html.escape(step)}</li>" for step in steps)
    title = html.escape(_("Worked solution"))
    return f"<div style='font-size:16px'><b>{title}</b><ol>{items}</ol></div>"


def exercise_widget(path: Path = WORKED_EXAMPLE) -> ui.NumberExercise:
    """The exercise with two boxes and a Check button (works the same in JupyterLab and in Voila)."""
    neuron = exercise(path)[1]
    k = subscript(neuron)
    return ui.NumberExercise(
        exercise_html(path),
        {
            "normalized": _("x̂{k} (normalized value)").format(k=k),
            "output": _("y{k} (output)").format(k=k),
        },
        lambda answers: check_exercise(answers["normalized"], answers["output"], path),
        lambda: solution_html(path),
    )
