"""The five Chinese articles the course starts from, in one place: the number the course cites each by,
its title, the site it comes from, and a short English gloss of the title.

Notebook 00 introduces them (:func:`table`), notebooks 01 and 02 reproduce their code and worked example
("article 001"), notebook 06's ledger heads each article's claims with :func:`heading`. The course quotes
the articles where it discusses them; it does not ship them. Sites are plain text, never links.
"""

from __future__ import annotations

from dataclasses import dataclass

from lnlib.support import language
from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_
from lnlib.ui.text import Markdown, markdown_table

ARTICLE_LANGUAGE = "zh"
"""The articles' language: a reader of it gets their titles with no gloss, and each claim in its article's
own words first (notebook 06's ledger)."""


@dataclass(frozen=True)
class Article:
    """One of the five articles."""

    number: str  # "000" … "004": how the course cites it ("article 001")
    title: str  # as its copy gives it
    gloss: str  # the title in English, briefly (shown to readers of English only)
    site: str  # where it comes from, as its copy says, in plain text (a message: translated where shown)
    copy_file: str  # the copy's file name in lnlib.support.paths.ARTICLES, for the tests: never shown


NOT_NAMED = N_("not named in the copy")

ARTICLES = {
    article.number: article
    for article in (
        Article(
            "000",
            "【Layer Normalization解析】: Transformer模型层归一化解析",
            "Layer normalization explained: LN in the Transformer",
            N_("not named in the copy; its pictures are hosted on CSDN (img-blog.csdnimg.cn)"),
            "000_90a4afac3d34955c.txt",
        ),
        Article(
            "001",
            "【模型】一篇入门之-层归一化是什么LN",
            "A first look: what is layer normalization?",
            N_("老饼's 《老饼讲解-深度学习》, www.bbbdata.com"),
            "001_e0437899dff476c5.txt",
        ),
        Article(
            "002",
            "为什么Transformer模型中使用Layer Normalization(Layer Norm)而不是Batch Normalization(BN)",
            "Why Transformers use LN rather than BN",
            N_("a repost; the copy names the author's original at www.yourmetaverse.cn"),
            "002_7f1b31f3f2db1d55.txt",
        ),
        Article(
            "003",
            "batchnormalization 和 layernormalization",
            "Batch normalization and layer normalization",
            NOT_NAMED,
            "003_ea92f7bf1da82ff7.txt",
        ),
        Article(
            "004",
            "层归一化在深度神经网络中的应用与作用",
            "Layer normalization in deep networks: its uses and effects",
            NOT_NAMED,
            "004_4a60ea9dbcdfaa57.txt",
        ),
    )
}
"""The articles by number, in the course's order."""


def article(number: str) -> Article:
    """The article the course cites as ``number`` ("000" … "004")."""
    if number not in ARTICLES:
        raise KeyError(f"no article {number!r}; the course cites {', '.join(ARTICLES)}")
    return ARTICLES[number]


def _with_gloss(language_code: str | None) -> bool:
    return (language_code or language.current()) != ARTICLE_LANGUAGE


def heading(number: str, language_code: str | None = None) -> str:
    """An article as the course heads it: number and title, and the gloss for a reader of English."""
    cited = article(number)
    if _with_gloss(language_code):
        return f"{cited.number} {cited.title} ({cited.gloss})"
    return f"{cited.number} {cited.title}"


def table() -> Markdown:
    """The five articles as a table: number, title (and its gloss in English) and site."""
    with_gloss = _with_gloss(None)
    header = [_("article"), _("title")] + ([_("in English")] if with_gloss else []) + [_("site")]
    rows = [
        (cited.number, cited.title) + ((cited.gloss,) if with_gloss else ()) + (_(cited.site),)
        for cited in ARTICLES.values()
    ]
    return Markdown(markdown_table(header, rows))
