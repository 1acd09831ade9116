r"""Article 003's ``MyModel``, run as printed and then fixed.

The article shows a model that uses batch norm after a convolution and layer norm after a linear
layer (its indentation was lost in the copy; it is restored here, nothing else is changed):

.. code-block:: python

    out_conv = F.relu(self.bn(self.conv(x)))      # Conv2d(3, 64, 3) -> BatchNorm2d(64)
    flattened = out_conv.view(out_conv.size(0), -1)
    out_fc = F.relu(self.ln(self.fc(flattened)))  # Linear(1024, 512) -> LayerNorm(512)

Two things stop it. ``F`` is never imported (``import torch.nn.functional as F`` is missing), so
the first call stops with a name error. And ``Linear(1024, 512)`` fixes the flattened size: a 3×3
convolution without padding turns an H×W input into (H − 2)×(W − 2), so the flattened vector has
:math:`64 (H-2)(W-2)` values, and the layer takes them only when :math:`(H-2)(W-2) = 16`:
for 3×18, 4×10, 6×6, 10×4 and 18×3 inputs (:func:`fitting_sizes` reads them off the model), of which
6×6 is the only square one.

:class:`FixedModel` imports ``F`` and pools the feature map to 4×4 before flattening
(``nn.AdaptiveAvgPool2d``), so any input of at least 3×3 gives the 1024 values ``Linear(1024, 512)``
expects. :class:`MyModelApp` tries both on the input size you choose.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from lnlib import ui
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.text import Markdown, markdown_table

AS_PRINTED = """import torch.nn as nn

class MyModel(nn.Module):
    def __init__(self):
        super(MyModel, self).__init__()
        # 使用BatchNorm的例子
        self.conv = nn.Conv2d(3, 64, kernel_size=3)
        self.bn = nn.BatchNorm2d(64)
        # 使用LayerNorm的例子
        self.fc = nn.Linear(1024, 512)
        self.ln = nn.LayerNorm(512)

    def forward(self, x):
        out_conv = F.relu(self.bn(self.conv(x)))
        flattened = out_conv.view(out_conv.size(0), -1)
        out_fc = F.relu(self.ln(self.fc(flattened)))
        return out_fc
"""
MISSING_IMPORT = "import torch.nn.functional as F\n"


def flattened_features(height: int, width: int | None = None) -> int:
    """Values per example after the article's 3×3 convolution (no padding) with 64 channels, flattened."""
    width = height if width is None else width
    return 64 * max(height - 2, 0) * max(width - 2, 0)


def fitting_sizes(max_side: int = 64) -> list:
    """Every (H, W) up to ``max_side`` whose flattened size the article's ``Linear`` accepts, read from the model.

    The convolution's channels and kernel and the linear layer's input size are taken from the article's
    own ``MyModel``, so the list follows its source: (H − k + 1)(W − k + 1)·channels = in_features.
    """
    model = article_model(True)
    kernel_h, kernel_w = model.conv.kernel_size
    channels, needed = model.conv.out_channels, model.fc.in_features
    return [
        (h, w)
        for h in range(kernel_h, max_side + 1)
        for w in range(kernel_w, max_side + 1)
        if channels * (h - kernel_h + 1) * (w - kernel_w + 1) == needed
    ]


def fitting_sizes_text(max_side: int = 64) -> str:
    """'3×18, 4×10, 6×6, 10×4 and 18×3': the input sizes the article's model runs on, in words."""
    sizes = [f"{h}×{w}" for h, w in fitting_sizes(max_side)]
    if len(sizes) < 2:
        return "".join(sizes)
    return _("{sizes} and {last}").format(sizes=_(", ").join(sizes[:-1]), last=sizes[-1])


def square_fitting_sizes(max_side: int = 64) -> list:
    """The square inputs among :func:`fitting_sizes`: the only ones the app's single size slider can reach."""
    return [h for h, w in fitting_sizes(max_side) if h == w]


def article_model(with_import: bool, seed: int = 0) -> nn.Module:
    """The article's MyModel built from its own source, with or without the missing ``import ... as F``."""
    namespace: dict = {}
    exec(compile((MISSING_IMPORT if with_import else "") + AS_PRINTED, "article003", "exec"), namespace)
    torch.manual_seed(seed)
    return namespace["MyModel"]()


class FixedModel(nn.Module):
    """MyModel that runs: ``F`` imported, and the feature map pooled to 4×4 so any input of 3×3 or more fits."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 64, kernel_size=3)
        self.bn = nn.BatchNorm2d(64)
        self.pool = nn.AdaptiveAvgPool2d(4)  # (H − 2)×(W − 2) → 4×4 whatever H and W
        self.fc = nn.Linear(64 * 4 * 4, 512)  # = 1024, the article's size
        self.ln = nn.LayerNorm(512)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import torch.nn.functional as F

        out_conv = F.relu(self.bn(self.conv(x)))
        flattened = self.pool(out_conv).flatten(1)
        return F.relu(self.ln(self.fc(flattened)))


def try_model(model: nn.Module, batch: int, size: int, seed: int = 0, width: int | None = None) -> str:
    """What calling ``model`` on a (batch, 3, size, width) input (width = size unless given) gives: the output
    shape, or the error, in one line."""
    width = size if width is None else width
    x = torch.randn(batch, 3, size, width, generator=torch.Generator().manual_seed(seed))
    try:
        with torch.no_grad(), torch_threads():
            output = model(x)
    except Exception as error:  # the point is to show what the article's code raises
        return _("fails with a {kind}: {message}").format(
            kind=_in_words(type(error).__name__), message=str(error).splitlines()[0]
        )
    return _("runs: output {shape}").format(shape=tuple(output.shape))


ERRORS_IN_WORDS = {"NameError": N_("name error"), "RuntimeError": N_("runtime error")}
"""The failures the article's model meets, in words in the reader's language."""


def _in_words(exception_name: str) -> str:
    """``NameError`` → "name error": the kind of failure, said in words (the page shows no raw exception names)."""
    if exception_name in ERRORS_IN_WORDS:
        return _(ERRORS_IN_WORDS[exception_name])
    return re.sub(r"(?<!^)([A-Z])", r" \1", exception_name).lower()


VERSIONS = {"as printed": N_("as printed"), "with F imported": N_("with F imported"), "fixed": N_("fixed")}
"""The versions of the model that :func:`outcomes` tries, as shown."""


def _flattened(count: int, result: str) -> str:
    return _("flattened {count} values; {result}").format(count=count, result=result)


def outcomes(batch: int = 2, sizes=(6, 8, 32)) -> Markdown:
    """The article's model as printed, with the import added, and fixed, on inputs of several sizes."""
    rows = []
    for size in sizes:
        rows.append(
            (
                _(VERSIONS["as printed"]),
                f"{batch}×3×{size}×{size}",
                try_model(article_model(False), batch, size),
            )
        )
    for size in sizes:
        rows.append(
            (
                _(VERSIONS["with F imported"]),
                f"{batch}×3×{size}×{size}",
                _flattened(flattened_features(size), try_model(article_model(True), batch, size)),
            )
        )
    h, w = next((h, w) for h, w in fitting_sizes() if h != w and h >= 4)
    rows.append(
        (
            _(VERSIONS["with F imported"]),
            f"{batch}×3×{h}×{w}",
            _flattened(flattened_features(h, w), try_model(article_model(True), batch, h, width=w)),
        )
    )
    for size in sizes:
        rows.append((_(VERSIONS["fixed"]), f"{batch}×3×{size}×{size}", try_model(FixedModel(), batch, size)))
    return Markdown(markdown_table([_("version"), _("input"), _("what happens")], rows))


class MyModelApp(ui.App):
    """Feed article 003's model (with the import added) and the fixed one inputs of any size and batch."""

    def __init__(self, size: int = 6, batch: int = 2) -> None:
        controls = {
            "size": ui.slider("H = W", _("input size"), size, 1, 48, integer=True),
            "batch": ui.slider("N", _("batch size"), batch, 1, 4, integer=True),
        }
        self.article, self.fixed = article_model(True), FixedModel()
        self.table = ui.html_table_view()
        self.start(controls, [self.table], _("Article 003's MyModel on an input of your size"))

    def update(self) -> str:
        size, batch = self.value("size"), self.value("batch")
        if size < 3:
            raise ui.Explained(
                _(
                    "A {size}×{size} input is smaller than the 3×3 convolution kernel (no padding): "
                    "there is no position to put the kernel, so neither model can run. Use 3 or more."
                ).format(size=size)
            )
        features = flattened_features(size)
        rows = [
            [_("article's MyModel, F imported"), f"{features:,}", try_model(self.article, batch, size)],
            [_("fixed (pooled to 4×4)"), "1,024", try_model(self.fixed, batch, size)],
        ]
        self.table.value = ui.html_table(
            [_("model"), _("values into Linear(1024, 512)"), _("result")],
            rows,
            caption=_("input {batch}×3×{size}×{size}").format(batch=batch, size=size),
        )
        if batch == 1 and size == 3:
            return _(
                "One example of 3×3 leaves one value per channel after the convolution: BatchNorm2d in training "
                "mode has nothing to average over and refuses, in both models. That is batch norm's limit, "
                "not the flattening's."
            )
        fits = fitting_sizes_text()
        if features == 1024:
            return _(
                "{size}×{size} is the one square size the article's Linear(1024, 512) fits: 64 · {side} · "
                "{side} = 1024. Every input that fits, square or not: {fits}."
            ).format(size=size, side=size - 2, fits=fits)
        return _(
            "The article's model flattens 64 · {side} · {side} = {features:,} values, but its "
            "Linear layer takes 1024: of the square inputs only {squares} fits (all that fit: {fits}). "
            "The fixed model pools to 4×4 first."
        ).format(
            side=size - 2,
            features=features,
            squares=_(" and ").join(f"{h}×{h}" for h in square_fitting_sizes()),
            fits=fits,
        )
