"""Notebook 04's figures, verdicts and apps: what normalization does to a toy Transformer's training.

Everything here reads the results cache of :mod:`lnlib.experiments` (``data/transformer_results.json``),
so that the figures appear and the sliders answer at once; only :class:`TransformerLiveTrainingApp` trains,
live, one run of the learner's choice. Each published effect has a figure function and a verdict
function; the verdict is decided from the numbers by the rule written in its docstring, so that
the notebook's conclusions cannot drift from its data.
"""
from __future__ import annotations

import html
import inspect
import math
import time
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib.ticker import MaxNLocator

from . import experiments, style, training, ui
from .experiments import SEEDS
from .training import TrainConfig

__all__ = ["outcome", "Verdict", "all_verdicts", "verdict_table", "task_table", "block_source",
           "figure_gradient_vs_depth", "figure_gradient_per_layer", "figure_residual_growth",
           "figure_warmup", "figure_learning_rate_range", "figure_batch_statistics",
           "figure_batch_norm_gap", "mismatch_table", "batch_dependence_table",
           "verdict_gradient_vs_depth", "verdict_gradient_per_layer", "verdict_residual_growth",
           "verdict_warmup", "verdict_learning_rate_range", "verdict_batch_statistics",
           "verdict_batch_norm_gap", "verdict_train_eval_mismatch", "verdict_batch_dependence",
           "check_largest_learning_rate", "TransformerInitGradientApp", "TransformerWarmupApp",
           "TransformerLearningRateApp", "TransformerBatchNormApp", "TransformerLiveTrainingApp"]

CHAIN = training.task_chain(TrainConfig())
LEARNED_FRACTION = 0.75  # "learned": closed at least this fraction of the gap from the unigram level to the optimum
FAILED_FRACTION = 0.25   # "failed": closed less than this fraction
LOSS_LIMITS = (1.0, 4.8)
PLACEMENT_STYLE = {"pre": {"linestyle": "-", "marker": "o"}, "post": {"linestyle": "--", "marker": "s"}}
WARMUP_COLORS = {0: "#D55E00", 25: "#CC79A7", 50: "#E69F00", 100: "#56B4E9"}
BATCH_COLORS = {2: "#D55E00", 4: "#E69F00", 8: "#009E73", 16: "#0072B2"}
PADDING_CHOICES = (("full sequences", (False, False)), ("padded, padding left out of BN", (True, False)),
                   ("padded, padding counted by BN", (True, True)))
NORM_NAMES = training.NORM_ABBREVIATIONS
architecture_name = training.architecture_name
SETTLING_STEPS = 20  # batch norm's running averages (momentum 0.1) need about this long to forget their start


def _results(results=None) -> experiments.Results:
    return results if results is not None else experiments.load()


def _color(norm: str) -> str:
    return style.NORM_COLORS[norm]


# ---------------------------------------------------------------------------
# Learned or not: one rule for every figure and verdict
# ---------------------------------------------------------------------------

def progress_fraction(loss: float) -> float:
    r"""How much of the way from knowing only token frequencies to knowing the chain a loss is:
    :math:`(H(\pi) - \text{loss}) / (H(\pi) - H_\text{best})`; 1 at the optimum, 0 at the unigram level."""
    return (CHAIN.unigram_loss - loss) / (CHAIN.unigram_loss - CHAIN.best_loss)


def outcome(result) -> str:
    """'diverged' (NaN or ∞), 'failed' (< 25 % of the way), 'partly', or 'learned' (≥ 75 % of the way)."""
    if result.diverged or not math.isfinite(result.eval_loss):
        return "diverged"
    fraction = progress_fraction(result.eval_loss)
    return "learned" if fraction >= LEARNED_FRACTION else "failed" if fraction < FAILED_FRACTION else "partly"


def learned_threshold() -> float:
    """The held-out loss below which a run counts as 'learned'."""
    return CHAIN.unigram_loss - LEARNED_FRACTION * (CHAIN.unigram_loss - CHAIN.best_loss)


def _final_losses(runs) -> np.ndarray:
    return np.array([r.final_loss for r in runs])


def _describe_runs(runs) -> str:
    """'learned: 1.64, 1.61, 1.66' or 'diverged at steps 3, 5; failed: 4.08' — each seed's fate."""
    groups: dict = {}
    for run in runs:
        kind = outcome(run)
        text = f"step {run.diverged_step}" if kind == "diverged" else ui.format_number(run.eval_loss, 3)
        groups.setdefault(kind, []).append(text)
    return "; ".join(f"{kind} ({', '.join(values)})" for kind, values in groups.items())


def _reference_lines(axis, unigram: bool = True) -> None:
    """Horizontal lines at the optimum, at chance and (dotted) at the unigram level, labelled on the right."""
    for value, text, line, below in ((CHAIN.best_loss, "optimum ln 4", "-", False),
                                     (CHAIN.chance_loss, "chance ln 64", "-", False),
                                     (CHAIN.unigram_loss, "token frequencies only", ":", True)):
        if below and not unigram:
            continue
        axis.axhline(value, color="black", linewidth=1.2, linestyle=line, alpha=0.7, zorder=1)
        axis.annotate(text, (1, value), xycoords=("axes fraction", "data"), xytext=(-4, -3 if below else 3),
                      textcoords="offset points", ha="right", va="top" if below else "bottom", fontsize=11,
                      alpha=0.8)


def _loss_axis(axis, steps: int = 150, title: str = "") -> None:
    axis.set_xlim(0, steps)
    axis.set_ylim(*LOSS_LIMITS)
    axis.set_xlabel("training step")
    axis.set_ylabel("training loss (nats/token)")
    if title:
        _title(axis, title)
    _reference_lines(axis)


def _title(axis, text: str) -> None:
    """A title at a fixed height: matplotlib then skips re-placing it at every redraw (7 ms an axis)."""
    axis.set_title(text, y=1.0)


def _set_loss_lines(seed_lines, mean_line, crosses, runs, color=None, window: int = 5) -> None:
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
    mean_line.set_data(np.arange(length), np.mean([curve[:length] for curve in smoothed], axis=0) if length else [])
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
    seed_lines = [axis.plot([], [], color=color, linewidth=1, alpha=0.45, linestyle=linestyle)[0] for _ in runs]
    mean_line = axis.plot([], [], color=color, label=label, linestyle=linestyle)[0]
    crosses = axis.plot([], [], "x", color=color, markersize=12, mew=3)[0]
    _set_loss_lines(seed_lines, mean_line, crosses, runs)


def _mean_unless_diverged(losses: np.ndarray, outcomes: np.ndarray) -> np.ndarray:
    """(seeds, rates) → (rates,): the mean over seeds, capped at the chart's top; NaN where a seed diverged."""
    return np.where((outcomes == "diverged").any(axis=0), np.nan,
                    np.clip(losses.mean(axis=0), None, LOSS_LIMITS[1] - 0.1))


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------

@dataclass
class Verdict:
    """One published claim checked at toy scale: 'shown', 'partly shown' or 'not shown', and the evidence."""

    claim: str
    source: str
    outcome: str
    evidence: str

    def _repr_html_(self) -> str:
        colors = {"shown": "#009E73", "partly shown": "#E69F00", "not shown": "#D55E00"}
        return (f"<div style='border-left:6px solid {colors[self.outcome]};padding:6px 12px;font-size:16px'>"
                f"<b>Verdict: {self.outcome}.</b> {html.escape(self.claim)} <i>({html.escape(self.source)})</i>"
                f"<br>{html.escape(self.evidence)}</div>")


XIONG = "Xiong et al. 2020, On Layer Normalization in the Transformer Architecture"
SHEN = "Shen et al. 2020, PowerNorm: Rethinking Batch Normalization in Transformers"
ARTICLE_004 = "article 004, 层归一化在深度神经网络中的应用与作用, section 7"


def _placement(norm: str, placement: str) -> str:
    """Without a norm, Pre and Post are one model; the grids hold it as 'pre'."""
    return "pre" if norm == "none" else placement


def _init_series(results, norm, placement, init, depth, what) -> np.ndarray:
    """(seeds, values) of one measurement at initialization."""
    records = results.init(TrainConfig(norm=norm, placement=_placement(norm, placement), n_layers=depth, init=init))
    return np.array([record[what] for record in records])


def _last_layer_gradient(results, norm, placement, init) -> np.ndarray:
    """(seeds, depths): the last block's ‖∂L/∂W²‖ at initialization, for each depth of the grid."""
    return np.array([_init_series(results, norm, placement, init, depth, "init_grad_norms")[:, -1]
                     for depth in experiments.INIT_DEPTHS]).T


def _predicted_from_residual(results, norm, init) -> np.ndarray:
    r"""Pre-LN's last-layer gradient predicted from the residual stream's size: :math:`g(L) = g(1)\sqrt{r(1)/r(L)}`.

    The final norm divides by :math:`\|x_L\|`, so its gradient shrinks as :math:`1/\sqrt{r(L)}`,
    :math:`r(L) = \mathbb E\|x_L\|^2/d` (the argument of Xiong et al.'s Theorem 1).
    """
    size = np.array([_init_series(results, norm, "pre", init, depth, "init_residual")[:, -1].mean()
                     for depth in experiments.INIT_DEPTHS])
    first = _last_layer_gradient(results, norm, "pre", init)[:, 0].mean()
    return first * np.sqrt(size[0] / size)


def verdict_gradient_vs_depth(results=None) -> Verdict:
    """Shown if, for both initializations, Pre-LN's last-layer gradient falls by ≥ 25 % from depth 1 to 16
    while Post-LN's does not fall by more than 10 %."""
    results = _results(results)
    falls, slower, texts = [], [], []
    depths = experiments.INIT_DEPTHS
    sqrt_depth_ratio = math.sqrt(depths[0] / depths[-1])
    for init in experiments.INITS:
        pre = _last_layer_gradient(results, "layer", "pre", init).mean(axis=0)
        post = _last_layer_gradient(results, "layer", "post", init).mean(axis=0)
        predicted = _predicted_from_residual(results, "layer", init)
        falls.append(pre[-1] / pre[0] <= 0.75 and post[-1] / post[0] >= 0.9)
        slower.append(pre[-1] / pre[0] > 1.2 * sqrt_depth_ratio)
        texts.append(f"{init} init: Pre-LN {pre[0]:.3f} → {pre[-1]:.3f} (×{pre[-1] / pre[0]:.2f}; the measured "
                     f"residual stream predicts ×{predicted[-1] / predicted[0]:.2f}), Post-LN {post[0]:.3f} → "
                     f"{post[-1]:.3f} (×{post[-1] / post[0]:.2f})")
    outcome_ = "shown" if all(falls) else "partly shown" if any(falls) else "not shown"
    pace = (f" 1/√L would be ×{sqrt_depth_ratio:.2f}: the fall is slower, because the residual stream grows "
            f"more slowly than linearly with depth." if any(slower) else "")
    return Verdict("At initialization the last layer's gradient shrinks with depth under Pre-LN, not under Post-LN.",
                   XIONG + ", Theorem 1", outcome_,
                   f"Depth {depths[0]} → {depths[-1]}, mean of {len(experiments.INIT_SEEDS)} seeds. "
                   + "; ".join(texts) + "." + pace)


def verdict_gradient_per_layer(results=None, depth: int = 12) -> Verdict:
    """Xiong et al.'s Fig. 3: at init, Post-LN's gradient grows towards the output, Pre-LN's stays level.
    Shown if Post-LN's last/first ratio ≥ 1.1 and Pre-LN's lies in [0.8, 1.25], for both inits; partly if
    either holds for one."""
    results = _results(results)
    checks, texts = [], []
    for init in experiments.INITS:
        ratios = {}
        for placement in ("pre", "post"):
            layers = _init_series(results, "layer", placement, init, depth, "init_grad_norms").mean(axis=0)
            ratios[placement] = layers[-1] / layers[0]
        checks.append((ratios["post"] >= 1.1, 0.8 <= ratios["pre"] <= 1.25))
        texts.append(f"{init} init: last/first layer Post-LN ×{ratios['post']:.2f}, Pre-LN ×{ratios['pre']:.2f}")
    post_ok = all(c[0] for c in checks)
    pre_ok = all(c[1] for c in checks)
    outcome_ = "shown" if post_ok and pre_ok else "partly shown" if any(any(c) for c in checks) else "not shown"
    missing = []
    if not post_ok:
        missing.append("Post-LN's gradient does not grow towards the output with every initialization")
    if not pre_ok:
        missing.append("Pre-LN's gradient does not stay level with every initialization")
    return Verdict("At initialization, Post-LN's gradients grow towards the output layer; Pre-LN's stay level.",
                   XIONG + ", Fig. 3", outcome_,
                   f"{depth} layers, mean of {len(experiments.INIT_SEEDS)} seeds. " + "; ".join(texts) + "."
                   + (" Not as in the paper: " + "; ".join(missing) + "." if missing else ""))


def verdict_residual_growth(results=None, depth: int = 12) -> Verdict:
    """Shown if under Pre-LN E‖x_L‖²/d grows ≥ 1.5× over the stack and under Post-LN stays within 10 % of 1,
    for both initializations."""
    results = _results(results)
    checks, texts = [], []
    for init in experiments.INITS:
        pre = _init_series(results, "layer", "pre", init, depth, "init_residual").mean(axis=0)
        post = _init_series(results, "layer", "post", init, depth, "init_residual").mean(axis=0)
        checks.append(pre[-1] / pre[0] >= 1.5 and np.all(np.abs(post[1:] - 1) <= 0.1))
        texts.append(f"{init} init: Pre-LN {pre[0]:.2f} → {pre[-1]:.2f}, Post-LN {post[1]:.2f} … {post[-1]:.2f}")
    xavier_pre = _init_series(results, "layer", "pre", "xavier", depth, "init_residual").mean(axis=0)
    # Lemma 2: E‖x_l‖²/d ≥ 1 + l/2, allowing 5 % for the seeds' spread
    bound_holds = bool(np.all(xavier_pre >= 0.95 * (1 + np.arange(depth + 1) / 2)))
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"
    return Verdict("The residual stream grows with depth under Pre-LN and stays flat under Post-LN.",
                   XIONG + ", Lemma 2", outcome_,
                   f"E‖x_l‖²/d at initialization, {depth} layers, mean of {len(experiments.INIT_SEEDS)} seeds. "
                   + "; ".join(texts) +
                   f". With Xavier init the lemma's bound 1 + l/2 {'holds' if bound_holds else 'does not hold'}"
                   f" (within 5 %); PyTorch's smaller default init grows more slowly.")


def _warmup_runs(results, placement, warmup, depth=12, init="torch"):
    return results.runs(TrainConfig(norm="layer", placement=placement, n_layers=depth, lr=experiments.WARMUP_LR,
                                    warmup_steps=warmup, init=init))


def verdict_warmup(results=None) -> Verdict:
    """Shown if, at 12 blocks and lr 0.01, every seed of Post-LN without warm-up fails or diverges, every seed
    of Post-LN with the longest warm-up learns, and every seed of Pre-LN without warm-up learns."""
    results = _results(results)
    longest = max(experiments.WARMUP_STEPS)
    post_cold = [outcome(r) for r in _warmup_runs(results, "post", 0)]
    post_warm = [outcome(r) for r in _warmup_runs(results, "post", longest)]
    pre_cold = [outcome(r) for r in _warmup_runs(results, "pre", 0)]
    checks = (all(o in ("failed", "diverged") for o in post_cold), all(o == "learned" for o in post_warm),
              all(o == "learned" for o in pre_cold))
    shallow = [outcome(r) for r in _warmup_runs(results, "post", 0, depth=min(experiments.WARMUP_DEPTHS))]
    xavier = _warmup_runs(results, "post", 50, init="xavier")
    warmups = "; ".join(f"{w} steps: {_describe_runs(_warmup_runs(results, 'post', w))}"
                        for w in experiments.WARMUP_STEPS if w)
    evidence = (f"12 blocks, lr 0.01, 150 steps, 3 seeds. Post-LN without warm-up: "
                f"{_describe_runs(_warmup_runs(results, 'post', 0))}; with warm-up of {warmups}. "
                f"Pre-LN without warm-up: {_describe_runs(_warmup_runs(results, 'pre', 0))}. "
                f"At {min(experiments.WARMUP_DEPTHS)} blocks, Post-LN without warm-up: {', '.join(shallow)}. "
                f"With Xiong et al.'s Xavier initialization, Post-LN with 50 warm-up steps: {_describe_runs(xavier)}.")
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"
    return Verdict("Deep Post-LN at a high learning rate fails without warm-up; with warm-up, or as Pre-LN, it learns.",
                   XIONG + ", Section 3 and Fig. 2", outcome_, evidence)


def learning_rate_table(results=None) -> dict:
    """(norm, placement) → (learning rates, (seeds, rates) held-out losses, (seeds, rates) outcomes)."""
    results = _results(results)
    table = {}
    for norm, placement in experiments.ARCHITECTURES:
        runs = [results.runs(TrainConfig(norm=norm, placement=placement, n_layers=experiments.LEARNING_RATE_DEPTH,
                                         lr=lr)) for lr in experiments.LEARNING_RATES]
        losses = np.array([[r.final_loss for r in per_lr] for per_lr in runs]).T
        outcomes = np.array([[outcome(r) for r in per_lr] for per_lr in runs]).T
        table[(norm, placement)] = (np.array(experiments.LEARNING_RATES), losses, outcomes)
    return table


def learning_rate_range(outcomes: np.ndarray, rates: np.ndarray) -> tuple:
    """(smallest, largest, how many) of the grid's learning rates at which every seed learned; (nan, nan, 0) if none."""
    good = (outcomes == "learned").all(axis=0)
    if not good.any():
        return math.nan, math.nan, 0
    return rates[good].min(), rates[good].max(), int(good.sum())


def verdict_learning_rate_range(results=None) -> Verdict:
    """Shown if Pre-LN and Post-LN each learn (every seed) at more of the grid's learning rates than the model
    without a norm; partly if some normalized variant does; not shown otherwise."""
    table = learning_rate_table(results)
    spans, texts = {}, []
    for (norm, placement), (rates, _, outcomes) in table.items():
        spans[(norm, placement)] = learning_rate_range(outcomes, rates)
        low, high, count = spans[(norm, placement)]
        texts.append(f"{architecture_name(norm, placement)} {f'{low:g} … {high:g}' if count else 'none'}")
    base_low, base_high, base_count = spans[("none", "pre")]
    normalized = [k for k in spans if k != ("none", "pre")]
    wider = [k for k in normalized if spans[k][2] > base_count]
    narrower = [k for k in normalized if spans[k][2] < base_count]
    higher = [k for k in normalized if spans[k][2] and spans[k][1] > base_high]
    lower_lost = [k for k in normalized if spans[k][2] and spans[k][0] > base_low]
    ln_wider = ("layer", "pre") in wider and ("layer", "post") in wider
    outcome_ = "shown" if ln_wider else "partly shown" if wider else "not shown"

    def names(keys):
        return ", ".join(architecture_name(*k) for k in keys) or "none"

    lowest = min(experiments.LEARNING_RATES)
    slow = [f"{architecture_name(*k)} {table[k][1][:, 0].mean():.2f}" for k in lower_lost]
    return Verdict("Layer normalization widens the range of learning rates that train.", ARTICLE_004, outcome_,
                   f"{experiments.LEARNING_RATE_DEPTH} blocks, no warm-up, 150 steps, learning rates "
                   f"{', '.join(f'{lr:g}' for lr in experiments.LEARNING_RATES)}; where all 3 seeds learn: "
                   + "; ".join(texts) + f". A wider range than without a norm: {names(wider)}; narrower: "
                   f"{names(narrower)}. Learns at a larger rate than the model without a norm: {names(higher)}. "
                   + (f"At {lowest:g}, where the model without a norm learns, these are still on their way down "
                      f"after 150 steps (mean loss): {', '.join(slow)}." if slow else ""))


def _batch_norm_runs(results, norm, batch_size, padded=False, counts_padding=False):
    return results.runs(TrainConfig(norm=norm, placement="post", n_layers=experiments.LEARNING_RATE_DEPTH,
                                    lr=experiments.BATCH_NORM_LR, batch_size=batch_size, padded=padded,
                                    batch_norm_counts_padding=counts_padding))


def _mean_shift(runs) -> np.ndarray:
    """(seeds,) the batch-vs-running mean shift of each seed, averaged over training after the settling steps."""
    return np.array([np.mean([s for step, s in zip(r.statistics_steps, r.mean_shift) if step >= SETTLING_STEPS])
                     for r in runs])


def verdict_batch_statistics(results=None) -> Verdict:
    """Shown if the batch statistics' distance to the running ones is larger at the smallest batch than at the
    largest (every seed) and larger with padding than without, at every batch size (means over seeds)."""
    results = _results(results)
    full = [_mean_shift(_batch_norm_runs(results, "batch", b)) for b in experiments.BATCH_SIZES]
    padded = [_mean_shift(_batch_norm_runs(results, "batch", b, True)) for b in experiments.BATCH_SIZES]
    shrinking = full[0].min() > full[-1].max()
    padding_worse = all(p.mean() > f.mean() for p, f in zip(padded, full))
    outcome_ = "shown" if shrinking and padding_worse else "partly shown" if shrinking or padding_worse \
        else "not shown"
    listing = ", ".join(f"{b}: {f.mean():.3f} / {p.mean():.3f}" for b, f, p in zip(experiments.BATCH_SIZES, full,
                                                                                 padded))
    return Verdict("In a Transformer, batch norm's batch statistics fluctuate around the running ones, "
                   "more so in small batches and with padding.", SHEN + ", Section 3 and Fig. 2", outcome_,
                   f"Mean over channels and layers of |μ_B − μ_running|/σ_running after step {SETTLING_STEPS}, "
                   f"Post-BN, 4 layers, 3 seeds; batch size: full / padded = {listing}. They do not settle "
                   f"as training goes on (see the left panel).")


def batch_norm_gaps(results=None) -> dict:
    """variant → (batch sizes, (seeds, sizes) held-out loss of BN minus LN, paired by seed)."""
    results = _results(results)
    gaps = {}
    for name, (padded, counts) in PADDING_CHOICES:
        rows = []
        for b in experiments.BATCH_SIZES:
            bn = _final_losses(_batch_norm_runs(results, "batch", b, padded, counts))
            ln = _final_losses(_batch_norm_runs(results, "layer", b, padded))
            rows.append(bn - ln)
        gaps[name] = (np.array(experiments.BATCH_SIZES), np.array(rows).T)
    return gaps


def _significant(differences: np.ndarray) -> bool:
    """Mean above two standard errors (paired seeds)."""
    differences = differences[np.isfinite(differences)]
    if len(differences) < 2:
        return False
    return differences.mean() > 2 * differences.std(ddof=1) / math.sqrt(len(differences))


def verdict_batch_norm_gap(results=None) -> Verdict:
    """Shown if BN trails LN significantly (mean above 2 standard errors) at the smallest batch, by more than at
    the largest batch, and by more with padding than without; partly if some of these hold."""
    gaps = batch_norm_gaps(results)
    full = gaps["full sequences"][1]
    padded = gaps["padded, padding left out of BN"][1]
    naive = gaps["padded, padding counted by BN"][1]
    checks = (_significant(full[:, 0]) or _significant(padded[:, 0]),
              np.nanmean(full[:, 0]) > np.nanmean(full[:, -1]) and np.nanmean(padded[:, 0]) > np.nanmean(padded[:, -1]),
              np.nanmean(padded[:, 0]) > np.nanmean(full[:, 0]))
    outcome_ = "shown" if all(checks) else "partly shown" if any(checks) else "not shown"

    def listing(gap):
        return ", ".join(f"{b}: {g:+.3f}" for b, g in zip(experiments.BATCH_SIZES, np.nanmean(gap, axis=0)))

    spread = float(np.nanmedian(np.nanstd(np.stack([full, padded, naive]), axis=1, ddof=1)))
    return Verdict("Batch norm trails layer norm in a Transformer, the more so the smaller the batch and with "
                   "padding.", SHEN + ", Table 1 and Section 4", outcome_,
                   "Held-out loss of Post-BN minus Post-LN (nats; positive: BN worse), mean of 3 paired seeds, by "
                   f"batch size. Full sequences {listing(full)}; padded {listing(padded)}; padding counted "
                   f"{listing(naive)}. A difference's typical seed-to-seed spread (standard deviation): "
                   f"{spread:.3f}.")


def verdict_train_eval_mismatch(results=None) -> Verdict:
    """Shown if, at the smallest batch, BN's held-out loss with running statistics is higher than with batch
    statistics for every seed (with or without padding); LN's two losses are the same by construction."""
    results = _results(results)
    texts, worse = [], []
    for padded in (False, True):
        runs = _batch_norm_runs(results, "batch", experiments.BATCH_SIZES[0], padded)
        gaps = np.array([r.eval_loss - r.eval_loss_batch_statistics for r in runs])
        worse.append(bool(np.all(gaps > 0)))
        texts.append(f"{'padded' if padded else 'full sequences'}: " + ", ".join(f"{g:+.3f}" for g in gaps))
    large = [np.mean([r.eval_loss - r.eval_loss_batch_statistics
                      for r in _batch_norm_runs(results, "batch", experiments.BATCH_SIZES[-1], padded)])
             for padded in (False, True)]
    outcome_ = "shown" if all(worse) else "partly shown" if any(worse) else "not shown"
    return Verdict("Batch norm behaves differently in evaluation (running statistics) than in training (batch "
                   "statistics).", SHEN + ", Section 3", outcome_,
                   f"Held-out loss with running minus with batch statistics, Post-BN, batch "
                   f"{experiments.BATCH_SIZES[0]}, per seed: " + "; ".join(texts) +
                   f". At batch {experiments.BATCH_SIZES[-1]}: {large[0]:+.3f} / {large[1]:+.3f} (mean).")


def verdict_batch_dependence(results=None) -> Verdict:
    """Shown if, in training mode, every BN model's output for one sequence changes when the others of its batch
    change, and every LN model's does not (exactly); in eval mode neither does."""
    results = _results(results)
    bn = [r.batch_dependence for b in experiments.BATCH_SIZES for r in _batch_norm_runs(results, "batch", b)]
    ln = [r.batch_dependence for b in experiments.BATCH_SIZES for r in _batch_norm_runs(results, "layer", b)]
    bn_moves = all(d["train_neighbours"] > 0 for d in bn)
    ln_still = all(d["train_neighbours"] == 0 and d["train_future"] == 0 for d in ln)
    eval_still = all(d["eval_neighbours"] == 0 for d in bn + ln)
    outcome_ = "shown" if bn_moves and ln_still and eval_still else "partly shown" if bn_moves else "not shown"
    small = [d["train_neighbours"] for d in bn[:len(SEEDS)]]
    large = [d["train_neighbours"] for d in bn[-len(SEEDS):]]
    return Verdict("Batch norm makes one sequence's output depend on the other sequences of its batch.",
                   SHEN + "; article 002's first claim", outcome_,
                   f"Largest change of sequence 0's next-token log-probabilities when the rest of its batch is "
                   f"replaced, trained Post-BN in training mode: batch {experiments.BATCH_SIZES[0]} "
                   f"{min(small):.3f} … {max(small):.3f} nats, batch {experiments.BATCH_SIZES[-1]} "
                   f"{min(large):.3f} … {max(large):.3f}; Post-LN: "
                   f"{'exactly 0' if ln_still else 'not 0'}; in eval mode: {'exactly 0' if eval_still else 'not 0'}.")


def all_verdicts(results=None) -> list:
    results = _results(results)
    return [verdict_gradient_vs_depth(results), verdict_gradient_per_layer(results), verdict_residual_growth(results),
            verdict_warmup(results), verdict_learning_rate_range(results), verdict_batch_statistics(results),
            verdict_batch_norm_gap(results), verdict_train_eval_mismatch(results), verdict_batch_dependence(results)]


class _HTML:
    """Something the notebook displays as HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return self.text


def verdict_table(results=None) -> _HTML:
    """Every claim, its source and its verdict at toy scale, in one table."""
    rows = [(v.claim, v.source, v.outcome) for v in all_verdicts(results)]
    return _HTML(ui.html_table(["claim", "source", "at toy scale"], rows, "The published effects, checked"))


# ---------------------------------------------------------------------------
# The model and the task, shown
# ---------------------------------------------------------------------------

def block_source() -> _HTML:
    """The code of a Transformer block's forward pass, to check against the two formulas."""
    from .transformer import Block
    source = inspect.getsource(Block.forward)
    return _HTML(f"<pre style='font-size:15px;line-height:1.35'>{html.escape(source)}</pre>")


def task_table() -> _HTML:
    """The task's three reference losses and an example sequence."""
    batch = training.evaluation_batches(TrainConfig())[0]
    example = " ".join(str(int(t)) for t in batch[0][0][:12])
    rows = [("optimum: knows the chain", "ln 4", CHAIN.best_loss),
            ("knows only how often each token occurs", "H(π)", CHAIN.unigram_loss),
            ("chance: uniform guess", "ln 64", CHAIN.chance_loss)]
    return _HTML(ui.html_table(["a model that …", "formula", "loss (nats/token)"], rows,
                               f"Next-token loss on the Markov chain (example sequence: {example} …)"))


# ---------------------------------------------------------------------------
# Static figures
# ---------------------------------------------------------------------------

def _seed_dots(axis, xs, values, color, marker) -> None:
    """Each seed's value as a small marker (the spread), beside the mean line."""
    for row in values:
        axis.plot(xs, row, linestyle="none", marker=marker, color=color, alpha=0.35, markersize=5)


def figure_gradient_vs_depth(results=None):
    """Xiong et al.'s Theorem 1: the last block's ‖∂L/∂W²‖ at init against depth, Pre-LN and Post-LN,
    both initializations."""
    results = _results(results)
    figure, axes = style.new_figure(12, 4.6, ncols=2, sharey=False)
    depths = np.array(experiments.INIT_DEPTHS)
    for axis, init in zip(axes, experiments.INITS):
        for placement in ("post", "pre"):
            values = _last_layer_gradient(results, "layer", placement, init)
            _seed_dots(axis, depths, values, _color("layer"), PLACEMENT_STYLE[placement]["marker"])
            axis.plot(depths, values.mean(axis=0), color=_color("layer"), label=architecture_name("layer", placement),
                      **PLACEMENT_STYLE[placement])
        predicted = _predicted_from_residual(results, "layer", init)
        axis.plot(depths, predicted, color="black", linestyle=":", label="Pre-LN predicted from ‖x_L‖")
        axis.set_xscale("log", base=2)
        axis.set_xticks(depths, [str(d) for d in depths])
        axis.set_ylim(0, None)
        axis.set_xlabel("depth L (blocks)")
        axis.set_ylabel("‖∂loss/∂W² of the last block‖")
        axis.set_title(f"{'PyTorch default' if init == 'torch' else 'Xavier'} init")
    axes[0].legend(loc="lower left")
    figure.suptitle(f"Gradient of the last layer at initialization (mean of {len(experiments.INIT_SEEDS)} seeds, "
                    f"dots: each seed)")
    return figure


def figure_gradient_per_layer(results=None, depth: int = 12):
    """Xiong et al.'s Fig. 3: each block's ‖∂L/∂W²‖ at init, in a 12-block model."""
    results = _results(results)
    figure, axes = style.new_figure(12, 4.4, ncols=2)
    layers = np.arange(1, depth + 1)
    for axis, init in zip(axes, experiments.INITS):
        for placement in ("post", "pre"):
            values = _init_series(results, "layer", placement, init, depth, "init_grad_norms")
            _seed_dots(axis, layers, values, _color("layer"), PLACEMENT_STYLE[placement]["marker"])
            axis.plot(layers, values.mean(axis=0), color=_color("layer"), label=architecture_name("layer", placement),
                      **PLACEMENT_STYLE[placement])
        axis.set_ylim(0, None)
        axis.set_xlabel("block l (1 = next to the input)")
        axis.set_ylabel("‖∂loss/∂W²‖ of block l")
        axis.set_title(f"{'PyTorch default' if init == 'torch' else 'Xavier'} init, {depth} blocks")
    axes[0].legend(loc="lower left")
    return figure


def figure_residual_growth(results=None, depth: int = 12):
    """Xiong et al.'s Lemma 2: E‖x_l‖²/d entering each block at init, Pre-LN against Post-LN."""
    results = _results(results)
    figure, axes = style.new_figure(12, 4.4, ncols=2)
    positions = np.arange(depth + 1)
    for axis, init in zip(axes, experiments.INITS):
        for placement in ("post", "pre"):
            values = _init_series(results, "layer", placement, init, depth, "init_residual")
            _seed_dots(axis, positions, values, _color("layer"), PLACEMENT_STYLE[placement]["marker"])
            axis.plot(positions, values.mean(axis=0), color=_color("layer"),
                      label=architecture_name("layer", placement), **PLACEMENT_STYLE[placement])
        if init == "xavier":
            axis.plot(positions, 1 + positions / 2, color="black", linestyle=":", label="Lemma 2's bound 1 + l/2")
        axis.set_ylim(0, None)
        axis.set_xlabel("l (0 = embeddings, L = after the last block)")
        axis.set_ylabel(r"$E\,\|x_l\|^2 / d$")
        axis.set_title(f"{'PyTorch default' if init == 'torch' else 'Xavier'} init")
        axis.legend(loc="upper left")
    figure.suptitle("Size of the residual stream at initialization")
    return figure


def figure_warmup(results=None):
    """Xiong et al.: 12 blocks at lr 0.01. Loss curves of Post-LN with and without warm-up and of Pre-LN,
    and every depth × warm-up × placement's held-out loss."""
    results = _results(results)
    figure, (curves, summary) = style.new_figure(13, 4.8, ncols=2, gridspec_kw={"width_ratios": [1.5, 1]})
    for placement, warmup in (("post", 0), ("post", 50), ("pre", 0)):
        name = architecture_name("layer", placement)
        _draw_loss_curves(curves, _warmup_runs(results, placement, warmup),
                          WARMUP_COLORS[warmup] if placement == "post" else _color("layer"),
                          f"{name}, warm-up {warmup}", "--" if placement == "post" else "-")
    _loss_axis(curves, title="12 blocks, learning rate 0.01")
    curves.legend(loc="lower left")
    for depth, shade in zip(experiments.WARMUP_DEPTHS, (0.45, 1.0)):
        for placement in ("post", "pre"):
            losses = np.array([_final_losses(_warmup_runs(results, placement, w, depth))
                               for w in experiments.WARMUP_STEPS]).T
            xs = np.arange(len(experiments.WARMUP_STEPS)) + (0.08 if placement == "pre" else -0.08)
            _seed_dots(summary, xs, np.clip(losses, None, LOSS_LIMITS[1]), _color("layer"),
                       PLACEMENT_STYLE[placement]["marker"])
            summary.plot(xs, np.nanmean(losses, axis=0), color=_color("layer"), alpha=shade,
                         label=f"{architecture_name('layer', placement)}, {depth} blocks", **PLACEMENT_STYLE[placement])
    summary.set_xticks(range(len(experiments.WARMUP_STEPS)), [str(w) for w in experiments.WARMUP_STEPS])
    summary.set_xlabel("warm-up steps")
    summary.set_ylabel("held-out loss after 150 steps")
    summary.set_ylim(*LOSS_LIMITS)
    _reference_lines(summary)
    summary.legend(loc="center right", fontsize=11)
    summary.set_title("Every run (dots: seeds)")
    return figure


def figure_learning_rate_range(results=None, architectures=None):
    """Article 004's claim: held-out loss after 150 steps against the learning rate, per norm and placement.
    A seed whose loss became NaN or ∞ is drawn as × at the top, one whose loss is finite but off the chart as ▲."""
    table = learning_rate_table(results)
    architectures = architectures or [("none", "pre"), ("layer", "post"), ("layer", "pre"), ("batch", "pre"),
                                      ("rms", "pre")]
    figure, axis = style.new_figure(11, 5.2)
    offsets = np.linspace(-0.06, 0.06, len(architectures))
    for (norm, placement), offset in zip(architectures, offsets):
        rates, losses, outcomes = table[(norm, placement)]
        xs = rates * 10 ** offset
        top = LOSS_LIMITS[1] - 0.1
        for row, kinds in zip(losses, outcomes):
            diverged = kinds == "diverged"
            above = ~diverged & (row > top)
            inside = ~diverged & ~above
            axis.plot(xs[inside], row[inside], linestyle="none", marker=PLACEMENT_STYLE[placement]["marker"],
                      color=_color(norm), alpha=0.35, markersize=5)
            axis.plot(xs[above], np.full(above.sum(), top), "^", color=_color(norm), markersize=11)
            axis.plot(xs[diverged], np.full(diverged.sum(), top), "x", color=_color(norm), markersize=12, mew=3)
        mean = _mean_unless_diverged(losses, outcomes)
        axis.plot(xs, mean, color=_color(norm), label=architecture_name(norm, placement),
                  **PLACEMENT_STYLE[placement])
    axis.set_xscale("log")
    axis.set_ylim(*LOSS_LIMITS)
    axis.axhline(learned_threshold(), color="black", linewidth=1, linestyle="-.", alpha=0.5)
    axis.annotate("learned below this line", (1, learned_threshold()), xycoords=("axes fraction", "data"),
                  xytext=(-4, -3), textcoords="offset points", ha="right", va="top", fontsize=11, alpha=0.8)
    _reference_lines(axis)
    axis.set_xlabel("learning rate (log scale)")
    axis.set_ylabel("held-out loss after 150 steps")
    axis.set_title(f"{experiments.LEARNING_RATE_DEPTH} blocks, no warm-up, 3 seeds "
                   f"(× = NaN or ∞, ▲ = finite but above the chart)")
    axis.legend(loc="upper left", fontsize=12)
    return figure


def figure_batch_statistics(results=None):
    """Shen et al.'s Fig. 2 at toy scale: how far each batch's statistics are from the running ones, over
    training (left) and by batch size, with and without padding (right)."""
    results = _results(results)
    figure, (over_time, by_size) = style.new_figure(12, 4.6, ncols=2)
    over_time.axvspan(0, SETTLING_STEPS, color="black", alpha=0.08, linewidth=0)
    over_time.annotate("running averages\nstill catching up", (SETTLING_STEPS, 0.98),
                       xycoords=("data", "axes fraction"), xytext=(4, 0), textcoords="offset points", va="top",
                       fontsize=11, alpha=0.8)
    for batch_size in experiments.BATCH_SIZES:
        runs = _batch_norm_runs(results, "batch", batch_size)
        steps = runs[0].statistics_steps
        mean = np.mean([r.mean_shift for r in runs], axis=0)
        over_time.plot(steps, mean, color=BATCH_COLORS[batch_size], label=f"batch {batch_size}")
    over_time.set_xlabel("training step")
    over_time.set_ylabel("mean |μ_B − μ_running| / σ_running")
    over_time.set_title("Full sequences, mean of 3 seeds")
    over_time.set_ylim(0, None)
    over_time.legend(loc="upper right")
    sizes = np.array(experiments.BATCH_SIZES)
    for (name, (padded, counts)), color in zip(PADDING_CHOICES, ("#0072B2", "#E69F00", "#D55E00")):
        values = np.array([_mean_shift(_batch_norm_runs(results, "batch", b, padded, counts)) for b in sizes]).T
        _seed_dots(by_size, sizes, values, color, "o")
        by_size.plot(sizes, values.mean(axis=0), color=color, marker="o", label=name)
    by_size.set_xscale("log", base=2)
    by_size.set_xticks(sizes, [str(b) for b in sizes])
    by_size.set_ylim(0, None)
    by_size.set_xlabel("batch size (sequences)")
    by_size.set_ylabel(f"same, averaged after step {SETTLING_STEPS}")
    by_size.set_title("By batch size (dots: seeds)")
    by_size.legend(loc="upper right", fontsize=11)
    figure.suptitle("Batch norm in a Transformer: batch statistics against running statistics")
    return figure


def figure_batch_norm_gap(results=None):
    """Shen et al.: held-out loss of Post-BN minus Post-LN against batch size (paired seeds)."""
    gaps = batch_norm_gaps(results)
    figure, axis = style.new_figure(10, 4.8)
    for (name, (sizes, values)), color in zip(gaps.items(), ("#0072B2", "#E69F00", "#D55E00")):
        _seed_dots(axis, sizes, values, color, "o")
        axis.plot(sizes, np.nanmean(values, axis=0), color=color, marker="o", label=name)
    axis.axhline(0, color="black", linewidth=1.2)
    axis.annotate("BN worse ↑   BN better ↓", (0.01, 0), xycoords=("axes fraction", "data"), xytext=(0, 6),
                  textcoords="offset points", fontsize=11)
    axis.set_xscale("log", base=2)
    axis.set_xticks(experiments.BATCH_SIZES, [str(b) for b in experiments.BATCH_SIZES])
    axis.set_xlabel("batch size (sequences)")
    axis.set_ylabel("loss(Post-BN) − loss(Post-LN)")
    axis.set_title("What batch norm costs, by batch size (3 paired seeds; dots: each seed)")
    axis.legend(loc="upper right", fontsize=12)
    return figure


def mismatch_table(results=None) -> _HTML:
    """BN's held-out loss with running statistics (eval mode) and with batch statistics, by batch size."""
    results = _results(results)
    rows = []
    for batch_size in experiments.BATCH_SIZES:
        for padded in (False, True):
            runs = _batch_norm_runs(results, "batch", batch_size, padded)
            ln = _final_losses(_batch_norm_runs(results, "layer", batch_size, padded))
            running = np.array([r.eval_loss for r in runs])
            batch = np.array([r.eval_loss_batch_statistics for r in runs])
            rows.append((batch_size, "padded" if padded else "full", float(ln.mean()), float(batch.mean()),
                         float(running.mean()), float((running - batch).mean())))
    return _HTML(ui.html_table(["batch", "sequences", "Post-LN", "Post-BN, batch stats", "Post-BN, running stats",
                                "running − batch"], rows,
                               "Held-out loss after 150 steps, mean of 3 seeds (LN has no such mismatch)"))


def batch_dependence_table(results=None) -> _HTML:
    """How much one sequence's predictions move when the rest of its batch, or a later token, changes."""
    results = _results(results)
    rows = []
    for norm in ("layer", "batch"):
        for batch_size in experiments.BATCH_SIZES:
            probes = [r.batch_dependence for r in _batch_norm_runs(results, norm, batch_size)]
            rows.append((f"Post-{NORM_NAMES[norm]}", batch_size,
                         *(float(np.mean([p[key] for p in probes])) for key in
                           ("train_neighbours", "train_future", "eval_neighbours", "eval_future"))))
    return _HTML(ui.html_table(["model", "batch", "training: other sequences", "training: a later token",
                                "eval: other sequences", "eval: a later token"], rows,
                               "Largest change of sequence 0's log-probabilities (nats), trained models, mean of 3 "
                               "seeds"))


def check_largest_learning_rate(answer, results=None) -> _HTML:
    """Exercise: the largest cached learning rate at which the model WITHOUT a norm still learns (every seed)."""
    rates, _, outcomes = learning_rate_table(results)[("none", "pre")]
    _, high, _ = learning_rate_range(outcomes, rates)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return _HTML(f"<b>Enter a number</b>, such as 0.001 (you entered {html.escape(repr(answer))}).")
    if math.isclose(value, high, rel_tol=0.05):
        return _HTML(f"<b>Right.</b> Every seed learns at {high:g}; at the next rate up, "
                     f"{rates[rates > high].min():g}, at least one does not. Compare Pre-LN's largest.")
    hint = "too large: look for the ×'s and the points above the 'learned' line" if value > high else \
        "too small: the model without a norm still learns at a larger rate"
    return _HTML(f"<b>Not quite</b> — {value:g} is {hint}. Pick norm 'none' in the app and step through the rates.")


# ---------------------------------------------------------------------------
# Apps that answer from the cache
# ---------------------------------------------------------------------------

def _placement_note(norm: str, placement: str) -> str:
    """Without a norm the placement control changes nothing in the model: say so, naming the choice."""
    if norm != "none":
        return ""
    return (f" Without a norm there is nothing to place: {placement.capitalize()} and "
            f"{'Pre' if placement == 'post' else 'Post'} are the same model.")


def _lr_label(lr: float) -> str:
    return f"{lr:g}"


class TransformerInitGradientApp(ui.App):
    """Depth, norm and initialization → each layer's gradient and the residual stream's size at init.

    ``prerender=True`` draws the axes of every (norm, initialization) at construction (about 0.1 s each),
    so that no first switch to one waits for them.
    """

    def __init__(self, results=None, *, prerender: bool = True) -> None:
        self.results = _results(results)
        controls = {
            "depth": ui.choice("L", "depth, blocks", list(experiments.INIT_DEPTHS), 12),
            "norm": ui.choice("norm", "", [(NORM_NAMES[n], n) for n in ("layer", "rms", "batch", "none")], "layer"),
            "init": ui.choice("init", "weights", [("PyTorch default", "torch"), ("Xavier", "xavier")], "torch"),
        }
        self.figure, axes = style.new_figure(14, 4.4, ncols=3)
        self.depth_axis, self.layer_axis, self.residual_axis = axes
        self.lines = {}
        for placement in ("post", "pre"):
            kwargs = dict(color=_color("layer"), **PLACEMENT_STYLE[placement])
            self.lines[("depth", placement)] = self.depth_axis.plot([], [], label=placement.capitalize(), **kwargs)[0]
            self.lines[("layer", placement)] = self.layer_axis.plot([], [], **kwargs)[0]
            self.lines[("residual", placement)] = self.residual_axis.plot([], [], **kwargs)[0]
        self.marker = self.depth_axis.plot([], [], "o", markersize=18, markerfacecolor="none", color="black",
                                           mew=2)[0]
        self.depth_axis.set_xscale("log", base=2)
        self.depth_axis.set_xticks(experiments.INIT_DEPTHS, [str(d) for d in experiments.INIT_DEPTHS])
        self.depth_axis.set_xlabel("depth L")
        self.depth_axis.set_ylabel("last block's ‖∂loss/∂W²‖")
        _title(self.depth_axis, "Last layer vs depth")
        self.depth_axis.legend(loc="lower left")
        self.layer_axis.set_xlim(0.5, max(experiments.INIT_DEPTHS) + 0.5)
        self.layer_axis.set_xlabel("block l")
        self.layer_axis.set_ylabel("‖∂loss/∂W²‖ of block l")
        for axis in (self.layer_axis, self.residual_axis):
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        _title(self.layer_axis, "Every block")
        self.residual_axis.set_xlim(-0.5, max(experiments.INIT_DEPTHS) + 0.5)
        self.residual_axis.set_xlabel("l (0 = embeddings)")
        self.residual_axis.set_ylabel(r"$E\,\|x_l\|^2 / d$")
        _title(self.residual_axis, "Residual stream")
        # Each panel's height fits its highest curve over every depth, so that moving the depth only
        # re-paints the curves; a norm or an initialization of its own gets a background of its own.
        self.tops = {(norm, init): self._tops(norm, init) for norm in ("layer", "rms", "batch", "none")
                     for init in ("torch", "xavier")}
        self.view = ui.FigureView(self.figure, dynamic=[*self.lines.values(), self.marker])
        self.start(controls, [self.view], f"Gradients and activations at initialization (means of "
                                          f"{len(experiments.INIT_SEEDS)} seeds)")
        if prerender:
            shown = (self.value("norm"), self.value("init"))
            for key in [k for k in self.tops if k != shown] + [shown]:  # the shown one last: its axes stay
                self._fit_axes(*key)
                self.view.draw(background=key)

    def _tops(self, norm: str, init: str) -> dict:
        """panel → the highest value any depth shows in it, for this norm and initialization."""
        tops = {"depth": 0.0, "layer": 0.0, "residual": 0.0}
        for placement in ("post", "pre"):
            tops["depth"] = max(tops["depth"],
                                float(_last_layer_gradient(self.results, norm, placement, init).mean(axis=0).max()))
            for depth in experiments.INIT_DEPTHS:
                for name, series in (("layer", "init_grad_norms"), ("residual", "init_residual")):
                    values = _init_series(self.results, norm, placement, init, depth, series).mean(axis=0)
                    tops[name] = max(tops[name], float(values.max()))
        return tops

    def _fit_axes(self, norm: str, init: str) -> None:
        """Each panel's height: 12 % above the highest value any depth shows for this norm and initialization."""
        tops = self.tops[(norm, init)]
        for name, axis in (("depth", self.depth_axis), ("layer", self.layer_axis), ("residual", self.residual_axis)):
            axis.set_ylim(0, tops[name] * 1.12)

    def update(self) -> str:
        depth, norm, init = self.value("depth"), self.value("norm"), self.value("init")
        color = _color(norm)
        for placement in ("post", "pre"):
            by_depth = _last_layer_gradient(self.results, norm, placement, init).mean(axis=0)
            layers = _init_series(self.results, norm, placement, init, depth, "init_grad_norms").mean(axis=0)
            residual = _init_series(self.results, norm, placement, init, depth, "init_residual").mean(axis=0)
            for name, xs, ys in (("depth", experiments.INIT_DEPTHS, by_depth),
                                 ("layer", np.arange(1, depth + 1), layers),
                                 ("residual", np.arange(depth + 1), residual)):
                self.lines[(name, placement)].set_data(xs, ys)
                self.lines[(name, placement)].set_color(color)
            if placement == "pre":
                self.marker.set_data([depth], [by_depth[experiments.INIT_DEPTHS.index(depth)]])
        self._fit_axes(norm, init)
        self.view.draw(background=(norm, init))
        pre = _last_layer_gradient(self.results, norm, "pre", init).mean(axis=0)
        post = _last_layer_gradient(self.results, norm, "post", init).mean(axis=0)
        residual_pre = _init_series(self.results, norm, "pre", init, depth, "init_residual").mean(axis=0)
        name_pre, name_post = architecture_name(norm, "pre"), architecture_name(norm, "post")
        if norm == "none":
            return (f"Without a norm, Pre and Post are the same model (the two lines coincide). The residual "
                    f"stream grows from {residual_pre[0]:.2f} to {residual_pre[-1]:.2f} over {depth} blocks, and "
                    f"nothing divides it back down.")
        return (f"From 1 to 16 blocks, the last layer's gradient goes {pre[0]:.3f} → {pre[-1]:.3f} under {name_pre} "
                f"and {post[0]:.3f} → {post[-1]:.3f} under {name_post}. At {depth} blocks, {name_pre}'s residual "
                f"stream grows from {residual_pre[0]:.2f} to {residual_pre[-1]:.2f}; {name_post} renormalizes it "
                f"after every sub-layer.")


class TransformerWarmupApp(ui.App):
    """Depth, warm-up and placement → loss curves at lr 0.01 (Xiong et al. 2020)."""

    def __init__(self, results=None) -> None:
        self.results = _results(results)
        controls = {
            "depth": ui.choice("L", "depth, blocks", list(experiments.WARMUP_DEPTHS), 12),
            "warmup": ui.choice("warm-up", "steps", list(experiments.WARMUP_STEPS), 0),
            "placement": ui.choice("placement", "of LN", [("Post-LN", "post"), ("Pre-LN", "pre")], "post"),
        }
        self.figure, axes = style.new_figure(13, 5.4, nrows=2, ncols=2, sharex="col",
                                             gridspec_kw={"width_ratios": [1.5, 1], "height_ratios": [3, 1]})
        (self.curves, top_right), (self.rate_axis, bottom_right) = axes
        grid = top_right.get_subplotspec().get_gridspec()
        top_right.remove()
        bottom_right.remove()
        self.summary = self.figure.add_subplot(grid[:, 1])
        _loss_axis(self.curves, title="")
        self.curves.set_xlabel("")
        self.seed_lines = [self.curves.plot([], [], linewidth=1, alpha=0.5)[0] for _ in SEEDS]
        self.mean_line = self.curves.plot([], [], label="mean of 3 seeds")[0]
        self.crosses = self.curves.plot([], [], "x", markersize=14, mew=3, color="#D55E00")[0]
        self.rate_line = self.rate_axis.plot([], [], color="black", linewidth=2)[0]
        self.rate_axis.set_ylim(0, 1.15 * experiments.WARMUP_LR)
        self.rate_axis.set_yticks([0, experiments.WARMUP_LR], ["0", f"{experiments.WARMUP_LR:g}"])
        self.rate_axis.set_ylabel(r"$\eta_t$")
        self.rate_axis.set_xlabel("training step")
        self.summary_lines = {p: self.summary.plot([], [], color=_color("layer"), label=architecture_name("layer", p),
                                                   **PLACEMENT_STYLE[p])[0] for p in ("post", "pre")}
        self.summary_dots = {p: self.summary.plot([], [], linestyle="none", marker=PLACEMENT_STYLE[p]["marker"],
                                                  color=_color("layer"), alpha=0.35, markersize=5)[0]
                             for p in ("post", "pre")}
        self.choice_marker = self.summary.plot([], [], "o", markersize=20, markerfacecolor="none", color="black",
                                               mew=2)[0]
        self.summary.set_xticks(range(len(experiments.WARMUP_STEPS)), [str(w) for w in experiments.WARMUP_STEPS])
        self.summary.set_xlim(-0.5, len(experiments.WARMUP_STEPS) - 0.5)
        self.summary.set_ylim(*LOSS_LIMITS)
        self.summary.set_xlabel("warm-up steps")
        self.summary.set_ylabel("held-out loss")
        _reference_lines(self.summary, unigram=False)
        self.summary.legend(loc="center right")
        dynamic = [*self.seed_lines, self.mean_line, self.crosses, self.rate_line, *self.summary_lines.values(),
                   *self.summary_dots.values(), self.choice_marker, self.curves.title, self.summary.title]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(controls, [self.view], f"Warm-up at learning rate {experiments.WARMUP_LR:g}")

    def update(self) -> str:
        depth, warmup, placement = self.value("depth"), self.value("warmup"), self.value("placement")
        runs = _warmup_runs(self.results, placement, warmup, depth)
        color = _color("layer") if placement == "pre" else WARMUP_COLORS[warmup]
        _set_loss_lines(self.seed_lines, self.mean_line, self.crosses, runs, color)
        self.mean_line.set_linestyle(PLACEMENT_STYLE[placement]["linestyle"])
        steps = np.arange(150)
        self.rate_line.set_data(steps, experiments.WARMUP_LR * np.minimum(1, (steps + 1) / warmup) if warmup
                                else np.full(150, experiments.WARMUP_LR))
        _title(self.curves, f"{architecture_name('layer', placement)}, {depth} blocks, warm-up {warmup}")
        xs = np.arange(len(experiments.WARMUP_STEPS))
        for p in ("post", "pre"):
            losses = np.array([_final_losses(_warmup_runs(self.results, p, w, depth))
                               for w in experiments.WARMUP_STEPS]).T
            shown = np.clip(losses, None, LOSS_LIMITS[1] - 0.1)
            self.summary_lines[p].set_data(xs, np.nanmean(shown, axis=0))
            self.summary_dots[p].set_data(np.tile(xs, len(SEEDS)), shown.ravel())
        chosen = _final_losses(runs)
        self.choice_marker.set_data([experiments.WARMUP_STEPS.index(warmup)],
                                    [min(np.nanmean(chosen), LOSS_LIMITS[1] - 0.1) if np.isfinite(chosen).any()
                                     else LOSS_LIMITS[1] - 0.1])
        _title(self.summary, f"{depth} blocks: every warm-up")
        self.view.draw()
        return f"{architecture_name('layer', placement)}, {depth} blocks, warm-up {warmup}: {_describe_runs(runs)}."


class TransformerLearningRateApp(ui.App):
    """Norm, placement and learning rate → loss curves, and where this run sits on the learning-rate range."""

    def __init__(self, results=None) -> None:
        self.results = _results(results)
        self.table = learning_rate_table(self.results)
        controls = {
            "norm": ui.choice("norm", "", [(NORM_NAMES[n], n) for n in ("none", "layer", "batch", "rms")], "layer"),
            "placement": ui.choice("placement", "", [("Post", "post"), ("Pre", "pre")], "post"),
            "lr": ui.choice("η", "learning rate", [(_lr_label(lr), lr) for lr in experiments.LEARNING_RATES], 1e-2),
        }
        self.figure, (self.range_axis, self.curves) = style.new_figure(13, 4.8, ncols=2)
        rates = np.array(experiments.LEARNING_RATES)
        self.background = {}
        for norm, placement in experiments.ARCHITECTURES:
            _, losses, outcomes = self.table[(norm, placement)]
            mean = _mean_unless_diverged(losses, outcomes)
            self.background[(norm, placement)] = self.range_axis.plot(
                rates, mean, color=_color(norm), alpha=0.25, linewidth=1.5, **PLACEMENT_STYLE[placement])[0]
        self.selected = self.range_axis.plot([], [], linewidth=4)[0]
        self.selected_dots = self.range_axis.plot([], [], linestyle="none", marker="o", markersize=6, alpha=0.6)[0]
        self.selected_crosses = self.range_axis.plot([], [], "x", markersize=14, mew=3)[0]
        self.choice_marker = self.range_axis.plot([], [], "o", markersize=22, markerfacecolor="none", color="black",
                                                  mew=2)[0]
        self.range_axis.set_xscale("log")
        self.range_axis.set_ylim(*LOSS_LIMITS)
        self.range_axis.set_xlabel("learning rate (log scale)")
        self.range_axis.set_ylabel("held-out loss after 150 steps")
        _title(self.range_axis, "Every norm (faint) and yours (bold)")
        _reference_lines(self.range_axis, unigram=False)
        _loss_axis(self.curves)
        self.seed_lines = [self.curves.plot([], [], linewidth=1, alpha=0.5)[0] for _ in SEEDS]
        self.mean_line = self.curves.plot([], [])[0]
        self.crosses = self.curves.plot([], [], "x", markersize=14, mew=3)[0]
        dynamic = [*self.background.values(), self.selected, self.selected_dots, self.selected_crosses,
                   self.choice_marker, *self.seed_lines, self.mean_line, self.crosses, self.curves.title]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(controls, [self.view], f"Learning rate, {experiments.LEARNING_RATE_DEPTH} blocks, no warm-up")

    def update(self) -> str:
        norm, placement, lr = self.value("norm"), self.value("placement"), self.value("lr")
        if norm == "none":
            placement = "pre"  # without a norm, Pre and Post are one model
        rates, losses, outcomes = self.table[(norm, placement)]
        color = _color(norm)
        for key, line in self.background.items():
            line.set_visible(key != (norm, placement))
        mean = _mean_unless_diverged(losses, outcomes)
        self.selected.set_data(rates, mean)
        self.selected.set_color(color)
        self.selected.set_linestyle(PLACEMENT_STYLE[placement]["linestyle"])
        finite = outcomes != "diverged"
        self.selected_dots.set_data(np.tile(rates, len(SEEDS))[finite.ravel()],
                                    np.clip(losses, None, LOSS_LIMITS[1] - 0.1).ravel()[finite.ravel()])
        self.selected_dots.set_color(color)
        self.selected_crosses.set_data(np.tile(rates, len(SEEDS))[~finite.ravel()],
                                       np.full((~finite).sum(), LOSS_LIMITS[1] - 0.1))
        self.selected_crosses.set_color(color)
        index = experiments.LEARNING_RATES.index(lr)
        self.choice_marker.set_data([lr], [mean[index] if np.isfinite(mean[index]) else LOSS_LIMITS[1] - 0.1])
        runs = self.results.runs(TrainConfig(norm=norm, placement=placement, n_layers=experiments.LEARNING_RATE_DEPTH,
                                             lr=lr))
        _set_loss_lines(self.seed_lines, self.mean_line, self.crosses, runs, color)
        name = architecture_name(norm, placement)
        _title(self.curves, f"{name}, learning rate {lr:g} (3 seeds)")
        self.view.draw()
        low, high, width = learning_rate_range(outcomes, rates)
        span = (f"{name} learns (every seed) from {low:g} to {high:g}" if math.isfinite(low)
                else f"{name} learns at none of these rates")
        huge = [r.eval_loss for r in runs if not r.diverged and r.eval_loss > LOSS_LIMITS[1]]
        extra = f" The loss blew up to {ui.format_number(max(huge))} without becoming NaN." if huge else ""
        same = _placement_note(self.value("norm"), self.value("placement"))
        return f"At {lr:g}: {_describe_runs(runs)}. {span}.{extra}{same}"


class TransformerBatchNormApp(ui.App):
    """Batch size and padding → Post-BN against Post-LN (Shen et al. 2020)."""

    def __init__(self, results=None) -> None:
        self.results = _results(results)
        controls = {
            "batch": ui.choice("B", "batch size, sequences", list(experiments.BATCH_SIZES), 4),
            "padding": ui.choice("sequences", "", [name for name, _ in PADDING_CHOICES], PADDING_CHOICES[0][0]),
        }
        self.figure, (self.curves, self.shift_axis) = style.new_figure(13, 4.6, ncols=2)
        _loss_axis(self.curves)
        self.lines = {norm: self.curves.plot([], [], color=_color(norm), label=f"Post-{NORM_NAMES[norm]}")[0]
                      for norm in ("layer", "batch")}
        self.seed_lines = {norm: [self.curves.plot([], [], color=_color(norm), linewidth=1, alpha=0.45)[0]
                                  for _ in SEEDS] for norm in ("layer", "batch")}
        self.curves.legend(loc="lower left")
        self.curves.set_ylim(1.0, 4.4)
        self.shift_lines = [self.shift_axis.plot([], [], color=_color("batch"), linewidth=1, alpha=0.6)[0]
                            for _ in SEEDS]
        self.shift_mean = self.shift_axis.plot([], [], color=_color("batch"))[0]
        self.shift_axis.set_xlim(0, 150)
        top = max(max(r.mean_shift) for name, (padded, counts) in PADDING_CHOICES for b in experiments.BATCH_SIZES
                  for r in _batch_norm_runs(self.results, "batch", b, padded, counts))
        self.shift_axis.set_ylim(0, 1.05 * top)
        self.shift_axis.set_xlabel("training step")
        self.shift_axis.set_ylabel("mean |μ_B − μ_running| / σ_running")
        _title(self.shift_axis, "Post-BN: batch vs running mean")
        dynamic = [*self.lines.values(), *(line for lines in self.seed_lines.values() for line in lines),
                   *self.shift_lines, self.shift_mean, self.curves.title]
        self.view = ui.FigureView(self.figure, dynamic=dynamic)
        self.start(controls, [self.view], "Batch norm against layer norm, by batch size and padding")

    def update(self) -> str:
        batch_size = self.value("batch")
        padded, counts = dict(PADDING_CHOICES)[self.value("padding")]
        runs = {"layer": _batch_norm_runs(self.results, "layer", batch_size, padded),
                "batch": _batch_norm_runs(self.results, "batch", batch_size, padded, counts)}
        for norm, norm_runs in runs.items():
            _set_loss_lines(self.seed_lines[norm], self.lines[norm], None, norm_runs, window=10)
        for line, run in zip(self.shift_lines, runs["batch"]):
            line.set_data(run.statistics_steps, run.mean_shift)
        self.shift_mean.set_data(runs["batch"][0].statistics_steps,
                                 np.mean([r.mean_shift for r in runs["batch"]], axis=0))
        _title(self.curves, f"Batch {batch_size}, {self.value('padding')} (10-step average)")
        self.view.draw()
        ln, bn = _final_losses(runs["layer"]), _final_losses(runs["batch"])
        batch_statistics = np.array([r.eval_loss_batch_statistics for r in runs["batch"]])
        gap = bn - ln
        padding_note = " LN never looks across tokens, so padding cannot disturb it." if padded else ""
        return (f"Held-out loss, mean of 3 seeds: Post-LN {np.nanmean(ln):.3f}, Post-BN {np.nanmean(bn):.3f} "
                f"(BN − LN per seed: {', '.join(f'{g:+.3f}' for g in gap)}). Post-BN evaluated with batch "
                f"statistics instead of running ones: {np.nanmean(batch_statistics):.3f}.{padding_note}")


# ---------------------------------------------------------------------------
# Training live
# ---------------------------------------------------------------------------

LIVE_TIME_LIMIT = 20.0   # seconds; a live run stops there and says so
LIVE_REDRAW_EVERY = 5    # steps between two redraws of the live curve


def estimated_seconds(config: TrainConfig, results=None) -> float:
    """How long ``config`` should take to train here: the cache's median wall time per step·block·(sequences + 8),
    times ``config``'s."""
    results = _results(results)
    rates = [r["wall_time"] / (r["config"]["steps"] * r["config"]["n_layers"] * (r["config"]["batch_size"] + 8))
             for r in results.data["runs"] if r.get("wall_time")]
    return float(np.median(rates)) * config.steps * config.n_layers * (config.batch_size + 8)


class TransformerLiveTrainingApp(ui.App):
    """Pick any configuration; see its cached curve if there is one; press the button to train it live."""

    def __init__(self, results=None) -> None:
        self.results = _results(results)
        controls = {
            "norm": ui.choice("norm", "", [(NORM_NAMES[n], n) for n in ("none", "layer", "batch", "rms")], "layer"),
            "placement": ui.choice("placement", "", [("Post", "post"), ("Pre", "pre")], "post"),
            "depth": ui.slider("L", "depth, blocks", 12, 1, 12, integer=True),
            "lr": ui.choice("η", "learning rate", [(_lr_label(lr), lr) for lr in (1e-4,) + experiments.LEARNING_RATES],
                            1e-2),
            "warmup": ui.choice("warm-up", "steps", list(experiments.WARMUP_STEPS), 0),
            "batch": ui.choice("B", "batch size", [2, 4, 8, 16, 32], 16),
            "padded": ui.choice("sequences", "", [("full", False), ("padded", True)], False),
        }
        self.button = widgets.Button(description="Train live (seed 0)", button_style="primary",
                                     layout=widgets.Layout(width="260px", height="40px"))
        self.button.add_class("lnlib-train-button")
        self.button.on_click(self.train_live)
        self.progress = widgets.HTML()
        self.progress.add_class("lnlib-output")
        self.figure, self.axis = style.new_figure(11, 4.6)
        _loss_axis(self.axis)
        self.cached_line = self.axis.plot([], [], color="black", alpha=0.35, linewidth=5, label="from the cache")[0]
        self.live_line = self.axis.plot([], [], label="live")[0]
        self.live_cross = self.axis.plot([], [], "x", markersize=16, mew=3, color="#D55E00")[0]
        self.axis.legend(loc="lower left")
        # the axes are the same for every configuration: only the curves, the × and the title are re-painted
        self.view = ui.FigureView(self.figure, dynamic=[self.cached_line, self.live_line, self.live_cross,
                                                        self.axis.title])
        self.live = None  # (config, result, note) of the last live run
        self.start(controls, [self.progress, self.view], "Train one configuration yourself")
        # the button under the controls, above the note, the progress line and the figure
        self.widget.children = self.widget.children[:-3] + (self.button,) + self.widget.children[-3:]

    def config(self) -> TrainConfig:
        norm = self.value("norm")
        return TrainConfig(norm=norm, placement="pre" if norm == "none" else self.value("placement"),
                           n_layers=int(self.value("depth")), lr=self.value("lr"), warmup_steps=self.value("warmup"),
                           batch_size=self.value("batch"), padded=self.value("padded"))

    def update(self) -> str:
        config = self.config()
        self.progress.value = ""
        self.live_line.set_data([], [])
        self.live_cross.set_data([], [])
        self.live_line.set_color(_color(config.norm))
        _title(self.axis, f"{config.label}, lr {config.lr:g}, warm-up {config.warmup_steps}, batch "
                            f"{config.batch_size}{', padded' if config.padded else ''}")
        cached = self.results.run(config) if self.results.has(config) else None
        self.cached_line.set_data(np.arange(len(cached.losses)) if cached else [],
                                  style.smooth_curve(cached.losses) if cached else [])
        same = _placement_note(config.norm, self.value("placement"))
        if self.live is not None and self.live[0] == config:
            self._draw_live(self.live[1])
            self.view.draw()
            return self.live[2] + same
        self.view.draw()
        seconds = estimated_seconds(config, self.results)
        if cached is not None:
            return (f"In the cache: {_describe_runs([cached])} (grey). Press the button to train it again live "
                    f"(about {seconds:.0f} s): the live curve should retrace the grey one exactly.{same}")
        return (f"Not in the cache. Press the button to train it live (about {seconds:.0f} s here, 150 steps)."
                f"{same}")

    def _draw_live(self, result) -> None:
        self.live_line.set_data(np.arange(len(result.losses)), style.smooth_curve(result.losses))
        if result.diverged:
            self.live_cross.set_data([result.diverged_step], [LOSS_LIMITS[1] - 0.1])

    def train_live(self, button=None) -> None:
        """Train the chosen configuration, drawing the loss as it goes; any failure becomes a sentence."""
        config = self.config()
        self.button.disabled = True
        start = time.perf_counter()

        def on_step(result) -> bool:
            step = len(result.losses)
            if step % LIVE_REDRAW_EVERY == 0:
                self._draw_live(result)
                self.view.draw()
                self.progress.value = f"<span style='font-size:16px'>step {step} of {config.steps}, " \
                                      f"{time.perf_counter() - start:.1f} s</span>"
            return time.perf_counter() - start > LIVE_TIME_LIMIT

        try:
            result = training.train(config, on_step=on_step, progress=False)
            note = self._live_note(config, result)
        except Exception as error:  # training never raises for a valid config; say so if it ever does
            result = training.TrainResult(config)
            note = html.escape(f"Training stopped with an error the course did not expect ({type(error).__name__}: "
                               f"{error}). Please report it.")
        finally:
            self.button.disabled = False
        self.live = (config, result, note)
        self.refresh()

    def _live_note(self, config: TrainConfig, result) -> str:
        took = f"{result.wall_time:.1f} s"
        if result.diverged:
            return (f"<b>Diverged at step {result.diverged_step}</b> ({took}): the loss or a gradient became "
                    f"NaN or infinite, so training was stopped there. The updates grew too large for the "
                    f"numbers to stay finite — the instability this notebook is about. Try a smaller learning "
                    f"rate, a warm-up, or Pre-LN.")
        if len(result.losses) < config.steps:
            return (f"Stopped after {len(result.losses)} of {config.steps} steps: the live demo's time limit of "
                    f"{LIVE_TIME_LIMIT:.0f} s (the machine is busy, or the model is large). Loss so far "
                    f"{ui.format_number(result.losses[-1], 3)}.")
        cached = self.results.run(config) if self.results.has(config) else None
        same = ""
        if cached is not None:
            same = (" It retraced the cached run exactly." if np.allclose(cached.losses, result.losses, rtol=1e-5)
                    else " It differs from the cached run: this machine computes slightly differently.")
        return f"Trained in {took}: {_describe_runs([result])}.{same}"
