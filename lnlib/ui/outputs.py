"""An app's outputs: figures re-drawn fast as PNG images, and HTML views for tables."""

from __future__ import annotations

import io

import ipywidgets as widgets
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from traitlets import Unicode

from lnlib.ui.alt_text import alt_text


class FigureImage(widgets.Image):
    """ipywidgets' Image, whose ``tooltip`` can be set: the browser side shows a tooltip as the ``title`` only
    when the widget's ``description`` is empty, and reads that description even on widgets that have none,
    like Image, failing to draw them (ipywidgets 8.1; jupyter-widgets/ipywidgets#3921). So it has one, empty."""

    description = Unicode("").tag(sync=True)


class FigureView:
    """A matplotlib figure shown as a PNG image widget; :meth:`draw` re-renders it (no pyplot needed).

    The layout is computed at the first draw (or with ``relayout=True``) and then kept, so that a
    slider's re-draw costs the rendering alone: about 40 ms for two panels on a laptop CPU.

    ``dynamic``: the artists that change between draws (lines, bars, markers, a title that changes).
    When given, the rest (axes, ticks, labels, legends) is rendered once and kept as a background, and
    each draw paints only these artists over it: a few milliseconds instead of tens. When the rest
    changes too (axis limits, say), ``draw(background=key)`` names its state: each key's background is
    rendered the first time it is seen and reused after that. ``draw(relayout=True)`` starts afresh.

    Each draw also writes the figure's alt text (:func:`lnlib.ui.alt_text.alt_text`: its panels, titles,
    axis labels and legends, after ``description`` if given) into the image widget's ``tooltip``, which the
    browser shows as the image's ``title``: its name for a screen reader (ipywidgets' Image has no ``alt``).
    The course's Voila template turns that title into the ``alt`` attribute.
    """

    def __init__(self, figure, dynamic=(), description: str = "") -> None:
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.image = FigureImage(format="png")
        self.image.add_class("lnlib-figure")
        self._laid_out = False
        self.dynamic = list(dynamic)
        self.description = description
        self._backgrounds = {}

    @property
    def alt(self) -> str:
        """The alt text of the figure as last drawn."""
        return self.image.tooltip or ""

    def draw(self, relayout: bool = False, background=None) -> None:
        if relayout or not self._laid_out:
            self.figure.set_layout_engine("constrained")
            self.canvas.draw()
            self.figure.set_layout_engine("none")
            self._laid_out = True
            self._backgrounds.clear()
        if self.dynamic:
            self._paint_dynamic(background)
        else:
            self.canvas.draw()
        width, height = self.canvas.get_width_height()
        buffer = io.BytesIO()
        PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buffer, format="png", compress_level=1
        )
        with self.image.hold_sync():  # picture and words reach the page in one message
            self.image.tooltip = alt_text(self.figure, self.description)
            self.image.value = buffer.getvalue()

    def _paint_dynamic(self, key) -> None:
        """Restore the background of state ``key`` (rendered without the dynamic artists), then paint those."""
        if key not in self._backgrounds:
            for artist in self.dynamic:
                artist.set_animated(True)  # left out of canvas.draw(): the background
            self.canvas.draw()
            self._backgrounds[key] = self.canvas.copy_from_bbox(self.figure.bbox)
        self.canvas.restore_region(self._backgrounds[key])
        for artist in self.dynamic:
            self.figure.draw_artist(artist)


def html_table_view() -> widgets.HTML:
    """An HTML output for a table that an app re-writes (see :func:`lnlib.ui.text.html_table`)."""
    view = widgets.HTML()
    view.add_class("lnlib-output")
    return view
