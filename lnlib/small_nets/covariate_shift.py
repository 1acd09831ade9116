r"""Does batch norm help by reducing "internal covariate shift"? Santurkar et al. (2018), repeated small.

Ioffe and Szegedy (2015) introduced batch norm to reduce *internal covariate shift* (ICS): the
change of a layer's input distribution as the layers before it learn. Santurkar, Tsipras, Ilyas and
Madry (2018), *How Does Batch Normalization Help Optimization?*, tested that explanation three ways,
and this module repeats each on a small MLP (:mod:`lnlib.small_nets`, same task, same learning rate):

1. **Noisy BN.** Add noise after every batch norm that changes mean and scale at every step
   (:class:`~lnlib.small_nets.networks.NoiseAfterNorm`): the layers' input distributions now move far more
   than without any norm. If stable distributions were what BN gives, this network should train
   badly. Santurkar: it trains about as well as with plain BN.
2. **ICS measured by gradients.** Their Definition 2.1: the difference between layer ℓ's gradient
   before and after the layers below it take their update,
   :math:`\lVert G_\ell - G'_\ell\rVert / \lVert G_\ell\rVert` with
   :math:`G_\ell = \nabla_{W_\ell} L(W_1, \dots, W_k)`, :math:`G'_\ell = \nabla_{W_\ell}
   L(W'_1, \dots, W'_{\ell-1}, W_\ell, \dots, W_k)`. Santurkar: BN does not reduce it (often raises it).
3. **Smoothness.** Along the gradient direction, how much the loss and the gradient change over a
   range of step sizes :math:`\eta`: the loss range
   :math:`\max_\eta L(W - \eta g) - \min_\eta L(W - \eta g)` and the "effective β-smoothness"
   :math:`\max_\eta \lVert \nabla L(W) - \nabla L(W - \eta g)\rVert / \lVert \eta g\rVert`.
   Santurkar: BN makes both much smaller; that, not ICS, is why it trains faster.

A layer-norm arm is added: article 004 claims LN reduces ICS too. The runs are cached in
``data/experiments/covariate_shift.json`` (``python -m lnlib cache covariate_shift``).
"""

from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F

from lnlib.small_nets import networks
from lnlib.small_nets.labels import arm_colour, arm_label
from lnlib.support import protocol
from lnlib.support.language import gettext as _
from lnlib.ui import style
from lnlib.ui.text import Markdown, markdown_table

ARMS = {  # arm → (norm, noise level of the noisy batch norm)
    "none": ("none", 0.0),
    "batch": ("batch", 0.0),
    "noisy batch": ("noisy batch", 0.25),
    "very noisy batch": ("noisy batch", 0.5),
    "layer": ("layer", 0.0),
}
SEEDS = (0, 1, 2, 3, 4)
# A 10-layer MLP at a learning rate where batch norm clearly trains faster than no norm: the effect to explain.
DEPTH, WIDTH, LR, STEPS, BATCH, EVERY = 10, 64, 0.3, 300, 64, 10
PROBE_LAYER = 3  # the 4th linear layer (index 3): its input and its weight gradient are measured
STEP_FACTORS = (0.5, 1.0, 2.0, 4.0)  # η = factor × learning rate, for the smoothness measures
PROBE_EXAMPLES = 512


def grid() -> list:
    """Every configuration of the experiment (each runs once per seed): one per arm."""
    return [{"arm": arm} for arm in ARMS]


def key(config: dict) -> str:
    """The cache's key of a seeded configuration: ``"none/seed0"``."""
    return f"{config['arm']}/seed{config['seed']}"


@contextlib.contextmanager
def _preserved(model: torch.nn.Module):
    """Whatever the block does to the weights, running statistics and noise, it is undone afterwards."""
    state = {name: value.clone() for name, value in model.state_dict().items()}
    generators = [m.generator for m in model.modules() if isinstance(m, networks.NoiseAfterNorm)]
    generator_states = [g.get_state() for g in generators]
    try:
        yield
    finally:
        model.load_state_dict(state)
        for generator, saved in zip(generators, generator_states):
            generator.set_state(saved)


def _gradients(model, x, y) -> list:
    """∇L for every parameter (a list in ``model.parameters()`` order), and the loss."""
    model.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    return [p.grad.detach().clone() for p in model.parameters()], loss.item()


def _lower_parameters(model) -> set:
    """The parameters of the blocks below the probed layer (their update is what shifts its input)."""
    lower = set()
    for index in range(PROBE_LAYER):
        lower.update(id(p) for p in model.linears[index].parameters())
        lower.update(id(p) for p in model.norms[index].parameters())
    return lower


def measure(model, x, y, lr: float) -> dict:
    """Gradient ICS (Santurkar's Definition 2.1) and the smoothness measures, at the current weights."""
    parameters = list(model.parameters())
    probe_weight = [i for i, p in enumerate(parameters) if p is model.linears[PROBE_LAYER].weight][0]
    lower = _lower_parameters(model)
    with _preserved(model):
        grads, loss = _gradients(model, x, y)
    with _preserved(model):
        with torch.no_grad():
            for p, g in zip(parameters, grads):
                if id(p) in lower:
                    p -= (
                        lr * g
                    )  # the SGD step of the layers below; the probed layer and those above unchanged
        shifted_grads, _ = _gradients(model, x, y)
    before, after = grads[probe_weight], shifted_grads[probe_weight]
    ics = float((before - after).norm() / before.norm())
    cosine = float(F.cosine_similarity(before.flatten(), after.flatten(), dim=0))
    flat = torch.cat([g.flatten() for g in grads])
    losses, smoothness = [loss], []
    for factor in STEP_FACTORS:
        eta = factor * lr
        with _preserved(model):
            with torch.no_grad():
                for p, g in zip(parameters, grads):
                    p -= eta * g
            moved_grads, moved_loss = _gradients(model, x, y)
        losses.append(moved_loss)
        moved = torch.cat([g.flatten() for g in moved_grads])
        smoothness.append(float((flat - moved).norm() / (eta * flat.norm())))
    finite = [value for value in losses if np.isfinite(value)]
    return {
        "gradient_ics": ics,
        "gradient_cosine": cosine,
        "loss_range": float(max(finite) - min(finite)) if len(finite) == len(losses) else float("inf"),
        "beta_smoothness": float(max(smoothness)),
    }


def _layer_input_moments(model, x) -> tuple:
    """Per-unit mean and standard deviation of the probed layer's input on ``x`` (training mode, undone after)."""
    with _preserved(model), torch.no_grad():
        states = model.hidden_states(x)[PROBE_LAYER - 1]
    return states.mean(dim=0).cpu().numpy(), states.std(dim=0).cpu().numpy()


def run(config: dict, device: str = "cpu") -> dict:
    """One training run with its measurements every ``EVERY`` steps (JSON-ready)."""
    task = networks.teacher_task(seed=0).to(device)
    norm, noise = ARMS[config["arm"]]
    model = networks.MLP(
        task.x_train.shape[1], WIDTH, DEPTH, task.classes, norm, seed=config["seed"], noise=noise
    ).to(device)
    probe_x = task.x_train[:PROBE_EXAMPLES]
    records = {
        "step": [],
        "gradient_ics": [],
        "gradient_cosine": [],
        "loss_range": [],
        "beta_smoothness": [],
        "input_shift": [],
        "unit_means": [],
    }
    previous = []

    def on_step(step, model, x, y, optimizer):
        if step % EVERY:
            return
        for name, value in measure(model, x, y, LR).items():
            records[name].append(value)
        means, stds = _layer_input_moments(model, probe_x)
        shift = (
            float(np.mean(np.abs(means - previous[0])) + np.mean(np.abs(stds - previous[1])))
            if previous
            else 0.0
        )
        previous[:] = [means, stds]
        records["step"].append(step)
        records["input_shift"].append(shift)
        records["unit_means"].append([float(m) for m in means[:3]])

    history = networks.train_classifier(model, task, LR, STEPS, BATCH, seed=config["seed"], on_step=on_step)
    return {
        "losses": history.losses,
        "diverged_at": history.diverged_at,
        "train_loss": networks.loss_on(model, task.x_train, task.y_train),
        "test_accuracy": networks.accuracy(model, task.x_test, task.y_test),
        **records,
    }


LAB = protocol.Lab("covariate_shift", "06", "experiments/covariate_shift.json", grid, SEEDS, key, run)


# ---------------------------------------------------------------------------
# Reading the cached results
# ---------------------------------------------------------------------------


def summary(results: dict) -> dict:
    """norm → mean over seeds of: final training loss (whole training set, evaluation mode), test accuracy, input shift,
    gradient ICS, loss range, β-smoothness (the last three averaged over training)."""
    table = {}
    for arm in ARMS:
        runs = [results[key({"arm": arm, "seed": s})] for s in SEEDS]
        table[arm] = {
            "train_loss": float(np.mean([r["train_loss"] for r in runs])),
            "test_accuracy": float(np.mean([r["test_accuracy"] for r in runs])),
            "input_shift": float(np.mean([np.mean(r["input_shift"][1:]) for r in runs])),
            "gradient_ics": float(np.mean([np.mean(r["gradient_ics"]) for r in runs])),
            "loss_range": float(np.mean([np.mean(r["loss_range"]) for r in runs])),
            "beta_smoothness": float(np.mean([np.mean(r["beta_smoothness"]) for r in runs])),
        }
    return table


def summary_table(results: dict) -> Markdown:
    """The summary as a table, one row per arm."""
    rows = [
        (
            arm_label(arm),
            row["train_loss"],
            row["test_accuracy"],
            row["input_shift"],
            row["gradient_ics"],
            row["loss_range"],
            row["beta_smoothness"],
        )
        for arm, row in summary(results).items()
    ]
    return Markdown(
        markdown_table(
            [
                _("arm"),
                _("final training loss"),
                _("held-out accuracy"),
                _("input shift per 10 steps"),
                _("gradient ICS ‖G−G′‖/‖G‖"),
                _("loss range along −g"),
                _("β-smoothness"),
            ],
            rows,
        )
    )


def figure(results: dict):
    """Training loss, the probed layer's input shift, gradient ICS and β-smoothness over training, per norm."""
    fig, axes = style.new_figure(13, 7.5, nrows=2, ncols=2)
    dashes = {
        "noisy batch": "--",
        "very noisy batch": ":",
    }  # notebook 06's variants of BN: BN's colour, dashed
    panels = [
        ("losses", _("training loss"), _("Training loss (mean of {seeds} seeds)").format(seeds=len(SEEDS))),
        ("input_shift", _("mean |Δμ| + mean |Δσ| per 10 steps"), _("Shift of layer 4's input distribution")),
        ("gradient_ics", "‖G − G′‖ / ‖G‖", _("ICS by gradients (Santurkar Def. 2.1)")),
        ("beta_smoothness", "max ‖∇L(W) − ∇L(W − ηg)‖ / ‖ηg‖", _("Effective β-smoothness")),
    ]
    for ax, (field, ylabel, title) in zip(axes.flat, panels):
        for arm in ARMS:
            runs = [results[key({"arm": arm, "seed": s})][field] for s in SEEDS]
            length = min(len(r) for r in runs)
            curve = np.mean([r[:length] for r in runs], axis=0)
            steps = np.arange(length) if field == "losses" else np.arange(length) * EVERY
            if field == "losses":
                curve = style.smooth_curve(curve, 10)
            if field == "input_shift":
                steps, curve = steps[1:], curve[1:]
            ax.plot(steps, curve, dashes.get(arm, "-"), color=arm_colour(arm), label=arm_label(arm))
        ax.set(xlabel=_("training step"), ylabel=ylabel, title=title)
        if field in ("input_shift", "beta_smoothness", "gradient_ics"):
            ax.set_yscale("log")
    axes[0, 0].legend()
    return fig
