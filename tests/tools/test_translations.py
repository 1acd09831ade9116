"""The Chinese edition kept in step with the English one: same cells and code, prose translated and current."""

import nbformat
import pytest

from lnlib.support import paths
from lnlib.tools import translations

ENGLISH = paths.notebooks()
MAIN_TERMS = {"层归一化": "layer normalization", "批归一化": "batch normalization"}
"""The articles' terms, the Chinese edition's main ones, with the English given at their first use."""
OTHER_NAMES = ("层规范化", "批量规范化", "批标准化", "批量归一化")
"""d2l-zh's and others' names for the same things: given once, at the main term's first use, not used after."""


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_each_chinese_notebook_is_a_current_translation_of_its_english_partner(english):
    assert translations.problems(english) == []


def _prose(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_each_chinese_notebook_uses_its_main_terms_consistently(english):
    cells = _prose(translations.partner(english))
    text = "\n".join(cells)
    for term, english_term in MAIN_TERMS.items():
        if term not in text:
            continue
        first = next(cell for cell in cells if term in cell)
        assert english_term in first.lower(), f"the first {term} does not give the English ({english_term})"
    for name in OTHER_NAMES:
        users = [cell for cell in cells if name in cell]
        assert all(any(term in cell for term in MAIN_TERMS) for cell in users), (
            f"{name} is used where the main term is not given beside it"
        )
        assert len(users) <= 1, (
            f"{name} appears in {len(users)} cells: give it once, at the main term's first use"
        )


def _notebook(tmp_path, cells):
    path = tmp_path / "09_sample.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_sync_copies_code_marks_new_prose_todo_and_keeps_translations_whose_source_is_unchanged(tmp_path):
    english = _notebook(
        tmp_path,
        [
            nbformat.v4.new_markdown_cell("# Title"),
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_markdown_cell("Text"),
        ],
    )
    chinese = tmp_path / "zh" / english.name
    assert translations.sync(english, chinese) == [0, 2]
    assert [p.split(": ")[1] for p in translations.problems(english, chinese)] == ["not yet translated"] * 2
    assert nbformat.read(chinese, as_version=4).metadata["lnlib"] == {"language": "zh-CN"}  # for <html lang>
    translations.mark_translated(chinese, 0, "# 标题", english)
    translations.mark_translated(chinese, 2, "正文", english)
    assert translations.problems(english, chinese) == []

    notebook = nbformat.read(english, as_version=4)
    notebook.cells[2].source = "Text, changed"
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell("New"))
    nbformat.write(notebook, english)
    found = translations.problems(english, chinese)
    assert found and "cells" in found[0]  # 4 English cells against 3 Chinese
    assert translations.sync(english, chinese) == [1, 3]  # the new cell and the changed one
    assert nbformat.read(chinese, as_version=4).cells[0].source == "# 标题"  # kept: its source is unchanged


def test_problems_name_a_changed_code_cell_and_a_stale_translation(tmp_path):
    english = _notebook(
        tmp_path, [nbformat.v4.new_markdown_cell("Hello"), nbformat.v4.new_code_cell("x = 1")]
    )
    chinese = tmp_path / "zh" / english.name
    translations.sync(english, chinese)
    translations.mark_translated(chinese, 0, "你好", english)
    notebook = nbformat.read(chinese, as_version=4)
    notebook.cells[1].source = "x = 2"
    nbformat.write(notebook, chinese)
    notebook = nbformat.read(english, as_version=4)
    notebook.cells[0].source = "Hello again"
    nbformat.write(notebook, english)
    found = translations.problems(english, chinese)
    assert any("cell 0" in p and "changed since it was translated" in p for p in found)
    assert any("cell 1" in p and "code differs" in p for p in found)


def test_problems_name_a_chinese_notebook_that_does_not_declare_its_language(tmp_path):
    english = _notebook(tmp_path, [nbformat.v4.new_code_cell("x = 1")])
    chinese = tmp_path / "zh" / english.name
    translations.sync(english, chinese)
    assert translations.problems(english, chinese) == []
    notebook = nbformat.read(chinese, as_version=4)
    del notebook.metadata["lnlib"]
    nbformat.write(notebook, chinese)
    (found,) = translations.problems(english, chinese)
    assert "metadata 'lnlib'" in found and "zh-CN" in found
    translations.sync(english, chinese)
    assert translations.problems(english, chinese) == []
