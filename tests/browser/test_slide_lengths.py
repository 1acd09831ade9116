"""Every slide fits a projector: at 1280 × 720 in Voila, no slide is higher than the screen or has more than
about six controls; speaker notes are not shown to the audience."""

from __future__ import annotations

import nbformat
import pytest
from test_notebooks_in_browser import projector_viewport

from lnlib.support import paths
from lnlib.tools import slides
from lnlib.tools.browser import PAGE_TIMEOUT_MS, PROJECTOR, open_notebook

NOTEBOOKS = paths.notebooks()


@pytest.fixture(scope="module")
def projector_page(browser):
    """One page at the projector's 1280 × 720, reused by the notebooks of this module."""
    context = browser.new_context(viewport=PROJECTOR)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.mark.notebook_page("as_loaded")
@pytest.mark.parametrize("name", [path.name for path in NOTEBOOKS])
def test_every_slide_fits_the_screen_with_at_most_six_controls(notebook_page, name):
    page, path = notebook_page(name), paths.NOTEBOOKS / name
    with projector_viewport(page):
        measured = slides.measure_page(page, path)
    assert len(measured) == len(slides.slide_cells(nbformat.read(path, as_version=4)))
    too_long = [
        f"  slide {slide.number} «{slide.heading}» (cells {slide.cells[0]}–{slide.cells[-1]}): "
        f"{slide.height} px, {slide.controls} controls — {'; '.join(slide.problems())}"
        for slide in measured
        if slide.problems()
    ]
    assert not too_long, (
        f"{path.name}: {len(too_long)} of {len(measured)} slides do not fit 1280 × 720 "
        f"(≤ {slides.MAX_HEIGHT} px, ≤ {slides.MAX_CONTROLS} controls):\n" + "\n".join(too_long)
    )


def test_speaker_notes_are_not_shown_and_slides_are_measured_without_them(
    projector_page, voila_servers, tmp_path
):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# The audience's title", metadata={"slideshow": {"slide_type": "slide"}}
            ),
            nbformat.v4.new_markdown_cell(
                "Say: the lecturer's private reminder.\n\n" + "more\n\n" * 40,
                metadata={"slideshow": {"slide_type": "notes"}},
            ),
            nbformat.v4.new_code_cell(
                "import ipywidgets\n\nipywidgets.IntSlider(description='n')",
                metadata={"slideshow": {"slide_type": "-"}},
            ),
            nbformat.v4.new_markdown_cell(
                "# The second slide", metadata={"slideshow": {"slide_type": "slide"}}
            ),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    path = tmp_path / "with_notes.ipynb"
    nbformat.write(notebook, path)
    _, url = voila_servers.start("notes", target=tmp_path)
    open_notebook(projector_page, url, path.name)
    text = projector_page.inner_text("body")
    assert "The audience's title" in text and "The second slide" in text
    assert "private reminder" not in text, "Voila shows the speaker notes"
    first, second = slides.measure_notebook(projector_page, url, path)
    assert (first.cells, first.controls, second.cells) == ((0, 2), 1, (3,))
    assert 0 < first.height < 300  # the 40 lines of notes would be far higher
