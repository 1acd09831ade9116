r""" "The backward pass of layer norm and batch norm by hand, one node of the computation graph at a time.

For a 2-D input :math:`x` of shape (N, D), layer norm and batch norm compute the same graph; they
differ only in the axis the statistics are taken over (layer norm: the D features of one example,
axis 1; batch norm: the N examples of one feature, axis 0), with :math:`n` values per statistic:

.. math::
    \mu = \tfrac1n \textstyle\sum x, \quad d = x - \mu, \quad \sigma^2 = \tfrac1n \sum d^2, \quad
    r = (\sigma^2 + \epsilon)^{-1/2}, \quad \hat x = d\,r, \quad y = \gamma \odot \hat x + \beta

The backward pass walks this graph from :math:`y` back to :math:`x`. Each step multiplies the
gradient that arrives at a node by the node's *local* derivative; where a node feeds two others
(:math:`d` feeds :math:`\hat x` and :math:`\sigma^2`; :math:`x` feeds :math:`d` and :math:`\mu`)
the gradients of the two paths add. :func:`forward` runs on NumPy arrays and on torch tensors alike,
so autograd checks the hand-written steps on the very same graph (:func:`autograd_gradients`).

The walk-through, the gradient's meaning and the exercise of notebook 05 are in
:mod:`lnlib.nb05_backward_by_hand.walkthrough`, its apps in :mod:`lnlib.nb05_backward_by_hand.apps`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style

AXIS = {"layer": 1, "batch": 0}  # the axis each norm takes its statistics over, for an (N, D) input
NODES = ("y", "beta", "gamma", "x_hat", "inverse_std", "variance", "deviation", "mean", "x")
FINITE_DIFFERENCE_STEP = 1e-5


# Bounds written beside each check (float64 throughout).
AUTOGRAD_BOUND = 1e-12  # the same graph in another library: agreement to rounding
FINITE_DIFFERENCE_BOUND = 1e-7  # cs231n: below 1e-7, the analytic gradient is right


def _axis(kind: str) -> int:
    if kind not in AXIS:
        raise ValueError(f"kind must be 'layer' or 'batch', got {kind!r}")
    return AXIS[kind]


@dataclass
class Graph:
    """Every node of the forward pass, kept for the backward pass (arrays or tensors)."""

    x: object
    gamma: object
    beta: object
    mean: object
    deviation: object
    variance: object
    inverse_std: object
    x_hat: object
    y: object
    axis: int
    eps: float


def forward(x, gamma, beta, kind: str = "layer", eps: float = 1e-5) -> Graph:
    r"""Layer or batch norm of an (N, D) input, every intermediate node kept.

    .. math:: y = \gamma \odot \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

    ``x`` (N, D); ``gamma``, ``beta`` (D,) (both norms have one γ and one β per feature).
    Works on NumPy arrays and on torch tensors (the same code builds autograd's graph).
    """
    axis = _axis(kind)
    if x.ndim != 2:
        raise ValueError(f"the walk-through takes an (N, D) input, got shape {tuple(x.shape)}")
    if x.shape[axis] < 2 and kind == "batch":
        raise ValueError("batch norm needs at least 2 examples: one example is its own mean, so x̂ = 0")
    # μ = (1/n) Σ x
    mean = x.mean(axis=axis, keepdims=True)
    # d = x − μ
    deviation = x - mean
    # σ² = (1/n) Σ d²
    variance = (deviation * deviation).mean(axis=axis, keepdims=True)
    # r = (σ² + ε)^(−1/2)
    inverse_std = (variance + eps) ** -0.5
    # x̂ = d · r
    x_hat = deviation * inverse_std
    # y = γ ⊙ x̂ + β
    y = gamma * x_hat + beta
    return Graph(x, gamma, beta, mean, deviation, variance, inverse_std, x_hat, y, axis, eps)


def affine_backward(grad_y, x_hat, gamma) -> tuple:
    r"""Through :math:`y = \gamma \odot \hat x + \beta`: ``(grad_x_hat, grad_gamma, grad_beta)``.

    .. math:: \frac{\partial L}{\partial \hat x} = \frac{\partial L}{\partial y} \odot \gamma, \quad
              \frac{\partial L}{\partial \gamma_j} = \sum_n \frac{\partial L}{\partial y_{nj}} \hat x_{nj}, \quad
              \frac{\partial L}{\partial \beta_j} = \sum_n \frac{\partial L}{\partial y_{nj}}
    """
    # ∂L/∂β_j = Σ_n ∂L/∂y_nj        (β_j is added to feature j of every example)
    grad_beta = grad_y.sum(axis=0)
    # ∂L/∂γ_j = Σ_n ∂L/∂y_nj · x̂_nj
    grad_gamma = (grad_y * x_hat).sum(axis=0)
    # ∂L/∂x̂ = ∂L/∂y ⊙ γ
    grad_x_hat = grad_y * gamma
    return grad_x_hat, grad_gamma, grad_beta


def normalized_backward(grad_x_hat, deviation, inverse_std, axis: int) -> tuple:
    r"""Through :math:`\hat x = d\,r`: ``(grad_deviation_through_x_hat, grad_inverse_std)``.

    .. math:: \frac{\partial L}{\partial d}\Big|_{\hat x} = \frac{\partial L}{\partial \hat x}\, r, \qquad
              \frac{\partial L}{\partial r} = \sum_{i} \frac{\partial L}{\partial \hat x_i}\, d_i
    """
    # ∂L/∂d through x̂ = ∂L/∂x̂ · r
    grad_deviation = grad_x_hat * inverse_std
    # ∂L/∂r = Σ_i ∂L/∂x̂_i · d_i     (one r scales all n values of its group)
    grad_inverse_std = (grad_x_hat * deviation).sum(axis=axis, keepdims=True)
    return grad_deviation, grad_inverse_std


def inverse_std_backward(grad_inverse_std, variance, eps: float):
    r"""Through :math:`r = (\sigma^2 + \epsilon)^{-1/2}`: ``grad_variance``.

    .. math:: \frac{\partial L}{\partial \sigma^2} = \frac{\partial L}{\partial r}
              \cdot \left(-\tfrac12\right)(\sigma^2 + \epsilon)^{-3/2}
    """
    # ∂r/∂σ² = −½ (σ² + ε)^(−3/2)
    return grad_inverse_std * (-0.5 * (variance + eps) ** -1.5)


def variance_backward(grad_deviation_through_x_hat, grad_variance, deviation, axis: int):
    r"""Through :math:`\sigma^2 = \frac1n \sum d^2`, plus the path through :math:`\hat x`: the total ``grad_deviation``.

    .. math:: \frac{\partial L}{\partial d_i} = \frac{\partial L}{\partial d_i}\Big|_{\hat x}
              + \frac{\partial L}{\partial \sigma^2}\,\frac{2 d_i}{n}

    (This is the step notebook 05 leaves to the learner: :func:`~lnlib.nb05_backward_by_hand.walkthrough.check_variance_step`.)
    """
    n = deviation.shape[axis]
    # ∂σ²/∂d_i = 2 d_i / n; d feeds x̂ and σ², so the two paths' gradients add
    return grad_deviation_through_x_hat + grad_variance * (2 / n) * deviation


def deviation_backward(grad_deviation, axis: int) -> tuple:
    r"""Through :math:`d = x - \mu`: ``(grad_x_through_deviation, grad_mean)``.

    .. math:: \frac{\partial L}{\partial x}\Big|_{d} = \frac{\partial L}{\partial d}, \qquad
              \frac{\partial L}{\partial \mu} = -\sum_i \frac{\partial L}{\partial d_i}
    """
    # ∂d/∂x = 1: the gradient passes unchanged
    grad_x = grad_deviation
    # ∂d_i/∂μ = −1, and μ is subtracted from all n values of its group
    grad_mean = -grad_deviation.sum(axis=axis, keepdims=True)
    return grad_x, grad_mean


def mean_backward(grad_x_through_deviation, grad_mean, axis: int):
    r"""Through :math:`\mu = \frac1n \sum x`, plus the path through :math:`d`: the total ``grad_x``.

    .. math:: \frac{\partial L}{\partial x_i} = \frac{\partial L}{\partial x_i}\Big|_{d}
              + \frac{1}{n}\frac{\partial L}{\partial \mu}
    """
    n = grad_x_through_deviation.shape[axis]
    # ∂μ/∂x_i = 1/n; x feeds d and μ, so the two paths' gradients add
    return grad_x_through_deviation + grad_mean / n


def backward(graph: Graph, grad_y) -> dict:
    """Node name → ∂L/∂node for every node of ``graph``, by the six steps above (NumPy)."""
    axis = graph.axis
    grad_x_hat, grad_gamma, grad_beta = affine_backward(grad_y, graph.x_hat, graph.gamma)
    grad_deviation_x_hat, grad_inverse_std = normalized_backward(
        grad_x_hat, graph.deviation, graph.inverse_std, axis
    )
    grad_variance = inverse_std_backward(grad_inverse_std, graph.variance, graph.eps)
    grad_deviation = variance_backward(grad_deviation_x_hat, grad_variance, graph.deviation, axis)
    grad_x_deviation, grad_mean = deviation_backward(grad_deviation, axis)
    grad_x = mean_backward(grad_x_deviation, grad_mean, axis)
    return {
        "y": grad_y,
        "beta": grad_beta,
        "gamma": grad_gamma,
        "x_hat": grad_x_hat,
        "inverse_std": grad_inverse_std,
        "variance": grad_variance,
        "deviation": grad_deviation,
        "mean": grad_mean,
        "x": grad_x,
    }


@dataclass(frozen=True)
class Step:
    """One node of the backward walk: its forward line and local gradient in LaTeX, and its code.

    ``name`` is the step's key (``Walkthrough.step(name)``) and, translated, its title; ``remark`` is a
    word shown in brackets after the local gradient (translated where it is shown).
    """

    name: str
    forward: str
    local_gradient: str
    function: Callable
    produces: tuple
    remark: str = ""


STEPS = (
    Step(
        N_("affine"),
        r"y = \gamma \odot \hat x + \beta",
        r"\frac{\partial y}{\partial \hat x} = \gamma,\quad \frac{\partial y}{\partial \gamma} = \hat x,\quad "
        r"\frac{\partial y}{\partial \beta} = 1",
        affine_backward,
        ("x_hat", "gamma", "beta"),
    ),
    Step(
        N_("normalized value"),
        r"\hat x = d\, r",
        r"\frac{\partial \hat x_i}{\partial d_i} = r,\quad \frac{\partial \hat x_i}{\partial r} = d_i",
        normalized_backward,
        ("inverse_std",),
    ),
    Step(
        N_("inverse std"),
        r"r = (\sigma^2 + \epsilon)^{-1/2}",
        r"\frac{\partial r}{\partial \sigma^2} = -\tfrac12 (\sigma^2 + \epsilon)^{-3/2} = -\tfrac12 r^3",
        inverse_std_backward,
        ("variance",),
    ),
    Step(
        N_("variance"),
        r"\sigma^2 = \tfrac1n \sum_i d_i^2",
        r"\frac{\partial \sigma^2}{\partial d_i} = \;?",
        variance_backward,
        ("deviation",),
        N_("the exercise"),
    ),
    Step(
        N_("deviation"),
        r"d = x - \mu",
        r"\frac{\partial d_i}{\partial x_i} = 1,\quad \frac{\partial d_i}{\partial \mu} = -1",
        deviation_backward,
        ("mean",),
    ),
    Step(
        N_("mean"),
        r"\mu = \tfrac1n \sum_i x_i",
        r"\frac{\partial \mu}{\partial x_i} = \tfrac1n",
        mean_backward,
        ("x",),
    ),
)
STEP_BY_NAME = {step.name: step for step in STEPS}
GRAPH_LAYOUT = {  # node → (position, label); edges follow the forward pass
    "x": ((0, 0), r"$x$"),
    "mean": ((1.3, 1), r"$\mu$"),
    "deviation": ((2.6, 0), r"$d$"),
    "variance": ((3.9, 1), r"$\sigma^2$"),
    "inverse_std": ((5.2, 1), r"$r$"),
    "x_hat": ((6.5, 0), r"$\hat x$"),
    "gamma": ((6.5, 1.1), r"$\gamma$"),
    "beta": ((6.5, -1.1), r"$\beta$"),
    "y": ((7.8, 0), r"$y$"),
}
GRAPH_EDGES = (
    ("x", "mean"),
    ("x", "deviation"),
    ("mean", "deviation"),
    ("deviation", "variance"),
    ("variance", "inverse_std"),
    ("deviation", "x_hat"),
    ("inverse_std", "x_hat"),
    ("x_hat", "y"),
    ("gamma", "y"),
    ("beta", "y"),
)


def graph_figure():
    """The computation graph of the norm, forward arrows in grey; the backward pass walks them right to left."""
    figure, axes = style.new_figure(11, 3.6)
    for start, end in GRAPH_EDGES:
        axes.annotate(
            "",
            xy=GRAPH_LAYOUT[end][0],
            xytext=GRAPH_LAYOUT[start][0],
            arrowprops={
                "arrowstyle": "-|>",
                "color": style.NORM_COLORS["none"],
                "shrinkA": 18,
                "shrinkB": 18,
                "mutation_scale": 20,
            },
        )
    for name, (position, label) in GRAPH_LAYOUT.items():
        parameter = name in ("gamma", "beta")
        axes.text(
            *position,
            label,
            ha="center",
            va="center",
            bbox={
                "boxstyle": "circle,pad=0.35",
                "facecolor": "white" if parameter else "#eef5fb",
                "edgecolor": style.NORM_COLORS["layer"],
            },
        )
    axes.annotate(
        "",
        xy=(0.3, -1.55),
        xytext=(7.5, -1.55),
        arrowprops={"arrowstyle": "-|>", "color": style.NORM_COLORS["batch"], "mutation_scale": 20},
    )
    axes.text(
        3.9,
        -1.35,
        _("backward: ∂L/∂y enters at y and flows back to x"),
        ha="center",
        va="bottom",
        color=style.NORM_COLORS["batch"],
    )
    axes.set(
        xlim=(-0.6, 8.4), ylim=(-1.8, 1.6), title=_("The computation graph of layer norm and batch norm")
    )
    axes.axis("off")
    return figure


def autograd_gradients(x, gamma, beta, grad_y, kind: str = "layer", eps: float = 1e-5) -> dict:
    """Node name → ∂L/∂node from torch autograd on the same graph (float64), with L = Σ grad_y ⊙ y."""
    import torch

    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (x, gamma, beta)]
    graph = forward(*leaves, kind=kind, eps=eps)
    inner = {
        f.name: getattr(graph, f.name)
        for f in fields(Graph)
        if f.name in ("mean", "deviation", "variance", "inverse_std", "x_hat", "y")
    }
    for tensor in inner.values():
        tensor.retain_grad()
    graph.y.backward(torch.tensor(np.asarray(grad_y, dtype=np.float64)))
    result = {name: tensor.grad.numpy() for name, tensor in inner.items()}
    result.update(x=leaves[0].grad.numpy(), gamma=leaves[1].grad.numpy(), beta=leaves[2].grad.numpy())
    return {name: result[name] for name in NODES}


@dataclass(frozen=True)
class Comparison:
    """Karpathy's ``cmp``: is our gradient bit-for-bit autograd's, close to it, and by how much it differs."""

    name: str
    exact: bool
    close: bool
    max_difference: float


def cmp(name: str, ours, theirs) -> Comparison:
    """Compare one gradient with autograd's: exact (every bit), close (``np.allclose``), largest difference."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape:
        raise ValueError(f"{name}: our gradient has shape {ours.shape}, autograd's {theirs.shape}")
    return Comparison(
        name,
        bool(np.array_equal(ours, theirs)),
        bool(np.allclose(ours, theirs)),
        float(np.max(np.abs(ours - theirs))),
    )


def relative_error(analytic, numeric) -> float:
    r"""cs231n's relative error, over the whole array: :math:`\|a - n\| / \max(\|a\|, \|n\|)` (0 when both are 0)."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradients(
    x, gamma, beta, grad_y, kind: str = "layer", eps: float = 1e-5, step: float = FINITE_DIFFERENCE_STEP
) -> dict:
    r"""∂L/∂x, ∂L/∂γ, ∂L/∂β by central differences, :math:`(L(p + h) - L(p - h)) / 2h`, one entry at a time."""
    values = {
        "x": np.array(x, dtype=np.float64),
        "gamma": np.array(gamma, dtype=np.float64),
        "beta": np.array(beta, dtype=np.float64),
    }

    def loss() -> float:
        return float(np.sum(grad_y * forward(values["x"], values["gamma"], values["beta"], kind, eps).y))

    gradients = {}
    for name, array in values.items():
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            kept = array[index]
            array[index] = kept + step
            plus = loss()
            array[index] = kept - step
            minus = loss()
            array[index] = kept
            gradient[index] = (plus - minus) / (2 * step)
        gradients[name] = gradient
    return gradients
