"""Notebook 05's apps: what layer norm's gradient does as the input is scaled, and how batch norm couples
the examples of a batch."""

from __future__ import annotations

import matplotlib.ticker
import numpy as np

from lnlib import ui
from lnlib.nb05_backward_by_hand.walkthrough import (
    gradient_norm_versus_scale,
    influence_on_first_example,
    projection_properties,
    scale_experiment_inputs,
)
from lnlib.support.language import gettext as _
from lnlib.ui import style

SCALES = np.logspace(-4, 4, 81)


class LayerNormGradientApp(ui.App):
    """Scale the input of a layer norm and move ε: its gradient sums to zero, is nearly orthogonal to x̂,
    and shrinks as 1/scale until ε takes over."""

    FEATURES = 16

    def __init__(self, scale: float = 1.0, eps: float = 1e-5, input_kind: str = "random") -> None:
        self.inputs, self.gamma, self.grad_y = scale_experiment_inputs(self.FEATURES)
        self.curves = {}  # (ε, input kind) → ‖∂L/∂x‖ at every scale of SCALES, computed once
        controls = {
            "scale": ui.slider("s", _("input scale"), scale, 1e-4, 1e4, 0.1, log=True),
            "eps": ui.slider("ε", "eps", eps, 1e-10, 1.0, 0.1, log=True),
            "input_kind": ui.choice(
                _("input"),
                "",
                [(_("random features"), "random"), (_("all features equal"), "constant")],
                input_kind,
            ),
        }
        self.figure, (self.left, self.right) = style.new_figure(11, 4.2, ncols=2)
        (self.curve,) = self.left.loglog(
            SCALES, np.ones_like(SCALES), color=style.NORM_COLORS["layer"], label="‖∂L/∂x‖"
        )
        self.left.loglog(SCALES, 1 / SCALES, color=style.NORM_COLORS["none"], linestyle="--", label="1 / s")
        (self.marker,) = self.left.loglog([1.0], [1.0], "o", color="black")
        self.left.set(
            xlabel=_("input scale s"),
            ylabel="‖∂L/∂x‖",
            ylim=(1e-5, 1e6),
            title=_("Gradient of layer norm vs input scale"),
        )
        self.left.legend(loc="upper right")
        positions = np.arange(self.FEATURES)
        self.bars = self.right.bar(
            positions - 0.2,
            np.zeros(self.FEATURES),
            width=0.4,
            color=style.NORM_COLORS["layer"],
            label="s · ∂L/∂x",
        )
        self.x_hat_bars = self.right.bar(
            positions + 0.2, np.zeros(self.FEATURES), width=0.4, color=style.NORM_COLORS["none"], label="x̂"
        )
        self.right.set(
            xlabel=_("feature j"), ylabel=_("value"), ylim=(-4, 4), title=_("Scaled gradient and x̂")
        )
        self.right.legend(loc="lower right")
        self.view = ui.FigureView(
            self.figure, dynamic=[self.curve, self.marker, *self.bars, *self.x_hat_bars]
        )
        self.start(controls, [self.view], _("Layer norm's input gradient: a projection, scaled by 1/s"))

    def norm_curve(self, eps: float, input_kind: str) -> np.ndarray:
        """‖∂L/∂x‖ at every scale of SCALES for this ε and input (computed once: moving s does not recompute it)."""
        if (eps, input_kind) not in self.curves:
            self.curves[eps, input_kind] = gradient_norm_versus_scale(
                SCALES, self.inputs[input_kind], self.gamma, self.grad_y, eps
            )
        return self.curves[eps, input_kind]

    def update(self) -> str:
        scale, eps, input_kind = self.value("scale"), self.value("eps"), self.value("input_kind")
        constant = input_kind == "constant"
        self.curve.set_ydata(self.norm_curve(eps, input_kind))
        x = scale * self.inputs[input_kind][None, :]
        props = projection_properties(x, self.grad_y[None, :], self.gamma, eps)
        self.marker.set_data([scale], [props["norm"][0]])
        for bar, value in zip(self.bars, np.clip(scale * props["gradient"][0], -4, 4)):
            bar.set_height(value)
        for bar, value in zip(self.x_hat_bars, props["x_hat"][0]):
            bar.set_height(value)
        self.view.draw()
        variance = float(np.var(x))
        total, dot, predicted = props["sum"][0], props["dot_x_hat"][0], props["predicted_dot"][0]
        lines = [
            _("Σⱼ ∂L/∂xⱼ = {total} (0 to rounding: the gradient has no component along (1, …, 1)).").format(
                total=ui.format_number(total)
            ),
            _("⟨∂L/∂x, x̂⟩ = {dot}; predicted r·Σ gⱼx̂ⱼ·ε/(σ²+ε) = {predicted} (0 when ε ≪ σ²).").format(
                dot=ui.format_number(dot), predicted=ui.format_number(predicted)
            ),
            _("‖∂L/∂x‖·s = {scaled_norm}: constant while σ² = {variance} ≫ ε.").format(
                scaled_norm=ui.format_number(props["norm"][0] * scale),
                variance=ui.format_number(variance),
            ),
        ]
        if constant:
            return _(
                "All features are equal, so σ² = 0 and x̂ = 0 whatever the scale. The gradient is "
                "(g − ḡ)/√ε: ε = {eps} alone sets its size (‖∂L/∂x‖ = {norm}); with ε = 0 it would be 0/0. "
                "Nothing tells the norm which way is 'up', and ε is what keeps the gradient finite."
            ).format(eps=ui.format_number(eps), norm=ui.format_number(props["norm"][0]))
        if variance < 10 * eps:
            lines[2] = _(
                "Here σ² = {variance} is not large next to ε = {eps}: "
                "ε takes over, the gradient stops growing as 1/s and x̂ shrinks towards 0."
            ).format(variance=ui.format_number(variance), eps=ui.format_number(eps))
        return "<br>".join(lines)


class BatchCouplingApp(ui.App):
    """How much every example of a batch moves the gradient of example 0's loss, under batch norm or layer norm."""

    MAX_BATCH = 64

    def __init__(self, batch: int = 8, kind: str = "batch") -> None:
        controls = {
            "batch": ui.slider("N", _("batch size"), batch, 1, self.MAX_BATCH, integer=True),
            "kind": ui.choice(_("norm"), "", [(_("batch norm"), "batch"), (_("layer norm"), "layer")], kind),
        }
        self.figure, (self.left, self.right) = style.new_figure(11, 4.2, ncols=2)
        (self.points,) = self.left.plot([], [], "o", color=style.NORM_COLORS["batch"])
        self.left.set(
            xlim=(-1, self.MAX_BATCH),
            ylim=(-0.05, 1.1),
            xlabel=_("example m of the batch"),
            ylabel="‖∂L₀/∂xₘ‖ / ‖∂L₀/∂x₀‖",
            title=_("Who moves example 0's loss"),
        )
        sizes = np.arange(2, self.MAX_BATCH + 1)
        influences = [influence_on_first_example(n, "batch") for n in sizes]
        self.batch_curve = np.array([influence[1:].mean() / influence[0] for influence in influences])
        self.right.loglog(sizes, self.batch_curve, color=style.NORM_COLORS["batch"], label=_("batch norm"))
        self.right.loglog(sizes, 1 / sizes, color=style.NORM_COLORS["none"], linestyle="--", label="1 / N")
        (self.current,) = self.right.loglog([2], [1.0], "o", color="black")
        self.right.set(
            xlabel=_("batch size N"),
            ylabel=_("mean influence of m ≠ 0"),
            ylim=(1e-3, 1.5),
            title=_("Coupling vs batch size"),
        )
        self.right.set_xticks([2, 4, 8, 16, 32, 64], labels=["2", "4", "8", "16", "32", "64"])
        self.right.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        self.right.legend(loc="upper right")
        self.view = ui.FigureView(self.figure, dynamic=[self.points, self.current])
        self.start(
            controls, [self.view], _("Batch norm couples the examples of a batch; layer norm does not")
        )

    def update(self) -> str:
        batch, kind = self.value("batch"), self.value("kind")
        color = style.NORM_COLORS[kind]
        if kind == "batch" and batch == 1:
            raise ui.Explained(
                _(
                    "With one example, batch norm's training statistics are that example itself: "
                    "x̂ = (x − x)/√ε = 0 whatever x is, so the output carries no information and the "
                    "gradient with respect to x is 0. PyTorch refuses to train on it "
                    '("Expected more than 1 value per channel"). Choose N ≥ 2, or layer norm.'
                )
            )
        influence = influence_on_first_example(batch, kind)
        relative = influence / influence[0]
        self.points.set_data(np.arange(batch), relative)
        self.points.set_color(color)
        others = relative[1:].mean() if batch > 1 else 0.0
        self.current.set_data([max(batch, 2)], [max(others, 1.2e-3)])
        self.current.set_visible(batch > 1)
        self.view.draw()
        if kind == "layer":
            return _(
                "Layer norm: example 0's loss depends on x₀ only; the {others_count} other examples have "
                "influence exactly {influence}. Each example's gradient is computed alone."
            ).format(others_count=batch - 1, influence=ui.format_number(others))
        return _(
            "Batch norm: each of the {others_count} other examples moves example 0's loss, on average by "
            "{influence} of x₀'s own effect (about 1/N = {one_over_n}): "
            "they share μ and σ², so they share the gradient."
        ).format(
            others_count=batch - 1,
            influence=ui.format_number(others),
            one_over_n=ui.format_number(1 / batch),
        )
