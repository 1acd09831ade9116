r"""Batch norm across devices: what each device sees alone, and what an all-reduce repairs.

In data-parallel training each device holds a shard of the batch. Batch norm's statistics are
means over the batch, so a device that takes them from its shard alone gets another
:math:`\mu, \sigma^2` than one batch norm over the whole batch: other outputs, other gradients.
*Synchronised* batch norm sums over all devices instead (an **all-reduce**): four sums in three calls,
:math:`\sum x` with the count, then :math:`\sum (x-\mu)^2`, and in the backward pass :math:`\sum g` and
:math:`\sum g \hat x` together:

.. math::  \mu = \frac{\sum_k \sum_{i \in k} x_i}{\sum_k m_k}, \qquad
           \sigma^2 = \frac{\sum_k \sum_{i \in k} (x_i - \mu)^2}{\sum_k m_k}, \qquad
           \bar g,\ \overline{g \hat x}\ \text{likewise in the backward pass}

Layer norm's statistics belong to one example, so every device computes exactly what the whole
batch would, with no communication.

- :func:`simulate`: ``k`` devices simulated in one process (behind :class:`ShardStatisticsApp`);
- :func:`run_on_processes`: real processes with ``torch.distributed`` and the gloo backend on
  127.0.0.1 and a free port, always cleaned up.

The maths, written once for both, is :func:`lnlib.nb06_claims_tested.shards.batch_norm_over_shards`.
PyTorch's own ``nn.SyncBatchNorm`` refuses CPU tensors ("expected input tensor to be on GPU"), so
the all-reduce is written out there, as SyncBatchNorm does it on GPUs.
"""

from __future__ import annotations

import queue as queue_module
import sys
import time
from dataclasses import dataclass

import numpy as np

from lnlib import ui
from lnlib.nb06_claims_tested.shards import (
    TIMEOUT_SECONDS,
    batch_norm_over_shards,
    example_batch,
    gloo_worker,
    layer_norm_shard,
    no_communication,
    shards_of,
)
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.support.ports import free_port
from lnlib.ui import style
from lnlib.ui.text import Markdown, markdown_table


def simulate(devices: int, batch: int = 16, features: int = 4, seed: int = 0) -> dict:
    """Every norm on ``devices`` simulated devices of one process, against one norm over the whole batch.

    Returns per-device statistics and the largest differences from the whole-batch results.
    """
    data = example_batch(batch, features, seed)
    x, grad, gamma, beta = data["x"], data["grad"], data["gamma"], data["beta"]
    full = batch_norm_over_shards([x], [grad], gamma, beta, no_communication)
    x_shards, grad_shards = shards_of(x, devices), shards_of(grad, devices)
    if min(len(s) for s in x_shards) < 2:
        raise ValueError(
            f"{devices} devices leave some with a single example of the {batch}: batch norm cannot "
            f"train on one example per device"
        )
    alone = [
        batch_norm_over_shards([xs], [gs], gamma, beta, no_communication)
        for xs, gs in zip(x_shards, grad_shards)
    ]
    synced = batch_norm_over_shards(
        x_shards, grad_shards, gamma, beta, no_communication
    )  # one process holds all shards
    full_ln = layer_norm_shard(x, grad, gamma, beta)
    shard_ln = [layer_norm_shard(xs, gs, gamma, beta) for xs, gs in zip(x_shards, grad_shards)]

    def gap(pieces, whole) -> float:
        return float(np.max(np.abs(np.concatenate(pieces) - whole)))

    return {
        "full_mean": full.mean,
        "device_means": np.array([r.mean for r in alone]),
        "full_var": full.var,
        "device_vars": np.array([r.var for r in alone]),
        "bn_alone_output_gap": gap([r.outputs[0] for r in alone], full.outputs[0]),
        "bn_alone_grad_gap": gap([r.input_grads[0] for r in alone], full.input_grads[0]),
        "bn_synced_output_gap": gap(synced.outputs, full.outputs[0]),
        "bn_synced_grad_gap": gap(synced.input_grads, full.input_grads[0]),
        "ln_output_gap": gap([o for o, _ in shard_ln], full_ln[0]),
        "ln_grad_gap": gap([g for _, g in shard_ln], full_ln[1]),
    }


# ---------------------------------------------------------------------------
# Real processes: torch.distributed with the gloo backend.
# ---------------------------------------------------------------------------


ALONE, SYNCED, LN_ALONE = (
    N_("BN, statistics of its own shard"),
    N_("BN, statistics all-reduced"),
    N_("LN, no communication"),
)
DIFFERS, ROUNDING, EXACTLY_ZERO = N_("differs"), N_("0 to rounding"), N_("exactly 0")
"""The checks of :meth:`DistributedResult.rows` and what each expects (English data, translated where shown)."""


@dataclass
class DistributedResult:
    """What each of the real processes computed, next to one norm over the whole batch."""

    world_size: int
    data: dict
    answers: list  # one dict per rank, in rank order

    def rows(self) -> list:
        """(what, rank, largest difference from the whole batch, expected) for every check."""
        x, grad, gamma, beta = (self.data[k] for k in ("x", "grad", "gamma", "beta"))
        full = batch_norm_over_shards([x], [grad], gamma, beta, no_communication)
        full_ln = layer_norm_shard(x, grad, gamma, beta)
        x_shards = shards_of(np.arange(len(x)), self.world_size)
        rows = []
        for answer, rows_of_rank in zip(self.answers, x_shards):
            rank = answer["rank"]
            for label, result, expected in (
                (ALONE, answer["alone"], DIFFERS),
                (SYNCED, answer["synced"], ROUNDING),
            ):
                rows.append((f"{label}: μ", rank, float(np.max(np.abs(result.mean - full.mean))), expected))
                rows.append(
                    (
                        f"{label}: y",
                        rank,
                        float(np.max(np.abs(result.outputs[0] - full.outputs[0][rows_of_rank]))),
                        expected,
                    )
                )
                rows.append(
                    (
                        f"{label}: ∂L/∂x",
                        rank,
                        float(np.max(np.abs(result.input_grads[0] - full.input_grads[0][rows_of_rank]))),
                        expected,
                    )
                )
            rows.append(
                (
                    f"{LN_ALONE}: y",
                    rank,
                    float(np.max(np.abs(answer["ln_output"] - full_ln[0][rows_of_rank]))),
                    EXACTLY_ZERO,
                )
            )
            rows.append(
                (
                    f"{LN_ALONE}: ∂L/∂x",
                    rank,
                    float(np.max(np.abs(answer["ln_grad"] - full_ln[1][rows_of_rank]))),
                    EXACTLY_ZERO,
                )
            )
        return rows

    def table(self) -> Markdown:
        header = [_("what the process computed"), _("rank"), _("max |process − whole batch|"), _("expected")]
        rows = []
        for what, rank, gap, expected in self.rows():
            check, quantity = what.rsplit(": ", 1)
            shown = _("{check}: {quantity}").format(check=_(check), quantity=quantity)
            rows.append((shown, rank, gap, _(expected)))
        return Markdown(
            _(
                "{processes} processes (torch.distributed, gloo, 127.0.0.1), a batch of {batch} split between them:"
            ).format(processes=self.world_size, batch=len(self.data["x"]))
            + "\n\n"
            + markdown_table(header, rows)
        )


def run_on_processes(
    world_size: int = 2, batch: int = 16, features: int = 4, seed: int = 0
) -> DistributedResult:
    """Start ``world_size`` processes with the gloo backend on 127.0.0.1, run :func:`~lnlib.nb06_claims_tested.shards.gloo_worker` in each, clean up."""
    import multiprocessing as mp

    import torch.distributed  # noqa: F401  (imported once here, inherited by forked processes)

    if world_size < 2:
        raise ValueError(f"a distributed run needs at least 2 processes, got {world_size}")
    data = example_batch(batch, features, seed)
    shards_of(data["x"], world_size)  # refuses a split that leaves a process without examples
    # Linux: fork, so the processes inherit the imported torch and start at once (as DataLoader workers
    # do; they use no OpenMP region and one thread). Elsewhere: a fresh interpreter per process.
    context = mp.get_context("fork" if sys.platform == "linux" else "spawn")
    answers = context.Queue()
    port = free_port()
    processes = [
        context.Process(target=gloo_worker, args=(rank, world_size, port, data, answers), daemon=True)
        for rank in range(world_size)
    ]
    try:
        for process in processes:
            process.start()
        received, deadline = [], time.monotonic() + TIMEOUT_SECONDS
        while len(received) < world_size:
            try:
                received.append(answers.get(timeout=0.5))
            except queue_module.Empty:
                crashed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                if crashed or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the {world_size} processes did not all answer (exit codes "
                        f"{[p.exitcode for p in processes]})"
                    ) from None
        for process in processes:
            process.join(timeout=30)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)
        answers.close()
        answers.join_thread()
    errors = [f"rank {a['rank']}: {a['error']}" for a in received if "error" in a]
    if errors:
        raise RuntimeError("a process failed: " + "; ".join(errors))
    return DistributedResult(world_size, data, sorted(received, key=lambda a: a["rank"]))


# ---------------------------------------------------------------------------
# The app: devices simulated in one process.
# ---------------------------------------------------------------------------


class ShardStatisticsApp(ui.App):
    """Split a batch over more and more devices: each device's BN statistics drift from the batch's; LN's never do."""

    BATCH = 32
    MAX_DEVICES = 16
    FLOOR = 1e-18  # the bottom of the log axis

    def __init__(self, devices: int = 2, synchronised: bool = False) -> None:
        controls = {
            "devices": ui.slider("k", _("number of devices"), devices, 1, self.MAX_DEVICES, integer=True),
            "synchronised": ui.choice(
                _("BN statistics"),
                "",
                [(_("each device alone"), False), (_("all-reduced (SyncBatchNorm)"), True)],
                synchronised,
            ),
        }
        self.figure, (self.left, self.right) = style.new_figure(11, 4.2, ncols=2)
        (self.device_points,) = self.left.plot(
            [], [], "o", color=style.NORM_COLORS["batch"], label=_("device's μ")
        )
        self.full_line = self.left.axhline(0, color="black", linestyle="--", label=_("whole batch's μ"))
        self.left.set(
            xlim=(-0.5, self.MAX_DEVICES - 0.5),
            ylim=(-2, 4),
            xlabel=_("device"),
            ylabel=_("μ of feature 0"),
            title=_("Batch norm's mean, per device"),
        )
        self.left.legend(loc="upper right")
        labels = [_("BN\nalone"), _("BN\nall-reduced"), "LN"]
        self.bars = self.right.bar(
            range(3),
            np.ones(3),
            color=[style.NORM_COLORS["batch"], style.NORM_COLORS["batch"], style.NORM_COLORS["layer"]],
        )
        self.right.set_yscale("log")
        self.right.set(
            ylim=(self.FLOOR, 1e3),
            xticks=range(3),
            xticklabels=labels,
            ylabel=_("max |y − y(whole batch)|"),
            title=_("Outputs against the whole batch's"),
        )
        self.labels = [self.right.text(i, 1, "", ha="center", va="bottom") for i in range(3)]
        self.view = ui.FigureView(
            self.figure, dynamic=[self.device_points, self.full_line, *self.bars, *self.labels]
        )
        self.table = ui.html_table_view()
        self.start(
            controls,
            [self.view, self.table],
            _("Batch norm on k devices: statistics per shard"),
            tabs={_("the shards"): [self.view], _("the numbers"): [self.table]},
        )

    def update(self) -> str:
        devices, synchronised = self.value("devices"), self.value("synchronised")
        shard = self.BATCH // devices
        result = simulate(devices, self.BATCH)
        means = result["full_mean"][0] if synchronised else result["device_means"][:, 0]
        self.device_points.set_data(np.arange(devices), np.broadcast_to(means, (devices,)))
        self.full_line.set_ydata([result["full_mean"][0]] * 2)
        gaps = [result["bn_alone_output_gap"], result["bn_synced_output_gap"], result["ln_output_gap"]]
        for bar, label, value in zip(self.bars, self.labels, gaps):
            bar.set_height(
                max(value, self.FLOOR)
            )  # a gap of exactly 0 has no bar on a log axis: its label says 0
            label.set_position((label.get_position()[0], max(value, self.FLOOR) * 1.5))
            label.set_text(ui.format_number(value, 2))
        self.bars[0].set_alpha(0.25 if synchronised else 1.0)
        self.bars[1].set_alpha(1.0 if synchronised else 0.25)
        self.view.draw()
        rows = [
            (_("BN, each device alone"), result["bn_alone_output_gap"], result["bn_alone_grad_gap"]),
            (_("BN, all-reduced"), result["bn_synced_output_gap"], result["bn_synced_grad_gap"]),
            (_(LN_ALONE), result["ln_output_gap"], result["ln_grad_gap"]),
        ]
        self.table.value = ui.html_table(
            [_("norm"), "max |Δy|", "max |Δ∂L/∂x|"],
            rows,
            caption=_("{devices} device(s) × about {shard} examples, against the whole batch").format(
                devices=devices, shard=shard
            ),
        )
        if shard == 2:
            if synchronised:
                after = _("All-reduced, the statistics are the whole batch's again.")
            else:
                after = _("Alone, the outputs differ from the whole batch's by up to {gap}.").format(
                    gap=ui.format_number(result["bn_alone_output_gap"])
                )
            return _(
                "{devices} devices with 2 examples each: on two examples batch norm gives x̂ = ±1 whatever their "
                "values, so each device's outputs say almost nothing about the batch. {after}"
            ).format(devices=devices, after=after)
        if devices == 1:
            return _(
                "One device holds the whole batch: every norm computes exactly the whole batch's result."
            )
        spread = float(np.ptp(result["device_means"][:, 0]))
        ln_gap = ui.format_number(result["ln_output_gap"])
        if synchronised:
            message = _(
                "{devices} devices with about {shard} examples each. BN all-reduced: every device uses the whole "
                "batch's μ and σ², so the outputs agree to rounding. LN's outputs differ by {ln_gap}: each example "
                "is normalized alone."
            )
        else:
            message = _(
                "{devices} devices with about {shard} examples each. BN alone: the devices' means of feature 0 "
                "spread over {spread}. LN's outputs differ by {ln_gap}: each example is normalized alone."
            )
        return message.format(devices=devices, shard=shard, spread=ui.format_number(spread), ln_gap=ln_gap)
