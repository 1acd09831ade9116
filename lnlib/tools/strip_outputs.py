"""Keeping the notebooks clean: ``python -m lnlib strip notebooks/*.ipynb``.

Notebooks are committed without outputs, execution counts or widget state (a test checks it), so
that git shows only what an author changed and every learner starts from the same page.
"""

from __future__ import annotations

from pathlib import Path

import nbformat


def strip(path: Path) -> bool:
    """Remove outputs, execution counts and widget state from the notebook at ``path``; True if it changed."""
    notebook = nbformat.read(path, as_version=4)
    before = nbformat.writes(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    after = nbformat.writes(notebook)
    if after != before:
        path.write_text(after, encoding="utf-8")
    return after != before
