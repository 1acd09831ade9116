r"""The conventions of popular teaching code, each re-implemented in a few lines and run beside torch (notebook 03).

Each is written here from its published description, not copied:

- d2l-zh and cs231n: ``moving = momentum·moving + (1 − momentum)·batch`` with momentum = 0.9 (torch's
  update with m = 0.1, the name pointing the other way), the *biased* batch variance in the buffer;
- d2l-en: torch's update and naming (m = 0.1), the biased variance in the buffer;
- Karpathy's makemore, part 3 (its torch-like ``BatchNorm1d`` class): normalizes with the *unbiased*
  batch variance (``x.var(0)``), torch's update with m = 0.1;
- The Annotated Transformer's ``LayerNorm``: the unbiased standard deviation, ε = 1e-6 *outside* the root;
- labml's layer norm: the variance as E[x²] − E[x]², which cancels catastrophically in float32 when the
  mean is large next to the spread.

:func:`compare` runs them on one float32 data set (training batches, then a test batch) and measures how
far each output is from torch's; :class:`ConventionsApp` moves the momentum, the batch size and the mean's
offset. The LN conventions have no running statistics: their output is the same in training and at inference.
"""

from __future__ import annotations

import html
import re

import numpy as np
import torch
from torch import nn

from lnlib import ui
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style

FEATURES = 8
EPS = 1e-5
TRAIN_BATCHES = 30
FEATURE_MEANS = np.linspace(-1.0, 1.0, FEATURES)


def data(batch_size: int = 8, offset: float = 1.0, seed: int = 0) -> tuple:
    """``(training batches, test batch, LN's batch)``, float32: feature d has mean 1 + FEATURE_MEANS[d] and
    spread 1 in the BN data, ``offset`` + FEATURE_MEANS[d] in the batch the LN conventions normalize.

    The offset moves only LN's data: BN's buffers start at 0, and after :data:`TRAIN_BATCHES` batches
    they still hold (1 − m)³⁰ of that start, which a large offset would turn into a difference of its own.
    """
    if batch_size < 2:
        raise ValueError(f"batch_size must be at least 2, got {batch_size}")
    rng = np.random.default_rng(seed)
    noise = lambda n: FEATURE_MEANS + rng.standard_normal((n, FEATURES))  # noqa: E731
    batches = [torch.from_numpy((1 + noise(batch_size)).astype(np.float32)) for _ in range(TRAIN_BATCHES)]
    test = noise(batch_size)
    return (
        batches,
        torch.from_numpy((1 + test).astype(np.float32)),
        torch.from_numpy((offset + test).astype(np.float32)),
    )


# --- batch norm: (train output of each batch, buffers) -------------------------------------------------


def _bn_moving(
    batches, weight_old: float, weight_new: float, unbiased_normalize: bool, unbiased_buffer: bool
):
    """The common shape of the teaching BNs: returns (training output of the last batch, mean buffer, var buffer)."""
    moving_mean, moving_var = torch.zeros(FEATURES), torch.ones(FEATURES)
    for x in batches:
        mean = x.mean(0)
        biased = ((x - mean) ** 2).mean(0)
        unbiased = x.var(0)
        y = (x - mean) / torch.sqrt((unbiased if unbiased_normalize else biased) + EPS)
        moving_mean = weight_old * moving_mean + weight_new * mean
        moving_var = weight_old * moving_var + weight_new * (unbiased if unbiased_buffer else biased)
    return y, moving_mean, moving_var


def d2l_zh_cs231n(batches, m: float):
    """d2l-zh / cs231n: old value weighted by momentum = 1 − m (0.9 for torch's 0.1), biased variance throughout."""
    momentum = 1 - m
    return _bn_moving(batches, momentum, 1 - momentum, False, False)


def d2l_zh_given_torch_number(batches, m: float):
    """The naming trap: d2l-zh's / cs231n's update given torch's number m as its ``momentum``."""
    return _bn_moving(batches, m, 1 - m, False, False)


def d2l_en(batches, m: float):
    """d2l-en: torch's update and naming, the biased variance in the buffer."""
    return _bn_moving(batches, 1 - m, m, False, False)


def makemore(batches, m: float):
    """makemore part 3: the unbiased variance to normalize and in the buffer, torch's update."""
    return _bn_moving(batches, 1 - m, m, True, True)


def _torch_bn(batches, m: float):
    layer = nn.BatchNorm1d(FEATURES, eps=EPS, momentum=m, affine=False)
    with torch.no_grad():
        for x in batches:
            y = layer(x)
    return y, layer.running_mean, layer.running_var


# --- layer norm -----------------------------------------------------------------------------------------


def annotated_transformer(x):
    """The Annotated Transformer's LayerNorm (γ = 1, β = 0): unbiased std, ε = 1e-6 added outside the root."""
    return (x - x.mean(-1, keepdim=True)) / (x.std(-1, keepdim=True) + 1e-6)


def labml(x):
    """labml's layer norm (γ = 1, β = 0): the variance as E[x²] − E[x]²."""
    mean = x.mean(-1, keepdim=True)
    variance = (x**2).mean(-1, keepdim=True) - mean**2
    return (x - mean) / torch.sqrt(variance + EPS)


# name → (what it does, the function); names and descriptions are shown translated (``_(name)``)
BN_CONVENTIONS = {
    "d2l-zh, cs231n": (N_("momentum 0.9 on the old value, biased running var"), d2l_zh_cs231n),
    N_("d2l-zh, cs231n given torch's m"): (
        N_("the same code called with torch's number m"),
        d2l_zh_given_torch_number,
    ),
    "d2l-en": (N_("torch's update, biased running var"), d2l_en),
    N_("makemore part 3"): (N_("unbiased variance to normalize"), makemore),
}
LN_CONVENTIONS = {
    "The Annotated Transformer": (N_("unbiased std, ε outside the root"), annotated_transformer),
    "labml": (N_("variance as E[x²] − E[x]²"), labml),
}


def _gap(a: torch.Tensor, b: torch.Tensor) -> float:
    gap = (a.double() - b.double()).abs().max()
    return float("nan") if torch.isnan(a).any() else float(gap)


@torch_threads()
def compare(momentum: float = 0.1, batch_size: int = 8, offset: float = 1.0) -> list:
    """One row per convention: (name, what differs, largest |difference| from torch in training, at inference).

    BN conventions train on :data:`TRAIN_BATCHES` batches (the training difference is the last batch's
    output), then normalize a test batch with their buffers. LN conventions are compared with
    ``torch.nn.functional.layer_norm`` on the test batch; their two numbers are the same.
    """
    if not 0 < momentum <= 1:
        raise ValueError(f"momentum must be in (0, 1], got {momentum}")
    batches, test, ln_batch = data(batch_size, offset)
    with torch.no_grad():
        y_ref, mean_ref, var_ref = _torch_bn(batches, momentum)
        eval_ref = (test - mean_ref) / torch.sqrt(var_ref + EPS)
        rows = []
        for name, (what, function) in BN_CONVENTIONS.items():
            y, mean, var = function(batches, momentum)
            rows.append((name, what, _gap(y, y_ref), _gap((test - mean) / torch.sqrt(var + EPS), eval_ref)))
        ln_ref = nn.functional.layer_norm(ln_batch, (FEATURES,), eps=EPS)
        for name, (what, function) in LN_CONVENTIONS.items():
            gap = _gap(function(ln_batch), ln_ref)
            rows.append((name, what, gap, gap))
    return rows


def torch_float32_gap(batch_size: int = 8, offset: float = 1.0) -> float:
    """How far torch's own float32 layer norm of LN's batch is from the float64 one of the same float32 numbers."""
    _, _, batch = data(batch_size, offset)
    float32 = nn.functional.layer_norm(batch, (FEATURES,), eps=EPS).double()
    return _gap(float32, nn.functional.layer_norm(batch.double(), (FEATURES,), eps=EPS))


def table_html(rows) -> str:
    return ui.html_table(
        [_("convention"), _("what it does"), _("in training"), _("at inference")],
        [(_(name), _(what), *gaps) for name, what, *gaps in rows],
        caption=_(
            "Largest |output − torch's output|, float32 (BN rows against BatchNorm1d, LN rows against LayerNorm)"
        ),
    )


class ConventionsApp(ui.App):
    """Move torch's momentum, the batch size and the data's mean offset: how far is each convention from torch?"""

    def __init__(self) -> None:
        controls = {
            "momentum": ui.slider("m", _("torch's momentum"), 0.1, 0.05, 0.95, 0.05),
            "batch": ui.slider("B", _("batch size"), 8, 2, 64, integer=True),
            "offset": ui.slider("offset", _("mean of LN's data"), 1.0, 1.0, 1e5, log=True, step=0.25),
        }
        names = list(BN_CONVENTIONS) + list(LN_CONVENTIONS)
        figure, axes = style.new_figure(13, 4.2)
        positions = np.arange(len(names))
        colours = [style.NORM_COLORS["batch"]] * len(BN_CONVENTIONS) + [style.NORM_COLORS["layer"]] * len(
            LN_CONVENTIONS
        )
        self.bars = axes.barh(positions, np.ones(len(names)), color=colours, left=1e-9)
        self.labels = [axes.text(1e-9, p, "", va="center", fontsize=13) for p in positions]
        axes.set_xscale("log")
        axes.set(
            xlim=(1e-9, 1e3),
            yticks=positions,
            yticklabels=[_(name) for name in names],
            xlabel=_("largest |output − torch's| at inference (float32)"),
        )
        axes.invert_yaxis()
        self.figure = ui.FigureView(figure, dynamic=list(self.bars) + self.labels)
        self.table = ui.html_table_view()
        self.start(
            controls,
            [self.figure, self.table],
            _("Teaching code beside torch: running statistics and variances"),
            tabs={_("the figure"): [self.figure], _("the numbers"): [self.table]},
        )

    def update(self) -> str:
        m, b, offset = self.value("momentum"), self.value("batch"), self.value("offset")
        rows = compare(m, b, offset)
        for bar, label, (*_name_what_train, gap) in zip(self.bars, self.labels, rows):
            shown = 1e3 if np.isnan(gap) else max(gap, 1e-9)
            bar.set_width(shown - 1e-9)
            bar.set_hatch("//" if np.isnan(gap) else None)
            label.set_position((min(shown, 1e2), label.get_position()[1]))
            label.set_text(" NaN" if np.isnan(gap) else f" {ui.format_number(gap, 2)}")
        self.figure.draw()
        self.table.value = table_html(rows)
        gaps = {name: (train, infer) for name, _what, train, infer in rows}
        lines = [
            _(
                "B = {b}: makemore's unbiased variance makes its training output √(B/(B−1)) = "
                "{factor:.4f} times smaller than torch's (difference {makemore}); the biased running "
                "variance of d2l and cs231n is B/(B−1) = {bessel:.4f} times too small, which shows at inference "
                "({d2l})."
            ).format(
                b=b,
                factor=np.sqrt(b / (b - 1)),
                makemore=ui.format_number(gaps["makemore part 3"][0], 2),
                bessel=b / (b - 1),
                d2l=ui.format_number(gaps["d2l-en"][1], 2),
            )
        ]
        if abs(m - 0.5) < 1e-9:
            lines.append(_("At m = 0.5 the naming trap costs nothing: 0.5 is its own 1 − m."))
        else:
            lines.append(
                _(
                    "Given torch's m = {m:g}, d2l-zh's code weights the *new* batch by {new:.2f} instead of "
                    "{m:.2f}: its buffers follow the last batches (difference at inference {gap})."
                ).format(m=m, new=1 - m, gap=ui.format_number(gaps[list(BN_CONVENTIONS)[1]][1], 2))
            )
        lines.append(
            _(
                "The Annotated Transformer divides by the unbiased standard deviation of D = {features} "
                "features: outputs √(D/(D−1)) = {factor:.4f} times smaller than torch's (difference {gap}); its "
                "ε outside the root matters only when the spread is tiny."
            ).format(
                features=FEATURES,
                factor=np.sqrt(FEATURES / (FEATURES - 1)),
                gap=ui.format_number(gaps["The Annotated Transformer"][0], 2),
            )
        )
        labml_gap = gaps["labml"][0]
        if np.isnan(labml_gap) or labml_gap > 0.01:
            lines.append(
                _(
                    "Mean offset {offset:.3g}: in float32, E[x²] − E[x]² subtracts two numbers near {square:.2g} "
                    "to get a variance near 1, and float32 keeps about 7 digits: labml's layer norm is off by "
                    "{gap}{nan}. Torch's own float32 layer norm stays within {torch_gap} of float64 here: it "
                    "subtracts the mean first."
                ).format(
                    offset=offset,
                    square=offset**2,
                    gap=ui.format_number(labml_gap, 2),
                    nan=_(" (a negative variance: NaN)") if np.isnan(labml_gap) else "",
                    torch_gap=ui.format_number(torch_float32_gap(b, offset), 2),
                )
            )
        # *word* (the message's emphasis, in either language) in italics
        return "<br>".join(re.sub(r"\*([^*\s][^*]*)\*", r"<i>\1</i>", html.escape(line)) for line in lines)
