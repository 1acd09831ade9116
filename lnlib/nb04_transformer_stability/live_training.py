"""Notebook 04's live training: a button trains one run of the learner's choice and draws its curve as it goes.

A run that diverges or passes the time limit stops and says so; the estimate of its duration comes
from the cached runs' CPU times.
"""

from __future__ import annotations

import time

import numpy as np

from lnlib import ui
from lnlib.nb04_transformer_stability.apps import lr_label, placement_note
from lnlib.nb04_transformer_stability.figures import (
    fixed_title,
    loss_axis,
    norm_color,
)
from lnlib.nb04_transformer_stability.outcomes import (
    LOSS_LIMITS,
    cached_results,
    describe_runs,
    norm_abbreviation,
)
from lnlib.support import results_cache
from lnlib.support.language import gettext as _
from lnlib.transformer import experiments, training
from lnlib.transformer.training import TrainConfig
from lnlib.ui import style
from lnlib.ui.live import LIVE_TIME_LIMIT, LiveTraining

LIVE_REDRAW_EVERY = 5  # steps between two redraws of the live curve


def estimated_seconds(config: TrainConfig, results=None) -> float:
    """How long ``config`` should take to train here: the cache's median wall time per step·block·(sequences + 8),
    times ``config``'s."""
    results = cached_results(results)
    rates = [
        r["wall_time"] / (r["config"]["steps"] * r["config"]["n_layers"] * (r["config"]["batch_size"] + 8))
        for r in results.results.values()
        if r.get("wall_time")
    ]
    return float(np.median(rates)) * config.steps * config.n_layers * (config.batch_size + 8)


class TransformerLiveTrainingApp(LiveTraining, ui.App):
    """Pick any configuration; see its cached curve if there is one; press the button to train it live."""

    def __init__(self, results=None) -> None:
        self.results = cached_results(results)
        controls = {
            "norm": ui.choice(_("norm"), "", [(norm_abbreviation(n), n) for n in experiments.NORMS], "layer"),
            "placement": ui.choice(_("placement"), "", [("Post", "post"), ("Pre", "pre")], "post"),
            "depth": ui.slider("L", _("depth, blocks"), 12, 1, 12, integer=True),
            "lr": ui.choice(
                "η",
                _("learning rate"),
                [(lr_label(lr), lr) for lr in (1e-4,) + experiments.LEARNING_RATES],
                1e-2,
            ),
            "warmup": ui.choice(_("warm-up"), _("steps"), list(experiments.WARMUP_STEPS), 0),
            "batch": ui.choice("B", _("batch size"), [2, 4, 8, 16, 32], 16),
            "padded": ui.choice(_("sequences"), "", [(_("full"), False), (_("padded"), True)], False),
        }
        self.figure, self.axis = style.new_figure(11, 4.6)
        loss_axis(self.axis)
        self.live_parts(self.axis, cached_width=5)
        self.live_cross = self.axis.plot([], [], "x", markersize=16, mew=3, color="#D55E00")[0]
        self.axis.legend(loc="lower left")
        # the axes are the same for every configuration: only the curves, the × and the title are re-painted
        self.view = ui.FigureView(
            self.figure, dynamic=[self.cached_line, self.live_line, self.live_cross, self.axis.title]
        )
        groups = {
            _("the model"): ["norm", "placement", "depth"],
            _("its training"): ["lr", "warmup", "batch", "padded"],
        }
        self.start(
            controls,
            [self.progress, self.view],
            _("Train one configuration yourself"),
            groups=groups,
            group_tabs=True,
        )
        self.place_button()

    def config(self) -> TrainConfig:
        norm = self.value("norm")
        return TrainConfig(
            norm=norm,
            placement="pre" if norm == "none" else self.value("placement"),
            n_layers=int(self.value("depth")),
            lr=self.value("lr"),
            warmup_steps=self.value("warmup"),
            batch_size=self.value("batch"),
            padded=self.value("padded"),
        )

    def update(self) -> str:
        config = self.config()
        self.progress.value = ""
        self.live_line.set_data([], [])
        self.live_cross.set_data([], [])
        self.live_line.set_color(norm_color(config.norm))
        title = (
            _("{model}, lr {lr:g}, warm-up {warmup}, batch {batch}, padded")
            if config.padded
            else _("{model}, lr {lr:g}, warm-up {warmup}, batch {batch}")
        )
        fixed_title(
            self.axis,
            title.format(
                model=config.label, lr=config.lr, warmup=config.warmup_steps, batch=config.batch_size
            ),
        )
        cached = self.results.run(config) if self.results.has(config) else None
        self.cached_line.set_data(
            np.arange(len(cached.losses)) if cached else [],
            style.smooth_curve(cached.losses) if cached else [],
        )
        same = placement_note(config.norm, self.value("placement"))
        if self.live is not None and self.live[0] == config:
            self._draw_live(self.live[1])
            self.view.draw()
            return self.live[2] + same
        self.view.draw()
        seconds = estimated_seconds(config, self.results)
        if cached is not None:
            return _(
                "In the cache: {runs} (grey). Press the button to train it again live "
                "(about {seconds:.0f} s): the live curve should retrace the grey one exactly.{same}"
            ).format(runs=describe_runs([cached]), seconds=seconds, same=same)
        return _(
            "Not in the cache. Press the button to train it live (about {seconds:.0f} s here, 150 steps).{same}"
        ).format(seconds=seconds, same=same)

    def _draw_live(self, result) -> None:
        self.live_line.set_data(np.arange(len(result.losses)), style.smooth_curve(result.losses))
        if result.diverged:
            self.live_cross.set_data([result.diverged_step], [LOSS_LIMITS[1] - 0.1])

    def train_live(self, button=None) -> None:
        """Train the chosen configuration, drawing the loss as it goes; any failure becomes a sentence."""
        config = self.config()

        def train(start: float) -> tuple:
            def on_step(result) -> bool:
                step = len(result.losses)
                if step % LIVE_REDRAW_EVERY == 0:
                    self._draw_live(result)
                    self.view.draw()
                    self.show_progress(step, config.steps, start)
                return time.perf_counter() - start > LIVE_TIME_LIMIT

            result = training.train(config, on_step=on_step, progress=False)
            return result, self._live_note(config, result)

        self.run_live(config, train, nothing=training.TrainResult(config))

    def _live_note(self, config: TrainConfig, result) -> str:
        took = _("{seconds:.1f} s").format(seconds=result.wall_time)
        if result.diverged:
            return _(
                "<b>Diverged at step {step}</b> ({took}): the loss or a gradient became "
                "NaN or infinite, so training was stopped there. The updates grew too large for the "
                "numbers to stay finite — the instability this notebook is about. Try a smaller learning "
                "rate, a warm-up, or Pre-LN."
            ).format(step=result.diverged_step, took=took)
        if len(result.losses) < config.steps:
            return _(
                "Stopped after {done} of {steps} steps: the live demo's time limit of {limit:.0f} s (the "
                "machine is busy, or the model is large). Loss so far {loss}."
            ).format(
                done=len(result.losses),
                steps=config.steps,
                limit=LIVE_TIME_LIMIT,
                loss=ui.format_number(result.losses[-1], 3),
            )
        cached = self.results.run(config) if self.results.has(config) else None
        same = ""
        if cached is not None:
            same = results_cache.retrace_note(
                cached.losses, result.losses, self.results.data.get("machine"), experiments.LAB.command
            )
        return _("Trained in {took}: {runs}.{same}").format(
            took=took, runs=describe_runs([result]), same=same
        )
