r"""Do norms keep gradients from vanishing or exploding? Layer by layer, at initialization.

Articles 000 and 004 say LN prevents vanishing and exploding gradients. In a deep ReLU network
without a norm, every layer multiplies the signal by about the gain of its weights, forward and
backward: initialize them at :math:`g` times Kaiming's scale and every weight gradient of a
30-layer net is about :math:`g^{30}` times what it would be at :math:`g = 1` (:math:`g = 0.7`:
:math:`2\cdot10^{-5}`; :math:`g = 1.4`: :math:`2\cdot10^{4}`): the whole gradient vanishes or explodes.
A norm after each linear layer divides by the standard deviation it sees, which carries the same
factor :math:`g`, so the factors cancel (notebook 05: LN's gradient scales as 1/scale).
:func:`gradient_norms` measures it, and shows one more thing: with batch norm the gradient grows
steadily towards the input layers (about 100× over 30 layers here), the gradient explosion at
initialization that Yang et al. (2019, *A Mean Field Theory of Batch Normalization*) proved for
deep BN networks. It says nothing about training later on, nor about Post-LN Transformers, whose
gradients at initialization are ill-scaled in yet another way (Xiong et al. 2020; notebook 04).
"""
from __future__ import annotations

import functools

import numpy as np
import torch.nn.functional as F

from . import small_nets, style, ui

DEPTH, WIDTH, BATCH = 30, 64, 128
GAINS = (0.7, 1.0, 1.4)
NORMS = ("none", "batch", "layer")


def gradient_norms(norm: str, init_gain: float, depth: int = DEPTH, seed: int = 0) -> np.ndarray:
    """‖∂L/∂W_ℓ‖ for every linear layer ℓ = 1 … depth of a fresh MLP on one batch of the teacher task."""
    return np.array(_gradient_norms(norm, float(init_gain), depth, seed))


@functools.lru_cache(maxsize=64)
def _gradient_norms(norm: str, init_gain: float, depth: int, seed: int) -> tuple:
    task = small_nets.teacher_task(train=BATCH, test=1, seed=seed)
    model = small_nets.MLP(task.x_train.shape[1], WIDTH, depth, task.classes, norm, init_gain=init_gain, seed=seed)
    with ui.one_torch_thread():  # small tensors: threads cost more than they give on a shared CPU
        F.cross_entropy(model(task.x_train), task.y_train).backward()
    return tuple(linear.weight.grad.norm().item() for linear in model.linears)


def summary() -> dict:
    """norm → how much the initial scale moves the gradients (largest / smallest mean gradient norm over
    GAINS) and how much they grow from the last layer to the first (at gain 1)."""
    table = {}
    for norm in NORMS:
        means = [gradient_norms(norm, gain).mean() for gain in GAINS]
        at_one = gradient_norms(norm, 1.0)
        table[norm] = {"scale_spread": float(max(means) / min(means)), "growth_to_input": float(at_one[0] / at_one[-1])}
    return table


def figure():
    """Gradient norm per layer for the three nets at the three initial scales."""
    fig, axes = style.new_figure(12, 4.2, ncols=len(NORMS), sharey=True)
    for ax, norm in zip(axes, NORMS):
        for gain, style_ in zip(GAINS, (":", "-", "--")):
            ax.semilogy(np.arange(1, DEPTH + 1), gradient_norms(norm, gain), style_, color=style.NORM_COLORS[norm],
                        label=f"gain {gain}")
        ax.set(xlabel="layer", title=f"{norm}" if norm == "none" else f"{norm} norm")
    axes[0].set_ylabel("‖∂L/∂W‖ at initialization")
    axes[0].legend(loc="lower left")
    return fig
