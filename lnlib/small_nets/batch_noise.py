r"""Does batch norm's batch noise regularize? The noise turned up and down, everything else held fixed.

In training, batch norm standardizes each example with the mean and variance of its batch, so an
example's output moves with whichever examples it is drawn with: noise, which Ioffe and Szegedy (2015)
credit with a regularizing effect (they could drop dropout), and which d2l and Karpathy teach as one.
To test that effect and not something else, the noise must change while the rest stays put. Here the
batch stays at 128 examples (the gradient's noise fixed) and batch norm takes its statistics over
groups of m examples inside it ("ghost batches", Hoffer et al. 2017;
:class:`lnlib.small_nets.rnn_noise.GhostBatchNorm`): m = 128 is ordinary batch norm, smaller m is
noisier statistics (the noise grows about as :math:`1/\sqrt m`).

The task is the held-out test of :mod:`lnlib.small_nets.generalization` (256 training examples with
20 % of their labels made random, 4096 clean held-out examples, a 3-layer MLP of width 256, Adam):
a regularizer shows as fitting fewer of the noisy training labels and doing better on the held-out
ones. No norm and layer norm (no batch noise at all) run beside it. Three seeds each, cached in
``data/experiments/batch_noise.json``.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from lnlib.small_nets import generalization, networks
from lnlib.small_nets.labels import arm_colour, arm_label
from lnlib.small_nets.rnn_noise import GhostBatchNorm
from lnlib.support import norms, protocol
from lnlib.support.language import gettext as _
from lnlib.ui import style
from lnlib.ui.text import Markdown, markdown_table

BATCH = 128
GROUPS = (128, 16, 4)  # examples per statistic: ordinary batch norm, then noisier
ARMS = ("none", "layer") + tuple(f"batch, m = {m}" for m in GROUPS)
SEEDS = (0, 1, 2, 3, 4)
STEPS = 600


def grid() -> list:
    """One configuration per arm (each runs once per seed)."""
    return [{"arm": arm} for arm in ARMS]


def key(config: dict) -> str:
    """The cache's key of a seeded configuration: ``"batch, m = 4/seed0"``."""
    return f"{config['arm']}/seed{config['seed']}"


def build(arm: str, seed: int) -> nn.Module:
    """The generalization test's MLP, with no norm, layer norm, or batch norm over groups of m examples (the
    registry's batch norm for m = the whole batch, :class:`GhostBatchNorm` below it)."""
    data = generalization.task()
    norm = "layer" if arm == "layer" else "none"
    model = networks.MLP(
        data.x_train.shape[1], generalization.WIDTH, generalization.DEPTH, data.classes, norm, seed=seed
    )
    if arm.startswith("batch"):
        group = int(arm.split("=")[1])
        width = generalization.WIDTH
        model.norms = nn.ModuleList(
            GhostBatchNorm(width, group) if group < BATCH else norms.get("batch").build((width,))
            for _ in model.norms
        )
    return model


def run(config: dict, device: str = "cpu") -> dict:
    """One run: training (noisy labels) and held-out (clean) accuracy every ``generalization.EVERY`` steps, in eval mode
    (:func:`lnlib.small_nets.generalization.held_out_run`)."""
    data = generalization.task().to(device)
    model = build(config["arm"], config["seed"]).to(device)
    return generalization.held_out_run(model, data, STEPS, BATCH, config["seed"])


LAB = protocol.Lab("batch_noise", "06", "experiments/batch_noise.json", grid, SEEDS, key, run)


def summary(results: dict) -> dict:
    """arm → mean over seeds of the final training and held-out accuracy, the gap, and the held-out s.e."""
    table = {}
    for arm in ARMS:
        runs = [results[key({"arm": arm, "seed": s})] for s in SEEDS]
        train = np.array([r["final_train_accuracy"] for r in runs])
        test = np.array([r["final_test_accuracy"] for r in runs])
        table[arm] = {
            "train": float(train.mean()),
            "test": float(test.mean()),
            "test_se": float(test.std(ddof=1) / np.sqrt(len(test))),
            "gap": float((train - test).mean()),
        }
    return table


def noise_effect(results: dict) -> dict:
    """From ordinary BN (m = 128) to the noisiest (m = 4): the change of training and held-out accuracy, and
    each arm's held-out accuracy against no norm (paired by seed), in accuracy points."""
    table = summary(results)
    plain, noisiest = table[f"batch, m = {GROUPS[0]}"], table[f"batch, m = {GROUPS[-1]}"]

    def paired(arm):
        differences = np.array(
            [
                results[key({"arm": arm, "seed": s})]["final_test_accuracy"]
                - results[key({"arm": "none", "seed": s})]["final_test_accuracy"]
                for s in SEEDS
            ]
        )
        return 100 * differences.mean(), 100 * differences.std(ddof=1) / np.sqrt(len(differences))

    return {
        "train_change": 100 * (noisiest["train"] - plain["train"]),
        "test_change": 100 * (noisiest["test"] - plain["test"]),
        "gap_change": 100 * (noisiest["gap"] - plain["gap"]),
        "vs_none": {arm: paired(arm) for arm in ARMS if arm != "none"},
    }


def summary_table(results: dict) -> Markdown:
    effect = noise_effect(results)
    rows = []
    for arm, row in summary(results).items():
        versus = "—" if arm == "none" else "{:+.1f} ± {:.1f}".format(*effect["vs_none"][arm])
        rows.append((arm_label(arm), row["train"], row["test"], row["gap"], versus))
    return Markdown(
        markdown_table(
            [
                _("arm (batch of 128)"),
                _("training accuracy (noisy labels)"),
                _("held-out accuracy"),
                _("gap"),
                _("held-out vs no norm (points, paired ± s.e.)"),
            ],
            rows,
        )
    )


def figure(results: dict):
    """Training and held-out accuracy during training, per arm (mean of the seeds)."""
    fig, axes = style.new_figure(12, 4.4, ncols=2)
    shades = dict(zip(ARMS[2:], (1.0, 0.65, 0.35)))  # BN's colour, fainter as its groups shrink
    for ax, field, title in (
        (axes[0], "train_accuracy", _("Training accuracy (20 % noisy labels)")),
        (axes[1], "test_accuracy", _("Held-out accuracy (clean labels)")),
    ):
        for arm in ARMS:
            runs = [results[key({"arm": arm, "seed": s})] for s in SEEDS]
            ax.plot(
                runs[0]["step"],
                np.mean([r[field] for r in runs], axis=0),
                color=arm_colour(arm),
                alpha=shades.get(arm, 1.0),
                label=arm_label(arm),
            )
        ax.set(xlabel=_("training step"), ylabel=_("accuracy"), title=title, ylim=(0, 1.02))
    axes[0].legend(loc="lower right")
    return fig
