"""The five articles, in one place: titles and sites as their copies give them, a table for notebook 00, and
no reader-facing text that sends the reader to the copies, which are not part of the repository."""

import os
import re

import pytest

from lnlib.nb00_start_here import sources
from lnlib.support import language, paths

HOST = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io)\b")


def copy_text(articles, cited) -> str:
    return (articles / cited.copy_file).read_text(encoding="utf-8")


def test_the_copies_are_the_five_articles_each_under_its_number(articles):
    assert sorted(path.name for path in articles.glob("*.txt")) == [
        a.copy_file for a in sources.ARTICLES.values()
    ]
    assert all(cited.copy_file.startswith(number + "_") for number, cited in sources.ARTICLES.items())


def test_each_title_is_a_line_of_its_copy(articles):
    for cited in sources.ARTICLES.values():
        lines = [line.strip() for line in copy_text(articles, cited).splitlines()]
        assert cited.title in lines, cited.number


def test_each_site_names_only_hosts_its_copy_names_and_none_where_the_copy_names_none(articles):
    for cited in sources.ARTICLES.values():
        named = set(HOST.findall(cited.site))
        in_copy = set(HOST.findall(copy_text(articles, cited)))
        assert named <= in_copy, cited.number
        assert bool(named) == bool(in_copy), cited.number
        assert "http" not in cited.site and "/" not in cited.site  # plain text, never a link


def test_an_unknown_article_number_is_refused_with_the_numbers_there_are():
    with pytest.raises(KeyError, match="no article '005'; the course cites 000, 001, 002, 003, 004"):
        sources.heading("005")


def test_the_english_table_and_headings_gloss_each_title_and_give_its_site():
    language.use("en")
    try:
        table = str(sources.table())
        headings = [sources.heading(number) for number in sources.ARTICLES]
    finally:
        language.use(None)
    assert table.splitlines()[0] == "| article | title | in English | site |"
    for cited, heading in zip(sources.ARTICLES.values(), headings):
        assert f"| {cited.number} | {cited.title} | {cited.gloss} | {cited.site} |" in table
        assert heading.startswith(cited.number) and cited.title in heading and cited.gloss in heading


def test_the_chinese_table_gives_titles_as_printed_and_sites_in_chinese_with_the_same_hosts(chinese):
    table = str(sources.table())
    assert table.splitlines()[0] == "| 文章 | 标题 | 来源 |"
    for cited in sources.ARTICLES.values():
        site = language.gettext(cited.site)
        assert f"| {cited.number} | {cited.title} | {site} |" in table
        assert site != cited.site and HOST.findall(site) == HOST.findall(cited.site), cited.number
        assert cited.gloss not in table and cited.gloss not in sources.heading(cited.number)
    assert sources.heading("003", "en").endswith(f"({sources.ARTICLES['003'].gloss})")  # asked for English


def reader_facing_texts() -> dict:
    """The READMEs, every notebook of both editions and the message catalogues, by name."""
    files = [paths.ROOT / "README.md", paths.ROOT / "README.zh-CN.md"]
    files += paths.notebooks("en") + paths.notebooks("zh")
    files += sorted(language.catalogue_sources("zh").glob("*.po"))
    return {str(path.relative_to(paths.ROOT)): path.read_text(encoding="utf-8") for path in files}


def test_no_readme_notebook_or_message_names_the_copies_folder_or_a_copy():
    outside = os.path.relpath(paths.ARTICLES.parent, paths.ROOT)  # the folder beside the clone
    assert outside.startswith("..")
    forbidden = [outside] + [cited.copy_file for cited in sources.ARTICLES.values()]
    texts = reader_facing_texts()
    assert len(texts) > 2 * len(paths.notebooks()) + 2
    found = [(name, word) for name, text in texts.items() for word in forbidden if word in text]
    assert found == []
