r"""Does layer norm regularize, or generalize better? A small held-out test.

Article 000 says LN "generalizes better" than BN; article 004 that LN has "an implicit
regularizing effect" and that "models with LN usually do better on unseen data than models
without normalization"; article 003 says both norms are "regularization techniques". None cites
a study. The test here: a task where overfitting is possible and visible,

- 256 training examples from a teacher network (:func:`lnlib.small_nets.networks.teacher_task`), 20 % of
  their labels replaced by random ones, and 4096 held-out examples with clean labels;
- a wide MLP (3 hidden layers of 256 units: 140 000 parameters for 256 examples), trained with Adam
  and mini-batches of 32 long enough to fit the noisy labels;
- the same network with no norm, batch norm, layer norm and RMSNorm; five seeds each.

A regularizer shows as a smaller gap between training and held-out accuracy, and a better held-out
accuracy. The runs are cached in ``data/experiments/generalization.json``.
"""

from __future__ import annotations

import numpy as np

from lnlib.small_nets import networks
from lnlib.small_nets.labels import arm_label
from lnlib.support import norms, protocol
from lnlib.support.language import gettext as _
from lnlib.ui import style
from lnlib.ui.text import Markdown, markdown_table

COMPARED_NORMS = ("none", "batch", "layer", "rms")
SEEDS = (0, 1, 2, 3, 4)
TRAIN, TEST, LABEL_NOISE = 256, 4096, 0.2
DEPTH, WIDTH, LR, STEPS, BATCH, EVERY = 3, 256, 1e-3, 1200, 32, 50


def grid() -> list:
    """One configuration per norm (each runs once per seed)."""
    return [{"norm": norm} for norm in COMPARED_NORMS]


def key(config: dict) -> str:
    """The cache's key of a seeded configuration: ``"layer/seed0"``."""
    return f"{config['norm']}/seed{config['seed']}"


def task() -> networks.Task:
    """The same task for every run: only the network's initialization and batch order change with the seed."""
    return networks.teacher_task(TRAIN, TEST, label_noise=LABEL_NOISE, seed=1)


def run(config: dict, device: str = "cpu") -> dict:
    """One run: training and held-out accuracy every ``EVERY`` steps."""
    data = task().to(device)
    model = networks.MLP(
        data.x_train.shape[1], WIDTH, DEPTH, data.classes, config["norm"], seed=config["seed"]
    ).to(device)
    return held_out_run(model, data, STEPS, BATCH, config["seed"])


def held_out_run(model, data: networks.Task, steps: int, batch: int, seed: int) -> dict:
    """Train ``model`` with Adam at ``LR``; its training and held-out accuracy every ``EVERY`` steps and at
    the end (JSON-ready). The batch-noise experiment trains its models the same way."""
    curves = {"step": [], "train_accuracy": [], "test_accuracy": []}

    def on_step(step, model, x, y, optimizer):
        if step % EVERY == 0:
            curves["step"].append(step)
            curves["train_accuracy"].append(networks.accuracy(model, data.x_train, data.y_train))
            curves["test_accuracy"].append(networks.accuracy(model, data.x_test, data.y_test))

    history = networks.train_classifier(
        model, data, LR, steps, batch, optimizer="adam", seed=seed, on_step=on_step
    )
    return {
        **curves,
        "diverged_at": history.diverged_at,
        "final_train_accuracy": networks.accuracy(model, data.x_train, data.y_train),
        "final_test_accuracy": networks.accuracy(model, data.x_test, data.y_test),
    }


LAB = protocol.Lab("generalization", "06", "experiments/generalization.json", grid, SEEDS, key, run)


def summary(results: dict) -> dict:
    """norm → mean and standard error over seeds of the final training and held-out accuracy, and their gap."""
    table = {}
    for norm in COMPARED_NORMS:
        runs = [results[key({"norm": norm, "seed": s})] for s in SEEDS]
        train = np.array([r["final_train_accuracy"] for r in runs])
        test = np.array([r["final_test_accuracy"] for r in runs])
        best = np.array([max(r["test_accuracy"]) for r in runs])
        table[norm] = {
            "train": float(train.mean()),
            "test": float(test.mean()),
            "test_se": float(test.std(ddof=1) / np.sqrt(len(test))),
            "gap": float((train - test).mean()),
            "best_test": float(best.mean()),
        }
    return table


def difference_from_none(results: dict, norm: str) -> tuple:
    """Held-out accuracy of ``norm`` minus that of no norm, seed by seed (paired): (mean, standard error)."""
    differences = np.array(
        [
            results[key({"norm": norm, "seed": s})]["final_test_accuracy"]
            - results[key({"norm": "none", "seed": s})]["final_test_accuracy"]
            for s in SEEDS
        ]
    )
    return float(differences.mean()), float(differences.std(ddof=1) / np.sqrt(len(differences)))


def summary_table(results: dict) -> Markdown:
    """The summary as a table, one row per norm, with the paired difference from no norm."""
    rows = []
    for norm, row in summary(results).items():
        difference = (
            "—"
            if norm == "none"
            else "{:+.2f} ± {:.2f}".format(*(100 * v for v in difference_from_none(results, norm)))
        )
        rows.append((arm_label(norm), row["train"], row["test"], row["gap"], row["best_test"], difference))
    return Markdown(
        markdown_table(
            [
                _("norm"),
                _("training accuracy"),
                _("held-out accuracy"),
                _("gap"),
                _("best held-out accuracy"),
                _("vs no norm (points, paired ± s.e.)"),
            ],
            rows,
        )
    )


def points_from_none(results: dict, norm: str) -> str:
    """The paired difference from no norm in accuracy points, as quoted: "−0.4 ± 0.2"."""
    mean, error = difference_from_none(results, norm)
    return f"{100 * mean:.1f} ± {100 * error:.1f}".replace("-", "−")


def figure(results: dict):
    """Training and held-out accuracy during training, per norm (mean of the seeds)."""
    fig, axes = style.new_figure(12, 4.4, ncols=2)
    for ax, field, title in (
        (axes[0], "train_accuracy", _("Training accuracy (20 % noisy labels)")),
        (axes[1], "test_accuracy", _("Held-out accuracy (clean labels)")),
    ):
        for norm in COMPARED_NORMS:
            runs = [results[key({"norm": norm, "seed": s})] for s in SEEDS]
            ax.plot(
                runs[0]["step"],
                np.mean([r[field] for r in runs], axis=0),
                color=norms.colour(norm),
                label=arm_label(norm),
            )
        ax.set(xlabel=_("training step"), ylabel=_("accuracy"), title=title, ylim=(0, 1.02))
    axes[0].axhline(1 - LABEL_NOISE * 0.8, color="black", linestyle=":", label=_("clean-label fraction"))
    axes[0].legend(loc="lower right")
    return fig
