r"""The digits network and what it looks like at initialization, layer by layer.

:class:`DigitsMLP`: :data:`DEPTH` blocks ``Linear → norm → tanh`` of :data:`WIDTH` units, then a linear
read-out to the ten classes; the norm is any norm of :mod:`lnlib.support.norms` (the notebook compares
:data:`NORMS`), built from its one description (the course's from-scratch ``BatchNorm1d``, ``LayerNorm``,
``RMSNorm`` of :mod:`lnlib.nn`). The hidden layers' weights start as
:math:`\mathcal N(0, s^2/\text{fan-in})` with the *initial scale* :math:`s` (1 keeps a unit-variance input at unit
variance through a linear layer; PyTorch's recommended gain for tanh, ``calculate_gain('tanh')``, is 5/3);
the read-out's as
:math:`\mathcal N(0, 1/\text{fan-in})`, every bias at 0.

:func:`at_initialization` measures the pictures of Karpathy's *makemore part 3* on a fresh network: each
layer's tanh outputs, the loss's gradient with respect to them, and the fraction of saturated units
(:math:`|\tanh| >` :data:`SATURATED`, where tanh's slope :math:`1 - t^2` is below 0.06).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lnlib.digits import data
from lnlib.support import norms

NORMS = ("none", "batch", "layer", "rms")
"""The norms notebook 07 compares (keys of :mod:`lnlib.support.norms`)."""
WIDTH, DEPTH = 64, 5
SATURATED = 0.97
INIT_EXAMPLES = 500  # the training examples the pictures at initialization are measured on


def norm_name(norm: str) -> str:
    """The name of the norm called ``norm``, in the reader's language."""
    return norms.name(norm)


def norm_colour(norm: str) -> str:
    """The colour of the norm called ``norm`` in every figure."""
    return norms.colour(norm)


def norm_layer(norm: str, width: int) -> nn.Module:
    """The norm called ``norm`` for ``width`` units, built from its one description (``none``: the identity)."""
    return norms.get(norm).build((width,))


class DigitsMLP(nn.Module):
    """``depth`` blocks Linear → norm → tanh, then a linear read-out; hidden weights at ``init_scale``/√fan-in."""

    def __init__(
        self,
        norm: str = "none",
        init_scale: float = 1.0,
        seed: int = 0,
        width: int = WIDTH,
        depth: int = DEPTH,
    ) -> None:
        super().__init__()
        if not (isinstance(init_scale, (int, float)) and math.isfinite(init_scale) and init_scale > 0):
            raise ValueError(f"init_scale must be a positive number, got {init_scale!r}")
        generator = torch.Generator().manual_seed(seed)
        sizes = [data.IMAGE_SIDE**2] + [width] * depth
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.norms = nn.ModuleList(norm_layer(norm, width) for _ in range(depth))
        self.readout = nn.Linear(width, data.CLASSES)
        with torch.no_grad():
            for linear in self.linears:
                linear.weight.normal_(0.0, init_scale / math.sqrt(linear.in_features), generator=generator)
                linear.bias.zero_()
            self.readout.weight.normal_(0.0, 1.0 / math.sqrt(width), generator=generator)
            self.readout.bias.zero_()
        self.norm, self.init_scale = norm, float(init_scale)

    def weight_layers(self) -> list:
        """The linear layers whose weights the pictures follow: the hidden ones, then the read-out."""
        return list(self.linears) + [self.readout]

    def forward(self, x: torch.Tensor, keep: list | None = None) -> torch.Tensor:
        """The logits; ``keep``, if given, receives each block's tanh output (with its gradient retained)."""
        for linear, norm in zip(self.linears, self.norms):
            x = torch.tanh(norm(linear(x)))
            if keep is not None:
                x.retain_grad()
                keep.append(x)
        return self.readout(x)


@dataclass(frozen=True)
class InitPictures:
    """A fresh network on :data:`INIT_EXAMPLES` training examples: per block, its tanh outputs and their gradients."""

    norm: str
    init_scale: float
    activations: tuple  # per block, the tanh outputs (flattened float arrays)
    gradients: tuple  # per block, ∂loss/∂(tanh output)
    loss: float

    @property
    def saturation(self) -> np.ndarray:
        """Per block, the fraction of tanh outputs with |t| > SATURATED."""
        return np.array([float(np.mean(np.abs(a) > SATURATED)) for a in self.activations])

    @property
    def activation_std(self) -> np.ndarray:
        return np.array([float(a.std()) for a in self.activations])

    @property
    def gradient_std(self) -> np.ndarray:
        return np.array([float(g.std()) for g in self.gradients])


def at_initialization(norm: str, init_scale: float, seed: int = 0) -> InitPictures:
    """The pictures of a fresh network (training mode, as at the first step); kept for the sliders' revisits."""
    return _at_initialization(norm, float(init_scale), seed)


@functools.lru_cache(maxsize=128)
def _at_initialization(norm: str, init_scale: float, seed: int) -> InitPictures:
    from lnlib.support.determinism import torch_threads

    x_train, y_train, _, _ = data.digits().tensors()
    with torch_threads():
        model = DigitsMLP(norm, init_scale, seed)
        kept: list = []
        loss = F.cross_entropy(model(x_train[:INIT_EXAMPLES], keep=kept), y_train[:INIT_EXAMPLES])
        loss.backward()
    return InitPictures(
        norm,
        init_scale,
        tuple(t.detach().numpy().ravel() for t in kept),
        tuple(t.grad.numpy().ravel() for t in kept),
        loss.item(),
    )
