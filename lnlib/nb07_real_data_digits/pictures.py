"""Karpathy-style pictures per layer (after *makemore part 3*, our own code), as apps.

- :class:`DigitsInitApp`, computed live on a fresh network: each block's tanh outputs as a histogram, the
  gradient of the loss with respect to them as a histogram, and the fraction of saturated units per block;
- :class:`DigitsTrainingApp`, from the cache: the training loss of three seeds and each layer's
  update-to-data ratio :math:`\\log_{10}(\\operatorname{std}(\\Delta W)/\\operatorname{std}(W))` during training.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib import colormaps

from lnlib import ui
from lnlib.digits import experiments, network
from lnlib.digits.experiments import INIT_SCALES, LEARNING_RATES
from lnlib.digits.network import DEPTH, NORM_NAMES, NORMS, SATURATED
from lnlib.nb07_real_data_digits import verdicts
from lnlib.ui import style

PICTURE_SCALES = (0.1, 0.2, 0.3, 0.5, 1.0, 5 / 3, 2.0, 3.0, 5.0, 10.0)
LOSS_LIMITS = (0.0, 3.0)
RATIO_LIMITS = (-7.0, 0.5)
HEALTHY_RATIO = -3.0  # Karpathy's rule of thumb for the update-to-data ratio


def layer_colors(count: int) -> list:
    """One colour per layer, from the first (light) to the last (dark)."""
    cmap = colormaps["viridis"]
    return [cmap(0.85 - 0.75 * i / max(count - 1, 1)) for i in range(count)]


def norm_choice(value: str = "none"):
    return ui.choice("norm", "before each tanh", [(NORM_NAMES[n], n) for n in NORMS], value)


def scale_label(scale: float) -> str:
    return "5/3" if math.isclose(scale, 5 / 3) else f"{scale:g}"


class DigitsInitApp(ui.App):
    """A fresh network on 500 training digits: per block, tanh's outputs, their gradients, the saturated fraction."""

    def __init__(self, norm: str = "none", init_scale: float = 1.0) -> None:
        controls = {
            "norm": norm_choice(norm),
            "scale": ui.value_slider("s", "initial scale of the weights", PICTURE_SCALES, init_scale),
        }
        self.figure, axes = style.new_figure(13, 3.6, ncols=3)
        self.activation_axis, self.gradient_axis, self.saturation_axis = axes
        colors = layer_colors(DEPTH)
        self.activation_lines = [
            self.activation_axis.plot([], [], color=c, label=f"block {i + 1}")[0]
            for i, c in enumerate(colors)
        ]
        self.gradient_lines = [self.gradient_axis.plot([], [], color=c)[0] for c in colors]
        self.bars = self.saturation_axis.bar(range(1, DEPTH + 1), [0] * DEPTH, color=colors)
        self.activation_axis.set(xlabel="tanh output t", ylabel="density", xlim=(-1.05, 1.05), yscale="log")
        self.activation_axis.legend(loc="upper center", fontsize=11, ncols=2)
        self.gradient_axis.set(xlabel="gradient ∂loss/∂t", ylabel="density", yscale="log")
        self.saturation_axis.set(
            xlabel="block",
            ylabel=f"% of units with |t| > {SATURATED}",
            ylim=(0, 100),
            xticks=range(1, DEPTH + 1),
        )
        self.view = ui.FigureView(self.figure)
        self.start(controls, [self.view], "Activations and gradients at initialization, per block")

    def update(self) -> str:
        norm, scale = self.value("norm"), self.value("scale")
        pictures = network.at_initialization(norm, scale)
        edges = np.linspace(-1, 1, 41)
        for line, values in zip(self.activation_lines, pictures.activations):
            density, _ = np.histogram(values, edges, density=True)
            line.set_data((edges[:-1] + edges[1:]) / 2, np.maximum(density, 1e-3))
        self.activation_axis.set_ylim(1e-2, 60)
        reach = 4 * float(max(pictures.gradient_std)) or 1e-12
        edges = np.linspace(-reach, reach, 41)
        for line, values in zip(self.gradient_lines, pictures.gradients):
            density, _ = np.histogram(values, edges, density=True)
            line.set_data((edges[:-1] + edges[1:]) / 2, np.maximum(density, 1e-6 / reach))
        self.gradient_axis.set_xlim(-reach, reach)
        self.gradient_axis.set_ylim(0.01 / reach, 100 / reach)
        for bar, fraction in zip(self.bars, pictures.saturation):
            bar.set_height(100 * fraction)
        self.activation_axis.set_title(f"{NORM_NAMES[norm]}, s = {scale_label(scale)}: tanh outputs")
        self.gradient_axis.set_title("gradients of the loss w.r.t. t")
        self.saturation_axis.set_title("saturated units")
        self.view.draw()
        rows = ", ".join(
            f"{i + 1}: {a:.2f} / {100 * f:.0f} %"
            for i, (a, f) in enumerate(zip(pictures.activation_std, pictures.saturation))
        )
        return (
            f"Per block, the std of t / the saturated share: {rows}. Gradient std from block 1 to {DEPTH}: "
            f"{ui.format_number(pictures.gradient_std[0], 2)} … {ui.format_number(pictures.gradient_std[-1], 2)}. "
            f"Loss at initialization {pictures.loss:.2f} (guessing uniformly: ln 10 ≈ 2.30)."
        )


def outcome_text(records: list) -> str:
    """Each seed's fate, e.g. "trains (held-out 0.971, 0.968, 0.975)" or "diverged at step 12; fails (0.41)"."""
    groups: dict = {}
    for record in records:
        kind = verdicts.run_outcome(record)
        text = f"step {record['diverged_at']}" if kind == "diverged" else f"{record['test_accuracy']:.3f}"
        groups.setdefault(kind, []).append(text)
    return "; ".join(f"{kind} ({', '.join(values)})" for kind, values in groups.items())


class DigitsTrainingApp(ui.App):
    """From the cache: three seeds' training loss beside no norm's, and each layer's update-to-data ratio (seed 0)."""

    def __init__(self, results=None) -> None:
        self.results = verdicts.cached_results(results)
        controls = {
            "norm": norm_choice("batch"),
            "scale": ui.value_slider("s", "initial scale of the weights", INIT_SCALES, 1.0),
            "lr": ui.value_slider("η", "learning rate", LEARNING_RATES, 0.1),
        }
        self.figure, (self.loss_axis, self.ratio_axis) = style.new_figure(13, 3.8, ncols=2)
        seeds = len(experiments.SEEDS)
        self.reference_lines = [
            self.loss_axis.plot([], [], color=style.NORM_COLORS["none"], linestyle=":", linewidth=2)[0]
            for _ in range(seeds)
        ]
        self.loss_lines = [self.loss_axis.plot([], [])[0] for _ in range(seeds)]
        self.reference_lines[0].set_label("no norm, same s and η (3 seeds)")
        self.loss_axis.set(
            xlabel="step", ylabel="training loss", ylim=LOSS_LIMITS, xlim=(0, experiments.GRID_STEPS)
        )
        self.loss_axis.legend(loc="upper right")
        labels = [f"block {i + 1}" for i in range(DEPTH)] + ["read-out"]
        colors = layer_colors(DEPTH) + ["black"]
        self.ratio_lines = [
            self.ratio_axis.plot([], [], color=color, label=label)[0] for color, label in zip(colors, labels)
        ]
        self.ratio_axis.axhline(HEALTHY_RATIO, color="black", linestyle="--", linewidth=1.5)
        self.ratio_axis.set(
            xlabel="step",
            ylabel="log10 std(ΔW) / std(W)",
            ylim=RATIO_LIMITS,
            xlim=(0, experiments.GRID_STEPS),
        )
        self.ratio_axis.set_title("update-to-data ratio, seed 0 (dashed: −3)", y=1.0)
        self.ratio_axis.legend(loc="lower right", fontsize=11, ncols=2)
        dynamic = self.reference_lines + self.loss_lines + self.ratio_lines + [self.loss_axis.title]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(controls, [self.view], "Training on the digits, from the cache")

    def update(self) -> str:
        norm, scale, lr = self.value("norm"), self.value("scale"), self.value("lr")
        records = verdicts.runs(self.results, norm, scale, lr)
        reference = verdicts.runs(self.results, "none", scale, lr) if norm != "none" else []
        for line, record in zip(self.loss_lines, records):
            line.set_data(record["step"], np.clip(record["loss"], None, LOSS_LIMITS[1] - 0.05))
            line.set_color(style.NORM_COLORS[norm])
        for index, line in enumerate(self.reference_lines):
            record = reference[index] if reference else None
            line.set_data(record["step"] if record else [], record["loss"] if record else [])
        first = records[0]
        for line, ratios in zip(self.ratio_lines, first["update_ratio"]):
            line.set_data(first["step"], np.clip(np.asarray(ratios, dtype=float), *RATIO_LIMITS))
        self.loss_axis.set_title(f"{NORM_NAMES[norm]}, s = {scale:g}, η = {lr:g}", y=1.0)
        self.view.draw()
        last = [float(np.asarray(r, dtype=float)[-1]) for r in first["update_ratio"]]
        ratio_text = (
            "no ratio: the first seed diverged before its first record"
            if not first["step"]
            else f"last update-to-data ratios, block 1 → read-out: {', '.join(f'{v:.1f}' for v in last)}"
        )
        verdict = "trains" if verdicts.trains(self.results, norm, scale, lr) else "does not train"
        versus = f" No norm here: {outcome_text(reference)}." if reference else ""
        return (
            f"<b>{NORM_NAMES[norm]} {verdict}</b> at s = {scale:g}, η = {lr:g}: {outcome_text(records)}.{versus} "
            f"{ratio_text}."
        )
