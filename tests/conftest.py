"""Fixtures shared by the tests of every folder: the repository's paths and notebook 04's results, read once."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lnlib.support import paths


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's folder."""
    return paths.ROOT


@pytest.fixture(scope="session")
def articles() -> Path:
    """The folder of the five articles (``../shared/articles``); the test is skipped where it is missing."""
    if not paths.ARTICLES.is_dir():
        pytest.skip("the articles (../shared/articles) are not beside this clone")
    return paths.ARTICLES


@pytest.fixture(scope="session")
def transformer_results():
    """Notebook 04's results cache, read once for the whole session."""
    from lnlib.transformer import experiments

    return experiments.load()


@pytest.fixture(scope="session")
def read_notebook():
    """``read_notebook(number)``: notebook ``number`` of the course, as nbformat reads it."""

    def read(number: int) -> nbformat.NotebookNode:
        (path,) = [p for p in paths.notebooks() if p.name.startswith(f"{number:02d}_")]
        return nbformat.read(path, as_version=4)

    return read
