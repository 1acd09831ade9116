r"""Which learning rates and initial scales train, with no norm, batch norm and layer norm?

Article 004 claims that LN lets training succeed over a wider range of learning rates and makes
it less sensitive to hyper-parameters (learning rate, initialization, batch size). The sweep here:
the 10-layer MLP of :mod:`lnlib.small_nets.covariate_shift`, plain SGD, 200 steps of 64 examples, for

- seven learning rates from :math:`10^{-2}` to :math:`10` (half-decade steps), initial weights as
  Kaiming's;
- five initial weight scales (Kaiming's times 0.25 … 4) at learning rate 0.1;

five seeds each. A seed *trains* when its final training loss (whole training set, evaluation mode)
is below :data:`TRAINS_BELOW` = 1.2, clearly under chance (ln 5 ≈ 1.61); a setting trains when every
seed does (:func:`lnlib.support.verdict_rule.every_seed`); a run whose loss becomes NaN or infinite
diverged. Cached in ``data/experiments/learning_rates.json``;
:class:`LearningRateApp` browses it.
"""

from __future__ import annotations

import math

import numpy as np

from lnlib import ui
from lnlib.small_nets import networks
from lnlib.small_nets.labels import arm_label
from lnlib.support import norms, protocol
from lnlib.support.language import gettext as _
from lnlib.support.verdict_rule import every_seed
from lnlib.ui import style

COMPARED_NORMS = ("none", "batch", "layer")
SEEDS = (0, 1, 2, 3, 4)
LEARNING_RATES = tuple(float(f"{10 ** (-2 + 0.5 * k):.4g}") for k in range(7))
INIT_GAINS = (0.25, 0.5, 1.0, 2.0, 4.0)
INIT_SWEEP_LR = 0.1
DEPTH, WIDTH, STEPS, BATCH, CURVE_EVERY = 10, 64, 200, 64, 5
TRAINS_BELOW = 1.2  # clearly below chance, ln 5 ≈ 1.61


def grid() -> list:
    """The learning-rate sweep at Kaiming's scale, then the scale sweep at ``INIT_SWEEP_LR`` (each runs once per
    seed; the point both sweeps share runs once)."""
    runs = [{"norm": n, "lr": lr, "init_gain": 1.0} for n in COMPARED_NORMS for lr in LEARNING_RATES]
    runs += [{"norm": n, "lr": INIT_SWEEP_LR, "init_gain": g} for n in COMPARED_NORMS for g in INIT_GAINS]
    return runs


def key(config: dict) -> str:
    """The cache's key of a seeded configuration: ``"layer/lr0.3162/gain1/seed0"``."""
    return f"{config['norm']}/lr{config['lr']:g}/gain{config['init_gain']:g}/seed{config['seed']}"


def run(config: dict, device: str = "cpu") -> dict:
    """One run: the training loss every ``CURVE_EVERY`` steps and the final loss on the whole training set."""
    task = networks.teacher_task(seed=0).to(device)
    model = networks.MLP(
        task.x_train.shape[1],
        WIDTH,
        DEPTH,
        task.classes,
        config["norm"],
        init_gain=config["init_gain"],
        seed=config["seed"],
    ).to(device)
    history = networks.train_classifier(model, task, config["lr"], STEPS, BATCH, seed=config["seed"])
    final = (
        networks.loss_on(model, task.x_train, task.y_train) if history.diverged_at is None else float("nan")
    )
    return {
        "curve": history.losses[::CURVE_EVERY],
        "diverged_at": history.diverged_at,
        "final_loss": final if math.isfinite(final) else float("nan"),
    }


LAB = protocol.Lab("learning_rates", "06", "experiments/learning_rates.json", grid, SEEDS, key, run)


def _points(sweep: str) -> list:
    """The (learning rate, initial scale) points of ``sweep``: ``"lr"`` or ``"init_gain"``."""
    if sweep == "lr":
        return [(lr, 1.0) for lr in LEARNING_RATES]
    if sweep == "init_gain":
        return [(INIT_SWEEP_LR, gain) for gain in INIT_GAINS]
    raise ValueError(f"sweep must be 'lr' or 'init_gain', got {sweep!r}")


def seed_losses(results: dict, norm: str, sweep: str = "lr") -> np.ndarray:
    """Every seed's final loss along ``sweep``, shape (seeds, points); NaN where a seed diverged."""
    return np.array(
        [
            [
                results[key({"norm": norm, "lr": lr, "init_gain": gain, "seed": s})]["final_loss"]
                for lr, gain in _points(sweep)
            ]
            for s in SEEDS
        ],
        dtype=float,
    )


def final_losses(results: dict, norm: str, sweep: str = "lr") -> np.ndarray:
    """Mean over seeds of the final loss along the learning-rate sweep (``sweep="lr"``) or the scale sweep
    (``"init_gain"``); NaN where any seed diverged."""
    return seed_losses(results, norm, sweep).mean(axis=0)


def _trains(loss: float) -> bool:
    return bool(np.isfinite(loss) and loss < TRAINS_BELOW)


def seed_range(results: dict, norm: str, seed: int, sweep: str = "lr") -> list:
    """The swept values at which seed ``seed`` trains (its final loss below TRAINS_BELOW)."""
    values = LEARNING_RATES if sweep == "lr" else INIT_GAINS
    losses = seed_losses(results, norm, sweep)[SEEDS.index(seed)]
    return [v for v, loss in zip(values, losses) if _trains(loss)]


def training_range(results: dict, norm: str, sweep: str = "lr") -> list:
    """The swept values at which the network trains: every seed's final loss below TRAINS_BELOW
    (:func:`lnlib.support.verdict_rule.every_seed`, the rule of notebooks 04 and 07 too)."""
    values = LEARNING_RATES if sweep == "lr" else INIT_GAINS
    losses = seed_losses(results, norm, sweep)
    return [v for v, column in zip(values, losses.T) if every_seed(_trains(loss) for loss in column)]


def ranges_text(results: dict, sweep: str = "lr") -> str:
    """Each norm's training range along ``sweep``, as read aloud: "no norm: 0.03 to 0.3; LN: …"."""
    return _("; ").join(
        _("{norm}: {values}").format(
            norm=arm_label(norm), values=describe_range(training_range(results, norm, sweep), sweep)
        )
        for norm in COMPARED_NORMS
    )


def describe_range(values: list, sweep: str = "lr") -> str:
    """A training range as read aloud: "0.03 to 3", "only 1", "none" (learning rates to one significant digit)."""
    grid = list(LEARNING_RATES if sweep == "lr" else INIT_GAINS)

    def label(value: float) -> str:
        return ui.format_number(float(f"{value:.1g}")) if sweep == "lr" else ui.format_number(value)

    if not values:
        return _("none")
    if len(values) == 1:
        return _("only {value}").format(value=label(values[0]))
    first, last = grid.index(values[0]), grid.index(values[-1])
    if grid[first : last + 1] == list(values):
        return _("{first} to {last}").format(first=label(values[0]), last=label(values[-1]))
    return _(", ").join(label(value) for value in values)


def figure(results: dict):
    """Final training loss against the learning rate and against the initial scale, per norm."""
    fig, (left, right) = style.new_figure(12, 4.4, ncols=2)
    for norm in COMPARED_NORMS:
        color = norms.colour(norm)
        left.semilogx(
            LEARNING_RATES, final_losses(results, norm, "lr"), "o-", color=color, label=arm_label(norm)
        )
        right.semilogx(
            INIT_GAINS,
            final_losses(results, norm, "init_gain"),
            "o-",
            base=2,
            color=color,
            label=arm_label(norm),
        )
    for ax, xlabel, title in (
        (left, _("learning rate (SGD)"), _("Final loss vs learning rate")),
        (right, _("initial weight scale × Kaiming (lr 0.1)"), _("Final loss vs initial scale")),
    ):
        ax.axhline(TRAINS_BELOW, color="black", linestyle=":", label=_("trains below this"))
        ax.axhline(math.log(5), color=norms.colour("none"), linestyle="--", label=_("chance (ln 5)"))
        ax.set(xlabel=xlabel, ylabel=_("final training loss"), ylim=(0, 3.0), title=title)
    left.legend(loc="upper center", ncols=3)
    return fig


class LearningRateApp(ui.App):
    """Pick a learning rate: the training curves of the three networks at that rate, from the cached sweep."""

    def __init__(self, lr: float = 0.1) -> None:
        self.results = LAB.results()
        controls = {
            "lr": ui.slider("η", _("learning rate"), lr, LEARNING_RATES[0], LEARNING_RATES[-1], 0.5, log=True)
        }
        self.figure, (self.left, self.right) = style.new_figure(12, 4.2, ncols=2)
        for norm in COMPARED_NORMS:
            self.left.semilogx(
                LEARNING_RATES,
                final_losses(self.results, norm, "lr"),
                "o-",
                color=norms.colour(norm),
                label=arm_label(norm),
            )
        self.left.axhline(math.log(5), color=norms.colour("none"), linestyle="--")
        self.marker = self.left.axvline(lr, color="black", linestyle=":")
        self.left.set(
            xlabel=_("learning rate"),
            ylabel=_("final training loss"),
            ylim=(0, 2.5),
            title=_("Final loss (mean of {seeds} seeds)").format(seeds=len(SEEDS)),
        )
        self.left.legend(loc="upper left")
        steps = np.arange(0, STEPS, CURVE_EVERY)
        self.curves = {
            norm: self.right.plot(
                steps, np.full(len(steps), np.nan), color=norms.colour(norm), label=arm_label(norm)
            )[0]
            for norm in COMPARED_NORMS
        }
        self.right.set(
            xlabel=_("training step"),
            ylabel=_("training loss (seed 0)"),
            ylim=(0, 3),
            xlim=(0, STEPS),
            title=_("Training at this learning rate"),
        )
        self.view = ui.FigureView(self.figure, dynamic=[self.marker, *self.curves.values()])
        self.start(controls, [self.view], _("Which learning rates train?"))

    def update(self) -> str:
        lr = min(LEARNING_RATES, key=lambda v: abs(math.log10(v) - math.log10(self.value("lr"))))
        self.marker.set_xdata([lr, lr])
        verdicts = []
        for norm in COMPARED_NORMS:
            run = self.results[key({"norm": norm, "lr": lr, "init_gain": 1.0, "seed": 0})]
            curve = np.array(run["curve"], dtype=float)
            padded = np.full(len(self.curves[norm].get_xdata()), np.nan)
            padded[: len(curve)] = np.clip(curve, 0, 3)
            self.curves[norm].set_ydata(padded)
            losses = [
                self.results[key({"norm": norm, "lr": lr, "init_gain": 1.0, "seed": s})]["final_loss"]
                for s in SEEDS
            ]
            shown, final = arm_label(norm), ui.format_number(float(np.mean(losses)), 3)
            if any(not np.isfinite(loss) for loss in losses):
                verdicts.append(_("{norm}: diverged").format(norm=shown))
            elif every_seed(_trains(loss) for loss in losses):
                verdicts.append(_("{norm}: trains (final loss {loss})").format(norm=shown, loss=final))
            else:
                verdicts.append(
                    _("{norm}: does not train (final loss {loss})").format(norm=shown, loss=final)
                )
        self.view.draw()
        return _("η = {lr}: {verdicts}.").format(lr=ui.format_number(lr), verdicts=_("; ").join(verdicts))
