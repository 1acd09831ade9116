r"""The code of articles 000 and 001, reproduced, explained and put on sliders (notebook 01).

- Article 001's check: ``x = [0, 1, 2, 3, 4]`` through ``nn.LayerNorm(5, eps=0.00005)`` against its
  hand formula :math:`(x - \mu)/\sigma`, which leaves ε out. The two differ by

  .. math::  \hat x^{\text{torch}}_i - \hat x^{\text{hand}}_i
             = \frac{x_i - \mu}{\sigma}\Bigl(\frac{\sigma}{\sqrt{\sigma^2 + \epsilon}} - 1\Bigr)
             \approx -\frac{x_i - \mu}{\sigma}\,\frac{\epsilon}{2\sigma^2}

  (:func:`article001_check`, :func:`predicted_gap`, :class:`EpsGapApp`).
- Article 000's NumPy snippet, which draws γ and β at random, against torch's start γ = 1, β = 0
  (:func:`article000_snippet`, :class:`RandomAffineApp`).
- Article 001's ``Linear -> LayerNorm -> Tanh`` and what LN does to the range of the Tanh's input
  (:func:`article001_model`, :class:`TanhRangeApp`).

Its size is earned by one concern, the articles' code: each of the three pieces with its app.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from lnlib import functional, ui
from lnlib.nb01_formulas_step_by_step.formulas import ARTICLE_EPS, ARTICLE_INPUT, normalized_bound
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.ui import style

GAP_EPS_GRID = np.logspace(-10, 1, 45)  # the ε values of the gap curve
MODEL_INPUT = (0.0, 1.0, 2.0)  # article 001's input to Linear(3, 5)


# ---------------------------------------------------------------------------
# Article 001's check: torch's LayerNorm against a hand formula without ε
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Article001Check:
    """Both outputs of article 001's check (float32, as the article ran it) and their largest gap."""

    x: np.ndarray
    torch_output: np.ndarray  # nn.LayerNorm(5, eps)(x)
    hand_output: np.ndarray  # gamma * (x - mu) / sigma + beta, no ε
    eps: float

    @property
    def gap(self) -> float:
        return float(np.max(np.abs(self.torch_output - self.hand_output)))

    @property
    def printed_alike(self) -> bool:
        """Whether the two print the same with torch's default 4 decimals (what the article's reader saw)."""
        return printed(self.torch_output) == printed(self.hand_output)


def printed(values) -> str:
    """Numbers as ``print(tensor)`` shows them by default: four decimals."""
    return "[" + ", ".join(f"{v:.4f}" for v in np.asarray(values, dtype=np.float64) + 0.0) + "]"


def article001_check(eps: float = ARTICLE_EPS, x=ARTICLE_INPUT) -> Article001Check:
    """Article 001's PyTorch code, line for line (float32), returning both outputs."""
    x = torch.tensor(x, dtype=torch.float32)
    L = nn.LayerNorm(x.shape[0], eps=eps)
    with torch.no_grad():
        y = L(x)
        mu = x.mean()
        sigma = ((x - x.mean()) * (x - x.mean()) / x.shape[0]).sum().sqrt()
        gamma = L.get_parameter("weight")
        beta = L.get_parameter("bias")
        test_y = gamma * (x - mu) / (sigma) + beta
    return Article001Check(x.numpy(), y.numpy(), test_y.numpy(), eps)


def article001_report(eps: float = ARTICLE_EPS) -> str:
    """What article 001's code prints, and the gap it does not print, with what to expect."""
    check = article001_check(eps)
    predicted = predicted_gap(check.x, eps)
    return "\n".join(
        [
            f"nn.LayerNorm(5, eps={eps:g})(x):  {printed(check.torch_output)}",
            _("hand formula, no eps:          {output}").format(output=printed(check.hand_output)),
            _("printed alike (4 decimals):    {alike}").format(alike=check.printed_alike),
            _("largest gap:                   {gap:.3e}").format(gap=check.gap),
            _(
                "predicted (exact arithmetic):  {predicted:.3e}   "
                "(the two should agree to float32 rounding, about 1e-7)"
            ).format(predicted=predicted),
        ]
    )


def predicted_gap(x, eps: float) -> float:
    r"""The largest gap between layer norm with ε and without, in exact arithmetic.

    .. math::  \max_i \frac{|x_i - \mu|}{\sigma}\Bigl(1 - \frac{\sigma}{\sqrt{\sigma^2 + \epsilon}}\Bigr)
               \approx \max_i \frac{|x_i - \mu|}{\sigma} \cdot \frac{\epsilon}{2\sigma^2}
               \quad (\epsilon \ll \sigma^2)
    """
    x = np.asarray(x, dtype=np.float64)
    sigma = x.std()
    if sigma == 0:
        raise ValueError(
            "the values are all equal: without ε their layer norm is 0/0, so there is no gap to predict"
        )
    largest = np.max(np.abs(x - x.mean())) / sigma
    # 1 − σ/√(σ² + ε), written so that it keeps its digits when ε ≪ σ²
    shrink = (eps / (sigma**2 + eps)) / (1 + sigma / np.sqrt(sigma**2 + eps))
    return float(largest * shrink)


def lnlib_gap(x, eps: float) -> float:
    """The same gap from ``lnlib.functional.layer_norm`` in float64: x̂ with ε against (x − μ)/σ."""
    x = np.asarray(x, dtype=np.float64)
    with_eps = functional.layer_norm(x, x.shape[-1], eps=eps)
    without_eps = (x - x.mean()) / x.std()
    return float(np.max(np.abs(with_eps - without_eps)))


def gap_curve(eps_values=GAP_EPS_GRID, x=ARTICLE_INPUT) -> dict:
    """For each ε: the article's torch gap (float32), lnlib's gap (float64) and the predicted one."""
    return {
        "eps": np.asarray(eps_values, dtype=np.float64),
        "torch float32": np.array([article001_check(eps, x).gap for eps in eps_values]),
        "lnlib float64": np.array([lnlib_gap(x, eps) for eps in eps_values]),
        "predicted": np.array([predicted_gap(x, eps) for eps in eps_values]),
    }


class EpsGapApp(ui.App):
    """Article 001's check under an ε slider: how far torch's output is from the hand formula without ε."""

    def __init__(self) -> None:
        controls = {"eps": ui.slider("ε", _("eps of nn.LayerNorm"), ARTICLE_EPS, 1e-10, 10.0, log=True)}
        curve = gap_curve()
        figure, (gap_axes, output_axes) = style.new_figure(13, 4.6, nrows=1, ncols=2)
        gap_axes.loglog(
            curve["eps"], curve["predicted"], color="black", label=_("predicted (exact arithmetic)")
        )
        for name, color, marker in (
            ("torch float32", style.NORM_COLORS["batch"], "o"),
            ("lnlib float64", style.NORM_COLORS["layer"], "x"),
        ):
            shown = np.where(
                curve[name] > 0, curve[name], np.nan
            )  # a gap of exactly 0 has no place on a log axis
            gap_axes.loglog(curve["eps"], shown, marker, color=color, label=name)
        self.eps_line = gap_axes.axvline(ARTICLE_EPS, color="black", linestyle=":")
        gap_axes.set_title(_("largest gap: LayerNorm with ε vs formula without"))
        gap_axes.set_xlabel("ε")
        gap_axes.set_ylabel(_("max |torch − hand|"))
        gap_axes.set_ylim(1e-18, 10)
        gap_axes.legend(loc="upper left")
        positions = np.arange(1, len(ARTICLE_INPUT) + 1)
        (self.hand_points,) = output_axes.plot(
            positions,
            np.zeros(5),
            "o",
            markersize=16,
            markerfacecolor="none",
            color="black",
            label=_("hand formula, no ε"),
        )
        (self.torch_points,) = output_axes.plot(
            positions, np.zeros(5), "o", color=style.NORM_COLORS["batch"], label=_("nn.LayerNorm with ε")
        )
        output_axes.set_ylim(-1.6, 1.6)
        output_axes.set_xticks(positions)
        output_axes.set_title(_("the five outputs for x = [0, 1, 2, 3, 4]"))
        output_axes.set_xlabel(_("feature i"))
        output_axes.set_ylabel(_("output yᵢ"))
        output_axes.legend(loc="upper left")
        self.figure = ui.FigureView(figure, dynamic=[self.eps_line, self.hand_points, self.torch_points])
        self.table = ui.html_table_view()
        self.start(
            controls,
            [self.figure, self.table],
            _("Article 001's check: the gap ε makes"),
            tabs={_("the gap"): [self.figure], _("the numbers"): [self.table]},
        )

    @torch_threads()
    def update(self) -> str:
        eps = self.value("eps")
        check = article001_check(eps)
        self.eps_line.set_xdata([eps, eps])
        self.hand_points.set_ydata(check.hand_output)
        self.torch_points.set_ydata(check.torch_output)
        self.figure.draw()
        rows = [
            [i + 1, float(x), f"{t:.7f}", f"{h:.7f}", f"{t - h:.2e}"]
            for i, (x, t, h) in enumerate(zip(check.x, check.torch_output, check.hand_output))
        ]
        self.table.value = ui.html_table(
            ["i", "xᵢ", "nn.LayerNorm (ε)", _("hand formula (no ε)"), _("difference")],
            rows,
            caption=_("float32, as the article ran it, ε = {eps:.1e}").format(eps=eps),
        )
        fmt = ui.format_number
        predicted = predicted_gap(ARTICLE_INPUT, eps)
        lines = [
            _(
                "Largest gap: {gap} in float32; lnlib in float64: {lnlib_gap}; "
                "predicted {formula} (about $0.354\\,\\epsilon$ while $\\epsilon \\ll \\sigma^2 = 2$)."
            ).format(
                gap=fmt(check.gap),
                lnlib_gap=fmt(lnlib_gap(ARTICLE_INPUT, eps)),
                formula=f"$\\sqrt{{2}}\\,\\bigl(1 - \\sqrt{{2}}/\\sqrt{{2+\\epsilon}}\\bigr) = {fmt(predicted)}$",
            )
        ]
        if check.printed_alike:
            lines.append(
                _(
                    "Printed with torch's four decimals, both read {printed}: "
                    "that is why the article saw no difference."
                ).format(printed=printed(check.torch_output))
            )
        else:
            lines.append(
                _("Now even the printed digits differ: {torch} against {hand}.").format(
                    torch=printed(check.torch_output), hand=printed(check.hand_output)
                )
            )
        if predicted < 2e-7:
            lines.append(
                _(
                    "This gap is below what float32 can resolve at these values (about 1e-7): the float32 "
                    "outputs agree up to rounding, and only float64 still sees the predicted gap."
                )
            )
        if eps > 0.02:
            lines.append(_("ε is no longer small next to σ² = 2: it visibly shrinks every output towards 0."))
        return "<br>".join(lines)


# ---------------------------------------------------------------------------
# Article 000's NumPy snippet: random gamma and beta
# ---------------------------------------------------------------------------


def example_features(batch: int = 64, features: int = 8, seed: int = 0) -> np.ndarray:
    """(batch, features) float64 values; each example has its own level and spread, which LN removes."""
    rng = np.random.default_rng(seed)
    levels = rng.normal(0.0, 3.0, size=(batch, 1))
    spreads = rng.uniform(0.5, 4.0, size=(batch, 1))
    return levels + spreads * rng.standard_normal((batch, features))


def article000_snippet(features, epsilon: float, rng) -> tuple:
    """Article 000's two snippets, line for line: ``(normalized_features, gamma, beta, output)``.

    The article draws γ and β with ``np.random.randn``; here a seeded ``rng.standard_normal`` draws
    from the same N(0, 1), so that every run gives the same numbers. It does not define ``epsilon``.
    """
    # 归一化处理示例代码 (normalization)
    mean = np.mean(features, axis=-1, keepdims=True)
    variance = np.var(features, axis=-1, keepdims=True)
    normalized_features = (features - mean) / np.sqrt(variance + epsilon)
    # 缩放和平移操作示例代码 (scale and shift)
    gamma = rng.standard_normal(features.shape[-1])  # 初始化缩放参数
    beta = rng.standard_normal(features.shape[-1])  # 初始化平移参数
    output = gamma * normalized_features + beta
    return normalized_features, gamma, beta, output


def article000_agreement(seed: int = 0, epsilon: float = 1e-5) -> dict:
    """Largest differences between the snippet's output and lnlib's and torch's layer norm, same γ and β."""
    features = example_features()
    _, gamma, beta, output = article000_snippet(features, epsilon, np.random.default_rng(seed))
    ours = functional.layer_norm(features, features.shape[-1], gamma, beta, eps=epsilon)
    theirs = torch.nn.functional.layer_norm(
        torch.from_numpy(features),
        (features.shape[-1],),
        torch.from_numpy(gamma),
        torch.from_numpy(beta),
        epsilon,
    ).numpy()
    return {
        "lnlib.functional.layer_norm": float(np.max(np.abs(output - ours))),
        "torch.nn.functional.layer_norm": float(np.max(np.abs(output - theirs))),
    }


def article000_report(seed: int = 0, epsilon: float = 1e-5) -> str:
    """The snippet's output against lnlib's and torch's layer norm with the same γ and β, with what to expect."""
    lines = [
        _(
            "{name} vs the article's snippet: largest difference {gap:.1e} (should be below 1e-12: "
            "the same formula, float64)"
        ).format(name=name, gap=gap)
        for name, gap in article000_agreement(seed, epsilon).items()
    ]
    gamma, beta = torch_initial_affine()
    lines.append(
        _("a fresh torch.nn.LayerNorm(8) starts from gamma = {gamma}, beta = {beta}").format(
            gamma=gamma.tolist(), beta=beta.tolist()
        )
    )
    return "\n".join(lines)


def default_variances(x=ARTICLE_INPUT) -> dict:
    """Each library's default variance of ``x``: NumPy divides by n, torch by n − 1."""
    x = np.asarray(x, dtype=np.float64)
    return {
        "np.var(x)": float(np.var(x)),
        "torch.var(x)": float(torch.var(torch.from_numpy(x))),
        "biased, Σ(x − μ)²/n": float(np.sum((x - x.mean()) ** 2) / x.size),
    }


def torch_initial_affine(features: int = 8) -> tuple:
    """``(gamma, beta)`` of a fresh ``torch.nn.LayerNorm``: ones and zeros."""
    layer = nn.LayerNorm(features)
    return layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()


def affine_outputs(init: str, seed: int, features=None, epsilon: float = 1e-5) -> tuple:
    """``(gamma, beta, output)`` for the article's random start (``init="article"``) or torch's (``"torch"``)."""
    features = example_features() if features is None else features
    normalized, gamma, beta, output = article000_snippet(features, epsilon, np.random.default_rng(seed))
    if init == "torch":
        gamma, beta = torch_initial_affine(features.shape[-1])
        output = gamma * normalized + beta
    elif init != "article":
        raise ValueError(f"init must be 'article' or 'torch', got {init!r}")
    return gamma, beta, output


class RandomAffineApp(ui.App):
    """Article 000's random γ and β against torch's γ = 1, β = 0, on 64 examples of 8 features."""

    SEED = 0  # one seeded draw: another seed draws other numbers and teaches nothing new

    def __init__(self) -> None:
        controls = {
            "init": ui.choice(
                _("start"),
                _("γ and β"),
                [(_("article 000: random N(0, 1)"), "article"), (_("torch: γ = 1, β = 0"), "torch")],
            ),
        }
        self.features = example_features()
        batch, n = self.features.shape
        largest = np.max(np.abs(affine_outputs("article", self.SEED, self.features)[2]))
        figure, (parameter_axes, output_axes) = style.new_figure(13, 4.6, nrows=1, ncols=2)
        positions = np.arange(1, n + 1)
        self.gamma_bars, self.beta_bars = style.paired_bars(
            parameter_axes, n, ("γⱼ", style.NORM_COLORS["layer"]), ("βⱼ", style.NORM_COLORS["batch"])
        )
        parameter_axes.set(
            ylim=(-3.5, 3.5),
            title=_("scale γⱼ and shift βⱼ of each feature"),
            xlabel=_("feature j"),
            ylabel=_("parameter value"),
        )
        parameter_axes.legend(loc="lower right", ncols=2)
        jitter = np.random.default_rng(1).uniform(-0.25, 0.25, size=(batch, n))
        self.strip_x = (positions + jitter).ravel()
        self.points = output_axes.scatter(
            self.strip_x, np.zeros(batch * n), s=14, alpha=0.6, color=style.NORM_COLORS["layer"]
        )
        output_axes.set_ylim(-1.05 * largest, 1.05 * largest)
        output_axes.set_xticks(positions)
        output_axes.set_title(_("outputs y = γ x̂ + β of {batch} examples").format(batch=batch))
        output_axes.set_xlabel(_("feature j"))
        output_axes.set_ylabel(_("output yⱼ"))
        self.figure = ui.FigureView(
            figure, dynamic=list(self.gamma_bars) + list(self.beta_bars) + [self.points]
        )
        self.start(controls, [self.figure], _("Article 000: γ and β drawn at random"))

    @torch_threads()
    def update(self) -> str:
        init, seed = self.value("init"), self.SEED
        gamma, beta, output = affine_outputs(init, seed, self.features)
        for bar, height in zip(self.gamma_bars, gamma):
            bar.set_height(height)
        for bar, height in zip(self.beta_bars, beta):
            bar.set_height(height)
        self.points.set_offsets(np.column_stack([self.strip_x, output.ravel()]))
        self.figure.draw()
        fmt = ui.format_number
        means, stds = output.mean(axis=1), output.std(axis=1)
        summary = _(
            "Each example's eight outputs: means from {mean_low} to {mean_high}, "
            "standard deviations from {std_low} to {std_high}."
        ).format(
            mean_low=fmt(means.min()),
            mean_high=fmt(means.max()),
            std_low=fmt(stds.min()),
            std_high=fmt(stds.max()),
        )
        if init == "torch":
            return _(
                "{summary} Torch starts every LayerNorm at γ = 1, β = 0: "
                "the layer begins by passing the normalized values through unchanged, every example with "
                "mean 0 and standard deviation 1, and training moves γ and β only as far as the loss asks."
            ).format(summary=summary)
        weakest = int(np.argmin(np.abs(gamma)))
        flipped = int(np.sum(gamma < 0))
        return _(
            "{summary} With γ and β drawn from N(0, 1) (seed {seed}), feature j is centred on βⱼ and "
            "spread by |γⱼ|: feature {weakest} has γ = {gamma}, so it is nearly erased; "
            "{flipped} of 8 features have γ < 0 and come out with their sign flipped. The maths is right, "
            "but the layer starts by undoing part of the normalization it just did."
        ).format(summary=summary, seed=seed, weakest=weakest + 1, gamma=fmt(gamma[weakest]), flipped=flipped)


# ---------------------------------------------------------------------------
# Article 001's Linear -> LayerNorm -> Tanh
# ---------------------------------------------------------------------------


def article001_model(seed: int = 0) -> nn.Sequential:
    """Article 001's model, ``Linear(3, 5) -> LayerNorm(5, eps=0.00005) -> Tanh``, with seeded weights.

    The article does not seed its ``nn.Linear``; the seed here makes every run the same and leaves
    torch's global random state as it was.
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(3, 5),  # 线性层
            nn.LayerNorm(5, eps=0.00005),  # 层归一化
            nn.Tanh(),  # 激活函数
        )


def tanh_inputs(model: nn.Sequential, x) -> tuple:
    """What reaches the Tanh: ``(without_ln, with_ln)``, the Linear's output and LayerNorm's."""
    with torch.no_grad():
        pre_activation = model[0](torch.as_tensor(x, dtype=torch.float32))
        return pre_activation.numpy(), model[1](pre_activation).numpy()


def article001_usage_report(seed: int = 0) -> str:
    """Article 001's usage example run once (seeded): what reaches the Tanh, and the model's output."""
    model = article001_model(seed)
    without, with_ln = tanh_inputs(model, MODEL_INPUT)
    with torch.no_grad():
        y = model(torch.tensor(MODEL_INPUT)).numpy()
    return "\n".join(
        [
            f"x = {list(MODEL_INPUT)}",
            _("Linear(3, 5)(x), the Tanh's input without LN:  {values}").format(values=printed(without)),
            _("LayerNorm of it, the Tanh's input with LN:     {values}   (|each| <= sqrt(5 - 1) = 2)").format(
                values=printed(with_ln)
            ),
            f"y = model(x) = tanh(LayerNorm(Linear(x))):     {printed(y)}",
        ]
    )


def tanh_slope(a) -> np.ndarray:
    r"""The Tanh's derivative :math:`1 - \tanh^2 a`: the factor every gradient is multiplied by on its way back."""
    return 1 - np.tanh(np.asarray(a, dtype=np.float64)) ** 2


class TanhRangeApp(ui.App):
    """Scale the input of Linear -> LayerNorm -> Tanh and see what reaches the Tanh with LN and without."""

    EDGE = 6.0  # the plot's horizontal range; inputs beyond it are drawn at its edge

    def __init__(self) -> None:
        controls = {
            "scale": ui.slider("s", _("input scale, x = s·[0, 1, 2]"), 1.0, 0.01, 1000.0, log=True),
        }
        figure, (tanh_axes, slope_axes) = style.new_figure(13, 4.6, nrows=1, ncols=2)
        grid = np.linspace(-self.EDGE, self.EDGE, 200)
        tanh_axes.plot(grid, np.tanh(grid), color="black", linewidth=1.5, label="tanh")
        self.without_points = tanh_axes.scatter(
            np.zeros(5), np.zeros(5), s=110, color=style.NORM_COLORS["none"], label=_("without LN"), zorder=3
        )
        self.with_points = tanh_axes.scatter(
            np.zeros(5), np.zeros(5), s=60, color=style.NORM_COLORS["layer"], label=_("with LN"), zorder=4
        )
        bound = normalized_bound(5)
        tanh_axes.axvspan(-bound, bound, color=style.NORM_COLORS["layer"], alpha=0.1)
        tanh_axes.set_xlim(-self.EDGE - 0.3, self.EDGE + 0.3)
        tanh_axes.set_title(_("what reaches the Tanh (shaded: ±√(n−1) = ±2)"))
        tanh_axes.set_xlabel(_("Tanh input a"))
        tanh_axes.set_ylabel("tanh(a)")
        tanh_axes.legend(loc="upper left")
        self.without_bars, self.with_bars = style.paired_bars(
            slope_axes,
            5,
            (_("without LN"), style.NORM_COLORS["none"]),
            (_("with LN"), style.NORM_COLORS["layer"]),
        )
        slope_axes.set(
            ylim=(0, 1.35),
            title=_("Tanh's slope 1 − tanh²(a): gradient let through"),
            xlabel=_("neuron i"),
            ylabel="1 − tanh²(a)",
        )
        slope_axes.legend(loc="upper left", ncols=2)
        dynamic = [self.without_points, self.with_points] + list(self.without_bars) + list(self.with_bars)
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.start(controls, [self.figure], _("Article 001: Linear → LayerNorm → Tanh"))

    @torch_threads()
    def update(self) -> str:
        scale, seed = self.value("scale"), 0  # one seeded Linear layer (a seed slider would teach nothing)
        model = article001_model(seed)
        without, with_ln = tanh_inputs(model, scale * np.asarray(MODEL_INPUT))
        for points, a in ((self.without_points, without), (self.with_points, with_ln)):
            shown = np.clip(a, -self.EDGE, self.EDGE)
            points.set_offsets(np.column_stack([shown, np.tanh(shown)]))
        for bars, a in ((self.without_bars, without), (self.with_bars, with_ln)):
            for bar, slope in zip(bars, tanh_slope(a)):
                bar.set_height(slope)
        self.figure.draw()
        fmt = ui.format_number
        lines = [
            _(
                "Without LN the Tanh's inputs run from {without_low} to {without_high}; "
                "the smallest slope is {without_slope}. With LN they run from "
                "{with_low} to {with_high}; the smallest slope is {with_slope}."
            ).format(
                without_low=fmt(without.min()),
                without_high=fmt(without.max()),
                without_slope=fmt(tanh_slope(without).min()),
                with_low=fmt(with_ln.min()),
                with_high=fmt(with_ln.max()),
                with_slope=fmt(tanh_slope(with_ln).min()),
            )
        ]
        if np.abs(without).max() > 3:
            lines.append(
                _(
                    "Inputs beyond ±3 sit where tanh is flat: the neuron's output is stuck near ±1 and "
                    "almost no gradient flows back through it (saturation). LN keeps every input within "
                    "±√(n − 1) = ±2 for these 5 neurons, whatever the scale of x, as long as γ = 1 and β = 0 "
                    "(torch's start; training may move them)."
                )
            )
        else:
            lines.append(
                _(
                    "At this scale the Tanh works in its steep middle with or without LN. LN does not make "
                    "its output small: it gives it mean 0 and spread 1, so small inputs are stretched (a "
                    "smallest slope lower with LN than without is no error). Drag s up: without LN the "
                    "inputs grow with s; with LN they stay within ±2."
                )
            )
        if scale >= 100:
            lines.append(
                _(
                    "For large s the bias of the Linear no longer matters and LN's output stops changing: "
                    "LN ignores the overall scale of its input."
                )
            )
        return "<br>".join(lines)
