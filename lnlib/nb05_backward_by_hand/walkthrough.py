r"""Notebook 05's walk through the graph, what the gradient says, and the exercise.

:class:`Walkthrough` keeps the bookkeeping of the node-by-node walk (each step's gradient, checked
against autograd with :func:`~lnlib.nb05_backward_by_hand.graph.cmp` and against finite differences);
the functions after it compute what layer norm's and batch norm's gradients say; the learner's
variance step is checked by :func:`check_variance_step`.
"""

from __future__ import annotations

import inspect
import textwrap

import numpy as np

from lnlib import functional, ui
from lnlib.nb05_backward_by_hand.graph import (
    AUTOGRAD_BOUND,
    FINITE_DIFFERENCE_BOUND,
    FINITE_DIFFERENCE_STEP,
    NODES,
    STEP_BY_NAME,
    STEPS,
    autograd_gradients,
    backward,
    cmp,
    forward,
    inverse_std_backward,
    normalized_backward,
    numerical_gradients,
    relative_error,
    variance_backward,
)
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.text import Markdown, markdown_table

NORM_NAMES = {"layer": N_("layer norm"), "batch": N_("batch norm")}
"""A norm's kind → its name in the text (translated where it is shown)."""


def example_inputs(batch: int = 4, features: int = 5, seed: int = 0) -> dict:
    """Non-trivial float64 inputs: x off-centre, γ not 1, β not 0, and an upstream gradient that is not constant.

    With γ = 1, β = 0 (torch's initial values) a backward pass that forgets γ still passes every check;
    with ∂L/∂y = 1 everywhere layer norm's ∂L/∂x is exactly 0, right or wrong.
    """
    rng = np.random.default_rng(seed)
    return {
        "x": rng.normal(0.7, 1.6, size=(batch, features)),
        "gamma": rng.uniform(0.5, 1.8, size=features) * rng.choice([-1, 1], size=features),
        "beta": rng.normal(0, 0.8, size=features),
        "grad_y": rng.normal(0, 1, size=(batch, features)),
    }


class Walkthrough:
    """The backward pass of one norm on one example batch: forward nodes, hand gradients, and their checks."""

    def __init__(
        self, kind: str = "layer", batch: int = 4, features: int = 5, eps: float = 1e-5, seed: int = 0
    ) -> None:
        self.kind, self.eps = kind, eps
        self.inputs = example_inputs(batch, features, seed)
        x, gamma, beta, grad_y = (self.inputs[k] for k in ("x", "gamma", "beta", "grad_y"))
        self.graph = forward(x, gamma, beta, kind, eps)
        self.hand = backward(self.graph, grad_y)
        self.autograd = autograd_gradients(x, gamma, beta, grad_y, kind, eps)

    def comparisons(self, names=NODES) -> list:
        """A :class:`~lnlib.nb05_backward_by_hand.graph.Comparison` with autograd for each node in ``names``."""
        return [cmp(name, self.hand[name], self.autograd[name]) for name in names]

    def _comparison_table(self, names) -> str:
        expected = _("close, below {bound:.0e}").format(bound=AUTOGRAD_BOUND)
        rows = [
            (f"∂L/∂{c.name}", c.exact, c.close, c.max_difference, expected) for c in self.comparisons(names)
        ]
        header = [_("gradient"), _("exact"), _("close"), _("max difference"), _("expected")]
        return markdown_table(header, rows)

    def nodes(self) -> Markdown:
        """The forward nodes' values for the first example (layer norm) or first feature (batch norm)."""
        graph, index = self.graph, (0, slice(None)) if self.kind == "layer" else (slice(None), 0)
        rows = []
        for name in ("x", "mean", "deviation", "variance", "inverse_std", "x_hat", "y"):
            value = np.asarray(getattr(graph, name))
            value = value[index] if value.shape == graph.x.shape else value.reshape(-1)[0:1]
            rows.append((name, ", ".join(ui.format_number(v, 4) for v in np.atleast_1d(value))))
        title = (
            _("Forward nodes of {norm} for example 0 (its D features):")
            if self.kind == "layer"
            else _("Forward nodes of {norm} for feature 0 (its N examples):")
        )
        return Markdown(
            title.format(norm=_(NORM_NAMES[self.kind]))
            + "\n\n"
            + markdown_table([_("node"), _("value")], rows)
        )

    def step(self, name: str) -> Markdown:
        """One step: its forward line and local gradient in LaTeX, its code, and its gradients checked."""
        if name not in STEP_BY_NAME:
            raise ValueError(f"unknown step {name!r}; the steps are {[s.name for s in STEPS]}")
        step = STEP_BY_NAME[name]
        source = inspect.getsource(step.function)
        body = textwrap.dedent(source[source.index('"""', source.index('"""') + 3) + 3 :]).strip("\n")
        local_gradient = step.local_gradient + (rf"\quad\text{{({_(step.remark)})}}" if step.remark else "")
        heading = _("**Step: {name}.** Forward ${forward}$, local gradient ${local_gradient}$").format(
            name=_(step.name), forward=step.forward, local_gradient=local_gradient
        )
        text = (
            heading + "\n\n"
            f"```python\n# lnlib/nb05_backward_by_hand/graph.py: {step.function.__name__}\n{body}\n```\n\n"
            + self._comparison_table(step.produces)
        )
        return Markdown(text)

    def compare(self) -> Markdown:
        """Every node's hand gradient against autograd's."""
        return Markdown(
            _("Hand-derived gradients of {norm} against torch autograd (float64):").format(
                norm=_(NORM_NAMES[self.kind])
            )
            + "\n\n"
            + self._comparison_table(NODES)
        )

    def finite_differences(self) -> Markdown:
        """The hand gradients of x, γ, β against central differences, by relative error."""
        x, gamma, beta, grad_y = (self.inputs[k] for k in ("x", "gamma", "beta", "grad_y"))
        numeric = numerical_gradients(x, gamma, beta, grad_y, self.kind, self.eps)
        rows = [
            (
                f"∂L/∂{name}",
                relative_error(self.hand[name], numeric[name]),
                _("below {bound:.0e}").format(bound=FINITE_DIFFERENCE_BOUND),
                relative_error(self.hand[name], numeric[name]) < FINITE_DIFFERENCE_BOUND,
            )
            for name in numeric
        ]
        title = _("Central differences with h = {step:g} ({norm}):").format(
            step=FINITE_DIFFERENCE_STEP, norm=_(NORM_NAMES[self.kind])
        )
        header = [_("gradient"), _("relative error"), _("expected"), _("passes")]
        return Markdown(title + "\n\n" + markdown_table(header, rows))


def compact_formula_agrees(kind: str = "layer", seed: int = 0) -> Markdown:
    """The step-by-step ∂L/∂x against the one-line formula of :mod:`lnlib.functional` (same inputs)."""
    walk = Walkthrough(kind, seed=seed)
    x, gamma, grad_y = (walk.inputs[k] for k in ("x", "gamma", "grad_y"))
    if kind == "layer":
        compact = functional.layer_norm_backward(grad_y, x, x.shape[1], gamma, walk.eps)
    else:
        compact = functional.batch_norm_backward(grad_y, x, gamma, walk.eps)
    below = _("below {bound:.0e}").format(bound=1e-14)
    rows = [
        (f"∂L/∂{name}", relative_error(walk.hand[name], value), below)
        for name, value in zip(("x", "gamma", "beta"), compact)
    ]
    title = _("Step by step against `lnlib.functional.{function}` ({norm}):").format(
        function=f"{kind}_norm_backward", norm=_(NORM_NAMES[kind])
    )
    header = [_("gradient"), _("relative difference"), _("expected")]
    return Markdown(title + "\n\n" + markdown_table(header, rows))


def forgotten_gamma_goes_unnoticed() -> Markdown:
    """A backward pass that forgets γ, checked with torch's initial values (γ = 1, β = 0) and with non-trivial ones."""
    rows = []
    for label, trivial in (
        (_("γ = 1, β = 0 (torch's initial values)"), True),
        (_("γ, β random (this notebook)"), False),
    ):
        inputs = example_inputs(seed=1)
        if trivial:
            inputs["gamma"], inputs["beta"] = np.ones(5), np.zeros(5)
        graph = forward(inputs["x"], inputs["gamma"], inputs["beta"], "layer")
        right = backward(graph, inputs["grad_y"])["x"]
        graph.gamma = np.ones_like(graph.gamma)  # the bug: ∂L/∂x̂ = ∂L/∂y, γ forgotten
        buggy = backward(graph, inputs["grad_y"])["x"]
        error = relative_error(buggy, right)
        rows.append((label, error, _("caught") if error > FINITE_DIFFERENCE_BOUND else _("missed")))
    header = [_("initial values"), _("relative error of ∂L/∂x"), _("bug")]
    return Markdown(
        _("A backward pass that forgets γ, checked against the right gradient:")
        + "\n\n"
        + markdown_table(header, rows)
    )


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
    x_hat, _mean, var = functional.standardize(x, -1, eps, return_moments=True)
    inverse_std = 1 / np.sqrt(var[..., 0] + eps)
    g = grad_y * gamma
    return {
        "sum": grad_x.sum(axis=-1),
        "dot_x_hat": (grad_x * x_hat).sum(axis=-1),
        "predicted_dot": inverse_std * (g * x_hat).sum(axis=-1) * eps / (var[..., 0] + eps),
        "norm": np.linalg.norm(grad_x, axis=-1),
        "gradient": grad_x,
        "x_hat": x_hat,
    }


def scale_experiment_inputs(features: int = 16, seed: int = 0) -> tuple:
    """``(inputs, gamma, grad_y)`` of the scale experiment: the input directions z ("random": features drawn
    around 1, "constant": all features equal), and the fixed γ and upstream gradient."""
    rng = np.random.default_rng(seed)
    inputs = {"random": rng.normal(1.0, 1.0, size=features), "constant": np.full(features, 1.3)}
    return inputs, rng.uniform(0.5, 1.5, size=features), rng.normal(size=features)


def gradient_norm_versus_scale(scales, z, gamma, grad_y, eps: float = 1e-5) -> np.ndarray:
    """‖∂L/∂x‖ of layer norm at input ``scale · z`` for each scale, with fixed γ and upstream gradient ``grad_y``."""
    x = np.asarray(scales, dtype=np.float64)[:, None] * z
    return np.linalg.norm(
        layer_norm_gradient(x, np.broadcast_to(grad_y, x.shape).copy(), gamma, eps), axis=-1
    )


def influence_on_first_example(
    batch: int, kind: str = "batch", features: int = 8, seed: int = 0
) -> np.ndarray:
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


def exercise_inputs(seed: int = 0, through_x_hat: bool = True, through_variance: bool = True) -> dict:
    """Inputs of the variance step for a layer norm of shape (3, 6); a path can be switched off (its gradient 0)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.4, 1.5, size=(3, 6))
    graph = forward(x, rng.uniform(0.5, 1.5, 6), rng.normal(size=6), "layer")
    grad_x_hat = rng.normal(size=x.shape)
    grad_deviation_x_hat, grad_inverse_std = normalized_backward(
        grad_x_hat, graph.deviation, graph.inverse_std, 1
    )
    grad_variance = inverse_std_backward(grad_inverse_std, graph.variance, graph.eps)
    return {
        "grad_deviation_through_x_hat": grad_deviation_x_hat * through_x_hat,
        "grad_variance": grad_variance * through_variance,
        "deviation": graph.deviation,
    }


# Common mistakes on the σ² path, as factors of the right term ∂L/∂σ² · 2d/n (n = 6 here).
_VARIANCE_PATH_MISTAKES = (
    (0.5, N_("the factor 2 is missing: the derivative of d² is 2d, not d.")),
    (6.0, N_("the 1/n is missing: σ² is a mean over the n features, not a sum.")),
    (
        3.0,
        N_("both the 2 and the 1/n are off: the derivative of (1/n) Σ d² with respect to one d_i is 2d_i/n."),
    ),
    (6 / 5, N_("you divided by n − 1: the variance in a norm is the biased one, so the mean divides by n.")),
    (-1.0, N_("the sign of the σ² path is flipped: σ² grows when any |d_i| grows.")),
)
_X_HAT_PATH_MISTAKES = (
    (-1.0, N_("the sign of the x̂ path is flipped: it arrives ready to use, add it as it is.")),
    (2.0, N_("the x̂ path is counted twice.")),
)


def _call(function, inputs: dict):
    """The learner's result as a float array, or the sentence that says why there is none."""
    try:
        result = function(
            *(inputs[k].copy() for k in ("grad_deviation_through_x_hat", "grad_variance", "deviation"))
        )
    except Exception as error:  # the learner's code: say what it raised, in one line
        return None, _("your function raised {error_type}: {error}").format(
            error_type=type(error).__name__, error=error
        )
    if result is None:
        return None, _("your function returns None: it is not written yet (write its `return` line).")
    try:
        result = np.asarray(result.detach() if hasattr(result, "detach") else result, dtype=np.float64)
    except (TypeError, ValueError):
        return None, _("your function returns a {type_name}, not an array of numbers.").format(
            type_name=type(result).__name__
        )
    expected_shape = inputs["deviation"].shape
    if result.shape != expected_shape:
        message = (
            _(
                "your result has shape {shape}, but ∂L/∂d must have the shape of d, {expected_shape}. "
                "Did you sum over an axis? There is one ∂L/∂d_ij for every d_ij."
            )
            if result.size < inputs["deviation"].size
            else _("your result has shape {shape}, but ∂L/∂d must have the shape of d, {expected_shape}.")
        )
        return None, message.format(shape=result.shape, expected_shape=expected_shape)
    if not np.all(np.isfinite(result)):
        return None, _("your result contains NaN or infinity.")
    return result, ""


def _diagnose_path(result, inputs: dict, term, mistakes) -> str:
    """Which known mistake (a factor on ``term``) explains ``result``; "" if none does."""
    for factor, message in mistakes:
        if np.allclose(result, factor * term, rtol=1e-9, atol=1e-12):
            return _(message)
    return ""


def check_variance_step(function) -> Markdown:
    """Right or wrong, and where: the learner's ``function(grad_deviation_through_x_hat, grad_variance, deviation)``.

    It must return the total ∂L/∂d of a layer norm with n = ``deviation.shape[1]`` features. The
    function is tried on three cases: only the x̂ path, only the σ² path, and both.
    """
    if not callable(function):
        return Markdown(
            _("❌ Pass the function itself (its name, without parentheses), not a {type_name}.").format(
                type_name=type(function).__name__
            )
        )
    cases = [
        (_("the path through x̂ alone (∂L/∂σ² = 0)"), {"through_variance": False}),
        (_("the path through σ² alone (∂L/∂x̂ = 0)"), {"through_x_hat": False}),
        (_("both paths together"), {}),
    ]
    failures = []
    for seed, (label, switches) in enumerate(cases):
        inputs = exercise_inputs(seed=seed, **switches)
        result, problem = _call(function, inputs)
        if problem:
            return Markdown(_("❌ On {case}: {problem}").format(case=label, problem=problem))
        expected = variance_backward(
            inputs["grad_deviation_through_x_hat"], inputs["grad_variance"], inputs["deviation"], axis=1
        )
        if np.allclose(result, expected, rtol=1e-9, atol=1e-12):
            continue
        through_x_hat = inputs["grad_deviation_through_x_hat"]
        variance_term = expected - through_x_hat
        if switches.get("through_variance") is False:
            reason = _diagnose_path(result, inputs, through_x_hat, _X_HAT_PATH_MISTAKES) or (
                _("the x̂ path is missing: d feeds x̂, so ∂L/∂d must include what arrives through x̂.")
                if np.allclose(result, 0)
                else ""
            )
        elif switches.get("through_x_hat") is False:
            reason = _diagnose_path(result, inputs, variance_term, _VARIANCE_PATH_MISTAKES) or (
                _("the σ² path is missing: d also feeds σ², and gradients arriving from two paths add.")
                if np.allclose(result, 0)
                else ""
            )
        else:
            reason = ""
        row, column = np.unravel_index(np.argmax(np.abs(result - expected)), expected.shape)
        where = _(
            "the largest error is at d[{row}, {column}]: you give {given}, the right value is {right}"
        ).format(
            row=row,
            column=column,
            given=ui.format_number(result[row, column]),
            right=ui.format_number(expected[row, column]),
        )
        failure = (_("- on {case}: {reason} ({where})") if reason else _("- on {case}: ({where})")).format(
            case=label, reason=reason, where=where
        )
        failures.append(failure)
    if not failures:
        return Markdown(
            _(
                "✅ Right: your step gives the total ∂L/∂d on all three cases, to rounding. "
                "Both paths (through x̂ and through σ²) are there, with the right factor."
            )
        )
    return Markdown(
        _("❌ Not yet. Where it goes wrong:")
        + "\n\n"
        + "\n".join(failures)
        + "\n\n"
        + _("Hint: write the local derivative ∂σ²/∂d_i first, then add the two paths.")
    )
