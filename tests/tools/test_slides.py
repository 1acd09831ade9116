"""Which cells make a slide (RISE's rules) and what a slide is called; the browser measures the rest
(tests/browser/test_slide_lengths.py)."""

import nbformat

from lnlib.tools import slides


def notebook_of(*cells) -> nbformat.NotebookNode:
    """A notebook of (kind, slide type, source) cells; slide type None leaves the metadata out."""
    made = []
    for kind, slide_type, source in cells:
        metadata = {} if slide_type is None else {"slideshow": {"slide_type": slide_type}}
        maker = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        made.append(maker(source, metadata=metadata))
    return nbformat.v4.new_notebook(cells=made)


def test_a_slide_runs_from_a_slide_or_subslide_through_its_continuations_without_skip_and_notes():
    notebook = notebook_of(
        ("code", "skip", "import x"),  # 0: not shown, so no slide of its own
        ("markdown", None, "# Opening"),  # 1: the first shown cell opens a slide whatever its type
        ("markdown", "notes", "Say this"),  # 2
        ("code", "-", "app()"),  # 3
        ("markdown", "subslide", "## Sub"),  # 4
        ("code", "fragment", "more()"),  # 5
        ("code", "skip", "hidden()"),  # 6
        ("markdown", "slide", "# Next"),  # 7
        ("markdown", "notes", "only notes"),  # 8
        ("markdown", "slide", "# Last"),  # 9
    )
    assert slides.slide_cells(notebook) == [[1, 3], [4, 5], [7], [9]]


def test_a_slide_is_called_by_its_first_heading_else_its_first_line_after_the_slide_before():
    notebook = notebook_of(
        ("code", "slide", "app()  # no heading here"),
        ("markdown", "-", "Some words\n\n### The heading"),
        ("markdown", "slide", "A long first line " * 10),
    )
    assert slides.heading(notebook, [0, 1]) == "The heading"
    assert slides.heading(notebook, [2]) == ("A long first line " * 10)[:60] + "…"
    opening_with_code = notebook_of(
        ("markdown", "slide", "# Sliders"), ("code", "subslide", "App()"), ("code", "subslide", "Other()")
    )
    assert slides.headings(opening_with_code) == ["Sliders", "Sliders → App()", "Sliders → Other()"]


def test_a_slide_names_what_does_not_fit():
    slide = slides.Slide("07_x.ipynb", 3, "Ledger", (4, 9), height=1900, controls=8)
    assert slide.problems() == ["1900 px high (> 720)", "8 controls (> 6)"]
    assert slides.Slide("07_x.ipynb", 1, "Fine", (0,), height=720, controls=6).problems() == []
    table = slides.table([slide])
    assert "| 07_x.ipynb | 3 | Ledger | 4–9 | 1900 | 8 | ✗ 1900 px high (> 720); 8 controls (> 6) |" in table
    assert "1 of 1 slides do not fit." in table
