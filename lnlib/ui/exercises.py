"""Exercises that work with the code hidden: input widgets and a Check button, in JupyterLab and in Voila.

- :class:`NumberExercise`: boxes for numbers, a Check button, feedback that says right or which slip the
  answer looks like, and a worked solution offered only after a first attempt;
- :class:`ChoiceQuestion`: a multiple-choice (conceptual) question, checked the same way;
- :class:`Prediction`: a choice the learner commits to *before* an app's controls unlock ("predict, then drag").

The answers live in lnlib (computed, or written in the module that asks the question), never in a cell's
source. Each is a plain object: tests set ``inputs[name].value`` / ``choice.value`` and call :meth:`check`
as a click would, then read ``feedback.value``.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.app import NOTE_STYLES

# The exercises' type size, as the apps' (an exercise is not an .lnlib-app: the browser tests drive apps' sliders)
EXERCISE_CSS = (
    "<style>.lnlib-exercise .widget-label, .lnlib-exercise .widget-radio-box label, .lnlib-exercise input,"
    " .lnlib-exercise .widget-button {font-size: 16px;}</style>"
)


CHECK_LABEL = N_("Check")
COMMIT_LABEL = N_("Commit")
"""The Check button's label on a :class:`Prediction`: the learner commits to an answer."""
EXERCISE_TITLE = N_("Exercise")
QUESTION_TITLE = N_("Question")
PREDICTION_TITLE = N_("Predict before you drag")


@dataclass(frozen=True)
class ExerciseResult:
    """A check's answer: right or not, with one sentence per point (escaped when shown)."""

    correct: bool
    messages: tuple

    def __str__(self) -> str:
        return (_("Right. ") if self.correct else _("Not yet. ")) + " ".join(self.messages)

    def _repr_html_(self) -> str:
        style = NOTE_STYLES["ok" if self.correct else "explained"]
        mark = _("✓ Right.") if self.correct else _("✗ Not yet.")
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages)
        return (
            f"<div class='lnlib-feedback' style='{style} padding:6px 12px;font-size:16px'>"
            f"<b>{mark}</b><ul>{items}</ul></div>"
        )


def parse_number(text) -> float | None:
    """What a learner typed, as a float: ``0.5``, ``-1,4`` (a decimal comma), ``1/3``, ``5e-2``, full-width
    ``０．５`` or ``－１／３`` (a Chinese input method's); None if empty or not a number."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", str(text)).strip().replace("−", "-").replace(",", ".")
    if not text:
        return None
    try:
        if "/" in text:
            top, bottom = text.split("/", 1)
            value = float(top) / float(bottom)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


class _Checked:
    """The shared part: a Check button, the feedback, a solution offered after the first attempt."""

    def _build(self, title: str, question_html: str, body: list, solution: Callable[[], str] | None) -> None:
        self.attempts = 0
        self.solution = solution
        self.check_button = widgets.Button(description=_(CHECK_LABEL), button_style="primary")
        self.check_button.add_class("lnlib-check")
        self.check_button.on_click(lambda _: self.check())
        self.feedback = widgets.HTML()
        self.feedback.add_class("lnlib-feedback-view")
        self.solution_button = widgets.Button(description=_("Show a worked solution"), disabled=True)
        self.solution_button.add_class("lnlib-solution-button")
        self.solution_button.layout.display = "none"
        self.solution_button.on_click(lambda _: self.show_solution())
        self.solution_view = widgets.HTMLMath()
        self.solution_view.add_class("lnlib-solution")
        header = widgets.HTML(
            EXERCISE_CSS + (f"<h3>{html.escape(_(title))}</h3>" if title else "") + question_html
        )
        buttons = [self.check_button] + ([self.solution_button] if solution else [])
        self.widget = widgets.VBox([header, *body, widgets.HBox(buttons), self.feedback, self.solution_view])
        self.widget.add_class("lnlib-exercise")

    def result(self) -> ExerciseResult:
        raise NotImplementedError

    def check(self) -> ExerciseResult:
        """What a click on Check does: judge the answer, show the feedback, offer the solution after an attempt."""
        result = self.result()
        self.feedback.value = result._repr_html_()
        if self._attempted():
            self.attempts += 1
            self.solution_button.disabled = False
            self.solution_button.layout.display = None
        return result

    def _attempted(self) -> bool:
        raise NotImplementedError

    def show_solution(self) -> None:
        if self.attempts == 0 or self.solution is None:
            raise RuntimeError("the solution is shown only after an attempt")
        self.solution_view.value = self.solution()

    def _repr_mimebundle_(self, **kwargs) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self.widget.children[0].value  # the question, for the reading copy
        return bundle


class NumberExercise(_Checked):
    """Number boxes (name → label), checked by ``judge(answers) -> ExerciseResult`` (answers: name → float or None)."""

    def __init__(
        self,
        question_html: str,
        fields: dict,
        judge: Callable[[dict], ExerciseResult],
        solution: Callable[[], str] | None = None,
        title: str = EXERCISE_TITLE,
    ) -> None:
        self.inputs = {}
        for name, label in fields.items():
            box = widgets.Text(description=label, placeholder=_("your number, e.g. 0.123"))
            box.style.description_width = "220px"
            box.layout.width = "480px"
            box.add_class("lnlib-answer")
            box.add_class(f"lnlib-answer-{name}")
            self.inputs[name] = box
        self.judge = judge
        self._build(title, question_html, list(self.inputs.values()), solution)

    def answers(self) -> dict:
        return {name: parse_number(box.value) for name, box in self.inputs.items()}

    def _attempted(self) -> bool:
        return any(value is not None for value in self.answers().values())

    def result(self) -> ExerciseResult:
        unreadable = [
            _("{label}: “{typed}” is not a number I can read; write e.g. 0.123 or -1/3.").format(
                label=box.description, typed=box.value.strip()
            )
            for box in self.inputs.values()
            if box.value.strip() and parse_number(box.value) is None
        ]
        if unreadable:
            return ExerciseResult(False, tuple(unreadable))
        return self.judge(self.answers())


class ChoiceQuestion(_Checked):
    """A multiple-choice question: ``options`` (label, key) pairs, the right ``answer`` key, a sentence per
    recognised slip (``slips``: key → why it is not right) and the ``explanation`` shown once it is right."""

    def __init__(
        self,
        question_html: str,
        options: list,
        answer,
        slips: dict,
        explanation: str,
        title: str = QUESTION_TITLE,
    ):
        keys = [key for _, key in options]
        if answer not in keys or set(slips) - set(keys):
            raise ValueError(f"the answer {answer!r} and every slip must be one of the options {keys}")
        self.choice = widgets.RadioButtons(options=options, value=None, layout={"width": "auto"})
        self.choice.add_class("lnlib-choice")
        self.answer, self.slips, self.explanation = answer, dict(slips), explanation
        self._build(title, question_html, [self.choice], None)

    def _attempted(self) -> bool:
        return self.choice.value is not None

    def result(self) -> ExerciseResult:
        if self.choice.value is None:
            return ExerciseResult(False, (_("Pick one answer first."),))
        if self.choice.value == self.answer:
            return ExerciseResult(True, (self.explanation,))
        return ExerciseResult(False, (self.slips.get(self.choice.value, _("Not this one; think again.")),))


class Prediction(ChoiceQuestion):
    """Predict before you drag: ``app``'s controls stay locked until the learner commits to a prediction.

    Committing (the Check button, labelled "Commit") unlocks the controls whatever the prediction, and says
    whether it was right and why; the learner then drags to see it. The notebook shows the app in the next
    cell (``prediction.app``), so that question and app are one slide each; a locked app carries the class
    ``lnlib-locked``.
    """

    def __init__(self, question_html: str, options: list, answer, slips: dict, explanation: str, app) -> None:
        super().__init__(question_html, options, answer, slips, explanation, title=PREDICTION_TITLE)
        self.check_button.description = _(COMMIT_LABEL)
        self.widget.add_class("lnlib-prediction")
        self.app = app
        self.lock(True)

    def lock(self, locked: bool) -> None:
        for control in self.app.controls.values():
            control.disabled = locked
        if locked:
            self.app.widget.add_class("lnlib-locked")
        else:
            self.app.widget.remove_class("lnlib-locked")
        self.unlocked = not locked

    def check(self) -> ExerciseResult:
        result = super().check()
        if self.choice.value is not None:
            self.lock(False)
            if not result.correct:
                self.feedback.value += (
                    "<div style='font-size:16px'>"
                    + html.escape(_("The controls are unlocked: drag and see what happens."))
                    + "</div>"
                )
        return result
