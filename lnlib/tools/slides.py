"""How long each slide is on a projector: its height at 1280 × 720 and its number of controls.

A slide (RISE, reveal.js) opens at a cell whose ``slideshow.slide_type`` is "slide" or "subslide"
(the first cell opens one whatever its type) and runs through the "-" and "fragment" cells after it;
"skip" and "notes" cells are not shown on a slide. Voila's lab template keeps one element per
notebook cell, in order (``div[cell-index]``, counted from 1), a code cell with no output taking no
height; a slide's height is the sum of its cells' heights as Voila draws them at 1280 × 720, with
every figure and widget drawn. ``python -m lnlib bench slides`` prints the table for every notebook.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

SLIDE_STARTS = ("slide", "subslide")
NOT_ON_SLIDES = ("skip", "notes")
MAX_HEIGHT = 720
"""A slide must fit the projector's 1280 × 720 screen, in pixels: RISE's slide is the whole screen."""
MAX_CONTROLS = 6
"""At most about six controls on one screen (issue 13, § 4)."""

# Every cell element's height, in pixels, by its cell index (from 1), once Voila has drawn the page.
CELL_HEIGHTS = """() => Object.fromEntries([...document.querySelectorAll('#rendered_cells div[cell-index]')]
    .map(cell => [cell.getAttribute('cell-index'), Math.round(cell.getBoundingClientRect().height)]))"""
# The controls a learner can set or press, drawn (not hidden), in each cell: the outermost widget of each
# kind only (a toggle-buttons widget is one control, not one per button).
CONTROL_SELECTOR = (
    ".widget-slider, .widget-dropdown, .widget-select, .widget-toggle-buttons, .widget-radio, "
    ".widget-checkbox, .widget-toggle-button, .widget-text, .widget-textarea, .widget-combobox, "
    "button.jupyter-button"
)
CELL_CONTROLS = f"""() => {{
    const selector = {CONTROL_SELECTOR!r};
    const counts = {{}};
    for (const cell of document.querySelectorAll('#rendered_cells div[cell-index]')) {{
        counts[cell.getAttribute('cell-index')] = [...cell.querySelectorAll(selector)].filter(
            e => !e.parentElement.closest(selector) && e.getClientRects().length > 0).length;
    }}
    return counts;
}}"""
# Every picture has arrived and been decoded (its height is known).
PICTURES_LOADED = "() => [...document.images].every(i => i.complete)"


@dataclass(frozen=True)
class Slide:
    """One slide of a notebook as Voila draws it at 1280 × 720."""

    notebook: str
    number: int
    heading: str
    cells: tuple
    height: int
    controls: int

    def problems(self, max_height: int = MAX_HEIGHT, max_controls: int = MAX_CONTROLS) -> list:
        """What is wrong with this slide on a projector (nothing: an empty list)."""
        found = []
        if self.height > max_height:
            found.append(f"{self.height} px high (> {max_height})")
        if self.controls > max_controls:
            found.append(f"{self.controls} controls (> {max_controls})")
        return found


def slide_type(cell) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type") or "-"


def slide_cells(notebook) -> list:
    """The cells of each slide of ``notebook`` (an nbformat notebook), as lists of cell indices from 0."""
    slides = []
    for index, cell in enumerate(notebook.cells):
        kind = slide_type(cell)
        if kind in SLIDE_STARTS or not slides:
            slides.append([])
        if kind not in NOT_ON_SLIDES:
            slides[-1].append(index)
    return [cells for cells in slides if cells]


def heading(notebook, cells: list) -> str:
    """A slide's title: its first Markdown heading, else the first line of its first cell."""
    sources = [notebook.cells[index].source for index in cells]
    for index, source in zip(cells, sources):
        if notebook.cells[index].cell_type == "markdown":
            for line in source.splitlines():
                if line.lstrip().startswith("#"):
                    return line.lstrip("# ").strip()
    first_line = next(
        (line.strip() for source in sources for line in source.splitlines() if line.strip()), ""
    )
    return (first_line[:60] + "…") if len(first_line) > 60 else first_line


def headings(notebook) -> list:
    """The title of each slide; a slide that opens with code is named after the slide before it too."""
    titles = []
    for cells in slide_cells(notebook):
        title = heading(notebook, cells)
        if titles and notebook.cells[cells[0]].cell_type == "code":
            title = f"{titles[-1].split(' → ')[0]} → {title}"
        titles.append(title)
    return titles


def wait_until_drawn(page, quiet: float = 1.5, timeout: float = 60.0) -> tuple:
    """``(heights, controls)`` by cell index once every picture has loaded and no cell's height has changed
    for ``quiet`` seconds (formulas typeset, widgets laid out)."""
    deadline = time.monotonic() + timeout
    page.wait_for_function(PICTURES_LOADED, timeout=timeout * 1000)
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        heights = page.evaluate(CELL_HEIGHTS)
        if heights != last:
            last, since = heights, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return heights, page.evaluate(CELL_CONTROLS)
        time.sleep(0.25)
    raise AssertionError(f"the page's cells kept changing height for {timeout:.0f} s")


def measure_notebook(page, url: str, path: Path) -> list:
    """The slides of the notebook at ``path``, drawn by the Voila at ``url`` (serving the notebooks folder)
    in ``page`` (whose viewport should be 1280 × 720)."""
    from lnlib.tools import browser

    browser.open_notebook(page, url, path.name)
    return measure_page(page, path)


def measure_page(page, path: Path) -> list:
    """The slides of the notebook at ``path`` as ``page`` (open on it, at 1280 × 720) draws them."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    heights, controls = wait_until_drawn(page)
    missing = [index for index in range(1, len(notebook.cells) + 1) if str(index) not in heights]
    if missing:
        raise AssertionError(f"{path.name}: Voila drew no element for cells {missing} (counted from 1)")
    return [
        Slide(
            notebook=path.name,
            number=number,
            heading=title,
            cells=tuple(cells),
            height=sum(heights[str(index + 1)] for index in cells),
            controls=sum(controls[str(index + 1)] for index in cells),
        )
        for number, (cells, title) in enumerate(zip(slide_cells(notebook), headings(notebook)), start=1)
    ]


def measure_all(paths=None) -> list:
    """Every slide of the notebooks at ``paths`` (default: all), in one Voila and one Chromium, both
    stopped at the end."""
    import tempfile

    from lnlib.support.paths import NOTEBOOKS, notebooks
    from lnlib.tools import browser, present

    slides = []
    with tempfile.TemporaryFile("w+") as log:
        process, url = present.start_voila(NOTEBOOKS, log=log)
        try:
            with browser.chromium() as chromium:
                context = chromium.new_context(viewport=browser.PROJECTOR)
                for path in paths or notebooks():
                    page = context.new_page()
                    slides += measure_notebook(page, url, Path(path))
                    page.close()
                context.close()
        finally:
            present.stop_voila(process)
    return slides


def table(slides: list, max_height: int = MAX_HEIGHT, max_controls: int = MAX_CONTROLS) -> str:
    """The slides as a Markdown table, those that do not fit marked ✗."""
    lines = [
        f"## Slides at 1280 × 720 in Voila (limit {max_height} px and {max_controls} controls)\n",
        "| notebook | slide | heading | cells | height px | controls | fits |",
        "| --- | ---: | --- | --- | ---: | ---: | --- |",
    ]
    for slide in slides:
        problems = slide.problems(max_height, max_controls)
        cells = f"{slide.cells[0]}–{slide.cells[-1]}" if len(slide.cells) > 1 else str(slide.cells[0])
        lines.append(
            f"| {slide.notebook} | {slide.number} | {slide.heading} | {cells} | {slide.height} | "
            f"{slide.controls} | {'✗ ' + '; '.join(problems) if problems else '✓'} |"
        )
    too_long = [slide for slide in slides if slide.problems(max_height, max_controls)]
    lines.append(f"\n{len(too_long)} of {len(slides)} slides do not fit.")
    return "\n".join(lines)
