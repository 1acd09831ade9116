"""BN beside LN on one screen: the end of notebook 03 and the course's last slide (:func:`summary_html`).

The facts that can be computed are kept as data here (the axes, the buffers, torch's default momentum)
and the tests compute them again from :mod:`lnlib.functional` and :mod:`lnlib.nn`; the table's text is
written from the same data. Importing this module does nothing but define it.
"""

from __future__ import annotations

import html

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_

# The axes each norm averages over, by layout (the axes of the input as written, N first).
LAYOUT_AXES = {"(N, C)": "NC", "(N, L, D)": "NLD", "(N, C, H, W)": "NCHW"}
AXES = {
    "batch": {"(N, C)": (0,), "(N, L, D)": (0, 1), "(N, C, H, W)": (0, 2, 3)},
    "layer": {"(N, C)": (1,), "(N, L, D)": (2,), "(N, C, H, W)": (1, 2, 3)},
}
# What each module keeps besides its γ and β (torch's buffer names), and BN's default momentum.
BUFFERS = {"batch": ("running_mean", "running_var", "num_batches_tracked"), "layer": ()}
DEFAULT_MOMENTUM = 0.1

TITLE = N_("BN and LN on one screen")


def axes_text(norm: str) -> str:
    """Which axes ``norm`` averages over, layout by layout, e.g. ``(N, C, H, W): over N, H, W``."""
    parts = []
    for layout, axes in AXES[norm].items():
        letters = ", ".join(LAYOUT_AXES[layout][axis] for axis in axes)
        parts.append(_("{layout}: over {letters}").format(layout=layout, letters=letters))
    return _("; ").join(parts)  # the separator of the layouts: a full-width ； in Chinese


def rows() -> list:
    """``(aspect, batch norm, layer norm)`` rows of the summary, the two norms' cells as HTML."""
    buffers = ", ".join(f"<code>{name}</code>" for name in BUFFERS["batch"])
    return [
        (
            _("averages over"),
            _("{axes}: one μ, σ² per channel, shared by the batch").format(axes=axes_text("batch")),
            _("{axes}: one μ, σ² per example (per token)").format(axes=axes_text("layer")),
        ),
        (
            _("train vs eval"),
            _(
                "training: the batch's μ and biased σ²; eval: the running estimates. Forget "
                "<code>model.eval()</code> and outputs depend on the test batch"
            ),
            _("the same computation in both modes"),
        ),
        (
            _("running statistics"),
            _("{buffers}; r ← (1 − m)·r + m·(batch value), m = {momentum:g}, the variance unbiased").format(
                buffers=buffers, momentum=DEFAULT_MOMENTUM
            ),
            _("none: only γ and β"),
        ),
        (
            _("at inference"),
            _("a fixed scale and shift per channel: folds into the Linear or Conv before it, at no cost"),
            _(
                "μ and σ² of every example, computed at run time: it cannot fold (RMSNorm drops μ to save some of "
                "the cost)"
            ),
        ),
        (
            _("batch size"),
            _(
                "μ, σ² are estimates (the mean's spread shrinks like σ/√B); in training an output moves with its "
                "batch-mates and with padding; <code>BatchNorm1d</code> refuses a batch of one on (N, C); "
                "across devices it must synchronise to see the whole batch"
            ),
            _("none: a batch of one, padding or any length give the same output per example"),
        ),
        (
            _("typical use"),
            _("convolutional networks for images, trained with large batches (ResNet)"),
            _("Transformers (Pre-LN in GPT-2; RMSNorm in LLaMA) and recurrent networks"),
        ),
    ]


def summary_html() -> str:
    """The summary as one HTML table in large type: rows 1–5 are computed in notebook 03, row 6 is from the
    literature."""
    head = "".join(
        f"<th style='text-align:left;padding:6px 10px;border-bottom:2px solid #444'>{h}</th>"
        for h in ("", _("BatchNorm (BN)"), _("LayerNorm (LN)"))
    )
    body = "".join(
        "<tr>"
        + f"<th style='text-align:left;padding:6px 10px;vertical-align:top'>{html.escape(aspect)}</th>"
        + "".join(
            f"<td style='text-align:left;padding:6px 10px;vertical-align:top'>{text}</td>" for text in texts
        )
        + "</tr>"
        for aspect, *texts in rows()
    )
    source = _(
        "<p style='font-size:14px;margin:4px 0'>Rows 1–5 are computed in notebook 03 (§1–§3; synchronising"
        " across devices in notebook 06, §3); the last row is the literature's practice (He et al. 2016;"
        " Vaswani et al. 2017; Radford et al. 2019; Touvron et al. 2023).</p>"
    )
    title = _(TITLE)
    return (
        f"<div class='lnlib-summary'><h3 style='margin:4px 0'>{title}</h3>"
        f"<table style='font-size:16px;border-collapse:collapse;max-width:1200px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{source}</div>"
    )
