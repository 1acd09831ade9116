"""Notebook 06 in Chinese: the ledger leads with the articles' words, the apps and figures speak Chinese, no glyph is missing."""

import re

import matplotlib.pyplot as plt
import pytest

from lnlib.nb06_claims_tested import article003_mymodel, evidence, ledger, sync_batch_norm, time_and_memory
from lnlib.support import language

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def chinese():
    language.use("zh")
    yield
    language.use(None)
    plt.close("all")


def test_each_verdict_leads_with_the_articles_own_words_then_the_claim_in_chinese():
    shown = str(ledger.grades("003-h", "004-i"))
    for claim_id in ("003-h", "004-i"):
        claim = ledger.by_id(claim_id)
        headline = next(line for line in shown.splitlines() if line.startswith(f"**{claim_id}**"))
        assert headline.index(claim.quote) < headline.index("→")
        assert claim.claim not in shown and claim.reason not in shown  # the English is not shown
    assert "❌ 不成立" in shown and "❔ 无依据" in shown and "证据（当场计算）" in shown


def test_the_folded_ledger_shows_every_quote_and_chinese_headers():
    folded = str(ledger.folded_by_article(with_quotes=True))
    assert all(f"「{c.quote}」" in folded for c in ledger.LEDGER)
    assert "| # | 说法 | 结论 | 理由 | 证据 |" in folded
    assert CHINESE.search(str(ledger.counts_line()))


@pytest.mark.parametrize("claim_id", [c.id for c in ledger.LEDGER])
def test_every_evidence_sentence_comes_out_in_chinese_with_its_numbers(claim_id):
    if claim_id in (
        "000-f",
    ):  # the timing sweep: measured in the notebook, too slow to repeat per claim here
        pytest.skip("timed in the notebook")
    text = ledger.evidence(claim_id)
    assert CHINESE.search(text) and (re.search(r"\d", text) or ledger.by_id(claim_id).check is None), text


def test_the_apps_run_in_chinese_and_their_notes_are_chinese():
    apps = [
        (article003_mymodel.MyModelApp(), [("size", 2), ("size", 6), ("size", 9)]),
        (time_and_memory.MemoryApp(), [("batch", 1), ("batch", 64)]),
        (sync_batch_norm.ShardStatisticsApp(), [("devices", 1), ("devices", 16), ("synchronised", True)]),
    ]
    for app, moves in apps:
        for name, value in moves:
            app.controls[name].value = value
            assert CHINESE.search(app.note.value) and "Traceback" not in app.note.value, app.note.value
        if hasattr(app, "figure"):
            app.figure.canvas.draw()


def test_tables_and_figures_in_chinese_draw_every_glyph():
    assert "照原样" in str(article003_mymodel.outcomes())
    assert "不变" in str(evidence.invariance_markdown())
    dims = (16, 64)
    figure = time_and_memory.cost_figure(
        time_and_memory.time_forward_backward(dims, 2**10, 1), time_and_memory.memory_rows(dims, 2**10)
    )
    figure.canvas.draw()  # a missing glyph warns, and pytest makes the warning an error
    assert CHINESE.search(figure.axes[0].get_title())


def test_the_article_003_table_names_each_failure_in_chinese_and_quotes_torchs_own_words():
    table = str(article003_mymodel.outcomes(sizes=(6, 8)))
    assert "出现名称错误：name 'F' is not defined" in table  # the article's missing import
    assert "出现运行时错误：mat1 and mat2 shapes cannot be multiplied (2x2304 and 1024x512)" in table
    assert "error" not in table.replace("Error", "")  # no English kind of failure left
