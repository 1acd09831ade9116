r"""Layer norm's geometry for n = 3 (notebook 01).

For any x, the normalized :math:`\hat x` has mean 0, so it lies in the plane orthogonal to
(1, 1, 1); and its mean square is :math:`\sigma^2/(\sigma^2+\epsilon) \approx 1`, so its length is
:math:`\sqrt{n}` (up to ε): x̂ lies on the circle where the sphere of radius √n meets that plane.
Subtracting the mean drops x onto the plane along (1, 1, 1); dividing by σ slides it along its ray to the
circle. On that circle no coordinate exceeds √(n − 1) = √2 (notebook 01's bound), reached where the circle
touches a coordinate axis's shadow. :class:`GeometryApp` draws both views with x on sliders.
"""

from __future__ import annotations

import math

import numpy as np

from lnlib import ui
from lnlib.functional import layer_norm
from lnlib.support.language import gettext as _
from lnlib.ui import style

N = 3
EPS = 1e-5
ONES = np.ones(N) / math.sqrt(N)  # the unit vector along (1, 1, 1)
# an orthonormal basis of the plane x₁ + x₂ + x₃ = 0
PLANE = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -2.0]]) / np.array([[math.sqrt(2)], [math.sqrt(6)]])


def decompose(x, eps: float = EPS) -> dict:
    """x, its mean part and its deviation, and x̂ = LN(x), in the coordinates the two views draw.

    ``plane``: 2-D coordinates in the plane ⟂ (1, 1, 1) (of the deviation and of x̂); ``height``: the
    component along (1, 1, 1)/√3, which is √3·μ; ``radius``: |x̂| = √(3σ²/(σ² + ε)).
    """
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (N,):
        raise ValueError(f"x must have {N} values, got shape {x.shape}")
    x_hat = layer_norm(x, N, eps=eps)
    deviation = x - x.mean()
    return {
        "x": x,
        "mean": float(x.mean()),
        "variance": float(np.mean(deviation**2)),
        "height": float(x @ ONES),
        "deviation plane": PLANE @ deviation,
        "x_hat": x_hat,
        "x_hat plane": PLANE @ x_hat,
        "x_hat height": float(x_hat @ ONES),
        "radius": float(np.linalg.norm(x_hat)),
    }


class GeometryApp(ui.App):
    """Move x in three dimensions: x̂ stays on the circle of radius √3 in the plane ⟂ (1, 1, 1)."""

    def __init__(self) -> None:
        controls = {
            f"x{i + 1}": ui.slider(
                f"x{'₁₂₃'[i]}", _("input {number}").format(number=i + 1), value, -5.0, 5.0, 0.25
            )
            for i, value in enumerate((1.0, 2.0, 4.5))
        }
        figure, (face, side) = style.new_figure(13, 5.6, nrows=1, ncols=2)
        angles = np.linspace(0, 2 * np.pi, 200)
        radius = math.sqrt(N)
        for axes in (face, side):
            axes.plot(radius * np.cos(angles), radius * np.sin(angles), "--", color="grey", linewidth=1.5)
            axes.set_aspect("equal")
        # face-on: the plane ⟂ (1, 1, 1), with the shadows of the three coordinate axes
        for i in range(N):
            direction = PLANE[:, i] / np.linalg.norm(PLANE[:, i])
            face.plot(*np.outer([-6, 6], direction).T, color="#bbbbbb", linewidth=1)
            touch = direction * radius  # where x̂ᵢ = √(n − 1) on the circle
            face.plot(*touch, "s", color="#555555", markersize=6)
            face.annotate(f"x̂{'₁₂₃'[i]} = √2", touch, textcoords="offset points", xytext=(6, 6), fontsize=12)
        (self.face_ray,) = face.plot([], [], color=style.NORM_COLORS["none"], linewidth=1.5)
        (self.face_deviation,) = face.plot(
            [], [], "o", color=style.NORM_COLORS["none"], label="x − μ·(1, 1, 1)"
        )
        (self.face_hat,) = face.plot([], [], "o", color=style.NORM_COLORS["layer"], markersize=11, label="x̂")
        face.set(xlim=(-6, 6), ylim=(-6, 6), title=_("seen along (1, 1, 1): the plane of mean 0"))
        face.legend(loc="lower left", fontsize=12)
        # side view: horizontal = along the deviation, vertical = along (1, 1, 1)
        side.axhline(0, color="#bbbbbb", linewidth=2)
        side.text(-5.8, 0.25, _("plane of mean 0"), fontsize=12, color="#777777")
        (self.side_drop,) = side.plot([], [], ":", color=style.NORM_COLORS["none"], linewidth=2)
        (self.side_slide,) = side.plot([], [], color=style.NORM_COLORS["layer"], linewidth=1.5)
        (self.side_x,) = side.plot([], [], "o", color=style.NORM_COLORS["none"], label="x")
        (self.side_hat,) = side.plot([], [], "o", color=style.NORM_COLORS["layer"], markersize=11, label="x̂")
        side.set(
            xlim=(-6, 9),
            ylim=(-9.5, 9.5),
            xlabel=_("along x's deviation"),
            ylabel=_("along (1, 1, 1): √3·μ"),
            title=_("seen from the side: drop, then slide"),
        )
        side.legend(loc="lower right", fontsize=12)
        dynamic = [self.face_ray, self.face_deviation, self.face_hat, self.side_drop, self.side_slide]
        self.figure = ui.FigureView(figure, dynamic=dynamic + [self.side_x, self.side_hat])
        self.start(controls, [self.figure], _("Layer norm of three numbers, in three dimensions"))

    def update(self) -> str:
        x = [self.value(f"x{i + 1}") for i in range(N)]
        parts = decompose(x)
        deviation, hat = parts["deviation plane"], parts["x_hat plane"]
        length = float(np.linalg.norm(deviation))
        self.face_deviation.set_data([deviation[0]], [deviation[1]])
        self.face_hat.set_data([hat[0]], [hat[1]])
        far = deviation if length > parts["radius"] else hat
        self.face_ray.set_data([0, far[0]], [0, far[1]])
        self.side_x.set_data([length], [parts["height"]])
        self.side_hat.set_data([parts["radius"]], [0])
        self.side_drop.set_data([length, length], [parts["height"], 0])
        self.side_slide.set_data([0, max(length, parts["radius"])], [0, 0])
        self.figure.draw()
        fmt = ui.format_number
        largest = float(np.max(np.abs(parts["x_hat"])))
        if parts["variance"] == 0:
            return _(
                "All three values are equal (μ = {mean}): x lies on the line along (1, 1, 1), its "
                "deviation is 0, and x̂ = 0/√ε = 0, the centre of the plane, not on the circle. This is the one "
                "input whose direction LN cannot read."
            ).format(mean=fmt(parts["mean"]))
        return _(
            "μ = {mean}: x sits {height} = √3·μ above the plane. Subtracting μ drops it "
            "onto the plane (the dotted line), at distance |x − μ| = {length} = √(3σ²) from the centre. "
            "Dividing by √(σ² + ε) slides it along its ray to the circle: |x̂| = {radius} "
            "(√3 = {root3} up to ε). On the circle no coordinate exceeds √2 = {root2}: "
            "here the largest |x̂ᵢ| is {largest}."
        ).format(
            mean=fmt(parts["mean"]),
            height=fmt(parts["height"]),
            length=fmt(length),
            radius=fmt(parts["radius"], 6),
            root3=fmt(math.sqrt(3), 6),
            root2=fmt(math.sqrt(2)),
            largest=fmt(largest),
        )
