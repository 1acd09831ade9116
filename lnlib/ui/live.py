"""What every app that trains one configuration live shares (notebooks 04 and 07).

:class:`LiveTraining`, mixed into an :class:`~lnlib.ui.App`: the Train button under the controls, a line
of progress, the cached run's loss in grey under the live one, and a run that ends in a sentence, never in
a traceback. Each app says how to train and what to write when the run is over.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable

import ipywidgets as widgets

from lnlib.support.language import gettext as _

LIVE_TIME_LIMIT = 20.0
"""Seconds a live run may take; it stops there and says so."""


class LiveTraining:
    """The live-training parts of an app: call :meth:`live_parts` before ``App.start`` and
    :meth:`place_button` after it; the button calls the app's ``train_live``, which calls :meth:`run_live`."""

    live = None
    """``(config, result, note)`` of the last live run, or None."""

    def live_parts(self, axis, cached_width: float = 5) -> None:
        """The button, the progress line, and on ``axis`` the grey cached curve and the live one (empty)."""
        self.button = widgets.Button(
            description=_("Train live (seed 0)"),
            button_style="primary",
            layout=widgets.Layout(width="260px", height="40px"),
        )
        self.button.add_class("lnlib-train-button")
        self.button.on_click(self.train_live)
        self.progress = widgets.HTML()
        self.progress.add_class("lnlib-output")
        self.cached_line = axis.plot(
            [], [], color="black", alpha=0.35, linewidth=cached_width, label=_("from the cache")
        )[0]
        self.live_line = axis.plot([], [], label=_("live"))[0]

    def place_button(self) -> None:
        """Put the button under the controls, above the note, the progress line and the figure."""
        self.widget.children = self.widget.children[:-3] + (self.button,) + self.widget.children[-3:]

    def show_progress(self, step: int, steps: int, start: float) -> None:
        """Say how far the live run is, and how long it has taken since ``start`` (``time.perf_counter``)."""
        progress = _("step {step} of {steps}, {seconds:.1f} s").format(
            step=step, steps=steps, seconds=time.perf_counter() - start
        )
        self.progress.value = f"<span style='font-size:16px'>{progress}</span>"

    def run_live(self, config, train: Callable, nothing) -> None:
        """Train ``config`` with ``train(start) → (result, note)``, the button disabled meanwhile; keep the run
        and show its note. An error the course did not expect becomes a sentence, with ``nothing`` (an
        empty result) as the run."""
        self.button.disabled = True
        start = time.perf_counter()
        try:
            result, note = train(start)
        except Exception as error:  # training never raises for a valid config; say so if it ever does
            result = nothing
            note = html.escape(
                _(
                    "Training stopped with an error the course did not expect ({kind}: {error}). Please report it."
                ).format(kind=type(error).__name__, error=error)
            )
        finally:
            self.button.disabled = False
        self.live = (config, result, note)
        self.refresh()
