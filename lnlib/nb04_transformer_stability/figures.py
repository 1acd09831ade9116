"""Notebook 04's static figures and tables, drawn from the results cache (see :mod:`.verdicts`).

Its size is earned by one concern: every static figure and table of the notebook, in one style with
shared helpers (reference lines, loss curves, seed dots); each label is a translatable message.
"""

from __future__ import annotations

import html
import math

import numpy as np

from lnlib import ui
from lnlib.nb04_transformer_stability.batch_norm import batch_norm_gaps
from lnlib.nb04_transformer_stability.outcomes import (
    LOSS_LIMITS,
    PADDING_CHOICES,
    SETTLING_STEPS,
    HTMLText,
    architecture_name,
    batch_norm_runs,
    cached_results,
    chain,
    final_losses,
    init_series,
    last_layer_gradient,
    learned_threshold,
    learning_rate_range,
    learning_rate_table,
    mean_shift,
    mean_unless_diverged,
    norm_abbreviation,
    norm_color,
    predicted_from_residual,
    warmup_runs,
)
from lnlib.support.language import gettext as _
from lnlib.transformer import experiments
from lnlib.ui import style

PLACEMENT_STYLE = {"pre": {"linestyle": "-", "marker": "o"}, "post": {"linestyle": "--", "marker": "s"}}
WARMUP_COLORS = {0: "#D55E00", 25: "#CC79A7", 50: "#E69F00", 100: "#56B4E9"}
BATCH_COLORS = {2: "#D55E00", 4: "#E69F00", 8: "#009E73", 16: "#0072B2"}


def reference_lines(axis, unigram: bool = True) -> None:
    """Horizontal lines at the optimum, at chance and (dotted) at the unigram level, labelled on the right."""
    for value, text, line, below in (
        (chain().best_loss, _("optimum ln 4"), "-", False),
        (chain().chance_loss, _("chance ln 64"), "-", False),
        (chain().unigram_loss, _("token frequencies only"), ":", True),
    ):
        if below and not unigram:
            continue
        axis.axhline(value, color="black", linewidth=1.2, linestyle=line, alpha=0.7, zorder=1)
        axis.annotate(
            text,
            (1, value),
            xycoords=("axes fraction", "data"),
            xytext=(-4, -3 if below else 3),
            textcoords="offset points",
            ha="right",
            va="top" if below else "bottom",
            fontsize=11,
            alpha=0.8,
        )


def loss_axis(axis, steps: int = 150, title: str = "") -> None:
    axis.set_xlim(0, steps)
    axis.set_ylim(*LOSS_LIMITS)
    axis.set_xlabel(_("training step"))
    axis.set_ylabel(_("training loss (nats/token)"))
    if title:
        fixed_title(axis, title)
    reference_lines(axis)


def fixed_title(axis, text: str) -> None:
    """A title at a fixed height: matplotlib then skips re-placing it at every redraw (7 ms an axis)."""
    axis.set_title(text, y=1.0)


def set_loss_lines(seed_lines, mean_line, crosses, runs, color=None, window: int = 5) -> None:
    r"""Each seed's smoothed loss on its thin line, their mean on the thick one, a × at the top where a seed
    diverged (``crosses=None``: no ×); ``color``, if given, for all of them. Each run is smoothed once.

    .. math::  \bar\ell_t = \frac{1}{S}\sum_{s=1}^{S} \tilde\ell_{s,t},\quad t < \min_s T_s

    with :math:`\tilde\ell_s` seed s's ``window``-step trailing average and :math:`T_s` its number of steps.
    """
    # ℓ̃_s = trailing average of seed s's losses
    smoothed = [style.smooth_curve(run.losses, window) for run in runs]
    for line, curve in zip(seed_lines, smoothed):
        line.set_data(np.arange(len(curve)), curve)
    # ℓ̄_t = mean over seeds of ℓ̃_{s,t}, for the steps every seed reached
    length = min(len(curve) for curve in smoothed)
    mean_line.set_data(
        np.arange(length), np.mean([curve[:length] for curve in smoothed], axis=0) if length else []
    )
    artists = [*seed_lines, mean_line]
    if crosses is not None:
        diverged = [run.diverged_step for run in runs if run.diverged]
        crosses.set_data(diverged, [LOSS_LIMITS[1] - 0.1] * len(diverged))
        artists.append(crosses)
    if color is not None:
        for artist in artists:
            artist.set_color(color)


def _draw_loss_curves(axis, runs, color, label, linestyle="-") -> None:
    """Each seed's smoothed loss as a thin line and their mean as a thick one; a × where a seed diverged."""
    seed_lines = [
        axis.plot([], [], color=color, linewidth=1, alpha=0.45, linestyle=linestyle)[0] for _ in runs
    ]
    mean_line = axis.plot([], [], color=color, label=label, linestyle=linestyle)[0]
    crosses = axis.plot([], [], "x", color=color, markersize=12, mew=3)[0]
    set_loss_lines(seed_lines, mean_line, crosses, runs)


def _seed_dots(axis, xs, values, color, marker) -> None:
    """Each seed's value as a small marker (the spread), beside the mean line."""
    for row in values:
        axis.plot(xs, row, linestyle="none", marker=marker, color=color, alpha=0.35, markersize=5)


def init_title(init: str) -> str:
    """'PyTorch default init' or 'Xavier init'."""
    return _("PyTorch default init") if init == "torch" else _("Xavier init")


def figure_gradient_vs_depth(results=None):
    """Xiong et al.'s Theorem 1: the last block's ‖∂L/∂W²‖ at init against depth, Pre-LN and Post-LN,
    both initializations."""
    results = cached_results(results)
    figure, axes = style.new_figure(12, 4.6, ncols=2, sharey=False)
    depths = np.array(experiments.INIT_DEPTHS)
    for axis, init in zip(axes, experiments.INITS):
        for placement in ("post", "pre"):
            values = last_layer_gradient(results, "layer", placement, init)
            _seed_dots(axis, depths, values, norm_color("layer"), PLACEMENT_STYLE[placement]["marker"])
            axis.plot(
                depths,
                values.mean(axis=0),
                color=norm_color("layer"),
                label=architecture_name("layer", placement),
                **PLACEMENT_STYLE[placement],
            )
        predicted = predicted_from_residual(results, "layer", init)
        axis.plot(depths, predicted, color="black", linestyle=":", label=_("Pre-LN predicted from ‖x_L‖"))
        axis.set_xscale("log", base=2)
        axis.set_xticks(depths, [str(d) for d in depths])
        axis.set_ylim(0, None)
        axis.set_xlabel(_("depth L (blocks)"))
        axis.set_ylabel(_("‖∂loss/∂W² of the last block‖"))
        axis.set_title(init_title(init))
    axes[0].legend(loc="lower left")
    figure.suptitle(
        _("Gradient of the last layer at initialization (mean of {seeds} seeds, dots: each seed)").format(
            seeds=len(experiments.SEEDS)
        )
    )
    return figure


def figure_gradient_per_layer(results=None, depth: int = 12):
    """Xiong et al.'s Fig. 3: each block's ‖∂L/∂W²‖ at init, in a 12-block model."""
    results = cached_results(results)
    figure, axes = style.new_figure(12, 4.4, ncols=2)
    layers = np.arange(1, depth + 1)
    for axis, init in zip(axes, experiments.INITS):
        for placement in ("post", "pre"):
            values = init_series(results, "layer", placement, init, depth, "init_grad_norms")
            _seed_dots(axis, layers, values, norm_color("layer"), PLACEMENT_STYLE[placement]["marker"])
            axis.plot(
                layers,
                values.mean(axis=0),
                color=norm_color("layer"),
                label=architecture_name("layer", placement),
                **PLACEMENT_STYLE[placement],
            )
        axis.set_ylim(0, None)
        axis.set_xlabel(_("block l (1 = next to the input)"))
        axis.set_ylabel(_("‖∂loss/∂W²‖ of block l"))
        axis.set_title(_("{init}, {depth} blocks").format(init=init_title(init), depth=depth))
    axes[0].legend(loc="lower left")
    return figure


def figure_residual_growth(results=None, depth: int = 12):
    """Xiong et al.'s Lemma 2: E‖x_l‖²/d entering each block at init, Pre-LN against Post-LN."""
    results = cached_results(results)
    figure, axes = style.new_figure(12, 4.4, ncols=2)
    positions = np.arange(depth + 1)
    for axis, init in zip(axes, experiments.INITS):
        for placement in ("post", "pre"):
            values = init_series(results, "layer", placement, init, depth, "init_residual")
            _seed_dots(axis, positions, values, norm_color("layer"), PLACEMENT_STYLE[placement]["marker"])
            axis.plot(
                positions,
                values.mean(axis=0),
                color=norm_color("layer"),
                label=architecture_name("layer", placement),
                **PLACEMENT_STYLE[placement],
            )
        if init == "xavier":
            axis.plot(
                positions, 1 + positions / 2, color="black", linestyle=":", label=_("Lemma 2's bound 1 + l/2")
            )
        axis.set_ylim(0, None)
        axis.set_xlabel(_("l (0 = embeddings, L = after the last block)"))
        axis.set_ylabel(r"$E\,\|x_l\|^2 / d$")
        axis.set_title(init_title(init))
        axis.legend(loc="upper left")
    figure.suptitle(_("Size of the residual stream at initialization"))
    return figure


def figure_warmup(results=None):
    """Xiong et al.: 12 blocks at lr 0.01. Loss curves of Post-LN with and without warm-up and of Pre-LN,
    and every depth × warm-up × placement's held-out loss."""
    results = cached_results(results)
    figure, (curves, summary) = style.new_figure(13, 4.8, ncols=2, gridspec_kw={"width_ratios": [1.5, 1]})
    for placement, warmup in (("post", 0), ("post", 50), ("pre", 0)):
        name = architecture_name("layer", placement)
        _draw_loss_curves(
            curves,
            warmup_runs(results, placement, warmup),
            WARMUP_COLORS[warmup] if placement == "post" else norm_color("layer"),
            _("{name}, warm-up {warmup}").format(name=name, warmup=warmup),
            "--" if placement == "post" else "-",
        )
    loss_axis(curves, title=_("12 blocks, learning rate 0.01"))
    curves.legend(loc="lower left")
    for depth, shade in zip(experiments.WARMUP_DEPTHS, (0.45, 1.0)):
        for placement in ("post", "pre"):
            losses = np.array(
                [final_losses(warmup_runs(results, placement, w, depth)) for w in experiments.WARMUP_STEPS]
            ).T
            xs = np.arange(len(experiments.WARMUP_STEPS)) + (0.08 if placement == "pre" else -0.08)
            _seed_dots(
                summary,
                xs,
                np.clip(losses, None, LOSS_LIMITS[1]),
                norm_color("layer"),
                PLACEMENT_STYLE[placement]["marker"],
            )
            summary.plot(
                xs,
                np.nanmean(losses, axis=0),
                color=norm_color("layer"),
                alpha=shade,
                label=_("{name}, {depth} blocks").format(
                    name=architecture_name("layer", placement), depth=depth
                ),
                **PLACEMENT_STYLE[placement],
            )
    summary.set_xticks(range(len(experiments.WARMUP_STEPS)), [str(w) for w in experiments.WARMUP_STEPS])
    summary.set_xlabel(_("warm-up steps"))
    summary.set_ylabel(_("held-out loss after 150 steps"))
    summary.set_ylim(*LOSS_LIMITS)
    reference_lines(summary)
    summary.legend(loc="center right", fontsize=11)
    summary.set_title(_("Every run (dots: seeds)"))
    return figure


def figure_learning_rate_range(results=None, architectures=None):
    """Article 004's claim: held-out loss after 150 steps against the learning rate, per norm and placement.
    A seed whose loss became NaN or ∞ is drawn as × at the top, one whose loss is finite but off the chart as ▲."""
    table = learning_rate_table(results)
    architectures = architectures or [
        ("none", "pre"),
        ("layer", "post"),
        ("layer", "pre"),
        ("batch", "pre"),
        ("rms", "pre"),
    ]
    figure, axis = style.new_figure(11, 5.2)
    offsets = np.linspace(-0.06, 0.06, len(architectures))
    for (norm, placement), offset in zip(architectures, offsets):
        rates, losses, outcomes = table[(norm, placement)]
        xs = rates * 10**offset
        top = LOSS_LIMITS[1] - 0.1
        for row, kinds in zip(losses, outcomes):
            diverged = kinds == "diverged"
            above = ~diverged & (row > top)
            inside = ~diverged & ~above
            axis.plot(
                xs[inside],
                row[inside],
                linestyle="none",
                marker=PLACEMENT_STYLE[placement]["marker"],
                color=norm_color(norm),
                alpha=0.35,
                markersize=5,
            )
            axis.plot(xs[above], np.full(above.sum(), top), "^", color=norm_color(norm), markersize=11)
            axis.plot(
                xs[diverged], np.full(diverged.sum(), top), "x", color=norm_color(norm), markersize=12, mew=3
            )
        mean = mean_unless_diverged(losses, outcomes)
        axis.plot(
            xs,
            mean,
            color=norm_color(norm),
            label=architecture_name(norm, placement),
            **PLACEMENT_STYLE[placement],
        )
    axis.set_xscale("log")
    axis.set_ylim(*LOSS_LIMITS)
    axis.axhline(learned_threshold(), color="black", linewidth=1, linestyle="-.", alpha=0.5)
    axis.annotate(
        _("learned below this line"),
        (1, learned_threshold()),
        xycoords=("axes fraction", "data"),
        xytext=(-4, -3),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=11,
        alpha=0.8,
    )
    reference_lines(axis)
    axis.set_xlabel(_("learning rate (log scale)"))
    axis.set_ylabel(_("held-out loss after 150 steps"))
    axis.set_title(
        _("{depth} blocks, no warm-up, {seeds} seeds (× = NaN or ∞, ▲ = finite but above the chart)").format(
            seeds=len(experiments.SEEDS), depth=experiments.LEARNING_RATE_DEPTH
        )
    )
    axis.legend(loc="upper left", fontsize=12)
    return figure


def figure_batch_statistics(results=None):
    """Shen et al.'s Fig. 2 at toy scale: how far each batch's statistics are from the running ones, over
    training (left) and by batch size, with and without padding (right)."""
    results = cached_results(results)
    figure, (over_time, by_size) = style.new_figure(12, 4.6, ncols=2)
    over_time.axvspan(0, SETTLING_STEPS, color="black", alpha=0.08, linewidth=0)
    over_time.annotate(
        _("running averages\nstill catching up"),
        (SETTLING_STEPS, 0.98),
        xycoords=("data", "axes fraction"),
        xytext=(4, 0),
        textcoords="offset points",
        va="top",
        fontsize=11,
        alpha=0.8,
    )
    for batch_size in experiments.BATCH_SIZES:
        runs = batch_norm_runs(results, "batch", batch_size)
        steps = runs[0].statistics_steps
        mean = np.mean([r.mean_shift for r in runs], axis=0)
        over_time.plot(
            steps, mean, color=BATCH_COLORS[batch_size], label=_("batch {size}").format(size=batch_size)
        )
    over_time.set_xlabel(_("training step"))
    over_time.set_ylabel(_("mean |μ_B − μ_running| / σ_running"))
    over_time.set_title(_("Full sequences, mean of {seeds} seeds").format(seeds=len(experiments.SEEDS)))
    over_time.set_ylim(0, None)
    over_time.legend(loc="upper right")
    sizes = np.array(experiments.BATCH_SIZES)
    for (name, (padded, counts)), color in zip(PADDING_CHOICES, ("#0072B2", "#E69F00", "#D55E00")):
        values = np.array([mean_shift(batch_norm_runs(results, "batch", b, padded, counts)) for b in sizes]).T
        _seed_dots(by_size, sizes, values, color, "o")
        by_size.plot(sizes, values.mean(axis=0), color=color, marker="o", label=_(name))
    by_size.set_xscale("log", base=2)
    by_size.set_xticks(sizes, [str(b) for b in sizes])
    by_size.set_ylim(0, None)
    by_size.set_xlabel(_("batch size (sequences)"))
    by_size.set_ylabel(_("same, averaged after step {step}").format(step=SETTLING_STEPS))
    by_size.set_title(_("By batch size (dots: seeds)"))
    by_size.legend(loc="upper right", fontsize=11)
    figure.suptitle(_("Batch norm in a Transformer: batch statistics against running statistics"))
    return figure


def figure_batch_norm_gap(results=None):
    """Shen et al.: held-out loss of Post-BN minus Post-LN against batch size (paired seeds)."""
    gaps = batch_norm_gaps(results)
    figure, axis = style.new_figure(10, 4.8)
    for (name, (sizes, values)), color in zip(gaps.items(), ("#0072B2", "#E69F00", "#D55E00")):
        _seed_dots(axis, sizes, values, color, "o")
        axis.plot(sizes, np.nanmean(values, axis=0), color=color, marker="o", label=_(name))
    axis.axhline(0, color="black", linewidth=1.2)
    axis.annotate(
        _("BN worse ↑   BN better ↓"),
        (0.01, 0),
        xycoords=("axes fraction", "data"),
        xytext=(0, 6),
        textcoords="offset points",
        fontsize=11,
    )
    axis.set_xscale("log", base=2)
    axis.set_xticks(experiments.BATCH_SIZES, [str(b) for b in experiments.BATCH_SIZES])
    axis.set_xlabel(_("batch size (sequences)"))
    axis.set_ylabel(_("loss(Post-BN) − loss(Post-LN)"))
    axis.set_title(_("What batch norm costs, by batch size (3 paired seeds; dots: each seed)"))
    axis.legend(loc="upper right", fontsize=12)
    return figure


def mismatch_table(results=None) -> HTMLText:
    """BN's held-out loss with running statistics (eval mode) and with batch statistics, by batch size."""
    results = cached_results(results)
    rows = []
    for batch_size in experiments.BATCH_SIZES:
        for padded in (False, True):
            runs = batch_norm_runs(results, "batch", batch_size, padded)
            ln = final_losses(batch_norm_runs(results, "layer", batch_size, padded))
            running = np.array([r.eval_loss for r in runs])
            batch = np.array([r.eval_loss_batch_statistics for r in runs])
            rows.append(
                (
                    batch_size,
                    _("padded") if padded else _("full"),
                    float(ln.mean()),
                    float(batch.mean()),
                    float(running.mean()),
                    float((running - batch).mean()),
                )
            )
    return HTMLText(
        ui.html_table(
            [
                _("batch"),
                _("sequences"),
                "Post-LN",
                _("Post-BN, batch stats"),
                _("Post-BN, running stats"),
                _("running − batch"),
            ],
            rows,
            _("Held-out loss after 150 steps, mean of {seeds} seeds (LN has no such mismatch)").format(
                seeds=len(experiments.SEEDS)
            ),
        )
    )


def batch_dependence_table(results=None) -> HTMLText:
    """How much one sequence's predictions move when the rest of its batch, or a later token, changes."""
    results = cached_results(results)
    rows = []
    for norm in ("layer", "batch"):
        for batch_size in experiments.BATCH_SIZES:
            probes = [r.batch_dependence for r in batch_norm_runs(results, norm, batch_size)]
            rows.append(
                (
                    f"Post-{norm_abbreviation(norm)}",
                    batch_size,
                    *(
                        float(np.mean([p[key] for p in probes]))
                        for key in ("train_neighbours", "train_future", "eval_neighbours", "eval_future")
                    ),
                )
            )
    return HTMLText(
        ui.html_table(
            [
                _("model"),
                _("batch"),
                _("training: other sequences"),
                _("training: a later token"),
                _("eval: other sequences"),
                _("eval: a later token"),
            ],
            rows,
            _(
                "Largest change of sequence 0's log-probabilities (nats), trained models, mean of {seeds} seeds"
            ).format(seeds=len(experiments.SEEDS)),
        )
    )


def check_largest_learning_rate(answer, results=None) -> HTMLText:
    """Exercise: the largest cached learning rate at which the model WITHOUT a norm still learns (every seed)."""
    rates, _losses, outcomes = learning_rate_table(results)[("none", "pre")]
    _low, high, _count = learning_rate_range(outcomes, rates)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return HTMLText(
            _("<b>Enter a number</b>, such as 0.001 (you entered {answer}).").format(
                answer=html.escape(repr(answer))
            )
        )
    if math.isclose(value, high, rel_tol=0.05):
        return HTMLText(
            _(
                "<b>Right.</b> Every seed learns at {high:g}; at the next rate up, {next:g}, at least one "
                "does not. Compare Pre-LN's largest."
            ).format(high=high, next=rates[rates > high].min())
        )
    message = (
        _(
            "<b>Not quite</b> — {value:g} is too large: look for the ×'s and the points above the 'learned' "
            "line. Pick norm 'none' in the app and step through the rates."
        )
        if value > high
        else _(
            "<b>Not quite</b> — {value:g} is too small: the model without a norm still learns at a larger "
            "rate. Pick norm 'none' in the app and step through the rates."
        )
    )
    return HTMLText(message.format(value=value))
