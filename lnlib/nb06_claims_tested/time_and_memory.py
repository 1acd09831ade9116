r"""What layer norm and batch norm cost: time and memory, forward and backward, measured on this CPU.

``python -m lnlib bench cost`` prints the tables; notebook 06, § 4, draws them.

Both norms do the same arithmetic on an (N, D) input: a mean, a variance, a subtraction, a division
and the affine map, each once per value, so :math:`O(N D)` operations either way; they differ only in
the axis of the two reductions and in the size of what they keep: one :math:`\mu, 1/\sigma` per
example for layer norm (2N numbers), one per feature for batch norm (2D numbers, plus the running
mean and variance, 2D more, kept between batches). The measurements:

- :func:`time_forward_backward`: seconds for ``torch.nn.functional.layer_norm`` and ``batch_norm``
  (training mode), forward and backward, at a fixed number of values and a growing feature
  dimension. One thread, the fastest of several rounds (the round least disturbed by other programs
  on a shared machine), both norms in turns. Times are measured here and shown in notebook 06,
  never asserted in a test;
- :func:`saved_for_backward`: the bytes autograd keeps between the forward and the backward pass,
  read from torch's own kernels through ``torch.autograd.graph.saved_tensors_hooks`` (on the "meta"
  device: shapes without data, so it is exact and free);
- :func:`numpy_peak_bytes`: the peak of the memory NumPy allocates while ``lnlib.functional`` runs
  a norm forward and backward (``tracemalloc`` sees NumPy's allocations).
"""

from __future__ import annotations

import functools
import time
import tracemalloc

import numpy as np

from lnlib import functional, ui
from lnlib.support import norms
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style
from lnlib.ui.text import Markdown

TOTAL_VALUES = 2**18  # N · D for the timing sweep (1 MB of float32)
FEATURE_DIMS = (16, 64, 256, 1024, 4096, 16384)
ROUNDS = 9  # the fastest of 9 rounds: notebook 06's measurement
KINDS = ("layer", "batch")
FLOAT32_BYTES = 4
CATEGORY_NAMES = {
    "input": N_("input"),
    "statistics": N_("statistics"),
    "running buffers": N_("running buffers"),
}
"""The norms and the kinds of memory, as shown (translated where shown)."""


def _norm(kind: str, x, weight, bias, running=None):
    import torch.nn.functional as F

    if kind == "layer":
        return F.layer_norm(x, (x.shape[1],), weight, bias)
    if kind == "batch":
        running_mean, running_var = running if running is not None else (None, None)
        return F.batch_norm(x, running_mean, running_var, weight, bias, training=True)
    raise ValueError(f"kind must be 'layer' or 'batch', got {kind!r}")


def _forward_backward_timer(kind: str, batch: int, features: int, seed: int = 0):
    """A timer (returns seconds) of one forward and backward pass of torch's norm on fresh leaves."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, features, generator=generator)
    weight, bias = torch.rand(features, generator=generator) + 0.5, torch.randn(features, generator=generator)
    grad = torch.randn(batch, features, generator=generator)

    def timer() -> float:
        leaves = [t.clone().requires_grad_() for t in (x, weight, bias)]
        start = time.perf_counter()
        _norm(kind, *leaves).backward(grad)
        return time.perf_counter() - start

    return timer


def time_forward_backward(
    feature_dims=FEATURE_DIMS, total_values: int = TOTAL_VALUES, rounds: int = ROUNDS
) -> tuple:
    """Rows ``(D, N, layer seconds, batch seconds)``: the fastest of ``rounds`` forward+backward passes.

    N = ``total_values`` / D, so every row normalizes the same number of values: a time that grows
    with D would mean a cost per value that grows with D. Measured once per process for each set of
    arguments: notebook 06's figure and the ledger's evidence show the same measurement.
    """
    return _time_forward_backward(tuple(int(d) for d in feature_dims), int(total_values), int(rounds))


@functools.lru_cache(maxsize=16)
def _time_forward_backward(feature_dims: tuple, total_values: int, rounds: int) -> tuple:
    rows = []
    with torch_threads():
        for features in feature_dims:
            batch = max(2, total_values // features)
            timers = {kind: _forward_backward_timer(kind, batch, features) for kind in KINDS}
            fastest = {kind: float("inf") for kind in KINDS}
            for timer in timers.values():
                timer()  # warm-up
            for _ in range(rounds):
                for kind, timer in timers.items():  # in turns, so that a slow spell hits both alike
                    fastest[kind] = min(fastest[kind], timer())
            rows.append((features, batch, fastest["layer"], fastest["batch"]))
    return tuple(rows)


def time_ratios(time_rows) -> Markdown:
    """LN time / BN time at each feature dimension of a measurement (below 1: LN is the faster)."""
    return Markdown(
        _("LN time / BN time: {ratios}.").format(
            ratios=_(", ").join(
                _("{ratio} at D = {features}").format(
                    ratio=ui.format_number(layer / batch, 2), features=features
                )
                for features, _count, layer, batch in time_rows
            )
        )
    )


def saved_for_backward(kind: str, batch: int, features: int) -> dict:
    """Bytes (float32) that torch's norm keeps for the backward pass, by what they are.

    ``input``: x itself (the layer before usually keeps it too); ``statistics``: the μ and 1/σ saved
    by the kernel; ``parameters``: γ, β (held by the model anyway); ``running buffers``: batch norm's
    running mean and variance, kept between batches (not saved by autograd, but memory all the same).
    """
    import torch

    if batch < 1 or features < 1:
        raise ValueError(f"batch and features must be at least 1, got {batch} and {features}")
    x = torch.empty(batch, features, device="meta", requires_grad=True)
    weight = torch.empty(features, device="meta", requires_grad=True)
    bias = torch.empty(features, device="meta", requires_grad=True)
    running = (torch.empty(features, device="meta"), torch.empty(features, device="meta"))
    sizes = {"input": 0, "statistics": 0, "parameters": 0, "running buffers": 0}

    def pack(tensor):
        nbytes = tensor.numel() * tensor.element_size()
        if tensor is x:
            sizes["input"] += nbytes
        elif tensor is weight or tensor is bias:
            sizes["parameters"] += nbytes
        elif any(tensor is r for r in running):
            pass  # counted once below, whether autograd saves them or not
        else:
            sizes["statistics"] += nbytes
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        _norm(kind, x, weight, bias, running if kind == "batch" else None)
    if kind == "batch":
        sizes["running buffers"] = 2 * features * FLOAT32_BYTES
    return sizes


def numpy_peak_bytes(kind: str, batch: int, features: int, seed: int = 0) -> int:
    """Peak bytes NumPy allocates while ``lnlib.functional`` runs the norm forward and backward (inputs excluded)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, features)).astype(np.float32)
    grad = rng.standard_normal((batch, features)).astype(np.float32)
    weight, bias = np.ones(features, np.float32), np.zeros(features, np.float32)
    tracemalloc.start()
    try:
        if kind == "layer":
            functional.layer_norm(x, features, weight, bias)
            functional.layer_norm_backward(grad, x, features, weight)
        elif kind == "batch":
            functional.batch_norm(x, None, None, weight, bias, training=True)
            functional.batch_norm_backward(grad, x, weight)
        else:
            raise ValueError(f"kind must be 'layer' or 'batch', got {kind!r}")
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_rows(feature_dims=FEATURE_DIMS, total_values: int = TOTAL_VALUES) -> list:
    """Rows ``(D, N, kind, input kept, statistics and buffers, NumPy peak)`` in bytes, N = total_values / D."""
    rows = []
    for features in feature_dims:
        batch = max(2, total_values // features)
        for kind in KINDS:
            saved = saved_for_backward(kind, batch, features)
            rows.append(
                (
                    features,
                    batch,
                    kind,
                    saved["input"],
                    saved["statistics"] + saved["running buffers"],
                    numpy_peak_bytes(kind, batch, features),
                )
            )
    return rows


def cost_figure(time_rows: list, memory: list):
    """Time per value and memory beyond the input, for both norms, against the feature dimension."""
    figure, (left, right) = style.new_figure(12, 4.4, ncols=2)
    dims = np.array([row[0] for row in time_rows])
    for index, kind in ((2, "layer"), (3, "batch")):
        nanoseconds = np.array([row[index] / (row[0] * row[1]) * 1e9 for row in time_rows])
        left.semilogx(dims, nanoseconds, "o-", base=2, color=style.NORM_COLORS[kind], label=norms.name(kind))
    left.set(
        xlabel=_("feature dimension D (N·D fixed)"),
        ylabel=_("ns per value"),
        ylim=(0, None),
        title=_("Forward + backward time, this CPU, 1 thread"),
    )
    left.legend()
    labels = {
        "layer": _("layer norm: μ, 1/σ per example (2N)"),
        "batch": _("batch norm: μ, 1/σ, running stats (4D)"),
    }
    for kind in KINDS:
        rows = [row for row in memory if row[2] == kind]
        right.loglog(
            [row[0] for row in rows],
            [row[4] for row in rows],
            "o-",
            base=2,
            color=style.NORM_COLORS[kind],
            label=labels[kind],
        )
    right.loglog(
        dims,
        [row[3] for row in memory if row[2] == "layer"],
        "--",
        base=2,
        color=style.NORM_COLORS["none"],
        label=_("the input both keep (N·D floats)"),
    )
    right.set(
        xlabel=_("feature dimension D (N·D fixed)"),
        ylabel=_("bytes"),
        ylim=(2**6, 2**27),
        title=_("Memory kept for backward"),
    )
    right.legend(loc="upper left")
    return figure


class MemoryApp(ui.App):
    """Bytes each norm keeps for its backward pass, at a batch size and feature dimension you choose."""

    CATEGORIES = ("input", "statistics", "running buffers")

    def __init__(self, features: int = 512, batch: int = 64) -> None:
        controls = {
            "features": ui.slider(
                "D", _("feature dimension"), features, 8, 65536, 0.301, log=True, readout_format=".0f"
            ),
            "batch": ui.slider(
                "N", _("batch size × tokens"), batch, 1, 65536, 0.301, log=True, readout_format=".0f"
            ),
        }
        self.figure, self.axes = style.new_figure(10, 3.8)
        colors = [style.NORM_COLORS["none"], style.NORM_COLORS["layer"], style.NORM_COLORS["batch"]]
        self.bars = {}
        for position, kind in enumerate(KINDS):
            for category, color in zip(self.CATEGORIES, colors):
                self.bars[kind, category] = self.axes.barh(
                    position, 1.0, color=color, label=_(CATEGORY_NAMES[category]) if position == 0 else None
                )[0]
        self.axes.set(
            yticks=[0, 1],
            yticklabels=[norms.name(kind) for kind in KINDS],
            xscale="log",
            xlim=(1e1, 1e11),
            xlabel=_("bytes (float32), log scale: each bar stacks input, statistics, buffers"),
            title=_("Memory kept for the backward pass"),
        )
        self.axes.legend(loc="lower right")
        self.view = ui.FigureView(self.figure, dynamic=list(self.bars.values()))
        self.table = ui.html_table_view()
        self.start(controls, [self.view, self.table], _("Which norm keeps more memory?"))

    def update(self) -> str:
        features, batch = int(round(self.value("features"))), int(round(self.value("batch")))
        if batch == 1:
            raise ui.Explained(
                _(
                    "With N = 1, batch norm cannot train at all (one value per feature: its variance is 0 "
                    "and x̂ = 0), so there is nothing to compare. Layer norm would keep the input plus 2 "
                    "numbers. Move N up."
                )
            )
        sizes = {kind: saved_for_backward(kind, batch, features) for kind in KINDS}
        for kind in KINDS:
            left = 0.0
            for category in self.CATEGORIES:
                bar = self.bars[kind, category]
                bar.set_x(max(left, 1.0))
                bar.set_width(max(left + sizes[kind][category], 1.0) - max(left, 1.0))
                left += sizes[kind][category]
        self.view.draw()
        rows = [
            (
                norms.name(kind),
                sizes[kind]["input"],
                sizes[kind]["statistics"],
                sizes[kind]["running buffers"],
                sum(sizes[kind][c] for c in self.CATEGORIES),
            )
            for kind in KINDS
        ]
        self.table.value = ui.html_table(
            [_("norm"), _("input (bytes)"), _("statistics"), _("running buffers"), _("total")],
            [[r[0]] + [f"{v:,}" for v in r[1:]] for r in rows],
            caption=f"N = {batch:,}, D = {features:,}",
        )
        totals = {kind: rows[i][4] for i, kind in enumerate(KINDS)}
        extra = {kind: totals[kind] - sizes[kind]["input"] for kind in KINDS}
        smaller = min(KINDS, key=lambda k: totals[k])
        percent = ui.format_number(abs(totals["layer"] - totals["batch"]) / max(totals.values()) * 100, 3)
        if totals["layer"] == totals["batch"]:
            verdict = _("Both keep exactly the same number of bytes here.")
        elif smaller == "layer":
            verdict = _("Layer norm keeps less, by {percent} % of the total.").format(percent=percent)
        else:
            verdict = _("Batch norm keeps less, by {percent} % of the total.").format(percent=percent)
        return _(
            "Both keep the input: {input:,} bytes. Beyond it, layer norm keeps 2N = {layer:,} numbers (μ and 1/σ "
            "per example), batch norm 4D = {batch:,} (μ, 1/σ, running mean and variance per feature). {verdict}"
        ).format(
            input=sizes["layer"]["input"],
            layer=extra["layer"] // FLOAT32_BYTES,
            batch=extra["batch"] // FLOAT32_BYTES,
            verdict=verdict,
        )
