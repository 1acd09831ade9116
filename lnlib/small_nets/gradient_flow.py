r"""Do norms keep gradients from vanishing or exploding? Layer by layer, at initialization.

Articles 000 and 004 say LN prevents vanishing and exploding gradients. In a deep ReLU network
without a norm, every layer multiplies the signal by about the gain of its weights, forward and
backward: initialize them at :math:`g` times Kaiming's scale and every weight gradient of a
30-layer net is about :math:`g^{30}` times what it would be at :math:`g = 1` (:math:`0.7^{30} \approx
2\cdot10^{-5}`, :math:`1.4^{30} \approx 2\cdot10^{4}`; exactly so for ReLU layers whose biases start
at 0, times what the loss adds: its gradient at the output depends on the logits' scale).
:func:`findings` gives the measured factors: the whole gradient vanishes or explodes.
A norm after each linear layer divides by the standard deviation it sees, which carries the same
factor :math:`g`, so the factors cancel (notebook 05: LN's gradient scales as 1/scale).
:func:`gradient_norms` measures it, and shows one more thing: with batch norm the gradient grows
steadily towards the input layers (:func:`summary` says by how much), the gradient explosion at
initialization that Yang et al. (2019, *A Mean Field Theory of Batch Normalization*) proved for
deep BN networks. It says nothing about training later on, nor about Post-LN Transformers, whose
gradients at initialization are ill-scaled in yet another way (Xiong et al. 2020; notebook 04).
"""

from __future__ import annotations

import functools

import numpy as np
import torch.nn.functional as F

from lnlib import ui
from lnlib.small_nets import networks
from lnlib.support import norms
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style
from lnlib.ui.text import Markdown

DEPTH, WIDTH, BATCH = 30, 64, 128
GAINS = (0.7, 1.0, 1.4)
COMPARED_NORMS = ("none", "batch", "layer")
GRADIENT_TITLES = {"none": N_("none"), "batch": N_("batch norm"), "layer": N_("layer norm")}
_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(value: float, digits: int = 2) -> str:
    """``value`` written as "7.4·10⁴", with ``digits`` significant digits ("7·10⁹" with one)."""
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPTS)}"


def gradient_norms(norm: str, init_gain: float, depth: int = DEPTH, seed: int = 0) -> np.ndarray:
    """‖∂L/∂W_ℓ‖ for every linear layer ℓ = 1 … depth of a fresh MLP on one batch of the teacher task."""
    return np.array(_gradient_norms(norm, float(init_gain), depth, seed))


@functools.lru_cache(maxsize=64)
def _gradient_norms(norm: str, init_gain: float, depth: int, seed: int) -> tuple:
    task = networks.teacher_task(train=BATCH, test=1, seed=seed)
    model = networks.MLP(
        task.x_train.shape[1], WIDTH, depth, task.classes, norm, init_gain=init_gain, seed=seed
    )
    with torch_threads():  # small tensors: threads cost more than they give on a shared CPU
        F.cross_entropy(model(task.x_train), task.y_train).backward()
    return tuple(linear.weight.grad.norm().item() for linear in model.linears)


def summary() -> dict:
    """norm → how much the initial scale moves the gradients (largest / smallest mean gradient norm over
    GAINS), how much they grow from the last layer to the first (at gain 1), and, for each gain, the mean
    gradient norm relative to gain 1."""
    table = {}
    for norm in COMPARED_NORMS:
        means = {gain: gradient_norms(norm, gain).mean() for gain in GAINS}
        at_one = gradient_norms(norm, 1.0)
        table[norm] = {
            "scale_spread": float(max(means.values()) / min(means.values())),
            "growth_to_input": float(at_one[0] / at_one[-1]),
            "relative_to_gain_one": {gain: float(mean / at_one.mean()) for gain, mean in means.items()},
        }
    return table


def findings() -> Markdown:
    """What the figure shows, with its numbers: the factors without a norm, the spread with one, BN's growth."""
    table = summary()
    smallest, largest = GAINS[0], GAINS[-1]
    none = table["none"]["relative_to_gain_one"]
    depth = str(DEPTH).translate(_SUPERSCRIPTS)
    return Markdown(
        _(
            "Measured: without a norm, the mean weight gradient at gain {smallest} is {small_factor} times the one "
            "at gain 1, and at gain {largest} {large_factor} times (g{depth} alone: {small_power} and {large_power}; "
            "the rest comes from the loss, whose gradient at the output depends on the logits' scale). With a norm "
            "the three gains' gradients differ by a factor of at most {ln_spread} (LN) and {bn_spread} (BN). With "
            "BN the gradient grows {bn_growth}-fold from the last layer to the first; with LN it does not grow (a "
            "factor {ln_growth})."
        ).format(
            smallest=smallest,
            small_factor=power_of_ten(none[smallest]),
            largest=largest,
            large_factor=power_of_ten(none[largest]),
            depth=depth,
            small_power=power_of_ten(smallest**DEPTH),
            large_power=power_of_ten(largest**DEPTH),
            ln_spread=ui.format_number(table["layer"]["scale_spread"], 2),
            bn_spread=ui.format_number(table["batch"]["scale_spread"], 2),
            bn_growth=ui.format_number(table["batch"]["growth_to_input"], 0),
            ln_growth=ui.format_number(table["layer"]["growth_to_input"], 2),
        )
    )


def figure():
    """Gradient norm per layer for the three nets at the three initial scales."""
    fig, axes = style.new_figure(12, 4.2, ncols=len(COMPARED_NORMS), sharey=True)
    for ax, norm in zip(axes, COMPARED_NORMS):
        for gain, style_ in zip(GAINS, (":", "-", "--")):
            ax.semilogy(
                np.arange(1, DEPTH + 1),
                gradient_norms(norm, gain),
                style_,
                color=norms.colour(norm),
                label=_("gain {gain}").format(gain=gain),
            )
        ax.set(xlabel=_("layer"), title=_(GRADIENT_TITLES[norm]))
    axes[0].set_ylabel(_("‖∂L/∂W‖ at initialization"))
    axes[0].legend(loc="lower left")
    return fig
