"""Karpathy-style pictures per layer (after *makemore part 3*, our own code), as apps.

- :class:`DigitsInitApp`, computed live on a fresh network: each block's tanh outputs as a histogram, the
  gradient of the loss with respect to them as a histogram, and the fraction of saturated units per block;
- :class:`DigitsTrainingApp`, from the cache: the training loss of every seed and each layer's
  update-to-data ratio :math:`\\log_{10}(\\operatorname{std}(\\Delta W)/\\operatorname{std}(W))` during training.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps

from lnlib import ui
from lnlib.digits import experiments, network
from lnlib.digits.experiments import INIT_SCALES, LEARNING_RATES
from lnlib.digits.network import DEPTH, NORMS, SATURATED, norm_colour, norm_name
from lnlib.nb07_real_data_digits import verdicts
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.support.language import pgettext
from lnlib.ui import style

PICTURE_SCALES = (0.1, 0.2, 0.3, 0.5, 1.0, 5 / 3, 2.0, 3.0, 5.0, 10.0)
LOSS_LIMITS = (0.0, 3.0)
RATIO_LIMITS = (-7.0, 0.5)
HEALTHY_RATIO = -3.0  # Karpathy's rule of thumb for the update-to-data ratio
OUTCOME_NAMES = {"trains": N_("trains"), "fails": N_("fails"), "diverged": N_("diverged")}
"""A run's outcome (:func:`verdicts.run_outcome`) → the word a reader sees (translated where shown)."""


def layer_colors(count: int) -> list:
    """One colour per layer, from the first (light) to the last (dark)."""
    cmap = colormaps["viridis"]
    return [cmap(0.85 - 0.75 * i / max(count - 1, 1)) for i in range(count)]


def norm_choice(value: str = "none"):
    return ui.choice(_("norm"), _("before each tanh"), [(norm_name(n), n) for n in NORMS], value)


def scale_label(scale: float) -> str:
    return "5/3" if math.isclose(scale, 5 / 3) else f"{scale:g}"


class DigitsInitApp(ui.App):
    """A fresh network on 500 training digits: per block, tanh's outputs, their gradients, the saturated fraction."""

    def __init__(self, norm: str = "none", init_scale: float = 1.0) -> None:
        controls = {
            "norm": norm_choice(norm),
            "scale": ui.value_slider("s", _("initial scale of the weights"), PICTURE_SCALES, init_scale),
        }
        self.figure, axes = style.new_figure(13, 3.6, ncols=3)
        self.activation_axis, self.gradient_axis, self.saturation_axis = axes
        colors = layer_colors(DEPTH)
        self.activation_lines = [
            self.activation_axis.plot([], [], color=c, label=_("block {number}").format(number=i + 1))[0]
            for i, c in enumerate(colors)
        ]
        self.gradient_lines = [self.gradient_axis.plot([], [], color=c)[0] for c in colors]
        self.bars = self.saturation_axis.bar(range(1, DEPTH + 1), [0] * DEPTH, color=colors)
        self.activation_axis.set(
            xlabel=_("tanh output t"), ylabel=_("density"), xlim=(-1.05, 1.05), yscale="log"
        )
        self.activation_axis.legend(loc="upper center", fontsize=11, ncols=2)
        self.gradient_axis.set(xlabel=_("gradient ∂loss/∂t"), ylabel=_("density"), yscale="log")
        self.saturation_axis.set(
            xlabel=_("block"),
            ylabel=_("% of units with |t| > {limit}").format(limit=SATURATED),
            ylim=(0, 100),
            xticks=range(1, DEPTH + 1),
        )
        self.view = ui.FigureView(self.figure)
        self.start(controls, [self.view], _("Activations and gradients at initialization, per block"))

    def update(self) -> str:
        norm, scale = self.value("norm"), self.value("scale")
        pictures = network.at_initialization(norm, scale)
        edges = np.linspace(-1, 1, 41)
        for line, values in zip(self.activation_lines, pictures.activations):
            density, _edges = np.histogram(values, edges, density=True)
            line.set_data((edges[:-1] + edges[1:]) / 2, np.maximum(density, 1e-3))
        self.activation_axis.set_ylim(1e-2, 60)
        reach = 4 * float(max(pictures.gradient_std)) or 1e-12
        edges = np.linspace(-reach, reach, 41)
        for line, values in zip(self.gradient_lines, pictures.gradients):
            density, _edges = np.histogram(values, edges, density=True)
            line.set_data((edges[:-1] + edges[1:]) / 2, np.maximum(density, 1e-6 / reach))
        self.gradient_axis.set_xlim(-reach, reach)
        self.gradient_axis.set_ylim(0.01 / reach, 100 / reach)
        for bar, fraction in zip(self.bars, pictures.saturation):
            bar.set_height(100 * fraction)
        self.activation_axis.set_title(
            _("{norm}, s = {scale}: tanh outputs").format(norm=norm_name(norm), scale=scale_label(scale))
        )
        self.gradient_axis.set_title(_("gradients of the loss w.r.t. t"))
        self.saturation_axis.set_title(_("saturated units"))
        self.view.draw()
        rows = ", ".join(
            f"{i + 1}: {a:.2f} / {100 * f:.0f} %"
            for i, (a, f) in enumerate(zip(pictures.activation_std, pictures.saturation))
        )
        return _(
            "Per block, the std of t / the saturated share: {rows}. Gradient std from block 1 to {depth}: "
            "{first} … {last}. Loss at initialization {loss:.2f} (guessing uniformly: ln 10 ≈ 2.30)."
        ).format(
            rows=rows,
            depth=DEPTH,
            first=ui.format_number(pictures.gradient_std[0], 2),
            last=ui.format_number(pictures.gradient_std[-1], 2),
            loss=pictures.loss,
        )


def outcome_text(records: list) -> str:
    """Each seed's fate, e.g. "trains (held-out 0.971, 0.968, 0.975)" or "diverged at step 12; fails (0.41)"."""
    groups: dict = {}
    for record in records:
        kind = verdicts.run_outcome(record)
        text = (
            _("step {step}").format(step=record["diverged_at"])
            if kind == "diverged"
            else f"{record['test_accuracy']:.3f}"
        )
        groups.setdefault(kind, []).append(text)
    return verdicts.clauses(
        _("{outcome} ({values})").format(outcome=_(OUTCOME_NAMES[kind]), values=", ".join(values))
        for kind, values in groups.items()
    )


class DigitsTrainingApp(ui.App):
    """From the cache: every seed's training loss beside no norm's, and each layer's update-to-data ratio (seed 0)."""

    def __init__(self, results=None) -> None:
        self.results = verdicts.cached_results(results)
        controls = {
            "norm": norm_choice("batch"),
            "scale": ui.value_slider("s", _("initial scale of the weights"), INIT_SCALES, 1.0),
            "lr": ui.value_slider("η", _("learning rate"), LEARNING_RATES, 0.1),
        }
        self.figure, (self.loss_axis, self.ratio_axis) = style.new_figure(13, 3.8, ncols=2)
        seeds = len(self.results.seeds)
        self.reference_lines = [
            self.loss_axis.plot([], [], color=norm_colour("none"), linestyle=":", linewidth=2)[0]
            for _ in range(seeds)
        ]
        self.loss_lines = [self.loss_axis.plot([], [])[0] for _ in range(seeds)]
        self.reference_lines[0].set_label(_("no norm, same s and η ({seeds} seeds)").format(seeds=seeds))
        self.loss_axis.set(
            xlabel=pgettext("training", "step"),
            ylabel=_("training loss"),
            ylim=LOSS_LIMITS,
            xlim=(0, experiments.GRID_STEPS),
        )
        self.loss_axis.legend(loc="upper right")
        labels = [_("block {number}").format(number=i + 1) for i in range(DEPTH)] + [_("read-out")]
        colors = layer_colors(DEPTH) + ["black"]
        self.ratio_lines = [
            self.ratio_axis.plot([], [], color=color, label=label)[0] for color, label in zip(colors, labels)
        ]
        self.ratio_axis.axhline(HEALTHY_RATIO, color="black", linestyle="--", linewidth=1.5)
        self.ratio_axis.set(
            xlabel=pgettext("training", "step"),
            ylabel="log10 std(ΔW) / std(W)",
            ylim=RATIO_LIMITS,
            xlim=(0, experiments.GRID_STEPS),
        )
        self.ratio_axis.set_title(_("update-to-data ratio, seed 0 (dashed: −3)"), y=1.0)
        self.ratio_axis.legend(loc="lower right", fontsize=11, ncols=2)
        dynamic = self.reference_lines + self.loss_lines + self.ratio_lines + [self.loss_axis.title]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(controls, [self.view], _("Training on the digits, from the cache"))

    def update(self) -> str:
        norm, scale, lr = self.value("norm"), self.value("scale"), self.value("lr")
        records = verdicts.runs(self.results, norm, scale, lr)
        reference = verdicts.runs(self.results, "none", scale, lr) if norm != "none" else []
        for line, record in zip(self.loss_lines, records):
            line.set_data(record["step"], np.clip(record["loss"], None, LOSS_LIMITS[1] - 0.05))
            line.set_color(norm_colour(norm))
        for index, line in enumerate(self.reference_lines):
            record = reference[index] if reference else None
            line.set_data(record["step"] if record else [], record["loss"] if record else [])
        first = records[0]
        for line, ratios in zip(self.ratio_lines, first["update_ratio"]):
            line.set_data(first["step"], np.clip(np.asarray(ratios, dtype=float), *RATIO_LIMITS))
        self.loss_axis.set_title(
            _("{norm}, s = {scale:g}, η = {lr:g}").format(norm=norm_name(norm), scale=scale, lr=lr), y=1.0
        )
        self.view.draw()
        last = [float(np.asarray(r, dtype=float)[-1]) for r in first["update_ratio"]]
        ratio_text = (
            _(" no ratio: the first seed diverged before its first record.")
            if not first["step"]
            else _(" last update-to-data ratios, block 1 → read-out: {ratios}.").format(
                ratios=", ".join(f"{v:.1f}" for v in last)
            )
        )
        headline = (
            _("<b>{norm} trains</b> at s = {scale:g}, η = {lr:g}: {outcomes}.")
            if verdicts.trains(self.results, norm, scale, lr)
            else _("<b>{norm} does not train</b> at s = {scale:g}, η = {lr:g}: {outcomes}.")
        )
        versus = _(" No norm here: {outcomes}.").format(outcomes=outcome_text(reference)) if reference else ""
        return (
            headline.format(norm=norm_name(norm), scale=scale, lr=lr, outcomes=outcome_text(records))
            + versus
            + ratio_text
        )
