r"""The backward pass of layer norm and batch norm by hand, one node of the computation graph at a time.

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

The bookkeeping for notebook 05 is :class:`Walkthrough`; the learner's exercise is checked by
:func:`check_variance_step`; two apps show what the gradient says (:class:`LayerNormGradientApp`,
:class:`BatchCouplingApp`).
"""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, fields
from typing import Callable

import matplotlib.ticker
import numpy as np

from . import functional, style, ui
from .report import Markdown, markdown_table

AXIS = {"layer": 1, "batch": 0}  # the axis each norm takes its statistics over, for an (N, D) input
NODES = ("y", "beta", "gamma", "x_hat", "inverse_std", "variance", "deviation", "mean", "x")
FINITE_DIFFERENCE_STEP = 1e-5
# Bounds written beside each check (float64 throughout).
AUTOGRAD_BOUND = 1e-12   # the same graph in another library: agreement to rounding
FINITE_DIFFERENCE_BOUND = 1e-7  # cs231n: below 1e-7, the analytic gradient is right


def _axis(kind: str) -> int:
    if kind not in AXIS:
        raise ValueError(f"kind must be 'layer' or 'batch', got {kind!r}")
    return AXIS[kind]


# ---------------------------------------------------------------------------
# Forward: the graph, node by node (NumPy arrays or torch tensors).
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Backward: one function per node, last node first.
# ---------------------------------------------------------------------------

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

    (This is the step notebook 05 leaves to the learner: :func:`check_variance_step`.)
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
    grad_deviation_x_hat, grad_inverse_std = normalized_backward(grad_x_hat, graph.deviation, graph.inverse_std,
                                                                 axis)
    grad_variance = inverse_std_backward(grad_inverse_std, graph.variance, graph.eps)
    grad_deviation = variance_backward(grad_deviation_x_hat, grad_variance, graph.deviation, axis)
    grad_x_deviation, grad_mean = deviation_backward(grad_deviation, axis)
    grad_x = mean_backward(grad_x_deviation, grad_mean, axis)
    return {"y": grad_y, "beta": grad_beta, "gamma": grad_gamma, "x_hat": grad_x_hat,
            "inverse_std": grad_inverse_std, "variance": grad_variance, "deviation": grad_deviation,
            "mean": grad_mean, "x": grad_x}


@dataclass(frozen=True)
class Step:
    """One node of the backward walk: its forward line and local gradient in LaTeX, and its code."""

    name: str
    forward: str
    local_gradient: str
    function: Callable
    produces: tuple


STEPS = (
    Step("affine", r"y = \gamma \odot \hat x + \beta",
         r"\frac{\partial y}{\partial \hat x} = \gamma,\quad \frac{\partial y}{\partial \gamma} = \hat x,\quad "
         r"\frac{\partial y}{\partial \beta} = 1", affine_backward, ("x_hat", "gamma", "beta")),
    Step("normalized value", r"\hat x = d\, r",
         r"\frac{\partial \hat x_i}{\partial d_i} = r,\quad \frac{\partial \hat x_i}{\partial r} = d_i",
         normalized_backward, ("inverse_std",)),
    Step("inverse std", r"r = (\sigma^2 + \epsilon)^{-1/2}",
         r"\frac{\partial r}{\partial \sigma^2} = -\tfrac12 (\sigma^2 + \epsilon)^{-3/2} = -\tfrac12 r^3",
         inverse_std_backward, ("variance",)),
    Step("variance", r"\sigma^2 = \tfrac1n \sum_i d_i^2",
         r"\frac{\partial \sigma^2}{\partial d_i} = \;?\quad\text{(the exercise)}", variance_backward,
         ("deviation",)),
    Step("deviation", r"d = x - \mu",
         r"\frac{\partial d_i}{\partial x_i} = 1,\quad \frac{\partial d_i}{\partial \mu} = -1",
         deviation_backward, ("mean",)),
    Step("mean", r"\mu = \tfrac1n \sum_i x_i",
         r"\frac{\partial \mu}{\partial x_i} = \tfrac1n", mean_backward, ("x",)),
)
STEP_BY_NAME = {step.name: step for step in STEPS}


GRAPH_LAYOUT = {  # node → (position, label); edges follow the forward pass
    "x": ((0, 0), r"$x$"), "mean": ((1.3, 1), r"$\mu$"), "deviation": ((2.6, 0), r"$d$"),
    "variance": ((3.9, 1), r"$\sigma^2$"), "inverse_std": ((5.2, 1), r"$r$"), "x_hat": ((6.5, 0), r"$\hat x$"),
    "gamma": ((6.5, 1.1), r"$\gamma$"), "beta": ((6.5, -1.1), r"$\beta$"), "y": ((7.8, 0), r"$y$"),
}
GRAPH_EDGES = (("x", "mean"), ("x", "deviation"), ("mean", "deviation"), ("deviation", "variance"),
               ("variance", "inverse_std"), ("deviation", "x_hat"), ("inverse_std", "x_hat"), ("x_hat", "y"),
               ("gamma", "y"), ("beta", "y"))


def graph_figure():
    """The computation graph of the norm, forward arrows in grey; the backward pass walks them right to left."""
    figure, axes = style.new_figure(11, 3.6)
    for start, end in GRAPH_EDGES:
        axes.annotate("", xy=GRAPH_LAYOUT[end][0], xytext=GRAPH_LAYOUT[start][0],
                      arrowprops=dict(arrowstyle="-|>", color=style.NORM_COLORS["none"], shrinkA=18, shrinkB=18,
                                      mutation_scale=20))
    for name, (position, label) in GRAPH_LAYOUT.items():
        parameter = name in ("gamma", "beta")
        axes.text(*position, label, ha="center", va="center",
                  bbox=dict(boxstyle="circle,pad=0.35", facecolor="white" if parameter else "#eef5fb",
                            edgecolor=style.NORM_COLORS["layer"]))
    axes.annotate("", xy=(0.3, -1.55), xytext=(7.5, -1.55),
                  arrowprops=dict(arrowstyle="-|>", color=style.NORM_COLORS["batch"], mutation_scale=20))
    axes.text(3.9, -1.35, "backward: ∂L/∂y enters at y and flows back to x", ha="center", va="bottom",
              color=style.NORM_COLORS["batch"])
    axes.set(xlim=(-0.6, 8.4), ylim=(-1.8, 1.6), title="The computation graph of layer norm and batch norm")
    axes.axis("off")
    return figure


# ---------------------------------------------------------------------------
# Checks: autograd (Karpathy's cmp) and finite differences (cs231n's relative error).
# ---------------------------------------------------------------------------

def autograd_gradients(x, gamma, beta, grad_y, kind: str = "layer", eps: float = 1e-5) -> dict:
    """Node name → ∂L/∂node from torch autograd on the same graph (float64), with L = Σ grad_y ⊙ y."""
    import torch

    leaves = [torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (x, gamma, beta)]
    graph = forward(*leaves, kind=kind, eps=eps)
    inner = {f.name: getattr(graph, f.name) for f in fields(Graph)
             if f.name in ("mean", "deviation", "variance", "inverse_std", "x_hat", "y")}
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
    return Comparison(name, bool(np.array_equal(ours, theirs)), bool(np.allclose(ours, theirs)),
                      float(np.max(np.abs(ours - theirs))))


def relative_error(analytic, numeric) -> float:
    r"""cs231n's relative error, over the whole array: :math:`\|a - n\| / \max(\|a\|, \|n\|)` (0 when both are 0)."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def numerical_gradients(x, gamma, beta, grad_y, kind: str = "layer", eps: float = 1e-5,
                        step: float = FINITE_DIFFERENCE_STEP) -> dict:
    r"""∂L/∂x, ∂L/∂γ, ∂L/∂β by central differences, :math:`(L(p + h) - L(p - h)) / 2h`, one entry at a time."""
    values = {"x": np.array(x, dtype=np.float64), "gamma": np.array(gamma, dtype=np.float64),
              "beta": np.array(beta, dtype=np.float64)}

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


# ---------------------------------------------------------------------------
# The walk-through of notebook 05.
# ---------------------------------------------------------------------------

def example_inputs(batch: int = 4, features: int = 5, seed: int = 0) -> dict:
    """Non-trivial float64 inputs: x off-centre, γ not 1, β not 0, and an upstream gradient that is not constant.

    With γ = 1, β = 0 (torch's initial values) a backward pass that forgets γ still passes every check;
    with ∂L/∂y = 1 everywhere layer norm's ∂L/∂x is exactly 0, right or wrong.
    """
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(0.7, 1.6, size=(batch, features)),
            "gamma": rng.uniform(0.5, 1.8, size=features) * rng.choice([-1, 1], size=features),
            "beta": rng.normal(0, 0.8, size=features),
            "grad_y": rng.normal(0, 1, size=(batch, features))}


class Walkthrough:
    """The backward pass of one norm on one example batch: forward nodes, hand gradients, and their checks."""

    def __init__(self, kind: str = "layer", batch: int = 4, features: int = 5, eps: float = 1e-5,
                 seed: int = 0) -> None:
        self.kind, self.eps = kind, eps
        self.inputs = example_inputs(batch, features, seed)
        x, gamma, beta, grad_y = (self.inputs[k] for k in ("x", "gamma", "beta", "grad_y"))
        self.graph = forward(x, gamma, beta, kind, eps)
        self.hand = backward(self.graph, grad_y)
        self.autograd = autograd_gradients(x, gamma, beta, grad_y, kind, eps)

    def comparisons(self, names=NODES) -> list:
        """A :class:`Comparison` with autograd for each node in ``names``."""
        return [cmp(name, self.hand[name], self.autograd[name]) for name in names]

    def _comparison_table(self, names) -> str:
        rows = [(f"∂L/∂{c.name}", c.exact, c.close, c.max_difference, f"close, below {AUTOGRAD_BOUND:.0e}")
                for c in self.comparisons(names)]
        return markdown_table(["gradient", "exact", "close", "max difference", "expected"], rows)

    def nodes(self) -> Markdown:
        """The forward nodes' values for the first example (layer norm) or first feature (batch norm)."""
        graph, index = self.graph, (0, slice(None)) if self.kind == "layer" else (slice(None), 0)
        rows = []
        for name in ("x", "mean", "deviation", "variance", "inverse_std", "x_hat", "y"):
            value = np.asarray(getattr(graph, name))
            value = value[index] if value.shape == graph.x.shape else value.reshape(-1)[0:1]
            rows.append((name, ", ".join(ui.format_number(v, 4) for v in np.atleast_1d(value))))
        which = "example 0 (its D features)" if self.kind == "layer" else "feature 0 (its N examples)"
        return Markdown(f"Forward nodes of {self.kind} norm for {which}:\n\n" + markdown_table(["node", "value"], rows))

    def step(self, name: str) -> Markdown:
        """One step: its forward line and local gradient in LaTeX, its code, and its gradients checked."""
        if name not in STEP_BY_NAME:
            raise ValueError(f"unknown step {name!r}; the steps are {[s.name for s in STEPS]}")
        step = STEP_BY_NAME[name]
        source = inspect.getsource(step.function)
        body = textwrap.dedent(source[source.index('"""', source.index('"""') + 3) + 3:]).strip("\n")
        text = (f"**Step: {step.name}.** Forward ${step.forward}$, local gradient ${step.local_gradient}$\n\n"
                f"```python\n# lnlib/backprop.py: {step.function.__name__}\n{body}\n```\n\n"
                + self._comparison_table(step.produces))
        return Markdown(text)

    def compare(self) -> Markdown:
        """Every node's hand gradient against autograd's."""
        return Markdown(f"Hand-derived gradients of {self.kind} norm against torch autograd (float64):\n\n"
                        + self._comparison_table(NODES))

    def finite_differences(self) -> Markdown:
        """The hand gradients of x, γ, β against central differences, by relative error."""
        x, gamma, beta, grad_y = (self.inputs[k] for k in ("x", "gamma", "beta", "grad_y"))
        numeric = numerical_gradients(x, gamma, beta, grad_y, self.kind, self.eps)
        rows = [(f"∂L/∂{name}", relative_error(self.hand[name], numeric[name]), f"below {FINITE_DIFFERENCE_BOUND:.0e}",
                 relative_error(self.hand[name], numeric[name]) < FINITE_DIFFERENCE_BOUND) for name in numeric]
        return Markdown(f"Central differences with h = {FINITE_DIFFERENCE_STEP:g} ({self.kind} norm):\n\n"
                        + markdown_table(["gradient", "relative error", "expected", "passes"], rows))


def compact_formula_agrees(kind: str = "layer", seed: int = 0) -> Markdown:
    """The step-by-step ∂L/∂x against the one-line formula of :mod:`lnlib.functional` (same inputs)."""
    walk = Walkthrough(kind, seed=seed)
    x, gamma, grad_y = (walk.inputs[k] for k in ("x", "gamma", "grad_y"))
    if kind == "layer":
        compact = functional.layer_norm_backward(grad_y, x, x.shape[1], gamma, walk.eps)
    else:
        compact = functional.batch_norm_backward(grad_y, x, gamma, walk.eps)
    rows = [(f"∂L/∂{name}", relative_error(walk.hand[name], value), "below 1e-14")
            for name, value in zip(("x", "gamma", "beta"), compact)]
    return Markdown(f"Step by step against `lnlib.functional.{kind}_norm_backward` ({kind} norm):\n\n"
                    + markdown_table(["gradient", "relative difference", "expected"], rows))


def forgotten_gamma_goes_unnoticed() -> Markdown:
    """A backward pass that forgets γ, checked with torch's initial values (γ = 1, β = 0) and with non-trivial ones."""
    rows = []
    for label, trivial in (("γ = 1, β = 0 (torch's initial values)", True), ("γ, β random (this notebook)", False)):
        inputs = example_inputs(seed=1)
        if trivial:
            inputs["gamma"], inputs["beta"] = np.ones(5), np.zeros(5)
        graph = forward(inputs["x"], inputs["gamma"], inputs["beta"], "layer")
        right = backward(graph, inputs["grad_y"])["x"]
        graph.gamma = np.ones_like(graph.gamma)  # the bug: ∂L/∂x̂ = ∂L/∂y, γ forgotten
        buggy = backward(graph, inputs["grad_y"])["x"]
        error = relative_error(buggy, right)
        rows.append((label, error, "caught" if error > FINITE_DIFFERENCE_BOUND else "missed"))
    return Markdown("A backward pass that forgets γ, checked against the right gradient:\n\n"
                    + markdown_table(["initial values", "relative error of ∂L/∂x", "bug"], rows))


# ---------------------------------------------------------------------------
# What the gradient says.
# ---------------------------------------------------------------------------

def layer_norm_gradient(x, grad_y, gamma, eps: float = 1e-5) -> np.ndarray:
    """∂L/∂x of layer norm over the last axis (rows are examples), with L = Σ grad_y ⊙ y."""
    return functional.layer_norm_backward(grad_y, x, x.shape[-1], gamma, eps)[0]


def projection_properties(x, grad_y, gamma, eps: float = 1e-5) -> dict:
    r"""For each row: Σ_j ∂L/∂x_j, ⟨∂L/∂x, x̂⟩, and ⟨∂L/∂x, x̂⟩ as predicted.

    With :math:`g = \partial L/\partial y \odot \gamma`, :math:`\partial L/\partial x = r\,(g - \bar g
    - \hat x\,\overline{g\hat x})`, so :math:`\sum_j \partial L/\partial x_j = 0` and
    :math:`\langle \partial L/\partial x, \hat x\rangle = r \sum_j g_j \hat x_j \cdot \epsilon/(\sigma^2 + \epsilon)`:
    orthogonal when ε = 0, nearly so when :math:`\sigma^2 \gg \epsilon`.
    """
    grad_x = layer_norm_gradient(x, grad_y, gamma, eps)
    x_hat, _, var = functional.standardize(x, -1, eps, return_moments=True)
    inverse_std = 1 / np.sqrt(var[..., 0] + eps)
    g = grad_y * gamma
    return {"sum": grad_x.sum(axis=-1), "dot_x_hat": (grad_x * x_hat).sum(axis=-1),
            "predicted_dot": inverse_std * (g * x_hat).sum(axis=-1) * eps / (var[..., 0] + eps),
            "norm": np.linalg.norm(grad_x, axis=-1), "gradient": grad_x, "x_hat": x_hat}


def scale_experiment_inputs(features: int = 16, seed: int = 0) -> tuple:
    """``(inputs, gamma, grad_y)`` of the scale experiment: the input directions z ("random": features drawn
    around 1, "constant": all features equal), and the fixed γ and upstream gradient."""
    rng = np.random.default_rng(seed)
    inputs = {"random": rng.normal(1.0, 1.0, size=features), "constant": np.full(features, 1.3)}
    return inputs, rng.uniform(0.5, 1.5, size=features), rng.normal(size=features)


def gradient_norm_versus_scale(scales, z, gamma, grad_y, eps: float = 1e-5) -> np.ndarray:
    """‖∂L/∂x‖ of layer norm at input ``scale · z`` for each scale, with fixed γ and upstream gradient ``grad_y``."""
    x = np.asarray(scales, dtype=np.float64)[:, None] * z
    return np.linalg.norm(layer_norm_gradient(x, np.broadcast_to(grad_y, x.shape).copy(), gamma, eps), axis=-1)


def influence_on_first_example(batch: int, kind: str = "batch", features: int = 8, seed: int = 0) -> np.ndarray:
    r"""‖∂L₀/∂x_m‖ for each example m of the batch, where L₀ depends on example 0's output only.

    Layer norm: zero for m ≠ 0 (each example is normalized alone). Batch norm: every example moves
    :math:`\mu` and :math:`\sigma^2`, so every :math:`x_m` reaches :math:`y_0`, by about 1/N of the
    direct effect.
    """
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    rng = np.random.default_rng(seed)
    x = rng.normal(0.5, 1.2, size=(64, features))[:batch]
    gamma = rng.uniform(0.5, 1.5, size=features)
    grad_y = np.zeros_like(x)
    grad_y[0] = rng.normal(size=features)
    if kind == "batch":
        grad_x = functional.batch_norm_backward(grad_y, x, gamma)[0]
    elif kind == "layer":
        grad_x = layer_norm_gradient(x, grad_y, gamma)
    else:
        raise ValueError(f"kind must be 'layer' or 'batch', got {kind!r}")
    return np.linalg.norm(grad_x, axis=-1)


# ---------------------------------------------------------------------------
# The exercise: the variance step, written by the learner.
# ---------------------------------------------------------------------------

def exercise_inputs(seed: int = 0, through_x_hat: bool = True, through_variance: bool = True) -> dict:
    """Inputs of the variance step for a layer norm of shape (3, 6); a path can be switched off (its gradient 0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.4, 1.5, size=(3, 6))
    graph = forward(x, rng.uniform(0.5, 1.5, 6), rng.normal(size=6), "layer")
    grad_x_hat = rng.normal(size=x.shape)
    grad_deviation_x_hat, grad_inverse_std = normalized_backward(grad_x_hat, graph.deviation, graph.inverse_std, 1)
    grad_variance = inverse_std_backward(grad_inverse_std, graph.variance, graph.eps)
    return {"grad_deviation_through_x_hat": grad_deviation_x_hat * through_x_hat,
            "grad_variance": grad_variance * through_variance,
            "deviation": graph.deviation}


# Common mistakes on the σ² path, as factors of the right term ∂L/∂σ² · 2d/n (n = 6 here).
_VARIANCE_PATH_MISTAKES = (
    (0.5, "the factor 2 is missing: the derivative of d² is 2d, not d."),
    (6.0, "the 1/n is missing: σ² is a mean over the n features, not a sum."),
    (3.0, "both the 2 and the 1/n are off: the derivative of (1/n) Σ d² with respect to one d_i is 2d_i/n."),
    (6 / 5, "you divided by n − 1: the variance in a norm is the biased one, so the mean divides by n."),
    (-1.0, "the sign of the σ² path is flipped: σ² grows when any |d_i| grows."),
)
_X_HAT_PATH_MISTAKES = (
    (-1.0, "the sign of the x̂ path is flipped: it arrives ready to use, add it as it is."),
    (2.0, "the x̂ path is counted twice."),
)


def _call(function, inputs: dict):
    """The learner's result as a float array, or the sentence that says why there is none."""
    try:
        result = function(*(inputs[k].copy() for k in ("grad_deviation_through_x_hat", "grad_variance",
                                                        "deviation")))
    except Exception as error:  # the learner's code: say what it raised, in one line
        return None, f"your function raised {type(error).__name__}: {error}"
    if result is None:
        return None, "your function returns None: it is not written yet (write its `return` line)."
    try:
        result = np.asarray(result.detach() if hasattr(result, "detach") else result, dtype=np.float64)
    except (TypeError, ValueError):
        return None, f"your function returns a {type(result).__name__}, not an array of numbers."
    expected_shape = inputs["deviation"].shape
    if result.shape != expected_shape:
        hint = " Did you sum over an axis? There is one ∂L/∂d_ij for every d_ij." \
            if result.size < inputs["deviation"].size else ""
        return None, f"your result has shape {result.shape}, but ∂L/∂d must have the shape of d, {expected_shape}.{hint}"
    if not np.all(np.isfinite(result)):
        return None, "your result contains NaN or infinity."
    return result, ""


def _diagnose_path(result, inputs: dict, term, mistakes) -> str:
    """Which known mistake (a factor on ``term``) explains ``result``; "" if none does."""
    for factor, message in mistakes:
        if np.allclose(result, factor * term, rtol=1e-9, atol=1e-12):
            return message
    return ""


def check_variance_step(function) -> Markdown:
    """Right or wrong, and where: the learner's ``function(grad_deviation_through_x_hat, grad_variance, deviation)``.

    It must return the total ∂L/∂d of a layer norm with n = ``deviation.shape[1]`` features. The
    function is tried on three cases: only the x̂ path, only the σ² path, and both.
    """
    if not callable(function):
        return Markdown(f"❌ Pass the function itself (its name, without parentheses), not a {type(function).__name__}.")
    cases = [("the path through x̂ alone (∂L/∂σ² = 0)", dict(through_variance=False)),
             ("the path through σ² alone (∂L/∂x̂ = 0)", dict(through_x_hat=False)),
             ("both paths together", {})]
    failures = []
    for seed, (label, switches) in enumerate(cases):
        inputs = exercise_inputs(seed=seed, **switches)
        result, problem = _call(function, inputs)
        if problem:
            return Markdown(f"❌ On {label}: {problem}")
        expected = variance_backward(inputs["grad_deviation_through_x_hat"], inputs["grad_variance"],
                                     inputs["deviation"], axis=1)
        if np.allclose(result, expected, rtol=1e-9, atol=1e-12):
            continue
        through_x_hat = inputs["grad_deviation_through_x_hat"]
        variance_term = expected - through_x_hat
        if switches.get("through_variance") is False:
            reason = _diagnose_path(result, inputs, through_x_hat, _X_HAT_PATH_MISTAKES) or \
                ("the x̂ path is missing: d feeds x̂, so ∂L/∂d must include what arrives through x̂."
                 if np.allclose(result, 0) else "")
        elif switches.get("through_x_hat") is False:
            reason = _diagnose_path(result, inputs, variance_term, _VARIANCE_PATH_MISTAKES) or \
                ("the σ² path is missing: d also feeds σ², and gradients arriving from two paths add."
                 if np.allclose(result, 0) else "")
        else:
            reason = ""
        row, column = np.unravel_index(np.argmax(np.abs(result - expected)), expected.shape)
        where = (f"the largest error is at d[{row}, {column}]: you give {ui.format_number(result[row, column])}, "
                 f"the right value is {ui.format_number(expected[row, column])}")
        failures.append(f"- on {label}: {reason + ' ' if reason else ''}({where})")
    if not failures:
        return Markdown("✅ Right: your step gives the total ∂L/∂d on all three cases, to rounding. "
                        "Both paths (through x̂ and through σ²) are there, with the right factor.")
    return Markdown("❌ Not yet. Where it goes wrong:\n\n" + "\n".join(failures)
                    + "\n\nHint: write the local derivative ∂σ²/∂d_i first, then add the two paths.")


# ---------------------------------------------------------------------------
# Apps
# ---------------------------------------------------------------------------

SCALES = np.logspace(-4, 4, 81)


class LayerNormGradientApp(ui.App):
    """Scale the input of a layer norm and move ε: its gradient sums to zero, is nearly orthogonal to x̂,
    and shrinks as 1/scale until ε takes over."""

    FEATURES = 16

    def __init__(self, scale: float = 1.0, eps: float = 1e-5, input_kind: str = "random") -> None:
        self.inputs, self.gamma, self.grad_y = scale_experiment_inputs(self.FEATURES)
        self.curves = {}  # (ε, input kind) → ‖∂L/∂x‖ at every scale of SCALES, computed once
        controls = {
            "scale": ui.slider("s", "input scale", scale, 1e-4, 1e4, 0.1, log=True),
            "eps": ui.slider("ε", "eps", eps, 1e-10, 1.0, 0.1, log=True),
            "input_kind": ui.choice("input", "", [("random features", "random"), ("all features equal", "constant")],
                                    input_kind),
        }
        self.figure, (self.left, self.right) = style.new_figure(11, 4.2, ncols=2)
        (self.curve,) = self.left.loglog(SCALES, np.ones_like(SCALES), color=style.NORM_COLORS["layer"],
                                         label="‖∂L/∂x‖")
        self.left.loglog(SCALES, 1 / SCALES, color=style.NORM_COLORS["none"], linestyle="--", label="1 / s")
        (self.marker,) = self.left.loglog([1.0], [1.0], "o", color="black")
        self.left.set(xlabel="input scale s", ylabel="‖∂L/∂x‖", ylim=(1e-5, 1e6),
                      title="Gradient of layer norm vs input scale")
        self.left.legend(loc="upper right")
        positions = np.arange(self.FEATURES)
        self.bars = self.right.bar(positions - 0.2, np.zeros(self.FEATURES), width=0.4,
                                   color=style.NORM_COLORS["layer"], label="s · ∂L/∂x")
        self.x_hat_bars = self.right.bar(positions + 0.2, np.zeros(self.FEATURES), width=0.4,
                                         color=style.NORM_COLORS["none"], label="x̂")
        self.right.set(xlabel="feature j", ylabel="value", ylim=(-4, 4), title="Scaled gradient and x̂")
        self.right.legend(loc="lower right")
        self.view = ui.FigureView(self.figure, dynamic=[self.curve, self.marker, *self.bars, *self.x_hat_bars])
        self.start(controls, [self.view], "Layer norm's input gradient: a projection, scaled by 1/s")

    def norm_curve(self, eps: float, input_kind: str) -> np.ndarray:
        """‖∂L/∂x‖ at every scale of SCALES for this ε and input (computed once: moving s does not recompute it)."""
        if (eps, input_kind) not in self.curves:
            self.curves[eps, input_kind] = gradient_norm_versus_scale(SCALES, self.inputs[input_kind], self.gamma,
                                                                      self.grad_y, eps)
        return self.curves[eps, input_kind]

    def update(self) -> str:
        scale, eps, input_kind = self.value("scale"), self.value("eps"), self.value("input_kind")
        constant = input_kind == "constant"
        self.curve.set_ydata(self.norm_curve(eps, input_kind))
        x = scale * self.inputs[input_kind][None, :]
        props = projection_properties(x, self.grad_y[None, :], self.gamma, eps)
        self.marker.set_data([scale], [props["norm"][0]])
        for bar, value in zip(self.bars, np.clip(scale * props["gradient"][0], -4, 4)):
            bar.set_height(value)
        for bar, value in zip(self.x_hat_bars, props["x_hat"][0]):
            bar.set_height(value)
        self.view.draw()
        variance = float(np.var(x))
        total, dot, predicted = props["sum"][0], props["dot_x_hat"][0], props["predicted_dot"][0]
        lines = [f"Σⱼ ∂L/∂xⱼ = {ui.format_number(total)} (0 to rounding: the gradient has no component along (1, …, 1)).",
                 f"⟨∂L/∂x, x̂⟩ = {ui.format_number(dot)}; predicted r·Σ gⱼx̂ⱼ·ε/(σ²+ε) = "
                 f"{ui.format_number(predicted)} (0 when ε ≪ σ²).",
                 f"‖∂L/∂x‖·s = {ui.format_number(props['norm'][0] * scale)}: constant while σ² = "
                 f"{ui.format_number(variance)} ≫ ε."]
        if constant:
            return ("All features are equal, so σ² = 0 and x̂ = 0 whatever the scale. The gradient is "
                    f"(g − ḡ)/√ε: ε = {ui.format_number(eps)} alone sets its size "
                    f"(‖∂L/∂x‖ = {ui.format_number(props['norm'][0])}); with ε = 0 it would be 0/0. "
                    "Nothing tells the norm which way is 'up', and ε is what keeps the gradient finite.")
        if variance < 10 * eps:
            lines[2] = (f"Here σ² = {ui.format_number(variance)} is not large next to ε = {ui.format_number(eps)}: "
                        "ε takes over, the gradient stops growing as 1/s and x̂ shrinks towards 0.")
        return "<br>".join(lines)


class BatchCouplingApp(ui.App):
    """How much every example of a batch moves the gradient of example 0's loss, under batch norm or layer norm."""

    MAX_BATCH = 64

    def __init__(self, batch: int = 8, kind: str = "batch") -> None:
        controls = {"batch": ui.slider("N", "batch size", batch, 1, self.MAX_BATCH, integer=True),
                    "kind": ui.choice("norm", "", [("batch norm", "batch"), ("layer norm", "layer")], kind)}
        self.figure, (self.left, self.right) = style.new_figure(11, 4.2, ncols=2)
        (self.points,) = self.left.plot([], [], "o", color=style.NORM_COLORS["batch"])
        self.left.set(xlim=(-1, self.MAX_BATCH), ylim=(-0.05, 1.1), xlabel="example m of the batch",
                      ylabel="‖∂L₀/∂xₘ‖ / ‖∂L₀/∂x₀‖", title="Who moves example 0's loss")
        sizes = np.arange(2, self.MAX_BATCH + 1)
        influences = [influence_on_first_example(n, "batch") for n in sizes]
        self.batch_curve = np.array([influence[1:].mean() / influence[0] for influence in influences])
        self.right.loglog(sizes, self.batch_curve, color=style.NORM_COLORS["batch"], label="batch norm")
        self.right.loglog(sizes, 1 / sizes, color=style.NORM_COLORS["none"], linestyle="--", label="1 / N")
        (self.current,) = self.right.loglog([2], [1.0], "o", color="black")
        self.right.set(xlabel="batch size N", ylabel="mean influence of m ≠ 0", ylim=(1e-3, 1.5),
                       title="Coupling vs batch size")
        self.right.set_xticks([2, 4, 8, 16, 32, 64], labels=["2", "4", "8", "16", "32", "64"])
        self.right.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        self.right.legend(loc="upper right")
        self.view = ui.FigureView(self.figure, dynamic=[self.points, self.current])
        self.start(controls, [self.view], "Batch norm couples the examples of a batch; layer norm does not")

    def update(self) -> str:
        batch, kind = self.value("batch"), self.value("kind")
        color = style.NORM_COLORS[kind]
        if kind == "batch" and batch == 1:
            raise ui.Explained("With one example, batch norm's training statistics are that example itself: "
                               "x̂ = (x − x)/√ε = 0 whatever x is, so the output carries no information and the "
                               "gradient with respect to x is 0. PyTorch refuses to train on it "
                               "(\"Expected more than 1 value per channel\"). Choose N ≥ 2, or layer norm.")
        influence = influence_on_first_example(batch, kind)
        relative = influence / influence[0]
        self.points.set_data(np.arange(batch), relative)
        self.points.set_color(color)
        others = relative[1:].mean() if batch > 1 else 0.0
        self.current.set_data([max(batch, 2)], [max(others, 1.2e-3)])
        self.current.set_visible(batch > 1)
        self.view.draw()
        if kind == "layer":
            return (f"Layer norm: example 0's loss depends on x₀ only; the {batch - 1} other examples have "
                    f"influence exactly {ui.format_number(others)}. Each example's gradient is computed alone.")
        return (f"Batch norm: each of the {batch - 1} other examples moves example 0's loss, on average by "
                f"{ui.format_number(others)} of x₀'s own effect (about 1/N = {ui.format_number(1 / batch)}): "
                "they share μ and σ², so they share the gradient.")
