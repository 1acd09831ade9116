"""Notebook 04's apps that answer from the results cache, at once: every slider looks its answer up.

Its size is earned by one concern: the four apps that read the cache, each a figure its controls keep
live; their notes are whole translatable sentences with named placeholders, which takes lines.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.ticker import MaxNLocator

from lnlib import ui
from lnlib.nb04_transformer_stability.figures import (
    PLACEMENT_STYLE,
    WARMUP_COLORS,
    fixed_title,
    loss_axis,
    norm_color,
    reference_lines,
    set_loss_lines,
)
from lnlib.nb04_transformer_stability.outcomes import (
    LOSS_LIMITS,
    PADDING_CHOICES,
    architecture_name,
    batch_norm_runs,
    cached_results,
    describe_runs,
    final_losses,
    init_series,
    last_layer_gradient,
    learning_rate_range,
    learning_rate_table,
    mean_unless_diverged,
    norm_abbreviation,
    warmup_runs,
)
from lnlib.support.language import gettext as _
from lnlib.transformer import experiments
from lnlib.transformer.experiments import SEEDS
from lnlib.transformer.training import TrainConfig
from lnlib.ui import style


def placement_note(norm: str, placement: str) -> str:
    """Without a norm the placement control changes nothing in the model: say so, naming the choice."""
    if norm != "none":
        return ""
    return _(" Without a norm there is nothing to place: {chosen} and {other} are the same model.").format(
        chosen=placement.capitalize(), other="Pre" if placement == "post" else "Post"
    )


def lr_label(lr: float) -> str:
    return f"{lr:g}"


class TransformerInitGradientApp(ui.App):
    """Depth, norm and initialization → each layer's gradient and the residual stream's size at init.

    ``prerender=True`` draws the axes of every (norm, initialization) at construction (about 0.1 s each),
    so that no first switch to one waits for them.
    """

    def __init__(self, results=None, *, prerender: bool = True) -> None:
        self.results = cached_results(results)
        controls = {
            "depth": ui.choice("L", _("depth, blocks"), list(experiments.INIT_DEPTHS), 12),
            "norm": ui.choice(_("norm"), "", [(norm_abbreviation(n), n) for n in experiments.NORMS], "layer"),
            "init": ui.choice(
                _("init"), _("weights"), [(_("PyTorch default"), "torch"), ("Xavier", "xavier")], "torch"
            ),
        }
        self.figure, axes = style.new_figure(14, 4.4, ncols=3)
        self.depth_axis, self.layer_axis, self.residual_axis = axes
        self.lines = {}
        for placement in ("post", "pre"):
            kwargs = dict(color=norm_color("layer"), **PLACEMENT_STYLE[placement])
            self.lines[("depth", placement)] = self.depth_axis.plot(
                [], [], label=placement.capitalize(), **kwargs
            )[0]
            self.lines[("layer", placement)] = self.layer_axis.plot([], [], **kwargs)[0]
            self.lines[("residual", placement)] = self.residual_axis.plot([], [], **kwargs)[0]
        self.marker = self.depth_axis.plot(
            [], [], "o", markersize=18, markerfacecolor="none", color="black", mew=2
        )[0]
        self.depth_axis.set_xscale("log", base=2)
        self.depth_axis.set_xticks(experiments.INIT_DEPTHS, [str(d) for d in experiments.INIT_DEPTHS])
        self.depth_axis.set_xlabel(_("depth L"))
        self.depth_axis.set_ylabel(_("last block's ‖∂loss/∂W²‖"))
        fixed_title(self.depth_axis, _("Last layer vs depth"))
        self.depth_axis.legend(loc="lower left")
        self.layer_axis.set_xlim(0.5, max(experiments.INIT_DEPTHS) + 0.5)
        self.layer_axis.set_xlabel(_("block l"))
        self.layer_axis.set_ylabel(_("‖∂loss/∂W²‖ of block l"))
        for axis in (self.layer_axis, self.residual_axis):
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        fixed_title(self.layer_axis, _("Every block"))
        self.residual_axis.set_xlim(-0.5, max(experiments.INIT_DEPTHS) + 0.5)
        self.residual_axis.set_xlabel(_("l (0 = embeddings)"))
        self.residual_axis.set_ylabel(r"$E\,\|x_l\|^2 / d$")
        fixed_title(self.residual_axis, _("Residual stream"))
        # Each panel's height fits its highest curve over every depth, so that moving the depth only
        # re-paints the curves; a norm or an initialization of its own gets a background of its own.
        self.tops = {
            (norm, init): self._tops(norm, init) for norm in experiments.NORMS for init in ("torch", "xavier")
        }
        self.view = ui.FigureView(self.figure, dynamic=[*self.lines.values(), self.marker])
        self.start(
            controls,
            [self.view],
            _("Gradients and activations at initialization (means of {seeds} seeds)").format(
                seeds=len(experiments.SEEDS)
            ),
        )
        if prerender:
            shown = (self.value("norm"), self.value("init"))
            for key in [k for k in self.tops if k != shown] + [shown]:  # the shown one last: its axes stay
                self._fit_axes(*key)
                self.view.draw(background=key)

    def _tops(self, norm: str, init: str) -> dict:
        """panel → the highest value any depth shows in it, for this norm and initialization."""
        tops = {"depth": 0.0, "layer": 0.0, "residual": 0.0}
        for placement in ("post", "pre"):
            tops["depth"] = max(
                tops["depth"],
                float(last_layer_gradient(self.results, norm, placement, init).mean(axis=0).max()),
            )
            for depth in experiments.INIT_DEPTHS:
                for name, series in (("layer", "init_grad_norms"), ("residual", "init_residual")):
                    values = init_series(self.results, norm, placement, init, depth, series).mean(axis=0)
                    tops[name] = max(tops[name], float(values.max()))
        return tops

    def _fit_axes(self, norm: str, init: str) -> None:
        """Each panel's height: 12 % above the highest value any depth shows for this norm and initialization."""
        tops = self.tops[(norm, init)]
        for name, axis in (
            ("depth", self.depth_axis),
            ("layer", self.layer_axis),
            ("residual", self.residual_axis),
        ):
            axis.set_ylim(0, tops[name] * 1.12)

    def update(self) -> str:
        depth, norm, init = self.value("depth"), self.value("norm"), self.value("init")
        color = norm_color(norm)
        for placement in ("post", "pre"):
            by_depth = last_layer_gradient(self.results, norm, placement, init).mean(axis=0)
            layers = init_series(self.results, norm, placement, init, depth, "init_grad_norms").mean(axis=0)
            residual = init_series(self.results, norm, placement, init, depth, "init_residual").mean(axis=0)
            for name, xs, ys in (
                ("depth", experiments.INIT_DEPTHS, by_depth),
                ("layer", np.arange(1, depth + 1), layers),
                ("residual", np.arange(depth + 1), residual),
            ):
                self.lines[(name, placement)].set_data(xs, ys)
                self.lines[(name, placement)].set_color(color)
            if placement == "pre":
                self.marker.set_data([depth], [by_depth[experiments.INIT_DEPTHS.index(depth)]])
        self._fit_axes(norm, init)
        self.view.draw(background=(norm, init))
        pre = last_layer_gradient(self.results, norm, "pre", init).mean(axis=0)
        post = last_layer_gradient(self.results, norm, "post", init).mean(axis=0)
        residual_pre = init_series(self.results, norm, "pre", init, depth, "init_residual").mean(axis=0)
        name_pre, name_post = architecture_name(norm, "pre"), architecture_name(norm, "post")
        if norm == "none":
            return _(
                "Without a norm, Pre and Post are the same model (the two lines coincide). The residual "
                "stream grows from {first:.2f} to {last:.2f} over {depth} blocks, and nothing divides it back down."
            ).format(first=residual_pre[0], last=residual_pre[-1], depth=depth)
        return _(
            "From 1 to 16 blocks, the last layer's gradient goes {pre_first:.3f} → {pre_last:.3f} under "
            "{name_pre} and {post_first:.3f} → {post_last:.3f} under {name_post}. At {depth} blocks, "
            "{name_pre}'s residual stream grows from {first:.2f} to {last:.2f}; {name_post} renormalizes it "
            "after every sub-layer."
        ).format(
            pre_first=pre[0],
            pre_last=pre[-1],
            name_pre=name_pre,
            post_first=post[0],
            post_last=post[-1],
            name_post=name_post,
            depth=depth,
            first=residual_pre[0],
            last=residual_pre[-1],
        )


class TransformerWarmupApp(ui.App):
    """Depth, warm-up and placement → loss curves at lr 0.01 (Xiong et al. 2020)."""

    def __init__(self, results=None) -> None:
        self.results = cached_results(results)
        controls = {
            "depth": ui.choice("L", _("depth, blocks"), list(experiments.WARMUP_DEPTHS), 12),
            "warmup": ui.choice(_("warm-up"), _("steps"), list(experiments.WARMUP_STEPS), 0),
            "placement": ui.choice(
                _("placement"), _("of LN"), [("Post-LN", "post"), ("Pre-LN", "pre")], "post"
            ),
        }
        self.figure, axes = style.new_figure(
            13,
            5.4,
            nrows=2,
            ncols=2,
            sharex="col",
            gridspec_kw={"width_ratios": [1.5, 1], "height_ratios": [3, 1]},
        )
        (self.curves, top_right), (self.rate_axis, bottom_right) = axes
        grid = top_right.get_subplotspec().get_gridspec()
        top_right.remove()
        bottom_right.remove()
        self.summary = self.figure.add_subplot(grid[:, 1])
        loss_axis(self.curves, title="")
        self.curves.set_xlabel("")
        self.seed_lines = [self.curves.plot([], [], linewidth=1, alpha=0.5)[0] for _ in SEEDS]
        self.mean_line = self.curves.plot([], [], label=_("mean of {seeds} seeds").format(seeds=len(SEEDS)))[
            0
        ]
        self.crosses = self.curves.plot([], [], "x", markersize=14, mew=3, color="#D55E00")[0]
        self.rate_line = self.rate_axis.plot([], [], color="black", linewidth=2)[0]
        self.rate_axis.set_ylim(0, 1.15 * experiments.WARMUP_LR)
        self.rate_axis.set_yticks([0, experiments.WARMUP_LR], ["0", f"{experiments.WARMUP_LR:g}"])
        self.rate_axis.set_ylabel(r"$\eta_t$")
        self.rate_axis.set_xlabel(_("training step"))
        self.summary_lines = {
            p: self.summary.plot(
                [], [], color=norm_color("layer"), label=architecture_name("layer", p), **PLACEMENT_STYLE[p]
            )[0]
            for p in ("post", "pre")
        }
        self.summary_dots = {
            p: self.summary.plot(
                [],
                [],
                linestyle="none",
                marker=PLACEMENT_STYLE[p]["marker"],
                color=norm_color("layer"),
                alpha=0.35,
                markersize=5,
            )[0]
            for p in ("post", "pre")
        }
        self.choice_marker = self.summary.plot(
            [], [], "o", markersize=20, markerfacecolor="none", color="black", mew=2
        )[0]
        self.summary.set_xticks(
            range(len(experiments.WARMUP_STEPS)), [str(w) for w in experiments.WARMUP_STEPS]
        )
        self.summary.set_xlim(-0.5, len(experiments.WARMUP_STEPS) - 0.5)
        self.summary.set_ylim(*LOSS_LIMITS)
        self.summary.set_xlabel(_("warm-up steps"))
        self.summary.set_ylabel(_("held-out loss"))
        reference_lines(self.summary, unigram=False)
        self.summary.legend(loc="center right")
        dynamic = [
            *self.seed_lines,
            self.mean_line,
            self.crosses,
            self.rate_line,
            *self.summary_lines.values(),
            *self.summary_dots.values(),
            self.choice_marker,
            self.curves.title,
            self.summary.title,
        ]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(
            controls, [self.view], _("Warm-up at learning rate {lr:g}").format(lr=experiments.WARMUP_LR)
        )

    def update(self) -> str:
        depth, warmup, placement = self.value("depth"), self.value("warmup"), self.value("placement")
        runs = warmup_runs(self.results, placement, warmup, depth)
        color = norm_color("layer") if placement == "pre" else WARMUP_COLORS[warmup]
        set_loss_lines(self.seed_lines, self.mean_line, self.crosses, runs, color)
        self.mean_line.set_linestyle(PLACEMENT_STYLE[placement]["linestyle"])
        steps = np.arange(150)
        self.rate_line.set_data(
            steps,
            experiments.WARMUP_LR * np.minimum(1, (steps + 1) / warmup)
            if warmup
            else np.full(150, experiments.WARMUP_LR),
        )
        heading = _("{name}, {depth} blocks, warm-up {warmup}").format(
            name=architecture_name("layer", placement), depth=depth, warmup=warmup
        )
        fixed_title(self.curves, heading)
        xs = np.arange(len(experiments.WARMUP_STEPS))
        for p in ("post", "pre"):
            losses = np.array(
                [final_losses(warmup_runs(self.results, p, w, depth)) for w in experiments.WARMUP_STEPS]
            ).T
            shown = np.clip(losses, None, LOSS_LIMITS[1] - 0.1)
            self.summary_lines[p].set_data(xs, np.nanmean(shown, axis=0))
            self.summary_dots[p].set_data(np.tile(xs, len(SEEDS)), shown.ravel())
        chosen = final_losses(runs)
        self.choice_marker.set_data(
            [experiments.WARMUP_STEPS.index(warmup)],
            [
                min(np.nanmean(chosen), LOSS_LIMITS[1] - 0.1)
                if np.isfinite(chosen).any()
                else LOSS_LIMITS[1] - 0.1
            ],
        )
        fixed_title(self.summary, _("{depth} blocks: every warm-up").format(depth=depth))
        self.view.draw()
        return _("{heading}: {runs}.").format(heading=heading, runs=describe_runs(runs))


class TransformerLearningRateApp(ui.App):
    """Norm, placement and learning rate → loss curves, and where this run sits on the learning-rate range."""

    def __init__(self, results=None) -> None:
        self.results = cached_results(results)
        self.table = learning_rate_table(self.results)
        controls = {
            "norm": ui.choice(_("norm"), "", [(norm_abbreviation(n), n) for n in experiments.NORMS], "layer"),
            "placement": ui.choice(_("placement"), "", [("Post", "post"), ("Pre", "pre")], "post"),
            "lr": ui.choice(
                "η", _("learning rate"), [(lr_label(lr), lr) for lr in experiments.LEARNING_RATES], 1e-2
            ),
        }
        self.figure, (self.range_axis, self.curves) = style.new_figure(13, 4.8, ncols=2)
        rates = np.array(experiments.LEARNING_RATES)
        self.background = {}
        for norm, placement in experiments.ARCHITECTURES:
            _rates, losses, outcomes = self.table[(norm, placement)]
            mean = mean_unless_diverged(losses, outcomes)
            self.background[(norm, placement)] = self.range_axis.plot(
                rates, mean, color=norm_color(norm), alpha=0.25, linewidth=1.5, **PLACEMENT_STYLE[placement]
            )[0]
        self.selected = self.range_axis.plot([], [], linewidth=4)[0]
        self.selected_dots = self.range_axis.plot(
            [], [], linestyle="none", marker="o", markersize=6, alpha=0.6
        )[0]
        self.selected_crosses = self.range_axis.plot([], [], "x", markersize=14, mew=3)[0]
        self.choice_marker = self.range_axis.plot(
            [], [], "o", markersize=22, markerfacecolor="none", color="black", mew=2
        )[0]
        self.range_axis.set_xscale("log")
        self.range_axis.set_ylim(*LOSS_LIMITS)
        self.range_axis.set_xlabel(_("learning rate (log scale)"))
        self.range_axis.set_ylabel(_("held-out loss after 150 steps"))
        fixed_title(self.range_axis, _("Every norm (faint) and yours (bold)"))
        reference_lines(self.range_axis, unigram=False)
        loss_axis(self.curves)
        self.seed_lines = [self.curves.plot([], [], linewidth=1, alpha=0.5)[0] for _ in SEEDS]
        self.mean_line = self.curves.plot([], [])[0]
        self.crosses = self.curves.plot([], [], "x", markersize=14, mew=3)[0]
        dynamic = [
            *self.background.values(),
            self.selected,
            self.selected_dots,
            self.selected_crosses,
            self.choice_marker,
            *self.seed_lines,
            self.mean_line,
            self.crosses,
            self.curves.title,
        ]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(
            controls,
            [self.view],
            _("Learning rate, {depth} blocks, no warm-up").format(depth=experiments.LEARNING_RATE_DEPTH),
        )

    def update(self) -> str:
        norm, placement, lr = self.value("norm"), self.value("placement"), self.value("lr")
        if norm == "none":
            placement = "pre"  # without a norm, Pre and Post are one model
        rates, losses, outcomes = self.table[(norm, placement)]
        color = norm_color(norm)
        for key, line in self.background.items():
            line.set_visible(key != (norm, placement))
        mean = mean_unless_diverged(losses, outcomes)
        self.selected.set_data(rates, mean)
        self.selected.set_color(color)
        self.selected.set_linestyle(PLACEMENT_STYLE[placement]["linestyle"])
        finite = outcomes != "diverged"
        self.selected_dots.set_data(
            np.tile(rates, len(SEEDS))[finite.ravel()],
            np.clip(losses, None, LOSS_LIMITS[1] - 0.1).ravel()[finite.ravel()],
        )
        self.selected_dots.set_color(color)
        self.selected_crosses.set_data(
            np.tile(rates, len(SEEDS))[~finite.ravel()], np.full((~finite).sum(), LOSS_LIMITS[1] - 0.1)
        )
        self.selected_crosses.set_color(color)
        index = experiments.LEARNING_RATES.index(lr)
        self.choice_marker.set_data([lr], [mean[index] if np.isfinite(mean[index]) else LOSS_LIMITS[1] - 0.1])
        runs = self.results.runs(
            TrainConfig(norm=norm, placement=placement, n_layers=experiments.LEARNING_RATE_DEPTH, lr=lr)
        )
        set_loss_lines(self.seed_lines, self.mean_line, self.crosses, runs, color)
        name = architecture_name(norm, placement)
        fixed_title(
            self.curves,
            _("{name}, learning rate {lr:g} ({seeds} seeds)").format(name=name, lr=lr, seeds=len(SEEDS)),
        )
        self.view.draw()
        low, high, width = learning_rate_range(outcomes, rates)
        span = (
            _("{name} learns (every seed) from {low:g} to {high:g}").format(name=name, low=low, high=high)
            if math.isfinite(low)
            else _("{name} learns at none of these rates").format(name=name)
        )
        huge = [r.eval_loss for r in runs if not r.diverged and r.eval_loss > LOSS_LIMITS[1]]
        extra = (
            _(" The loss blew up to {loss} without becoming NaN.").format(loss=ui.format_number(max(huge)))
            if huge
            else ""
        )
        same = placement_note(self.value("norm"), self.value("placement"))
        return _("At {lr:g}: {runs}. {span}.{extra}{same}").format(
            lr=lr, runs=describe_runs(runs), span=span, extra=extra, same=same
        )


class TransformerBatchNormApp(ui.App):
    """Batch size and padding → Post-BN against Post-LN (Shen et al. 2020)."""

    def __init__(self, results=None) -> None:
        self.results = cached_results(results)
        controls = {
            "batch": ui.choice("B", _("batch size, sequences"), list(experiments.BATCH_SIZES), 4),
            "padding": ui.choice(
                _("sequences"),
                "",
                [(_(name), name) for name, _choice in PADDING_CHOICES],
                PADDING_CHOICES[0][0],
            ),
        }
        self.figure, (self.curves, self.shift_axis) = style.new_figure(13, 4.6, ncols=2)
        loss_axis(self.curves)
        self.lines = {
            norm: self.curves.plot([], [], color=norm_color(norm), label=f"Post-{norm_abbreviation(norm)}")[0]
            for norm in ("layer", "batch")
        }
        self.seed_lines = {
            norm: [
                self.curves.plot([], [], color=norm_color(norm), linewidth=1, alpha=0.45)[0] for _ in SEEDS
            ]
            for norm in ("layer", "batch")
        }
        self.curves.legend(loc="lower left")
        self.curves.set_ylim(1.0, 4.4)
        self.shift_lines = [
            self.shift_axis.plot([], [], color=norm_color("batch"), linewidth=1, alpha=0.6)[0] for _ in SEEDS
        ]
        self.shift_mean = self.shift_axis.plot([], [], color=norm_color("batch"))[0]
        self.shift_axis.set_xlim(0, 150)
        top = max(
            max(r.mean_shift)
            for name, (padded, counts) in PADDING_CHOICES
            for b in experiments.BATCH_SIZES
            for r in batch_norm_runs(self.results, "batch", b, padded, counts)
        )
        self.shift_axis.set_ylim(0, 1.05 * top)
        self.shift_axis.set_xlabel(_("training step"))
        self.shift_axis.set_ylabel(_("mean |μ_B − μ_running| / σ_running"))
        fixed_title(self.shift_axis, _("Post-BN: batch vs running mean"))
        dynamic = [
            *self.lines.values(),
            *(line for lines in self.seed_lines.values() for line in lines),
            *self.shift_lines,
            self.shift_mean,
            self.curves.title,
        ]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(controls, [self.view], _("Batch norm against layer norm, by batch size and padding"))

    def update(self) -> str:
        batch_size = self.value("batch")
        padded, counts = dict(PADDING_CHOICES)[self.value("padding")]
        runs = {
            "layer": batch_norm_runs(self.results, "layer", batch_size, padded),
            "batch": batch_norm_runs(self.results, "batch", batch_size, padded, counts),
        }
        for norm, norm_runs in runs.items():
            set_loss_lines(self.seed_lines[norm], self.lines[norm], None, norm_runs, window=10)
        for line, run in zip(self.shift_lines, runs["batch"]):
            line.set_data(run.statistics_steps, run.mean_shift)
        self.shift_mean.set_data(
            runs["batch"][0].statistics_steps, np.mean([r.mean_shift for r in runs["batch"]], axis=0)
        )
        fixed_title(
            self.curves,
            _("Batch {batch_size}, {sequences} (10-step average)").format(
                batch_size=batch_size, sequences=_(self.value("padding"))
            ),
        )
        self.view.draw()
        ln, bn = final_losses(runs["layer"]), final_losses(runs["batch"])
        batch_statistics = np.array([r.eval_loss_batch_statistics for r in runs["batch"]])
        gap = bn - ln
        padding_note = _(" LN never looks across tokens, so padding cannot disturb it.") if padded else ""
        return _(
            "Held-out loss, mean of {seeds} seeds: Post-LN {ln:.3f}, Post-BN {bn:.3f} (BN − LN per seed: {gaps}). "
            "Post-BN evaluated with batch statistics instead of running ones: {batch_statistics:.3f}.{note}"
        ).format(
            seeds=len(SEEDS),
            ln=np.nanmean(ln),
            bn=np.nanmean(bn),
            gaps=", ".join(f"{g:+.3f}" for g in gap),
            batch_statistics=np.nanmean(batch_statistics),
            note=padding_note,
        )
