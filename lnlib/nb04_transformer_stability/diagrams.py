"""The block diagram of notebook 04: a Post-LN and a Pre-LN Transformer block side by side, drawn by code.

:func:`block_layout` says, as data, what a block does in order and where each step sits: on the
**residual stream** (the main path that runs straight through the stack) or on a **branch** (the
sub-layer's side path that is added back to the stream). :func:`block_diagram` draws that layout,
so the picture and the model's code (:class:`lnlib.transformer.model.Block`) can be checked against
one list, and the test checks the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.patches import Circle, FancyBboxPatch

from lnlib.support import norms
from lnlib.support.language import gettext as _
from lnlib.ui import style

NORM_COLOR = norms.colour("layer")
SUBLAYER_COLOR = "#DDDDDD"
STREAM_COLOR = "#444444"


@dataclass(frozen=True)
class Step:
    """One box of the diagram: its label, and whether it sits on the residual stream or on a branch."""

    label: str
    kind: str  # "norm", "sublayer" or "add"
    on_branch: bool


def block_layout(placement: str) -> list:
    """The steps of one block, bottom to top, for ``placement`` 'post' or 'pre' (plus Pre-LN's final norm)."""
    if placement == "post":
        steps = []
        for sublayer in ("Attention", "FFN"):
            steps += [Step(sublayer, "sublayer", True), Step("+", "add", False), Step("Norm", "norm", False)]
        return steps
    if placement == "pre":
        steps = []
        for sublayer in ("Attention", "FFN"):
            steps += [Step("Norm", "norm", True), Step(sublayer, "sublayer", True), Step("+", "add", False)]
        return steps + [Step("final Norm (after the last block)", "norm", False)]
    raise ValueError(f"placement must be 'post' or 'pre', got {placement!r}")


def _box(axis, x, y, text, color, width=2.2, height=0.62, dashed=False):
    axis.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - height / 2),
            width,
            height,
            boxstyle="round,pad=0.05",
            facecolor=color,
            edgecolor="black",
            linewidth=1.5,
            linestyle="--" if dashed else "-",
            zorder=3,
        )
    )
    axis.text(
        x, y, text, ha="center", va="center", zorder=4, color="white" if color == NORM_COLOR else "black"
    )


def _arrow(axis, start, end, color=STREAM_COLOR, width=2.0):
    axis.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": width, "shrinkA": 0, "shrinkB": 0},
        zorder=2,
    )


def _draw_column(axis, placement: str, x: float) -> None:
    """One block: the stream up the middle at ``x`` (thick), branches to the right, norms blue."""
    branch_x, gap, half = x + 2.6, 1.2, 0.31
    axis.text(x, -0.05, _("x (residual stream)"), ha="center", va="top", fontsize=13)
    stream_y, y = 0.0, 1.0  # the stream's top so far; the next step's height
    branch_top = None  # the top of the branch's last box, while a branch is open
    for step in block_layout(placement):
        if step.kind == "add":
            axis.add_patch(
                Circle((x, y), 0.25, facecolor="white", edgecolor="black", linewidth=1.5, zorder=3)
            )
            axis.text(x, y, "+", ha="center", va="center", zorder=4, fontsize=17)
            _arrow(axis, (x, stream_y), (x, y - 0.25), width=3.5)
            axis.plot([branch_x, branch_x], [branch_top, y], color=STREAM_COLOR, linewidth=2, zorder=2)
            _arrow(axis, (branch_x, y), (x + 0.25, y))
            stream_y, branch_top = y + 0.25, None
        elif step.on_branch:
            if branch_top is None:  # the branch leaves the stream here
                leave = stream_y + 0.25
                axis.plot([x, branch_x], [leave, leave], color=STREAM_COLOR, linewidth=2, zorder=2)
                branch_top = leave
            _arrow(axis, (branch_x, branch_top), (branch_x, y - half))
            color = NORM_COLOR if step.kind == "norm" else SUBLAYER_COLOR
            _box(axis, branch_x, y, step.label, color, width=2.0, height=2 * half)
            branch_top = y + half
        else:  # a norm on the stream itself
            _arrow(axis, (x, stream_y), (x, y - half), width=3.5)
            final = step.label.startswith("final")
            _box(
                axis,
                x,
                y,
                "Norm" if final else step.label,
                NORM_COLOR,
                width=1.6,
                height=2 * half,
                dashed=final,
            )
            if final:
                axis.text(x - 1.0, y, _("only after\nthe last block"), ha="right", va="center", fontsize=12)
            stream_y = y + half
        y += gap
    _arrow(axis, (x, stream_y), (x, y - 0.5), width=3.5)
    top = _("to the next block, or the output") if placement == "pre" else _("to the next block")
    axis.text(x, y - 0.45, top, ha="center", va="bottom", fontsize=13)
    return y


def block_diagram():
    """Post-LN and Pre-LN blocks side by side: the residual stream (thick) and where the norm (blue) sits."""
    figure, axes = style.new_figure(12, 7.2, ncols=2)
    for axis, placement, title in (
        (axes[0], "post", _("Post-LN: x ← Norm(x + F(x))\nthe stream itself is normalized")),
        (axes[1], "pre", _("Pre-LN: x ← x + F(Norm(x))\nonly the branch's input is normalized")),
    ):
        axis.set_title(title)
        axis.set_xlim(-2.4, 3.8)
        axis.set_ylim(-0.7, _draw_column(axis, placement, 0.0) + 0.1)
        axis.set_aspect("equal")
        axis.axis("off")
    return figure
