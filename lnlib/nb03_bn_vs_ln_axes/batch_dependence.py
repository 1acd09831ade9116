r"""What follows from BN sharing statistics across the batch and LN not (notebook 03).

Batch norm standardizes feature d with the batch's :math:`\mu_d, \sigma^2_d`, computed from every
example of the batch; layer norm standardizes example n with its own :math:`\mu_n, \sigma^2_n`.
Three live experiments, all with ``torch.nn`` itself (the behaviour a learner meets in practice):

- :class:`BatchSizeApp`: BN's statistics are estimates that fluctuate from batch to batch, by about
  :math:`\sigma/\sqrt{B}`; LN's do not depend on the batch at all; at B = 1 BN refuses.
- :class:`TrainEvalApp`: in training a sample's BN output moves with its batch-mates; in eval BN
  uses running statistics; LN is the same in both, and in a batch of 1 or 64.
- :class:`PaddingApp`: padded positions enter BN's statistics and shift every real token's output;
  LN's real tokens do not move.

Its size is earned by one concern, BN's dependence on the batch: the three experiments and their apps.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from lnlib import ui
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style

# The population the examples come from: 6 features, each with its own mean and standard deviation.
FEATURE_MEANS = np.array([3.0, -1.0, 0.5, 2.0, 1.0, -2.0])
FEATURE_STDS = np.array([2.0, 1.0, 0.5, 1.5, 1.0, 3.0])
FEATURES = len(FEATURE_MEANS)
EPS = 1e-5
BATCHES = 100  # batches drawn per batch size in BatchSizeApp
SIZE_GRID = (2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)


def draw_examples(count: int, seed, shift: float = 0.0) -> np.ndarray:
    """``count`` examples (count, 6) from the population, float32; ``shift`` moves every feature's mean."""
    rng = np.random.default_rng(seed)
    return (FEATURE_MEANS + shift + FEATURE_STDS * rng.standard_normal((count, FEATURES))).astype(np.float32)


def probe_example() -> np.ndarray:
    """x₀: the one example every experiment follows, shape (6,)."""
    return draw_examples(1, seed=12345)[0]


def refusal_message(shape: tuple) -> str:
    """What ``torch.nn.BatchNorm1d`` says in training when a channel has a single value."""
    try:
        nn.BatchNorm1d(shape[1])(torch.zeros(shape))
    except ValueError as error:
        return str(error)
    raise AssertionError(f"BatchNorm1d accepted an input of shape {shape} in training")


# ---------------------------------------------------------------------------
# Batch size: how much BN's statistics fluctuate
# ---------------------------------------------------------------------------


def batch_statistics(batch_size: int, batches: int = BATCHES, seed: int = 0) -> dict:
    """BN's and LN's statistics in ``batches`` random batches of ``batch_size``, each holding x₀ as its first row.

    Returns arrays over the batches: ``bn_mean``, ``bn_var`` (feature 1's batch mean and biased
    variance, as BN computes them) and ``ln_mean``, ``ln_var`` (x₀'s own mean and variance over its
    6 features, as LN computes them inside that batch).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    others = draw_examples(batches * (batch_size - 1), seed=[seed, batch_size]).reshape(
        batches, batch_size - 1, FEATURES
    )
    x = np.concatenate([np.broadcast_to(probe_example(), (batches, 1, FEATURES)), others], axis=1)
    x = torch.from_numpy(np.ascontiguousarray(x))
    bn_mean = x[:, :, 0].mean(dim=1)
    bn_var = x[:, :, 0].var(dim=1, correction=0)
    ln_mean = x[:, 0, :].mean(dim=-1)
    ln_var = x[:, 0, :].var(dim=-1, correction=0)
    return {
        "bn_mean": bn_mean.numpy(),
        "bn_var": bn_var.numpy(),
        "ln_mean": ln_mean.numpy(),
        "ln_var": ln_var.numpy(),
    }


def expected_spread(batch_size):
    r"""The standard deviation of feature 1's batch mean when x₀ is fixed and B − 1 batch-mates are random:
    :math:`\sigma_1\sqrt{B-1}/B`, close to :math:`\sigma_1/\sqrt{B}` for large B."""
    batch_size = np.asarray(batch_size, dtype=np.float64)
    return FEATURE_STDS[0] * np.sqrt(batch_size - 1) / batch_size


def bn_mean_spread(sizes=SIZE_GRID, batches: int = BATCHES) -> np.ndarray:
    """For each batch size, the standard deviation over batches of feature 1's batch mean (BN's μ₁)."""
    return np.array([batch_statistics(size, batches)["bn_mean"].std() for size in sizes])


class BatchSizeApp(ui.App):
    """Drag the batch size: BN's μ and σ² of feature 1 jump from batch to batch; LN's for x₀ never move."""

    def __init__(self) -> None:
        controls = {"batch": ui.slider("B", _("batch size"), 8, 1, 128, integer=True)}
        figure, (stats_axes, spread_axes) = style.new_figure(13, 4.6, nrows=1, ncols=2)
        index = np.arange(1, BATCHES + 1)
        (self.bn_points,) = stats_axes.plot(
            index,
            np.zeros(BATCHES),
            "o",
            markersize=5,
            color=style.NORM_COLORS["batch"],
            label=_("BN: batch mean μ₁ of feature 1"),
        )
        (self.ln_points,) = stats_axes.plot(
            index,
            np.zeros(BATCHES),
            "o",
            markersize=4,
            color=style.NORM_COLORS["layer"],
            label=_("LN: mean of x₀'s 6 features"),
        )
        stats_axes.axhline(
            FEATURE_MEANS[0], color="black", linestyle=":", label=_("population mean of feature 1")
        )
        stats_axes.set_ylim(FEATURE_MEANS[0] - 4.5 * FEATURE_STDS[0], FEATURE_MEANS[0] + 3 * FEATURE_STDS[0])
        stats_axes.set_title(_("the means in {batches} random batches").format(batches=BATCHES))
        stats_axes.set_xlabel(_("batch number"))
        stats_axes.set_ylabel(_("mean"))
        stats_axes.legend(loc="lower left", fontsize=11)
        sizes = np.array(SIZE_GRID)
        spread_axes.plot(sizes, expected_spread(sizes), color="black", label="σ₁·√(B − 1)/B")
        spread_axes.plot(
            sizes, bn_mean_spread(), "o", color=style.NORM_COLORS["batch"], label=_("BN's μ₁, measured")
        )
        spread_axes.plot(
            sizes,
            np.zeros(len(sizes)),
            "o-",
            color=style.NORM_COLORS["layer"],
            label=_("LN's mean of x₀: exactly 0"),
        )
        (self.marker,) = spread_axes.plot(
            [8], [0], "s", markersize=14, markerfacecolor="none", markeredgewidth=2.5, color="black"
        )
        spread_axes.set_xscale("log", base=2)
        spread_axes.set_ylim(-0.05, FEATURE_STDS[0] + 0.1)
        spread_axes.set_title(_("how much the mean varies between batches"))
        spread_axes.set_xlabel(_("batch size B"))
        spread_axes.set_ylabel(_("standard deviation over batches"))
        spread_axes.legend(loc="upper right", fontsize=11)
        self.figure = ui.FigureView(figure, dynamic=[self.bn_points, self.ln_points, self.marker])
        self.start(controls, [self.figure], _("Batch size: BN's statistics are estimates, LN's are not"))

    @torch_threads()
    def update(self) -> str:
        size = self.value("batch")
        stats = batch_statistics(size)
        self.bn_points.set_ydata(stats["bn_mean"])
        self.ln_points.set_ydata(stats["ln_mean"])
        spread = float(stats["bn_mean"].std())
        self.marker.set_data([max(size, 2)], [spread])
        self.marker.set_visible(size >= 2)
        self.figure.draw()
        fmt = ui.format_number
        ln_spread = float(np.ptp(stats["ln_mean"])) + float(np.ptp(stats["ln_var"]))
        ln_line = _(
            "LN's mean and variance of x₀ are the same in all {batches} batches (largest difference "
            "{difference}): they come from x₀'s own 6 features, never from its batch-mates."
        ).format(batches=BATCHES, difference=fmt(ln_spread))
        if size == 1:
            raise ui.Explained(
                _(
                    "A batch of one: each “batch mean” is the example itself and every batch variance is 0, so "
                    "BN would divide 0 by √ε. torch.nn.BatchNorm1d refuses in training: <i>{refusal}</i>. (In "
                    "eval mode it uses its running statistics and works; see the next app. A batch of one image "
                    "would train under BatchNorm2d: its pixels give each channel a variance.)"
                ).format(refusal=refusal_message((1, FEATURES)))
                + f"<br>{ln_line}"
            )
        lines = [
            _(
                "B = {size}: BN's μ₁ varies from batch to batch with standard deviation {spread} "
                "(expected σ₁·√(B − 1)/B = {expected}, as x₀ is one of the B); "
                "its σ₁² ranges from {low} to {high} (population: "
                "{population}). x₀ is in every batch, yet BN normalizes it differently each time."
            ).format(
                size=size,
                spread=fmt(spread),
                expected=fmt(float(expected_spread(size))),
                low=fmt(stats["bn_var"].min()),
                high=fmt(stats["bn_var"].max()),
                population=fmt(FEATURE_STDS[0] ** 2),
            ),
            ln_line,
        ]
        if size == 2:
            lines.append(
                _(
                    "With B = 2 BN's output is ±1 for every feature whatever the values (nearer 0 only when the "
                    "two are within a few √ε of each other): it only says which of the two is larger."
                )
            )
        return "<br>".join(lines)


# ---------------------------------------------------------------------------
# Train vs eval, and a batch of one
# ---------------------------------------------------------------------------


@torch_threads()
def trained_batch_norm(steps: int = 200, batch_size: int = 32) -> nn.BatchNorm1d:
    """A ``BatchNorm1d(6)`` whose running statistics were updated on ``steps`` batches of the population."""
    layer = nn.BatchNorm1d(FEATURES, eps=EPS)
    layer.train()
    with torch.no_grad():
        for step in range(steps):
            layer(torch.from_numpy(draw_examples(batch_size, seed=[7, step])))
    return layer.eval()


@functools.cache
def _batch_mates() -> np.ndarray:
    """The 63 batch-mates x₀ meets, before any shift (drawn once)."""
    return draw_examples(63, seed=99)


def batch_with_probe(size: int, shift: float) -> torch.Tensor:
    """A batch of ``size`` (1 to 64): x₀ first, then ``size − 1`` batch-mates with every feature shifted by ``shift``."""
    if not 1 <= size <= 64:
        raise ValueError(f"size must be between 1 and 64, got {size}")
    mates = _batch_mates()[: size - 1] + np.float32(shift)
    return torch.from_numpy(np.concatenate([probe_example()[None], mates]))


def probe_outputs(layer: nn.Module, size: int, shift: float, training: bool) -> np.ndarray:
    """x₀'s output (6,) from ``layer`` in a batch of ``size`` with shifted batch-mates.

    BN in training uses the batch's statistics without touching its running ones (so the call can be
    repeated); in eval, its running statistics. LN is one and the same function in both modes.
    """
    x = batch_with_probe(size, shift)
    with torch.no_grad():
        if isinstance(layer, nn.BatchNorm1d):
            if training:
                output = nn.functional.batch_norm(
                    x, None, None, layer.weight, layer.bias, training=True, eps=layer.eps
                )
            else:
                output = nn.functional.batch_norm(
                    x,
                    layer.running_mean,
                    layer.running_var,
                    layer.weight,
                    layer.bias,
                    training=False,
                    eps=layer.eps,
                )
        else:
            layer.train(training)
            output = layer(x)
    return output[0].numpy()


def probe_curves(
    batch_norm: nn.BatchNorm1d, layer_norm: nn.LayerNorm, size: int, shifts, training: bool
) -> tuple:
    """``(bn, ln)``: x₀'s feature-1 output for each shift of its batch-mates, all shifts in one torch call each.

    The S batches are stacked side by side as one (size, S·6) batch, so that torch's own batch norm
    computes each batch's statistics as those of 6 of its S·6 channels; BN in training needs size ≥ 2.
    BN in eval uses the running statistics; LN normalizes each example alone.
    """
    shifts = torch.as_tensor(np.asarray(shifts, dtype=np.float32))
    base = batch_with_probe(size, 0.0)
    batches = base + torch.cat([torch.zeros(1), torch.ones(size - 1)])[None, :, None] * shifts[:, None, None]
    with torch.no_grad():
        side_by_side = batches.transpose(0, 1).reshape(size, -1)  # (size, S·6)
        if training:
            bn = nn.functional.batch_norm(
                side_by_side,
                None,
                None,
                batch_norm.weight.repeat(len(shifts)),
                batch_norm.bias.repeat(len(shifts)),
                training=True,
                eps=batch_norm.eps,
            )
        else:
            bn = nn.functional.batch_norm(
                side_by_side,
                batch_norm.running_mean.repeat(len(shifts)),
                batch_norm.running_var.repeat(len(shifts)),
                batch_norm.weight.repeat(len(shifts)),
                batch_norm.bias.repeat(len(shifts)),
                training=False,
                eps=batch_norm.eps,
            )
        bn = bn.reshape(size, len(shifts), FEATURES).transpose(0, 1)
        ln = layer_norm(batches)
    return bn[:, 0, 0].numpy(), ln[:, 0, 0].numpy()


def alone_and_in_batch(layer: nn.Module, training: bool, batch_size: int = 64) -> dict:
    """x₀'s output from ``layer`` alone and in a batch of ``batch_size``: largest difference, bit-for-bit equality."""
    alone = probe_outputs(layer, 1, 0.0, training)
    in_batch = probe_outputs(layer, batch_size, 0.0, training)
    return {
        "largest difference": float(np.max(np.abs(alone - in_batch))),
        "bit for bit equal": bool(np.array_equal(alone, in_batch)),
    }


@torch_threads()
def alone_and_in_batch_report(batch_size: int = 64) -> str:
    """x₀ alone and in a batch of ``batch_size``, under LN (train and eval) and BN (eval; train refuses a batch of one)."""
    layer_norm, batch_norm = nn.LayerNorm(FEATURES, eps=EPS), trained_batch_norm()
    cases = (
        (N_("LayerNorm, train"), layer_norm, True),
        (N_("LayerNorm, eval"), layer_norm, False),
        (N_("BatchNorm1d, eval"), batch_norm, False),
    )
    *labels, refused = ui.aligned([_(name) for name, _layer, _training in cases] + [_("BatchNorm1d, train")])
    lines = []
    for label, (_name, layer, training) in zip(labels, cases):
        result = alone_and_in_batch(layer, training, batch_size)
        lines.append(
            _(
                "{name} x0 alone vs in a batch of {size}: largest difference "
                "{difference:.1e}, bit for bit equal: {equal} (should be 0 and True)"
            ).format(
                name=label,
                size=batch_size,
                difference=result["largest difference"],
                equal=result["bit for bit equal"],
            )
        )
    lines.append(_("{name} x0 alone: {refusal}").format(name=refused, refusal=refusal_message((1, FEATURES))))
    return "\n".join(lines)


class TrainEvalApp(ui.App):
    """Shift x₀'s batch-mates, change the batch size, switch train/eval: whose output of x₀ moves?"""

    SHIFTS = np.linspace(-3, 3, 25)

    def __init__(self) -> None:
        controls = {
            "mode": ui.choice(_("mode"), "", [(_("train"), True), (_("eval"), False)]),
            "shift": ui.slider("δ", _("shift of the batch-mates"), 0.0, -3.0, 3.0, 0.25),
            "batch": ui.slider("B", _("batch size"), 8, 1, 64, integer=True),
        }
        self.batch_norm = trained_batch_norm()
        self.layer_norm = nn.LayerNorm(FEATURES, eps=EPS)
        figure, (bar_axes, curve_axes) = style.new_figure(13, 4.6, nrows=1, ncols=2)
        self.bn_bars, self.ln_bars = style.paired_bars(
            bar_axes, FEATURES, ("BN", style.NORM_COLORS["batch"]), ("LN", style.NORM_COLORS["layer"])
        )
        bar_axes.set(
            ylim=(-4, 4),
            title=_("x₀'s output, feature by feature"),
            xlabel=_("feature d"),
            ylabel=_("output"),
        )
        bar_axes.legend(loc="lower left", ncols=2)
        (self.bn_curve,) = curve_axes.plot(
            self.SHIFTS, np.zeros(len(self.SHIFTS)), color=style.NORM_COLORS["batch"], label="BN"
        )
        (self.ln_curve,) = curve_axes.plot(
            self.SHIFTS, np.zeros(len(self.SHIFTS)), "--", color=style.NORM_COLORS["layer"], label="LN"
        )
        (self.marker,) = curve_axes.plot([0], [0], "o", markersize=12, color="black")
        curve_axes.set(
            ylim=(-4, 4),
            title=_("x₀'s feature 1 as the batch-mates shift"),
            xlabel=_("shift δ of the batch-mates"),
            ylabel=_("output of feature 1"),
        )
        curve_axes.legend(loc="lower left")
        dynamic = list(self.bn_bars) + list(self.ln_bars) + [self.bn_curve, self.ln_curve, self.marker]
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.start(controls, [self.figure], _("Train vs eval: BN depends on the batch, LN does not"))

    @torch_threads()
    def update(self) -> str:
        training, shift, size = self.value("mode"), self.value("shift"), self.value("batch")
        ln = probe_outputs(self.layer_norm, size, shift, training)
        ln_alone = probe_outputs(self.layer_norm, 1, 0.0, training)  # x₀ with no batch-mates at all
        refused = training and size == 1
        bn = np.zeros(FEATURES) if refused else probe_outputs(self.batch_norm, size, shift, training)
        for bars, values in ((self.bn_bars, bn), (self.ln_bars, ln)):
            for bar, value in zip(bars, np.clip(values, -4, 4)):
                bar.set_height(value)
        # BN refuses a batch of one in training: nothing to draw then
        bn_curve, ln_curve = probe_curves(
            self.batch_norm, self.layer_norm, size, self.SHIFTS, training and not refused
        )
        if refused:
            bn_curve = np.full(len(self.SHIFTS), np.nan)
        self.bn_curve.set_ydata(np.clip(bn_curve, -4, 4))
        self.ln_curve.set_ydata(ln_curve)
        self.marker.set_data([shift], [np.clip(ln[0] if refused else bn[0], -4, 4)])
        self.figure.draw()
        fmt = ui.format_number
        ln_line = _(
            "LN: x₀'s output is the same in train and eval, for every δ and every B; alone or in this "
            "batch of {size} it differs by {difference} (bit for bit equal: {equal})."
        ).format(
            size=size,
            difference=fmt(float(np.max(np.abs(ln - ln_alone)))),
            equal=np.array_equal(ln, ln_alone),
        )
        if refused:
            raise ui.Explained(
                _(
                    "Train mode with a batch of one: BN has a single value per feature to compute a variance "
                    "from. torch.nn.BatchNorm1d refuses: <i>{refusal}</i>. Switch to eval: there BN uses its "
                    "running statistics and a single example is fine."
                ).format(refusal=refusal_message((1, FEATURES)))
                + f"<br>{ln_line}"
            )
        if training:
            bn_line = _(
                "BN, train: x₀ did not change, but its feature 1 comes out as {output} here and ranges "
                "from {low} to {high} as the batch-mates shift: the batch's μ and σ² move with them."
            ).format(output=fmt(bn[0]), low=fmt(np.min(bn_curve)), high=fmt(np.max(bn_curve)))
        else:
            bn_line = _(
                "BN, eval: the running statistics learnt in training (μ₁ = {mean}, σ₁² = {variance}) "
                "replace the batch's, so x₀'s output ({output} for feature 1) no longer depends on its "
                "batch-mates or on B."
            ).format(
                mean=fmt(float(self.batch_norm.running_mean[0])),
                variance=fmt(float(self.batch_norm.running_var[0])),
                output=fmt(bn[0]),
            )
        return f"{bn_line}<br>{ln_line}"


# ---------------------------------------------------------------------------
# Padding
# ---------------------------------------------------------------------------

LENGTHS = (8, 6, 4, 2)  # the real lengths of the batch's four sequences


@functools.cache
def real_sequences() -> tuple:
    """The four sequences' real tokens, arrays of shape (length, 6), drawn once."""
    return tuple(draw_examples(real, seed=[3, n]) for n, real in enumerate(LENGTHS))


def padded_batch(extra: int, pad_value: float = 0.0) -> tuple:
    """``(x, mask)``: the four sequences, (N, L, D) float32, padded to 8 + ``extra`` positions with
    ``pad_value``; ``mask`` is True at the real tokens."""
    if extra < 0:
        raise ValueError(f"extra must be non-negative, got {extra}")
    length = max(LENGTHS) + extra
    x = np.full((len(LENGTHS), length, FEATURES), pad_value, dtype=np.float32)
    mask = np.zeros((len(LENGTHS), length), dtype=bool)
    for n, tokens in enumerate(real_sequences()):
        x[n, : len(tokens)] = tokens
        mask[n, : len(tokens)] = True
    return x, mask


def batch_norm_tokens(x: np.ndarray) -> tuple:
    """BN (training) of (N, L, D) tokens, as ``nn.BatchNorm1d(D)`` on x.transpose(1, 2): ``(output, μ)``."""
    tokens = torch.from_numpy(x)
    output = nn.functional.batch_norm(tokens.transpose(1, 2), None, None, training=True, eps=EPS).transpose(
        1, 2
    )
    return output.numpy(), tokens.reshape(-1, x.shape[-1]).mean(dim=0).numpy()


@functools.cache
def masked_batch_norm() -> tuple:
    """``(output, μ)`` of a *masked* BN: statistics over the real tokens only (what one would want), real tokens
    in order; no padding can change it."""
    real = torch.from_numpy(np.concatenate(real_sequences()))  # (tokens, D): only the real ones
    output = nn.functional.batch_norm(real, None, None, training=True, eps=EPS)
    return output.numpy(), real.mean(dim=0).numpy()


def layer_norm_tokens(x: np.ndarray) -> np.ndarray:
    """``nn.LayerNorm(D)`` of (N, L, D) tokens (γ = 1, β = 0)."""
    return nn.functional.layer_norm(torch.from_numpy(x), (x.shape[-1],), eps=EPS).numpy()


@functools.cache
def unpadded_layer_norm() -> np.ndarray:
    """LN of each sequence alone, with no padding at all: the real tokens in order."""
    return np.concatenate([layer_norm_tokens(tokens[None])[0] for tokens in real_sequences()])


def padding_shift(extra: int, pad_value: float = 0.0) -> dict:
    """How much padding moves the real tokens' outputs: BN (against masked BN) and LN (against no padding)."""
    x, mask = padded_batch(extra, pad_value)
    bn, bn_mean = batch_norm_tokens(x)
    masked, real_mean = masked_batch_norm()
    return {
        "bn": float(np.max(np.abs(bn[mask] - masked))),
        "ln": float(np.max(np.abs(layer_norm_tokens(x)[mask] - unpadded_layer_norm()))),
        "bn_mean": bn_mean,
        "real_mean": real_mean,
        "padding fraction": float(1 - mask.mean()),
    }


class PaddingApp(ui.App):
    """Add padding to a batch of sequences: BN's statistics shift, LN's real tokens stay put."""

    EXTRA = (0, 40)

    def __init__(self) -> None:
        controls = {
            "extra": ui.slider("P", _("extra padded positions"), 0, *self.EXTRA, integer=True),
            "pad": ui.slider("pad", _("value at padded positions"), 0.0, -5.0, 5.0, 0.5),
        }
        figure, (mean_axes, shift_axes) = style.new_figure(13, 4.6, nrows=1, ncols=2)
        self.real_bars, self.padded_bars = style.paired_bars(
            mean_axes,
            FEATURES,
            (_("real tokens only"), style.NORM_COLORS["none"]),
            (_("with the padding (BN)"), style.NORM_COLORS["batch"]),
        )
        mean_axes.set(
            ylim=(-5.5, 5.5),
            title=_("BN's mean of each feature"),
            xlabel=_("feature d"),
            ylabel=_("mean of feature d"),
        )
        mean_axes.legend(loc="lower left")
        self.extras = np.arange(self.EXTRA[0], self.EXTRA[1] + 1, 2)
        (self.bn_curve,) = shift_axes.plot(
            self.extras,
            np.zeros(len(self.extras)),
            color=style.NORM_COLORS["batch"],
            label=_("BN vs masked BN"),
        )
        (self.ln_curve,) = shift_axes.plot(
            self.extras,
            np.zeros(len(self.extras)),
            "--",
            color=style.NORM_COLORS["layer"],
            label=_("LN vs no padding"),
        )
        (self.marker,) = shift_axes.plot([0], [0], "o", markersize=12, color="black")
        self.ceiling = 1.05 * max(
            padding_shift(self.EXTRA[1], pad)["bn"] for pad in np.arange(-5.0, 5.5, 0.5)
        )
        shift_axes.set(
            ylim=(-0.03 * self.ceiling, self.ceiling),
            title=_("how far padding moves the real tokens"),
            xlabel=_("extra padded positions P"),
            ylabel=_("largest change of an output"),
        )
        shift_axes.legend(loc="upper left")
        dynamic = list(self.real_bars) + list(self.padded_bars) + [self.bn_curve, self.ln_curve, self.marker]
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.start(controls, [self.figure], _("Padding: it enters BN's statistics, not LN's"))

    @functools.lru_cache(maxsize=64)  # noqa: B019 (one app per notebook; the cache is tiny)
    def _curve(self, pad: float) -> list:
        """padding_shift for every P of the plot, at this pad value."""
        return [padding_shift(int(p), pad) for p in self.extras]

    @torch_threads()
    def update(self) -> str:
        extra, pad = self.value("extra"), self.value("pad")
        now = padding_shift(extra, pad)
        for bars, values in ((self.real_bars, now["real_mean"]), (self.padded_bars, now["bn_mean"])):
            for bar, value in zip(bars, values):
                bar.set_height(value)
        curve = self._curve(pad)
        self.bn_curve.set_ydata(np.clip([c["bn"] for c in curve], None, self.ceiling))
        self.ln_curve.set_ydata([c["ln"] for c in curve])
        self.marker.set_data([extra], [min(now["bn"], self.ceiling)])
        self.figure.draw()
        fmt = ui.format_number
        bn_part = _(
            "{percent}% of the positions BN averages over are padding (value {pad}). Feature 1's BN mean is "
            "{padded_mean} instead of {real_mean} over the real tokens, and the real tokens' BN outputs move "
            "by up to {shift}. nn.BatchNorm1d cannot tell padding from data; a masked BN would have to "
            "compute its statistics over the real tokens only."
        ).format(
            percent=fmt(100 * now["padding fraction"]),
            pad=fmt(pad),
            padded_mean=fmt(now["bn_mean"][0]),
            real_mean=fmt(now["real_mean"][0]),
            shift=fmt(now["bn"]),
        )
        ln_part = _(
            "LN normalizes each token over its own {features} features: the real tokens' outputs differ from "
            "those without any padding by {shift}. (A padded token's own LN output is meaningless, β when it "
            "is constant, and is masked out later.)"
        ).format(features=FEATURES, shift=fmt(now["ln"]))
        return f"{bn_part}<br>{ln_part}"
