r"""Where a norm's set of values runs short, and LN on images two ways (notebook 03).

- :func:`batch_of_one`: ``BatchNorm1d`` on (1, C) has one value per channel and refuses to train;
  ``BatchNorm2d`` on (1, C, H, W) averages over the H·W pixels of its one example and trains.
- :func:`two_values`: with two values in a set the normalized pair is always (−1, 1) (up to ε): LN over
  D = 2 features, whatever the input, is the mirror image of BN over a batch of B = 2.
- :func:`image_layer_norms`: LN on an image over (C, H, W), one mean per example (``nn.LayerNorm([C, H, W])``,
  ``nn.GroupNorm(1, C)``), against LN over C alone at each pixel, as ConvNeXt does
  (``nn.LayerNorm(C)`` on channels-last pixels); each computed by ``lnlib.functional.standardize``
  and checked against torch.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from lnlib import ui
from lnlib.functional import standardize
from lnlib.support.determinism import torch_threads
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_

EPS = 1e-5


def _seeded(shape: tuple, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return 3 + 2 * torch.randn(shape, generator=generator)


@torch_threads()
def batch_of_one(channels: int = 3, height: int = 4, width: int = 4, seed: int = 0) -> dict:
    """A batch of one example in training: name → what torch does (an error message, or the output's
    mean and variance per channel and the gradient's size after one backward pass)."""
    results = {}
    for name, layer, shape in (
        (N_("BatchNorm1d on (1, C)"), nn.BatchNorm1d(channels), (1, channels)),
        (N_("BatchNorm2d on (1, C, H, W)"), nn.BatchNorm2d(channels), (1, channels, height, width)),
    ):
        x = _seeded(shape, seed).requires_grad_(True)
        try:
            y = layer(x)
        except ValueError as error:
            results[name] = {"trains": False, "message": str(error)}
            continue
        y.square().mean().backward()
        axes = (0, 2, 3)
        results[name] = {
            "trains": True,
            "values per channel": int(np.prod([shape[a] for a in axes])),
            "output means": y.detach().mean(axes).numpy(),
            "output variances": y.detach().var(axes, unbiased=False).numpy(),
            "weight gradient": layer.weight.grad.numpy().copy(),
            "lnlib agrees": bool(
                np.allclose(
                    standardize(x.detach().numpy().astype(np.float64), axes, EPS),
                    y.detach().numpy(),
                    atol=1e-5,
                )
            ),
        }
    return results


def batch_of_one_report(**shape) -> str:
    """:func:`batch_of_one` as lines to print."""
    results = batch_of_one(**shape)
    lines = []
    for label, result in zip(ui.aligned(_(name) for name in results), results.values()):
        if not result["trains"]:
            lines.append(
                _("{name} refuses to train: {message}").format(name=label, message=result["message"])
            )
        else:
            lines.append(
                _(
                    "{name} trains: {values} values per channel; output mean per channel "
                    "{means}, variance {variances}; lnlib agrees: {agrees}"
                ).format(
                    name=label,
                    values=result["values per channel"],
                    means=np.array2string(np.round(result["output means"], 3) + 0.0, precision=3),
                    variances=np.array2string(result["output variances"], precision=3),
                    agrees=result["lnlib agrees"],
                )
            )
    return "\n".join(lines)


@torch_threads()
def two_values(trials: int = 1000, seed: int = 0) -> dict:
    r"""LN over D = 2 features and BN over a batch of B = 2, on ``trials`` random pairs each.

    With two values a and b, μ = (a + b)/2 and σ² = (a − b)²/4, so each normalized value is
    :math:`\pm|a - b| / \sqrt{(a - b)^2 + 4\epsilon}`: ±1 up to ε, whatever a and b are. The set is too
    small to carry anything but which of the two is larger. name → ``signs`` (the distinct signs),
    ``formula gap`` (largest difference from that formula), ``within 0.001 of ±1`` (the share of
    outputs), ``lnlib vs torch``.
    """
    generator = torch.Generator().manual_seed(seed)
    x = 10 * torch.randn(trials, 2, 2, generator=generator, dtype=torch.float64)
    ln = nn.functional.layer_norm(x, (2,), eps=EPS).numpy()  # each example's 2 features
    bn = torch.stack([nn.functional.batch_norm(b, None, None, training=True, eps=EPS) for b in x]).numpy()
    results = {}
    for name, torch_out, axis in ((N_("LN, D = 2 features"), ln, 2), (N_("BN, B = 2 examples"), bn, 1)):
        gap = np.abs(np.diff(x.numpy(), axis=axis))
        predicted = gap / np.sqrt(gap**2 + 4 * EPS)
        results[name] = {
            "signs": sorted(set(np.sign(torch_out).ravel().tolist())),
            "formula gap": float(np.max(np.abs(np.abs(torch_out) - predicted))),
            "within 0.001 of ±1": float(np.mean(np.abs(np.abs(torch_out) - 1) < 1e-3)),
            "lnlib vs torch": float(np.max(np.abs(standardize(x.numpy(), axis, EPS) - torch_out))),
        }
    return results


def two_values_report(trials: int = 1000) -> str:
    """:func:`two_values` as lines to print."""
    return "\n".join(
        _(
            "{name}: {trials} random pairs; {percent:.1f}% of the outputs are ±1 to 3 decimals, "
            "all are ±|a − b|/√((a − b)² + 4ε) (to {gap:.0e}); lnlib vs torch {agreement:.0e}"
        ).format(
            name=_(name),
            trials=trials,
            percent=100 * r["within 0.001 of ±1"],
            gap=r["formula gap"],
            agreement=r["lnlib vs torch"],
        )
        for name, r in two_values(trials).items()
    )


@torch_threads()
def image_layer_norms(shape: tuple = (2, 4, 3, 3), seed: int = 0) -> dict:
    """LN of an image batch over (C, H, W) and over C at each pixel: name → means shape, torch call, lnlib vs torch."""
    x = _seeded(shape, seed).double()
    n, c, h, w = shape
    whole = standardize(x.numpy(), (1, 2, 3), EPS)
    per_pixel = standardize(x.numpy(), 1, EPS)
    torch_whole = nn.functional.layer_norm(x, (c, h, w), eps=EPS).numpy()
    torch_group = nn.functional.group_norm(x, 1, eps=EPS).numpy()
    torch_pixel = nn.functional.layer_norm(x.permute(0, 2, 3, 1), (c,), eps=EPS).permute(0, 3, 1, 2).numpy()
    return {
        N_("over (C, H, W)"): {
            "statistics": n,
            "values each": c * h * w,
            "torch": [f"nn.LayerNorm([{c}, {h}, {w}])", f"nn.GroupNorm(1, {c})"],
            "lnlib vs torch": float(
                max(np.abs(whole - torch_whole).max(), np.abs(whole - torch_group).max())
            ),
        },
        N_("over C, at each pixel"): {
            "statistics": n * h * w,
            "values each": c,
            "torch": [f"nn.LayerNorm({c})(x.permute(0, 2, 3, 1))"],
            "lnlib vs torch": float(np.abs(per_pixel - torch_pixel).max()),
        },
        "largest difference between the two": float(np.abs(whole - per_pixel).max()),
    }


def image_layer_norms_report(shape: tuple = (2, 4, 3, 3)) -> str:
    """:func:`image_layer_norms` as lines to print."""
    result = image_layer_norms(shape)
    ways = {name: r for name, r in result.items() if isinstance(r, dict)}
    lines = [
        _(
            "LN {name}: {count:3d} means and variances of {values:2d} values each; "
            "torch: {torch}; lnlib vs torch {agreement:.0e}"
        ).format(
            name=label,
            count=r["statistics"],
            values=r["values each"],
            torch=_(" or ").join(r["torch"]),
            agreement=r["lnlib vs torch"],
        )
        for label, r in zip(ui.aligned(_(name) for name in ways), ways.values())
    ]
    lines.append(
        _("The two outputs differ by up to {difference:.2f}.").format(
            difference=result["largest difference between the two"]
        )
    )
    return "\n".join(lines)
