r"""Batch norm's noise in a recurrent network: where it comes from, and whether it harms long-range memory.

A recurrent network applies the same step at every time step,

.. math::  h_t = \tanh\bigl(\mathrm{Norm}(W_h h_{t-1} + W_x x_t + b)\bigr),

and the norm can be batch norm (statistics per time step over the examples of the batch, as in
Cooijmans et al. 2016, *Recurrent Batch Normalization*) or layer norm (statistics over the hidden
units of one example, Ba et al. 2016). Under batch norm an example's hidden state depends on the
other sequences of its batch, at every step, and the dependence is carried forward by the
recurrence. Article 003 says this noise harms the learning of long-range dependencies; article 004
says BN "may interfere with the time dependence" of RNNs. Two tests:

- :func:`batch_noise_through_time` (live, at initialization): how much example 0's hidden state
  :math:`h_t` changes when the rest of its batch is redrawn, step by step (:class:`RecurrentNoiseApp`);
- :func:`run` (cached in ``data/experiments/rnn_noise.json``): a memory task (recall the first of 30
  tokens at the end of the sequence), trained with batches of 64 and batch-norm statistics taken
  over groups of m examples ("ghost batches": :class:`GhostBatchNorm`), m = 64 down to 2. The
  gradient's batch stays 64, so only the noise of the statistics changes with m. No norm and layer
  norm are trained alongside, layer norm also on 10-token sequences. Ba et al. (2016) report LN
  helping LSTMs and GRUs; :mod:`lnlib.nb06_claims_tested.toy_verdicts` says whether this plain tanh
  RNN agrees.
"""

from __future__ import annotations

import functools

import matplotlib.ticker
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lnlib import ui
from lnlib.nn import BatchNorm1d, standardize
from lnlib.small_nets import networks
from lnlib.small_nets.labels import arm_label
from lnlib.support import norms, protocol
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.ui import style
from lnlib.ui.text import Markdown, markdown_table

TOKENS = 4  # symbols of the memory task (chance accuracy 1/4)
LENGTH = 30  # time steps between the token to recall and the answer
HIDDEN = 64
STEPS, BATCH, LR, EVERY = 600, 64, 3e-3, 10
TEST_SEQUENCES = 1024
ARMS = {  # arm → (norm, examples per batch-norm statistic, sequence length)
    "none": ("none", BATCH, LENGTH),
    "layer": ("layer", BATCH, LENGTH),
    "layer, 10 tokens": ("layer", BATCH, 10),
    "batch, m = 64": ("batch", 64, LENGTH),
    "batch, m = 8": ("batch", 8, LENGTH),
    "batch, m = 4": ("batch", 4, LENGTH),
    "batch, m = 2": ("batch", 2, LENGTH),
}
SEEDS = (0, 1, 2, 3, 4)


# ---------------------------------------------------------------------------
# The noise itself, at initialization (NumPy)
# ---------------------------------------------------------------------------


def _random_weights(hidden: int, inputs: int, seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    w_h, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))  # orthogonal: neither shrinks nor grows h
    w_x = rng.normal(size=(hidden, inputs)) / np.sqrt(inputs)
    return w_h, w_x


def _sequences(count: int, length: int, rng) -> np.ndarray:
    """``count`` sequences of one-hot tokens, shape (count, length, TOKENS)."""
    return np.eye(TOKENS)[rng.integers(0, TOKENS, size=(count, length))]


def hidden_states(sequences: np.ndarray, w_h: np.ndarray, w_x: np.ndarray, kind: str) -> np.ndarray:
    """h_t for every example and step, shape (..., N, T, H), for sequences (..., N, T, tokens).

    ``kind``: "batch" (statistics per step over the N examples, as in training), "layer" or "none";
    no affine map (γ = 1, β = 0, as at initialization). Leading axes are independent batches.
    (torch on one thread, float64: NumPy's threaded matrix products stall on a busy machine.)
    """
    if kind not in ("batch", "layer", "none"):
        raise ValueError(f"kind must be 'batch', 'layer' or 'none', got {kind!r}")
    x, w_h, w_x = (torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64)) for a in (sequences, w_h, w_x))
    h = x.new_zeros(*x.shape[:-2], w_h.shape[0])
    states = []
    with torch_threads():
        for t in range(x.shape[-2]):
            a = h @ w_h.T + x[..., t, :] @ w_x.T
            if kind == "batch":
                # x̂ over the N examples of the batch, per hidden unit
                a = standardize(a, (-2,), 1e-5)
            elif kind == "layer":
                # x̂ over the hidden units of each example
                a = standardize(a, (-1,), 1e-5)
            h = torch.tanh(a)
            states.append(h)
    return torch.stack(states, dim=-2).numpy()


NOISE_HIDDEN = 32  # hidden units of the network whose noise is measured (at initialization)


@functools.lru_cache(maxsize=256)
def _noise_curve(batch: int, kind: str, length: int, redraws: int, seed: int) -> tuple:
    w_h, w_x = _random_weights(NOISE_HIDDEN, TOKENS, seed)
    rng = np.random.default_rng(seed + 1)
    example = _sequences(1, length, rng)
    others = _sequences(redraws * (batch - 1), length, rng).reshape(redraws, batch - 1, length, TOKENS)
    batches = np.concatenate([np.broadcast_to(example, (redraws, 1, length, TOKENS)), others], axis=1)
    runs = hidden_states(batches, w_h, w_x, kind)[:, 0]  # example 0 in each redraw: (redraws, T, H)
    spread = np.sqrt(((runs - runs.mean(axis=0)) ** 2).sum(axis=2).mean(axis=0))
    return tuple(spread / np.sqrt((runs**2).sum(axis=2).mean(axis=0)))


def batch_noise_through_time(
    batch: int, kind: str = "batch", length: int = LENGTH, redraws: int = 6, seed: int = 0
) -> np.ndarray:
    r"""For each step t: the spread of example 0's :math:`h_t` over ``redraws`` redraws of the other examples.

    Returned as :math:`\sqrt{\overline{\lVert h_t - \bar h_t\rVert^2}} / \sqrt{\overline{\lVert h_t\rVert^2}}`
    (the standard deviation relative to the size of :math:`h_t`), shape (length,). 0 (to rounding) for layer norm.
    """
    if batch < 2 and kind == "batch":
        raise ValueError("batch norm needs at least 2 examples in a batch")
    return np.array(_noise_curve(int(batch), kind, length, redraws, seed))


class RecurrentNoiseApp(ui.App):
    """The batch size against batch norm's noise in a recurrent network, step by step."""

    SIZES = (2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128, 181, 256)  # the slider's stops, rounded

    def __init__(self, batch: int = 8, kind: str = "batch") -> None:
        controls = {
            "batch": ui.slider("N", _("batch size"), batch, 1, 256, 0.1505, log=True, readout_format=".0f"),
            "kind": ui.choice(_("norm"), "", [(_("batch norm"), "batch"), (_("layer norm"), "layer")], kind),
        }
        self.figure, (self.left, self.right) = style.new_figure(12, 4.2, ncols=2)
        steps = np.arange(1, LENGTH + 1)
        (self.curve,) = self.left.plot(steps, np.zeros(LENGTH), "o-", color=norms.colour("batch"))
        self.left.set(
            xlabel=_("time step t"),
            ylabel=_("spread of h_t / size of h_t"),
            ylim=(0, 1.0),
            title=_("Example 0's hidden state, batchmates redrawn"),
        )
        final = [batch_noise_through_time(n)[-1] for n in self.SIZES]
        self.right.loglog(self.SIZES, final, "o-", color=norms.colour("batch"), label=_("batch norm, t = 30"))
        self.right.loglog(
            self.SIZES, 1 / np.sqrt(self.SIZES), "--", color=norms.colour("none"), label=_("1/√N")
        )
        (self.marker,) = self.right.loglog([batch], [1.0], "o", color="black")
        self.right.set(
            xlabel=_("batch size N"),
            ylabel=_("spread at the last step"),
            ylim=(1e-2, 1.5),
            title=_("Noise vs batch size"),
        )
        self.right.set_xticks(
            [2, 4, 8, 16, 32, 64, 128, 256], labels=["2", "4", "8", "16", "32", "64", "128", "256"]
        )
        self.right.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        self.right.legend(loc="lower left")
        self.view = ui.FigureView(self.figure, dynamic=[self.curve, self.marker])
        self.start(controls, [self.view], _("Batch norm's noise, carried through time"))

    def update(self) -> str:
        batch, kind = int(round(self.value("batch"))), self.value("kind")
        if batch == 1 and kind == "batch":
            raise ui.Explained(
                _(
                    "With one sequence per batch, batch norm's statistics at each step are that sequence's "
                    "own values: every pre-activation becomes 0, and the network forgets its input at "
                    "every step. Batch norm needs N ≥ 2 (and more to be useful)."
                )
            )
        spread = batch_noise_through_time(batch, kind)
        self.curve.set_ydata(spread)
        self.curve.set_color(norms.colour(kind))
        self.marker.set_data([max(batch, 2)], [max(spread[-1], 1.1e-2)])
        self.marker.set_visible(kind == "batch")
        self.view.draw()
        if kind == "layer":
            return _(
                "Layer norm, N = {batch}: example 0's hidden state does not depend on its batchmates "
                "(spread at most {spread}: rounding in the matrix products)."
            ).format(batch=batch, spread=ui.format_number(float(spread.max())))
        return _(
            "Batch norm, N = {batch}: redrawing the other {others} sequences moves example 0's h_t by "
            "{first} of its size at t = 1 and {last} at t = {length}: the noise enters at every step and the "
            "recurrence carries it on."
        ).format(
            batch=batch,
            others=batch - 1,
            first=ui.format_number(float(spread[0]), 3),
            last=ui.format_number(float(spread[-1]), 3),
            length=LENGTH,
        )


# ---------------------------------------------------------------------------
# Does the noise harm learning a long-range dependency? (torch, cached)
# ---------------------------------------------------------------------------


class GhostBatchNorm(BatchNorm1d):
    r"""Batch norm whose training statistics come from groups of ``group`` examples of the batch.

    The batch of N is split into N/group groups, each standardized with its own mean and biased
    variance; the running statistics average the groups' (unbiased variance), as batch norm's
    would. Evaluation uses the running statistics. With ``group`` = N it is ``nn.BatchNorm1d``.
    """

    def __init__(self, features: int, group: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        if group < 2:
            raise ValueError(f"a group needs at least 2 examples for a variance, got group = {group}")
        super().__init__(features, eps=eps, momentum=momentum)
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        batch, features = x.shape
        if batch % self.group:
            raise ValueError(f"a batch of {batch} does not split into groups of {self.group}")
        groups = x.reshape(batch // self.group, self.group, features)
        # μ_g, σ²_g over the examples of each group g
        mean = groups.mean(dim=1, keepdim=True)
        var = groups.var(dim=1, unbiased=False, keepdim=True)
        # x̂ = (x − μ_g) / sqrt(σ²_g + ε)
        x_hat = (groups - mean) / torch.sqrt(var + self.eps)
        # running ← (1 − momentum)·running + momentum·(the groups' mean μ_g and unbiased σ²_g, averaged)
        self._update_running_statistics(mean.mean(dim=0).reshape(-1), var.mean(dim=0).reshape(-1), self.group)
        # y = γ · x̂ + β
        return x_hat.reshape(batch, features) * self.weight + self.bias


class NormalizedRNN(nn.Module):
    """A tanh RNN with a norm (any key of :mod:`lnlib.support.norms`) on the recurrent pre-activation; a norm
    whose statistics come from the batch gets its own module per time step (batch norm over groups of ``group``
    examples when ``group`` is below the batch: :class:`GhostBatchNorm`)."""

    def __init__(
        self, norm: str, group: int = BATCH, length: int = LENGTH, hidden: int = HIDDEN, seed: int = 0
    ):
        super().__init__()
        torch.manual_seed(seed)
        self.input = nn.Linear(TOKENS, hidden)
        self.recurrent = nn.Linear(hidden, hidden, bias=False)
        nn.init.orthogonal_(self.recurrent.weight)
        described = norms.get(norm)
        if described.uses_batch:
            self.norms = nn.ModuleList(
                GhostBatchNorm(hidden, group) if group < BATCH else described.build((hidden,))
                for _ in range(length)
            )
        else:
            self.shared_norm = described.build((hidden,))
        self.readout = nn.Linear(hidden, TOKENS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.new_zeros(x.shape[0], self.recurrent.weight.shape[0])
        for t in range(x.shape[1]):
            a = self.input(x[:, t]) + self.recurrent(h)
            a = self.norms[t](a) if hasattr(self, "norms") else self.shared_norm(a)
            h = torch.tanh(a)
        return self.readout(h)


def memory_task(count: int, generator: torch.Generator, length: int = LENGTH) -> tuple:
    """``count`` sequences of ``length`` one-hot tokens and, as target, each sequence's first token."""
    tokens = torch.randint(0, TOKENS, (count, length), generator=generator)
    return F.one_hot(tokens, TOKENS).float(), tokens[:, 0]


def grid() -> list:
    """One configuration per arm (each runs once per seed)."""
    return [{"arm": arm} for arm in ARMS]


def key(config: dict) -> str:
    """The cache's key of a seeded configuration: ``"layer, 10 tokens/seed0"``."""
    return f"{config['arm']}/seed{config['seed']}"


def run(config: dict, device: str = "cpu") -> dict:
    """Train on the memory task; the training loss every EVERY steps and the held-out accuracy at the end."""
    norm, group, length = ARMS[config["arm"]]
    model = NormalizedRNN(norm, group, length, seed=config["seed"]).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    generator = torch.Generator().manual_seed(config["seed"])
    x_test, y_test = (
        t.to(device) for t in memory_task(TEST_SEQUENCES, torch.Generator().manual_seed(10_000), length)
    )
    losses = []
    for step in range(STEPS):
        x, y = (t.to(device) for t in memory_task(BATCH, generator, length))
        loss = F.cross_entropy(model(x), y)
        if step % EVERY == 0:
            losses.append(loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return {"losses": losses, "test_accuracy": networks.accuracy(model, x_test, y_test)}


LAB = protocol.Lab("rnn_noise", "06", "experiments/rnn_noise.json", grid, SEEDS, key, run)


def summary(results: dict) -> dict:
    """arm → held-out accuracy of each seed, and their mean."""
    table = {}
    for arm in ARMS:
        accuracies = [results[key({"arm": arm, "seed": s})]["test_accuracy"] for s in SEEDS]
        table[arm] = {"accuracies": accuracies, "mean": float(np.mean(accuracies))}
    return table


def summary_table(results: dict) -> Markdown:
    """Held-out accuracy per arm: each seed and the mean (chance is 1/TOKENS)."""
    rows = [
        (
            arm_label(arm),
            ARMS[arm][2],
            ARMS[arm][1] if ARMS[arm][0] == "batch" else "—",
            ", ".join(f"{a:.3f}" for a in row["accuracies"]),
            row["mean"],
        )
        for arm, row in summary(results).items()
    ]
    return Markdown(
        markdown_table(
            [
                _("arm"),
                _("tokens"),
                _("examples per BN statistic"),
                _("held-out accuracy (seeds)"),
                _("mean"),
            ],
            rows,
        )
    )


def figure(results: dict):
    """Training loss over steps (mean of seeds) and held-out accuracy per arm."""
    fig, (left, right) = style.new_figure(12, 4.4, ncols=2)
    colors = {
        "none": norms.colour("none"),
        "layer": norms.colour("layer"),
        "layer, 10 tokens": norms.colour("layer"),
    }
    shades = {
        "batch, m = 64": 1.0,
        "batch, m = 8": 0.75,
        "batch, m = 4": 0.5,
        "batch, m = 2": 0.3,
        "layer, 10 tokens": 0.45,
    }
    table = summary(results)
    for index, arm in enumerate(ARMS):
        color = colors.get(arm, norms.colour("batch"))
        alpha = shades.get(arm, 1.0)
        curve = np.mean([results[key({"arm": arm, "seed": s})]["losses"] for s in SEEDS], axis=0)
        left.plot(np.arange(len(curve)) * EVERY, curve, color=color, alpha=alpha, label=arm_label(arm))
        right.bar(index, table[arm]["mean"], color=color, alpha=alpha)
        right.plot([index] * len(SEEDS), table[arm]["accuracies"], "o", color="black")
    left.axhline(np.log(TOKENS), color="black", linestyle=":", label=_("chance"))
    left.set(
        xlabel=_("training step"),
        ylabel=_("training loss"),
        title=_("Recall the first of {length} tokens").format(length=LENGTH),
    )
    left.legend(loc="lower left")
    right.axhline(1 / TOKENS, color="black", linestyle=":")
    right.set(
        xticks=range(len(ARMS)),
        ylim=(0, 1.05),
        ylabel=_("held-out accuracy (dots: seeds)"),
        title=_("Held-out accuracy at the end"),
    )
    right.set_xticklabels([arm_label(arm).replace("batch, ", "BN ") for arm in ARMS], rotation=30, ha="right")
    return fig
