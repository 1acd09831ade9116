"""The Chinese edition of the notebooks, kept in step with the English one: ``python -m lnlib translations``.

``notebooks/zh/NN_*.ipynb`` is the Chinese partner of ``notebooks/NN_*.ipynb``: the same cells in the
same order, the same slide types, the same code cells character for character (the language comes from
the folder, see :mod:`lnlib.support.language`); only the prose differs, and the notebook's metadata, which
declares its language (``zh-CN``) for the pages made from it. Each Chinese prose cell records
in its metadata the hash of the English text it translates (as d2l keeps ``*_origin.md`` snapshots), so
when an English cell changes, its partner is known to be stale.

:func:`sync` brings a Chinese notebook up to the English one: code cells copied, prose kept where its
English source is unchanged, and every new or changed English cell copied in, marked ``todo``, for a
translator. :func:`problems` lists what differs or waits for translation; a test fails on any.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat

from lnlib.support.language import NOTEBOOK_METADATA_KEY, notebook_metadata
from lnlib.support.paths import CHINESE_NOTEBOOKS, notebooks

TRANSLATION_KEY = "translation"
"""Cell metadata of a Chinese prose cell: ``{"source": <hash of the English text>, "status": ...}``."""
TODO = "todo"
"""The status of a prose cell still in English, waiting for its translation."""


def source_hash(text: str) -> str:
    """A short, stable hash of an English cell's text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def partner(english: Path) -> Path:
    """The Chinese notebook of an English one."""
    return CHINESE_NOTEBOOKS / english.name


def _slide_type(cell) -> str | None:
    return cell.metadata.get("slideshow", {}).get("slide_type")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:70] if text.strip() else "(empty)"


def problems(english: Path, chinese: Path | None = None) -> list:
    """What keeps the Chinese notebook from being a current translation of ``english``: one line each."""
    chinese = chinese or partner(english)
    if not chinese.exists():
        return [f"{chinese.name}: missing (python -m lnlib translations --sync creates it)"]
    source = nbformat.read(english, as_version=4).cells
    target_notebook = nbformat.read(chinese, as_version=4)
    target = target_notebook.cells
    if len(source) != len(target):
        return [
            f"{chinese.name}: {len(target)} cells, the English has {len(source)} (python -m lnlib translations --sync)"
        ]
    found = []
    declared = target_notebook.metadata.get(NOTEBOOK_METADATA_KEY)
    if declared != notebook_metadata("zh"):
        found.append(
            f"{chinese.name}: its metadata {NOTEBOOK_METADATA_KEY!r} is {declared!r}, not {notebook_metadata('zh')!r}"
            " (python -m lnlib translations --sync)"
        )
    for index, (en, zh) in enumerate(zip(source, target)):
        where = f"{chinese.name} cell {index} ({_first_line(en.source)!r})"
        if en.cell_type != zh.cell_type or _slide_type(en) != _slide_type(zh):
            found.append(
                f"{where}: {zh.cell_type}/{_slide_type(zh)}, the English is {en.cell_type}/{_slide_type(en)}"
            )
        elif en.cell_type == "code":
            if en.source != zh.source:
                found.append(f"{where}: its code differs from the English cell's")
        else:
            record = zh.metadata.get(TRANSLATION_KEY, {})
            if record.get("status") == TODO:
                found.append(f"{where}: not yet translated")
            elif record.get("source") != source_hash(en.source):
                found.append(f"{where}: the English cell changed since it was translated")
    return found


def sync(english: Path, chinese: Path | None = None) -> list:
    """Bring the Chinese notebook up to ``english``; the indices of the cells now waiting for translation.

    A prose cell is matched to its translation by the hash of its English text, so inserting or moving
    English cells keeps every translation whose source is unchanged.
    """
    chinese = chinese or partner(english)
    english_notebook = nbformat.read(english, as_version=4)
    translated = {}
    if chinese.exists():
        for cell in nbformat.read(chinese, as_version=4).cells:
            record = cell.metadata.get(TRANSLATION_KEY, {})
            if cell.cell_type == "markdown" and record.get("status") != TODO and record.get("source"):
                translated[record["source"]] = cell
    cells, waiting = [], []
    for index, cell in enumerate(english_notebook.cells):
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        key = source_hash(cell.source)
        if key in translated:
            kept = translated[key]
            kept.metadata = {**cell.metadata, TRANSLATION_KEY: kept.metadata[TRANSLATION_KEY]}
            cells.append(kept)
        else:
            todo = nbformat.v4.new_markdown_cell(cell.source, metadata={**cell.metadata})
            todo.metadata[TRANSLATION_KEY] = {"source": key, "status": TODO}
            cells.append(todo)
            waiting.append(index)
    english_notebook.cells = cells
    english_notebook.metadata[NOTEBOOK_METADATA_KEY] = notebook_metadata("zh")
    chinese.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(english_notebook, chinese)
    return waiting


def mark_translated(chinese: Path, index: int, text: str, english: Path | None = None) -> None:
    """Put ``text`` in prose cell ``index`` of a Chinese notebook as the translation of its English partner."""
    english = english or notebooks()[[p.name for p in notebooks()].index(chinese.name)]
    source = nbformat.read(english, as_version=4).cells[index]
    notebook = nbformat.read(chinese, as_version=4)
    cell = notebook.cells[index]
    if cell.cell_type != "markdown" or source.cell_type != "markdown":
        raise ValueError(f"{chinese.name} cell {index} is not a prose cell")
    cell.source = text
    cell.metadata[TRANSLATION_KEY] = {"source": source_hash(source.source)}
    nbformat.write(notebook, chinese)
