r"""Which elements share one mean and variance under BN, LN, RMSNorm, InstanceNorm and GroupNorm (notebook 03).

Every one of these norms is :func:`lnlib.functional.standardize` (RMSNorm: :func:`~lnlib.functional.rms_norm`)
over some axes; only the axes differ. For an input of shape (N, C, H, W):

==============  ===========================================  ====================================
norm            axes averaged over                            one mean and variance for each
==============  ===========================================  ====================================
BatchNorm       (0, 2, 3): the batch and the positions        channel c
LayerNorm       (1, 2, 3): the channels and the positions     example n
RMSNorm         (1, 2, 3), a mean square and no mean          example n
InstanceNorm    (2, 3): the positions                         pair (n, c)
GroupNorm       a group of C/G channels and the positions     pair (n, group), after a reshape
==============  ===========================================  ====================================

The sharing is *computed*, not drawn by hand: :func:`group_labels` reads it off the shape of the
moments that ``standardize`` returns, and :func:`moved_by` checks it by changing one input value
and seeing which outputs move. The pictures follow Wu and He (2018), *Group Normalization*, Fig. 2:
the tensor as an N × C × (H·W) cube.

Its size is earned by one concern, which elements share one mean and variance: the groupings, their
two pictures and the two apps that show them (every label in both of the course's languages).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

from lnlib import ui
from lnlib.functional import group_norm, instance_norm, rms_norm, standardize
from lnlib.support import norms
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui import style

# N = 4 examples and C = D = 6 channels or features in every layout; what differs is the positions S.
# The labels are shown translated (``_(spec["label"])``); the positions' name too, where it is a word.
LAYOUTS = {
    "features": {
        "label": N_("(N, C) features"),
        "shape": (4, 6),
        "channel": "C",
        "positions": N_("no positions"),
    },
    "tokens": {"label": N_("(N, L, D) tokens"), "shape": (4, 5, 6), "channel": "D", "positions": "L"},
    "images": {"label": N_("(N, C, H, W) images"), "shape": (4, 6, 2, 3), "channel": "C", "positions": "H·W"},
}
NORM_TITLES = {key: norms.get(key).names["en"] for key in ("batch", "layer", "rms", "instance", "group")}
"""The five norms this app compares, each titled by its module's name (from its one description)."""
GROUP_CHOICES = (1, 2, 3, 6)  # the divisors of C = 6
DEFAULT_GROUPS = 2
GROUP_PALETTE = np.array(
    [  # light, distinct colours for the groups of the unfolded grid
        "#a6cee3",
        "#fdbf6f",
        "#b2df8a",
        "#fb9a99",
        "#cab2d6",
        "#ffff99",
        "#1f78b4",
        "#ff7f00",
        "#33a02c",
        "#e31a1c",
        "#6a3d9a",
        "#b15928",
    ]
)


@dataclass(frozen=True)
class Grouping:
    """How a norm groups the elements of a layout: reshape to ``view_shape``, average over ``axis``."""

    layout: str
    norm: str
    shape: tuple  # the input's shape
    view_shape: tuple  # the shape standardize sees (a reshape for GroupNorm and for InstanceNorm of features)
    axis: tuple  # the axes of view_shape that are averaged over
    torch_call: str  # the torch module that groups the same way

    @property
    def groups(self) -> int:
        """GroupNorm's G (the view's axis 1 for features and images, axis 2 for tokens)."""
        return self.view_shape[2 if self.layout == "tokens" else 1]

    @property
    def call(self) -> str:
        """The lnlib.functional call that computes this norm, as the learner would type it."""
        if self.norm == "rms":
            trailing = self.view_shape[self.axis[0] :]
            # ε as the other norms' (rms_norm's own default is the dtype's machine epsilon)
            return f"rms_norm(x, normalized_shape={trailing if len(trailing) > 1 else trailing[0]}, eps=1e-5)"
        if self.norm in ("instance", "group"):
            # the channel norms take the channels in axis 1: tokens (N, L, D) are transposed to (N, D, L)
            argument = {"features": "x", "tokens": "x.transpose(0, 2, 1)", "images": "x"}[self.layout]
            if self.layout == "features" and self.norm == "instance":
                argument = "x[:, :, None]"
            call = (
                f"instance_norm({argument})"
                if self.norm == "instance"
                else f"group_norm({argument}, {self.groups})"
            )
            return call + (".transpose(0, 2, 1)" if self.layout == "tokens" else "")
        reshape = "" if self.view_shape == self.shape else f".reshape{self.view_shape}"
        axis = self.axis[0] if len(self.axis) == 1 else self.axis
        return f"standardize(x{reshape}, axis={axis})"


def grouping(layout: str, norm: str, groups: int = DEFAULT_GROUPS) -> Grouping:
    """The axes ``norm`` averages over for ``layout`` ("features", "tokens" or "images")."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {list(LAYOUTS)}, got {layout!r}")
    if norm not in NORM_TITLES:
        raise ValueError(f"norm must be one of {list(NORM_TITLES)}, got {norm!r}")
    shape = LAYOUTS[layout]["shape"]
    channels = shape[-1] if layout == "tokens" else shape[1]
    if norm == "group" and (groups < 1 or channels % groups):
        raise ValueError(f"groups must divide the {channels} channels, got {groups}")
    per_group = channels // groups
    if layout == "features":
        n, c = shape
        table = {
            "batch": (shape, (0,), f"nn.BatchNorm1d({c})"),
            "layer": (shape, (1,), f"nn.LayerNorm({c})"),
            "rms": (shape, (1,), f"nn.RMSNorm({c})"),
            "instance": ((n, c, 1), (2,), f"nn.InstanceNorm1d({c})(x.unsqueeze(-1))"),
            "group": ((n, groups, per_group), (2,), f"nn.GroupNorm({groups}, {c})"),
        }
    elif layout == "tokens":
        n, length, d = shape
        table = {
            "batch": (shape, (0, 1), f"nn.BatchNorm1d({d})(x.transpose(1, 2))"),
            "layer": (shape, (2,), f"nn.LayerNorm({d})"),
            "rms": (shape, (2,), f"nn.RMSNorm({d})"),
            "instance": (shape, (1,), f"nn.InstanceNorm1d({d})(x.transpose(1, 2))"),
            "group": (
                (n, length, groups, per_group),
                (1, 3),
                f"nn.GroupNorm({groups}, {d})(x.transpose(1, 2))",
            ),
        }
    else:
        n, c, h, w = shape
        table = {
            "batch": (shape, (0, 2, 3), f"nn.BatchNorm2d({c})"),
            "layer": (shape, (1, 2, 3), f"nn.LayerNorm([{c}, {h}, {w}])"),
            "rms": (shape, (1, 2, 3), f"nn.RMSNorm([{c}, {h}, {w}])"),
            "instance": (shape, (2, 3), f"nn.InstanceNorm2d({c})"),
            "group": ((n, groups, per_group, h, w), (2, 3, 4), f"nn.GroupNorm({groups}, {c})"),
        }
    view_shape, axis, torch_call = table[norm]
    return Grouping(layout, norm, shape, view_shape, axis, torch_call)


def axes_table_html(groups: int = DEFAULT_GROUPS, layouts=tuple(LAYOUTS)) -> str:
    """Every layout × norm (or those of ``layouts``): the lnlib call that computes it and the torch module
    that groups the same way."""
    rows = []
    for layout in layouts:
        spec = LAYOUTS[layout]
        for norm, name in NORM_TITLES.items():
            how = grouping(layout, norm, groups)
            labels = group_labels(how)
            count = int(labels.max()) + 1
            rows.append(
                [_(spec["label"]), name, how.call, how.torch_call, f"{count} × {labels.size // count}"]
            )
    return ui.html_table(
        [_("layout"), _("norm"), "lnlib", "torch", _("groups × values")],
        rows,
        caption=_(
            "Which axes each norm averages over (N = 4, C = D = 6, L = 5, H × W = 2 × 3, G = {groups})"
        ).format(groups=groups),
    )


def axes_tables_by_layout_html(groups: int = DEFAULT_GROUPS) -> str:
    """:func:`axes_table_html` folded by layout, one screen each: the first layout open, the others beneath
    a one-line headline."""
    return "".join(
        f"<details{' open' if index == 0 else ''} style='font-size:16px;margin:4px 0'>"
        f"<summary><b>{_(spec['label'])}</b></summary>{axes_table_html(groups, (layout,))}</details>"
        for index, (layout, spec) in enumerate(LAYOUTS.items())
    )


def normalize(x, how: Grouping, eps: float = 1e-5) -> np.ndarray:
    """``x`` normalized as ``how`` says, without γ and β, by the call that :attr:`Grouping.call` shows.

    BatchNorm and LayerNorm are ``standardize`` over their axes, RMSNorm is ``rms_norm``, InstanceNorm
    and GroupNorm are ``instance_norm`` and ``group_norm`` (which refuse, as torch does, an instance norm
    over a single position: (N, C) features have none). A test checks that each equals ``standardize``
    over the axes of :attr:`Grouping.view_shape` that the pictures show.
    """
    x = np.asarray(x)
    if x.shape != how.shape:
        raise ValueError(f"x must have the layout's shape {how.shape}, got {x.shape}")
    if how.norm in ("instance", "group"):
        channels_first = x.transpose(0, 2, 1) if how.layout == "tokens" else x
        if how.norm == "instance":
            out = instance_norm(
                channels_first[:, :, None] if how.layout == "features" else channels_first, eps=eps
            )
        else:
            out = group_norm(channels_first, how.groups, eps=eps)
        return (out.transpose(0, 2, 1) if how.layout == "tokens" else out).reshape(x.shape)
    view = x.reshape(how.view_shape)
    if how.norm == "rms":
        return rms_norm(view, view.shape[how.axis[0] :], eps=eps).reshape(x.shape)
    return standardize(view, how.axis, eps).reshape(x.shape)


def group_labels(how: Grouping) -> np.ndarray:
    """An integer per element of the input: equal integers share one mean and variance.

    Read off ``standardize``'s moments: they have one entry per group, so numbering the entries and
    broadcasting the numbers back over the averaged axes labels every element with its group.
    """
    _, mean, _ = standardize(np.zeros(how.view_shape), how.axis, return_moments=True)
    numbers = np.arange(mean.size).reshape(mean.shape)
    return np.broadcast_to(numbers, how.view_shape).reshape(how.shape)


def moved_by(x, how: Grouping, index: tuple, delta: float = 1.0) -> np.ndarray:
    """Which outputs change when the single input ``x[index]`` changes by ``delta`` (a boolean array)."""
    x = np.asarray(x, dtype=np.float64)
    nudged = x.copy()
    nudged[index] += delta
    return normalize(nudged, how) != normalize(x, how)


def example_input(layout: str, seed: int = 0) -> np.ndarray:
    """A seeded float64 input of the layout's shape."""
    return np.random.default_rng(seed).standard_normal(LAYOUTS[layout]["shape"])


# ---------------------------------------------------------------------------
# The pictures: an unfolded grid of every group, and Wu & He's cube
# ---------------------------------------------------------------------------


def as_cube(values: np.ndarray, layout: str) -> np.ndarray:
    """An array of the layout's shape as (N, C, S): examples, channels (or features), positions."""
    values = np.asarray(values)
    if layout == "features":
        return values[:, :, None]
    if layout == "tokens":
        return values.transpose(0, 2, 1)  # (N, L, D) → (N, D, L)
    n, c = values.shape[:2]
    return values.reshape(n, c, -1)


DEPTH = np.array([0.45, 0.35])  # the drawing's step for one example along N


def cube_cells(n: int, c: int, s: int) -> tuple:
    """``(polygons, cells)``: the visible faces of an n × c × s cube of cells (C right, S up, N into the page),
    and the (n, c, s) index of each polygon's cell."""
    polygons, cells = [], []
    for ci in range(c):  # front face: example 0
        for si in range(s):
            polygons.append([(ci, si), (ci + 1, si), (ci + 1, si + 1), (ci, si + 1)])
            cells.append((0, ci, si))
    for ni in range(n):  # top face: the last position
        for ci in range(c):
            a, b = ni * DEPTH, (ni + 1) * DEPTH
            polygons.append(
                [
                    (ci + a[0], s + a[1]),
                    (ci + 1 + a[0], s + a[1]),
                    (ci + 1 + b[0], s + b[1]),
                    (ci + b[0], s + b[1]),
                ]
            )
            cells.append((ni, ci, s - 1))
    for ni in range(n):  # right face: the last channel
        for si in range(s):
            a, b = ni * DEPTH, (ni + 1) * DEPTH
            polygons.append(
                [
                    (c + a[0], si + a[1]),
                    (c + b[0], si + b[1]),
                    (c + b[0], si + 1 + b[1]),
                    (c + a[0], si + 1 + a[1]),
                ]
            )
            cells.append((ni, c - 1, si))
    return polygons, cells


def highlighted_cells(labels_cube: np.ndarray, cells: list) -> np.ndarray:
    """For each visible cell, whether it shares its group with the front top-left cell (as in Wu & He's figure)."""
    target = labels_cube[0, 0, labels_cube.shape[2] - 1]
    return np.array([labels_cube[cell] == target for cell in cells])


class _SharingView:
    """The two pictures of a grouping: every group in its own colour, and one group on the cube."""

    def __init__(self) -> None:
        figure, (grid_axes, cube_axes) = style.new_figure(12.5, 4.8, nrows=1, ncols=2, width_ratios=(1, 1.1))
        n, c = 4, 6
        self.image = grid_axes.imshow(
            np.ones((n, c, 3)), extent=(0, c, 0, 1), aspect="auto", interpolation="nearest"
        )
        self.position_lines = LineCollection([], colors="white", linewidths=1.5)
        grid_axes.add_collection(self.position_lines)
        # painted over the image, so they must be dynamic too
        self.example_lines = LineCollection(
            [[(0, k / n), (c, k / n)] for k in range(1, n)], colors="black", linewidths=3
        )
        grid_axes.add_collection(self.example_lines)
        # on the small (N, C) layout each cell shows its group's number
        self.cell_texts = [
            [
                grid_axes.text(j + 0.5, 1 - (i + 0.5) / n, "", ha="center", va="center", fontsize=14)
                for j in range(c)
            ]
            for i in range(n)
        ]
        grid_axes.set_xticks(np.arange(c) + 0.5, [str(i + 1) for i in range(c)])
        grid_axes.set_yticks((np.arange(n)[::-1] + 0.5) / n, [f"n = {i + 1}" for i in range(n)])
        grid_axes.grid(False)
        grid_axes.set_xlabel(_("channel c (feature d for tokens)"))
        grid_axes.set_ylabel(_("example n; inside it, positions"))
        grid_axes.set_title(_("one colour = one mean and variance"))
        self.cube = PolyCollection([], edgecolors="black", linewidths=1)
        cube_axes.add_collection(self.cube)
        cube_axes.set_xlim(-0.8, c + n * DEPTH[0] + 1.0)
        cube_axes.set_ylim(-2.2, 6 + n * DEPTH[1] + 0.4)
        cube_axes.set_aspect("equal")
        cube_axes.axis("off")
        cube_axes.set_title(_("as a cube (Wu & He 2018, Fig. 2)"))
        self.caption = cube_axes.text((c + n * DEPTH[0]) / 2, -1.6, "", ha="center", va="center")
        self.channel_label = cube_axes.text(c / 2, -0.6, "", ha="center")
        self.position_label = cube_axes.text(-0.5, 0, "", ha="right", va="center", rotation=90)
        self.example_label = cube_axes.text(0, 0, "N", ha="left", va="bottom")
        dynamic = [
            self.image,
            self.position_lines,
            self.example_lines,
            self.cube,
            self.caption,
            self.channel_label,
            self.position_label,
            self.example_label,
        ] + [text for row in self.cell_texts for text in row]
        self.figure = ui.FigureView(figure, dynamic=dynamic)
        self.groups_view = ui.html_table_view()

    def show(self, how: Grouping) -> None:
        labels = group_labels(how)
        cube = as_cube(labels, how.layout)
        n, c, s = cube.shape
        # the grid: rows are (example, position), columns are channels
        rows = cube.transpose(0, 2, 1)[:, ::-1, :].reshape(n * s, c)  # positions upwards inside each example
        self.image.set_data(GROUP_PALETTE_RGB[rows % len(GROUP_PALETTE)])
        for i, row in enumerate(self.cell_texts):
            for j, text in enumerate(row):
                text.set_text(str(rows[i, j] + 1) if s == 1 else "")
        self.groups_view.value = group_statistics_html(how)
        self.position_lines.set_segments(
            [[(0, k / (n * s)), (c, k / (n * s))] for k in range(1, n * s) if k % s]
        )
        groups = labels.max() + 1
        self.caption.set_text(
            _("{norm}: {groups} groups of {size} values").format(
                norm=NORM_TITLES[how.norm], groups=groups, size=labels.size // groups
            )
        )
        polygons, cells = cube_cells(n, c, s)
        shared = highlighted_cells(cube, cells)
        self.cube.set_verts(polygons)
        self.cube.set_facecolors(
            np.where(shared[:, None], _rgba(style.NORM_COLORS[how.norm]), _rgba("#f2f2f2"))
        )
        layout = LAYOUTS[how.layout]
        self.channel_label.set_text(f"{layout['channel']} →")
        self.position_label.set_position((-0.2, s / 2))
        self.position_label.set_text(f"{_(layout['positions'])} →")
        self.example_label.set_position((c + n * DEPTH[0] + 0.1, s + n * DEPTH[1]))
        self.figure.draw()


def _rgba(color: str) -> np.ndarray:
    from matplotlib.colors import to_rgba

    return np.array(to_rgba(color))


GROUP_PALETTE_RGB = np.array([_rgba(color)[:3] for color in GROUP_PALETTE])


def group_statistics(how: Grouping, x=None) -> list:
    """``[(group number, values in it, μ, σ²), ...]`` of the example input, numbered as the grid's cells are."""
    x = example_input(how.layout) if x is None else x
    labels = group_labels(how)
    return [
        (k + 1, int(np.sum(labels == k)), float(x[labels == k].mean()), float(x[labels == k].var()))
        for k in range(int(labels.max()) + 1)
    ]


def group_statistics_html(how: Grouping, shown: int = 8) -> str:
    """The first ``shown`` groups' μ and σ² (RMSNorm: the mean square) as an HTML table."""
    rows = group_statistics(how)
    if how.norm == "rms":
        x = example_input(how.layout)
        labels = group_labels(how)
        header = [_("group"), _("values"), _("mean square")]
        body = [[k, count, float(np.mean(x[labels == k - 1] ** 2))] for k, count, *_moments in rows[:shown]]
    else:
        header = [_("group"), _("values"), "μ", "σ²"]
        body = [list(row) for row in rows[:shown]]
    if len(rows) > shown:
        caption = _("Each group's statistics, of the example input (the first {shown} of {total})").format(
            shown=shown, total=len(rows)
        )
    else:
        caption = _("Each group's statistics, of the example input")
    return ui.html_table(header, body, caption=caption)


def sharing_note(how: Grouping, x=None) -> str:
    """What the pictures show, in words, with the perturbation check's result."""
    labels = group_labels(how)
    groups = int(labels.max()) + 1
    size = labels.size // groups
    x = example_input(how.layout) if x is None else x
    index = (0,) * len(how.shape)
    moved = moved_by(x, how, index)
    shared = labels == labels[index]
    if how.norm == "rms":
        grouped = _(
            "<code>{call}</code> on x of shape {shape}, as torch's <code>{torch_call}</code>: "
            "{groups} groups of {size} values, each with its own mean square."
        )
    else:
        grouped = _(
            "<code>{call}</code> on x of shape {shape}, as torch's <code>{torch_call}</code>: "
            "{groups} groups of {size} values, each with its own mean and variance."
        )
    if np.array_equal(moved, shared):
        check = _(
            "Check: changing the single value x{index} moved {moved} outputs, exactly the values of its group."
        )
    else:
        check = _("Check: changing the single value x{index} moved {moved} outputs, NOT its group (a bug).")
    lines = [
        grouped.format(call=how.call, shape=how.shape, torch_call=how.torch_call, groups=groups, size=size),
        check.format(index=list(index), moved=int(moved.sum())),
    ]
    if how.norm == "rms":
        lines.append(
            _(
                "RMSNorm divides by √(mean of x² + ε) and subtracts no mean; it shares over the same "
                "elements as LayerNorm."
            )
        )
    return "<br>".join(lines)


class SharingApp(ui.App):
    """Pick a layout and a norm: the elements that share one mean and variance, computed by standardize."""

    def __init__(self) -> None:
        controls = {
            "layout": ui.choice(
                _("layout"), "", [(_(spec["label"]), name) for name, spec in LAYOUTS.items()], "images"
            ),
            "norm": ui.choice(_("norm"), "", [(label, name) for name, label in NORM_TITLES.items()], "batch"),
        }
        self.view = _SharingView()
        self.start(
            controls,
            [self.view.figure, self.view.groups_view],
            _("Which elements share one mean and variance?"),
            tabs={
                _("the picture"): [self.view.figure],
                _("each group's statistics"): [self.view.groups_view],
            },
        )

    def update(self) -> str:
        how = grouping(self.value("layout"), self.value("norm"))
        self.view.show(how)
        if how.layout == "features" and how.norm == "instance":
            try:
                normalize(example_input("features"), how)
            except ValueError as refusal:
                raise ui.Explained(
                    _(
                        "<code>{call}</code> on x of shape {shape}: InstanceNorm averages over positions, "
                        "and (N, C) features have none. Every group would hold one value, whose variance is 0, "
                        "so every output would be 0/√ε = 0 whatever the input. lnlib refuses it, as torch does: "
                        "<i>{refusal}</i>; torch's own words: <i>Expected more than 1 spatial element when "
                        "training, got input size torch.Size([4, 6, 1])</i>."
                    ).format(call=how.call, shape=how.shape, refusal=refusal)
                ) from None
        return sharing_note(how)


class GroupNormApp(ui.App):
    """GroupNorm of (N, C, H, W) images with G groups: G = 1 is LayerNorm, G = C is InstanceNorm."""

    def __init__(self) -> None:
        controls = {"groups": ui.choice("G", _("groups"), list(GROUP_CHOICES), DEFAULT_GROUPS)}
        self.view = _SharingView()
        self.start(
            controls, [self.view.figure], _("GroupNorm: from LayerNorm (G = 1) to InstanceNorm (G = C)")
        )

    def update(self) -> str:
        groups = self.value("groups")
        how = grouping("images", "group", groups)
        self.view.show(how)
        note = sharing_note(how)
        same_as = {1: ("layer", N_("LayerNorm over (C, H, W)")), 6: ("instance", "InstanceNorm")}
        if groups in same_as:
            other, name = same_as[groups]
            identical = np.allclose(
                normalize(example_input("images"), how),
                normalize(example_input("images"), grouping("images", other)),
                atol=1e-12,
            )
            if identical:
                same = _("With G = {groups}, GroupNorm is {name}: their outputs agree to rounding.")
            else:
                same = _("With G = {groups}, GroupNorm is {name}: their outputs agree NOT (a bug).")
            note += "<br>" + same.format(groups=groups, name=_(name))
        else:
            note += "<br>" + _(
                "With G = {groups}, each group holds {channels} channels of one example, at every position."
            ).format(groups=groups, channels=6 // groups)
        return note
