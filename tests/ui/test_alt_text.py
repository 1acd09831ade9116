"""Alt text: every figure says in words, in the reader's language, what it shows; a re-draw keeps it current."""

import html
import re

import pytest
from IPython.core.interactiveshell import InteractiveShell

from lnlib import ui
from lnlib.nb00_start_here.tour import FirstSlider
from lnlib.support import language
from lnlib.ui import alt_text, style

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(params=["en", "zh"])
def speaking(request):
    language.use(request.param)
    yield request.param
    language.use(None)


def _two_panels():
    """A line chart with a title, axis labels and a legend beside a bar chart: the parts alt text is made of."""
    figure, (lines, bars) = style.new_figure(8, 3, ncols=2)
    (curve,) = lines.plot([0, 1, 2], [0, 1, 4], label="square")
    lines.plot([0, 1, 2], [0, 1, 2], label="identity")
    lines.set(title="growth", xlabel="input", ylabel="$\\eta_t$")
    lines.legend()
    bars.bar([1, 2], [3, 4])
    bars.set_title("counts")
    return figure, lines, curve


def test_alt_text_names_each_panel_its_kind_title_axes_and_legend(speaking):
    figure, _, _ = _two_panels()
    text = alt_text.alt_text(figure)
    for part in ("growth", "input", "η_t", "square", "identity", "counts"):
        assert part in text
    assert "$" not in text and "\\eta" not in text  # mathtext markup is not read aloud
    assert text.index("growth") < text.index("counts")  # panel by panel, in order
    if speaking == "zh":
        assert all(word in text for word in ("折线图", "柱状图", "横轴", "纵轴", "图例"))
        assert not re.search(r"[Ll]egend|axis|chart|Panel", text)
    else:
        assert all(word in text for word in ("line chart", "bar chart", "x axis", "y axis", "Legend"))
        assert not CJK.search(text)


def test_an_apps_own_description_comes_first():
    figure, _, _ = _two_panels()
    text = alt_text.alt_text(figure, "How a square outgrows a line.")
    assert text.startswith("How a square outgrows a line.") and "growth" in text


def test_figure_view_carries_alt_text_and_keeps_it_current_on_redraw(speaking):
    figure, lines, curve = _two_panels()
    view = ui.FigureView(figure, dynamic=[curve, lines.title])
    view.draw()
    first_picture, first_alt = view.image.value, view.image.tooltip
    assert view.alt == first_alt == alt_text.alt_text(figure) and "growth" in first_alt
    assert bool(CJK.search(first_alt)) == (speaking == "zh")
    lines.set_title("growth, doubled")
    curve.set_ydata([0, 2, 8])
    view.draw()
    assert view.image.value != first_picture and view.image.tooltip != first_alt
    assert "growth, doubled" in view.alt
    assert "lnlib-figure" in view.image._dom_classes  # what the browser tests look for
    # the browser draws an Image with a tooltip only when it also has a description (ipywidgets 8.1 reads
    # description.length): without it the figure would be missing from the page
    assert view.image.get_state()["description"] == ""


def test_an_apps_figures_have_alt_text_in_the_readers_language_live_and_in_the_static_picture(speaking):
    app = FirstSlider()
    views = [output for output in app.outputs if isinstance(output, ui.FigureView)]
    assert views
    static = app.static_html()
    for view in views:
        titles = [axes.get_title() for axes in view.figure.axes]
        assert all(title and title in view.alt for title in titles)
        assert bool(CJK.search(view.alt)) == (speaking == "zh")
        assert f"alt='{html.escape(view.alt, quote=True)}'" in static
    assert static.count("<img ") == static.count(" alt='") == len(views)


def test_a_figure_that_ends_a_notebook_cell_is_an_img_with_its_alt_text(speaking):
    shell = InteractiveShell.instance()
    try:
        figure, _, _ = _two_panels()  # new_figure registers the course's formatter in the running shell
        data, _ = shell.display_formatter.format(figure)
    finally:
        InteractiveShell.clear_instance()
    assert "image/png" not in data  # the PNG is drawn once, inside the HTML
    match = re.fullmatch(
        r"<img src='data:image/png;base64,[A-Za-z0-9+/=]+' alt='([^']*)'>", data["text/html"]
    )
    assert match and html.unescape(match.group(1)) == alt_text.alt_text(figure)
