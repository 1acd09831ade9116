"""Fixtures shared by the tests of every folder: the repository's paths and notebook 04's results, read once."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from lnlib.support import paths


def pytest_collection_modifyitems(config, items):
    """Mark the tiers: ``browser`` (tests/browser/) and ``notebook`` (a notebook run by nbmake), so that
    ``python -m pytest -m "not browser and not notebook"`` is the developers' fast tier."""
    browser_tests = paths.ROOT / "tests" / "browser"
    for item in items:
        if browser_tests in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
        elif Path(item.fspath).suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)


RENDER_TESTS = (
    "test_notebook_renders_without_errors_or_code_and_fetches_nothing_from_outside",
    "test_chinese_notebook_renders_in_chinese_with_no_traceback",
)
"""The browser tests that open a notebook in Voila, which runs it top to bottom, and fail on any cell's error."""


def pytest_collection_finish(session):
    """Each notebook runs once: where a browser test renders a notebook (Chromium present), nbmake's run of
    the same notebook is skipped, saying so; without the browser tests (``-m "not browser"``) nbmake runs it."""
    from lnlib.tools.browser import CHROMIUM

    if not os.path.exists(CHROMIUM):
        return
    rendered = {
        item.callspec.params["name"]
        for item in session.items
        if getattr(item, "originalname", None) in RENDER_TESTS
    }
    for item in session.items:
        if item.get_closest_marker("notebook"):
            name = Path(item.fspath).relative_to(paths.NOTEBOOKS).as_posix()
            if name in rendered:
                reason = (
                    f"run top to bottom by Voila in tests/browser/ ({RENDER_TESTS[name.startswith('zh/')]})"
                )
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def chinese():
    """The course speaks Chinese during the test (lnlib.support.language), and its own language after it."""
    from lnlib.support import language

    language.use("zh")
    yield
    language.use(None)


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's folder."""
    return paths.ROOT


@pytest.fixture(scope="session")
def articles() -> Path:
    """The folder of the copies of the five articles (``paths.ARTICLES``, beside the clone); the test is
    skipped where it is missing."""
    if not paths.ARTICLES.is_dir():
        pytest.skip(
            f"the copies of the five articles are expected in {paths.ARTICLES} (beside the clone, as CI has "
            "them); they are not part of the repository"
        )
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


@pytest.fixture(scope="session")
def rerun_agrees():
    """``rerun_agrees(recorded_machine, stored, regenerated, what)``: a re-run agrees with its cache.

    Number by number (lnlib.support.results_cache's rule) on a machine like the one that made the cache;
    on another machine, where training rounds differently, in shape only (the same keys, lengths and
    non-numbers), and the test is then reported as skipped with the reason, so CI shows it.
    """
    from lnlib.support import results_cache

    def check(recorded: dict | None, stored, regenerated, what: str) -> None:
        elsewhere = results_cache.other_machine(recorded)
        found = results_cache.differences(stored, regenerated, numbers=not elsewhere)
        assert found == [], f"{what} came out differently: {found[:5]}"
        if elsewhere:
            pytest.skip(
                f"{what}: the shape agrees; numbers not compared, the cache was made elsewhere ({elsewhere})"
            )

    return check


@pytest.fixture
def stand_in_norm():
    """The key of a norm registered for this test only (lnlib.support.norms): LayerNorm's modules under another
    key, name and colour. A lab that builds its model from the one description of each norm builds it with this
    key too; one that re-declares its norms refuses it."""
    from lnlib.support import norms

    layer = norms.get("layer")
    stand_in = norms.Norm(
        "stand-in",
        {"en": "stand-in norm", "zh": "替身归一化"},
        "SI",
        {"en": "each example's features", "zh": "每个样本自己的全部特征"},
        "#56B4E9",
        False,
        layer.build,
        layer.torch_build,
    )
    norms.register(stand_in)
    yield stand_in.key
    norms.unregister(stand_in.key)
