r"""Notebook 05's exercise through widgets: the whole backward pass of a layer norm, entered node by node.

One example of five features whose numbers come out round by hand (ε = 0 here, so that
:math:`r = 1/2` exactly): the learner types each gradient the ``cmp`` helper checks
(:data:`~lnlib.nb05_backward_by_hand.graph.NODES`, from :math:`\partial L/\partial\beta` back to
:math:`\partial L/\partial x`) and presses **Check**. :func:`check_answer` says right or wrong, and
recognises the typical slips (a forgotten γ, a missing sum, a lost path, the factor 2 or 1/n, a
flipped sign, n − 1) from the numbers alone. The answers are computed by
:func:`~lnlib.nb05_backward_by_hand.graph.backward`, so no cell's source holds them, and the app needs
no code: it works with the code hidden (Voila).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from fractions import Fraction

import ipywidgets as widgets
import numpy as np

from lnlib import ui
from lnlib.nb05_backward_by_hand.graph import backward, forward
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_

# One example (N = 1) of n = 5 features, chosen so that every gradient is a short decimal.
X = np.array([[1.0, 3.0, 4.0, 5.0, 7.0]])
GAMMA = np.array([2.0, -1.0, 0.5, 1.0, -2.0])
BETA = np.array([0.5, 0.0, -1.0, 1.0, 0.0])
GRAD_Y = np.array([[1.0, -2.0, 0.5, 3.0, -1.0]])
EPS = 0.0
TOLERANCE = 1e-3  # an answer is right within 0.001 (absolute) or 0.1 % (relative) of every value


@dataclass(frozen=True)
class Question:
    node: str  # the node's name in graph.NODES
    symbol: str  # ∂L/∂… as the learner reads it
    hint: str  # the rule to apply, without the answer (translated where it is shown)


QUESTIONS = (
    Question("beta", "∂L/∂β", N_("βⱼ is added to yⱼ: its local derivative is 1.")),
    Question(
        "gamma",
        "∂L/∂γ",
        N_("γⱼ scales x̂ⱼ: multiply ∂L/∂y by ∂y/∂γ (and sum over examples; here N = 1)."),
    ),
    Question("x_hat", "∂L/∂x̂", N_("y = γ ⊙ x̂ + β: multiply ∂L/∂y by the local derivative ∂y/∂x̂.")),
    Question("inverse_std", "∂L/∂r", N_("x̂ = d·r and one r scales all n values: sum ∂L/∂x̂ᵢ · dᵢ.")),
    Question("variance", "∂L/∂σ²", N_("r = (σ² + ε)^(−1/2): the power rule, then the chain rule.")),
    Question(
        "deviation",
        "∂L/∂d",
        N_("d feeds x̂ and σ²: add ∂L/∂x̂ · r and ∂L/∂σ² · ∂σ²/∂dᵢ (σ² is the mean of d², over n)."),
    ),
    Question("mean", "∂L/∂μ", N_("d = x − μ and one μ is subtracted from all n values.")),
    Question("x", "∂L/∂x", N_("x feeds d and μ: add ∂L/∂d and ∂L/∂μ · ∂μ/∂xᵢ.")),
)
QUESTION_BY_NODE = {q.node: q for q in QUESTIONS}


def example():
    """The forward graph and every node's right gradient (from the same code the walkthrough checks)."""
    graph = forward(X, GAMMA, BETA, "layer", EPS)
    return graph, backward(graph, GRAD_Y)


def answer(node: str) -> np.ndarray:
    """The right ∂L/∂node, flattened (what the learner types)."""
    return np.asarray(example()[1][node], dtype=np.float64).reshape(-1)


def given_table() -> str:
    """The forward values and ∂L/∂y the learner computes from, as an HTML table."""
    graph = example()[0]
    n = X.shape[1]

    def row(values):
        return ", ".join(ui.format_number(float(v), 4) for v in np.asarray(values).reshape(-1))

    rows = [
        ("x", row(graph.x)),
        ("γ", row(graph.gamma)),
        ("β", row(graph.beta)),
        (_("∂L/∂y (given)"), row(GRAD_Y)),
        ("μ", row(graph.mean)),
        ("d = x − μ", row(graph.deviation)),
        (_("σ² (mean of d², n = {n})").format(n=n), row(graph.variance)),
        (_("r = (σ² + ε)^(−1/2), ε = 0 here"), row(graph.inverse_std)),
        ("x̂ = d · r", row(graph.x_hat)),
    ]
    return ui.html_table(
        [_("value"), _("numbers")], rows, _("One example, five features: what you compute from")
    )


def parse(text: str) -> np.ndarray:
    """'1, -2.5, 3/8' → array([1., -2.5, 0.375]): numbers or fractions, separated by commas, spaces or semicolons."""
    tokens = [t for t in re.split(r"[,;\s]+", text.strip().strip("()[]")) if t]
    if not tokens:
        raise ui.Explained(_("Type your answer first: numbers separated by commas, e.g. 0.5, -1, 3/8."))
    values = []
    for token in tokens:
        try:
            values.append(float(Fraction(token.replace("−", "-"))))
        except (ValueError, ZeroDivisionError):
            raise ui.Explained(
                _(
                    "“{token}” is not a number. Type numbers or fractions separated by commas, "
                    "e.g. 0.5, -1, 3/8."
                ).format(token=html.escape(token))
            ) from None
    return np.array(values)


def _close(a, b) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=TOLERANCE, atol=TOLERANCE))


def slips(node: str) -> list:
    """``(what a typical slip gives, the sentence that names it)`` for ``node``, computed from the example."""
    graph, right = example()
    n = X.shape[1]
    flat = {k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in right.items()}
    g, d, r = GRAD_Y.reshape(-1), graph.deviation.reshape(-1), float(graph.inverse_std.reshape(-1)[0])
    x_hat_path = flat["x_hat"] * r
    sigma_path = flat["deviation"] - x_hat_path
    found = {
        "x_hat": [(g, _("you left out γ: ∂y/∂x̂ = γ, so ∂L/∂x̂ = ∂L/∂y ⊙ γ."))],
        "gamma": [
            (g * X.reshape(-1), _("you used x, but γ multiplies x̂: ∂y/∂γ = x̂.")),
            (g * d, _("you used d, but γ multiplies x̂ = d·r: ∂y/∂γ = x̂.")),
            (g * GAMMA, _("that is ∂L/∂x̂; ∂L/∂γ multiplies ∂L/∂y by x̂.")),
        ],
        "beta": [
            (
                g * GAMMA,
                _("β is added after γ scales x̂, so it is not multiplied by γ: ∂L/∂β = ∂L/∂y."),
            )
        ],
        "inverse_std": [
            (np.sum(flat["x_hat"] * X), _("you used x, but x̂ = d·r: ∂x̂ᵢ/∂r = dᵢ, the deviation.")),
            (-flat["inverse_std"], _("the sign is flipped: x̂ = d·r, so ∂x̂ᵢ/∂r = +dᵢ.")),
        ],
        "variance": [
            (
                -flat["variance"],
                _("the sign is flipped: r falls as σ² grows, so ∂r/∂σ² = −½(σ²+ε)^(−3/2) < 0."),
            ),
            (
                2 * flat["variance"],
                _(
                    "the ½ is missing (or the power is −½ r² instead of −½ r³: with r = ½ the two slips give the "
                    "same number): the power rule gives −½ (σ² + ε)^(−3/2) = −½ r³."
                ),
            ),
            (
                flat["variance"] / r**2,
                _("the power is off: ∂r/∂σ² = −½ (σ² + ε)^(−3/2) = −½ r³, not −½ r."),
            ),
        ],
        "deviation": [
            (x_hat_path, _("the σ² path is missing: d also feeds σ², and gradients from two paths add.")),
            (sigma_path, _("the x̂ path is missing: d feeds x̂ = d·r, so add ∂L/∂x̂ · r.")),
            (x_hat_path + sigma_path / 2, _("the factor 2 is missing: ∂(dᵢ²)/∂dᵢ = 2dᵢ.")),
            (x_hat_path + sigma_path * n, _("the 1/n is missing: σ² is the mean of d², not the sum.")),
            (
                x_hat_path + sigma_path * n / (n - 1),
                _("you divided by n − 1: a norm's variance divides by n."),
            ),
            (x_hat_path - sigma_path, _("the σ² path's sign is flipped.")),
        ],
        "mean": [
            (-flat["mean"], _("the sign is flipped: ∂dᵢ/∂μ = −1.")),
        ],
        "x": [
            (flat["deviation"], _("the μ path is missing: x feeds μ too, so add ∂L/∂μ · 1/n.")),
            (flat["deviation"] + flat["mean"][0], _("the 1/n is missing: ∂μ/∂xᵢ = 1/n.")),
            (
                flat["deviation"] - flat["mean"][0] / n,
                _("the μ path's sign is flipped: add ∂L/∂μ / n as it is."),
            ),
        ],
    }[node]
    return [(np.atleast_1d(np.asarray(v, dtype=np.float64)), s) for v, s in found]


def check_answer(node: str, text: str) -> tuple:
    """``(right, sentence)`` for the learner's ``text`` as ∂L/∂node; a typical slip is named."""
    question = QUESTION_BY_NODE[node]
    given = parse(text)
    expected = answer(node)
    if given.shape != expected.shape:
        sentence = (
            _(
                "{symbol} has one number; you typed {typed}. "
                "One r (one μ, one σ²) serves all n features, so its gradient is a single sum."
            )
            if expected.size == 1
            else _("{symbol} has {count} numbers, one per feature; you typed {typed}.")
        )
        return False, sentence.format(symbol=question.symbol, count=expected.size, typed=given.size)
    if _close(given, expected):
        return True, _("✅ Right: {symbol} = {values}.").format(
            symbol=question.symbol, values=", ".join(ui.format_number(v, 4) for v in expected)
        )
    for value, sentence in slips(node):
        if _close(given, value):
            return False, _("❌ Not yet: {slip}").format(slip=sentence)
    if expected.size == 1:
        return False, _("❌ Not yet. Hint: {hint}").format(hint=_(question.hint))
    worst = int(np.argmax(np.abs(given - expected)))
    return False, _("❌ Not yet (feature {feature} is furthest off). Hint: {hint}").format(
        feature=worst + 1, hint=_(question.hint)
    )


class BackwardExerciseApp(ui.App):
    """Your turn: the whole backward pass of one layer norm, node by node, checked as you go."""

    def __init__(self, node: str = "beta") -> None:
        controls = {
            "node": ui.choice(_("node"), "", [(q.symbol, q.node) for q in QUESTIONS], node),
        }
        self.solved: dict = {}
        self.entries: dict = {}
        self.given = ui.html_table_view()
        self.given.value = given_table()
        self.question = widgets.HTMLMath()
        self.answer_box = widgets.Text(placeholder=_("numbers separated by commas, e.g. 0.5, -1, 3/8"))
        self.answer_box.layout.width = "420px"
        self.answer_box.add_class("lnlib-answer")
        self.check_button = widgets.Button(description=_("Check"), button_style="primary")
        self.check_button.add_class("lnlib-check")
        self.check_button.on_click(lambda _: self.check())
        self.feedback = widgets.HTMLMath()
        self.progress = widgets.HTML()
        for output in (self.question, self.feedback, self.progress):
            output.add_class("lnlib-output")  # what the browser tests read as the app's output
        entry = widgets.HBox([self.answer_box, self.check_button])
        self.start(
            controls,
            [self.given, self.question, entry, self.feedback, self.progress],
            _("Your turn: layer norm's whole backward pass, node by node"),
        )

    def update(self) -> str:
        question = QUESTION_BY_NODE[self.value("node")]
        self.question.value = (
            "<div style='font-size:17px'>"
            + _("Enter <b>{symbol}</b>, then press Check. <i>Rule: {hint}</i>").format(
                symbol=question.symbol, hint=html.escape(_(question.hint))
            )
            + "</div>"
        )
        self.answer_box.value = self.entries.get(question.node, "")
        self.feedback.value = self.solved.get(question.node, (None, ""))[1]
        self.progress.value = self._progress()
        return _(
            "Work from ∂L/∂y back to ∂L/∂x, in the order of the buttons (∂L/∂β, ∂L/∂γ and ∂L/∂x̂ all come "
            "straight from ∂L/∂y); each later answer uses the ones before."
        )

    def _progress(self) -> str:
        marks = " ".join(
            f"{q.symbol} {'✅' if self.solved.get(q.node, (False,))[0] else '·'}" for q in QUESTIONS
        )
        count = sum(ok for ok, _feedback in self.solved.values())
        solved = _("Solved {count} of {total}: {marks}").format(
            count=count, total=len(QUESTIONS), marks=marks
        )
        return f"<div style='font-size:15px'>{solved}</div>"

    def check(self) -> None:
        """Check the typed answer for the chosen node; a bad entry is explained, never a traceback."""
        node = self.value("node")
        self.entries[node] = self.answer_box.value
        try:
            right, sentence = check_answer(node, self.answer_box.value)
        except ui.Explained as explanation:
            right, sentence = False, str(explanation)
        self.feedback.value = f"<div style='font-size:16px'>{sentence}</div>"
        self.solved[node] = (right, self.feedback.value)
        self.progress.value = self._progress()

    def reset(self) -> None:
        """Back to the start: every entry and every mark cleared, the first node chosen."""
        self.solved.clear()
        self.entries.clear()
        super().reset()
