"""Notebook 07's live training: a button trains one configuration of the grid and draws its loss as it goes.

Every run is seeded: a configuration the cache holds is retraced exactly on a machine like the one that
made the cache (its cached curve is drawn in grey first; another CPU rounds differently, and the note says so). A run that diverges stops and says so; one that passes :data:`LIVE_TIME_LIMIT` stops and says so.
"""

from __future__ import annotations

import time

import numpy as np

from lnlib import ui
from lnlib.digits import experiments, training
from lnlib.digits.experiments import INIT_SCALES, LEARNING_RATES
from lnlib.digits.network import norm_colour, norm_name
from lnlib.nb07_real_data_digits import verdicts
from lnlib.nb07_real_data_digits.pictures import LOSS_LIMITS, norm_choice, outcome_text
from lnlib.support import results_cache
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import pgettext
from lnlib.ui import style
from lnlib.ui.live import LIVE_TIME_LIMIT, LiveTraining


class DigitsLiveTrainingApp(LiveTraining, ui.App):
    """Pick a norm, an initial scale and a learning rate; press the button to train seed 0 live."""

    def __init__(self, results=None) -> None:
        self.results = verdicts.cached_results(results)
        controls = {
            "norm": norm_choice("none"),
            "scale": ui.value_slider("s", _("initial scale of the weights"), INIT_SCALES, 1.0),
            "lr": ui.value_slider("η", _("learning rate"), LEARNING_RATES, 1.0),
        }
        self.figure, self.axis = style.new_figure(11, 3.6)
        self.axis.set(
            xlabel=pgettext("training", "step"),
            ylabel=_("training loss"),
            ylim=LOSS_LIMITS,
            xlim=(0, experiments.GRID_STEPS),
        )
        self.live_parts(self.axis, cached_width=6)
        self.axis.legend(loc="upper right")
        self.view = ui.FigureView(self.figure, dynamic=[self.cached_line, self.live_line, self.axis.title])
        self.start(controls, [self.progress, self.view], _("Train one configuration yourself"))
        self.place_button()

    def config(self) -> training.RunConfig:
        return experiments.grid_config(self.value("norm"), self.value("scale"), self.value("lr"))

    def update(self) -> str:
        config = self.config()
        self.progress.value = ""
        self.axis.set_title(
            _("{norm}, s = {scale:g}, η = {lr:g}, seed 0").format(
                norm=norm_name(config.norm), scale=config.init_scale, lr=config.lr
            ),
            y=1.0,
        )
        cached = self.results.run(config)
        self.cached_line.set_data(cached["step"], np.clip(cached["loss"], None, LOSS_LIMITS[1] - 0.05))
        self.live_line.set_color(norm_colour(config.norm))
        if self.live is not None and self.live[0] == config:
            self._draw_live(self.live[1])
            return self.live[2]
        self.live_line.set_data([], [])
        self.view.draw()
        return _(
            "In the cache (grey): {outcome}. Press the button to train it live (a second or two): the live curve "
            "should retrace the grey one exactly."
        ).format(outcome=outcome_text([cached]))

    def _draw_live(self, record: dict) -> None:
        self.live_line.set_data(record["step"], np.clip(record["loss"], None, LOSS_LIMITS[1] - 0.05))
        self.view.draw()

    def train_live(self, button=None) -> None:
        """Train the chosen configuration, drawing the loss as it goes; any failure becomes a sentence."""
        config = self.config()

        def train(start: float) -> tuple:
            def on_record(record: dict) -> bool:
                self._draw_live(record)
                self.show_progress(record["step"][-1], config.steps, start)
                return time.perf_counter() - start > LIVE_TIME_LIMIT

            with torch_threads(deterministic=True):
                record = training.train(config, on_record=on_record)
            return record, self._live_note(config, record, time.perf_counter() - start)

        self.run_live(config, train, nothing={"step": [], "loss": []})

    def _live_note(self, config: training.RunConfig, record: dict, seconds: float) -> str:
        if record["diverged_at"] is not None:
            return _(
                "<b>Diverged at step {step}</b> ({seconds:.1f} s): the loss became NaN or infinite, so training "
                "stopped there. Try a smaller learning rate, or a norm."
            ).format(step=record["diverged_at"], seconds=seconds)
        if record["stopped_at"] is not None:
            return _(
                "Stopped after {step} of {steps} steps: the live demo's time limit of {limit:.0f} s (the machine "
                "is busy)."
            ).format(step=record["stopped_at"], steps=config.steps, limit=LIVE_TIME_LIMIT)
        cached = self.results.run(config)
        same = results_cache.retrace_note(
            cached["loss"], record["loss"], self.results.data.get("machine"), experiments.LAB.command
        )
        return (
            _("Trained in {seconds:.1f} s: {outcome}.").format(
                seconds=seconds, outcome=outcome_text([record])
            )
            + same
        )
