"""The ledger of notebook 06: complete, its quotes real, its evidence computable, its toy sentences computed from the toy verdicts."""

import re

import numpy as np
import pytest

from lnlib.nb00_start_here import sources
from lnlib.nb06_claims_tested import evidence, ledger
from lnlib.small_nets import gradient_flow

CHECKED = [c.id for c in ledger.LEDGER if c.check is not None]


def test_every_row_is_complete_and_its_grade_is_one_of_the_five():
    ids = [c.id for c in ledger.LEDGER]
    assert len(ids) == len(set(ids))
    for claim in ledger.LEDGER:
        assert claim.grade in ledger.LEDGER_GRADES, claim.id
        assert claim.article in sources.ARTICLES, claim.id
        assert claim.quote and claim.claim and claim.reason and claim.evidence, claim.id
    assert all(sum(c.article == a for c in ledger.LEDGER) >= 5 for a in sources.ARTICLES)


@pytest.mark.parametrize("article, topic", ledger.INDEX_TOPICS)
def test_every_claim_of_the_articles_index_has_a_row(article, topic):
    rows = [c for c in ledger.LEDGER if c.topic == topic]
    assert len(rows) == 1 and rows[0].article == article, (article, topic)


def test_every_quote_is_in_its_article_as_printed(articles):
    def flat(text):
        return re.sub(r"\s+", " ", text)

    for claim in ledger.LEDGER:
        text = flat((articles / sources.ARTICLES[claim.article].copy_file).read_text(encoding="utf-8"))
        for passage in claim.quote.split(" … "):
            assert flat(passage) in text, (claim.id, passage)


@pytest.mark.parametrize("claim_id", CHECKED)
def test_every_evidence_function_runs_and_gives_numbers(claim_id):
    text = ledger.evidence(claim_id)
    assert isinstance(text, str) and len(text) > 40 and re.search(r"\d", text), text


def test_cited_claims_say_where_the_evidence_is():
    cited = [c for c in ledger.LEDGER if c.check is None]
    assert cited and all(ledger.evidence(c.id).startswith("Cited, not computed: ") for c in cited)
    with pytest.raises(KeyError, match="no claim"):
        ledger.by_id("999-z")


def test_tables_and_readme_list_carry_every_claim():
    everything = str(ledger.table(with_quotes=True))
    readme = ledger.readme_list()
    for claim in ledger.LEDGER:
        assert f"| {claim.id} |" in everything
        assert claim.claim in readme
    assert sum(ledger.grade_counts().values()) == len(ledger.LEDGER)
    shown = str(ledger.grades("003-h"))
    headline, folded = shown.split("<details>")
    assert headline.startswith("**003-h**") and "does not hold" in headline and "\n" not in headline.strip()
    assert ledger.by_id("003-h").reason in folded and "Evidence, computed now" in folded


@pytest.mark.parametrize("with_quotes", [False, True])
def test_the_ledger_folded_by_article_holds_every_claim_beneath_its_articles_headline(with_quotes):
    folded = str(ledger.folded_by_article(with_quotes))
    folds = folded.split("<details>")[1:]
    assert len(folds) == len(sources.ARTICLES)
    for article, fold in zip(sources.ARTICLES, folds):
        headline = fold.split("</summary>")[0]
        assert sources.ARTICLES[article].title in headline and "\n" not in headline
        assert sources.ARTICLES[article].gloss in headline  # in English: the reader may not read the title
        claims = [c for c in ledger.LEDGER if c.article == article]
        assert all(f"| {c.id} |" in fold for c in claims) and fold.count("\n| ") == len(claims) + 1
        assert sum(int(n) for n in re.findall(r": (\d+)", headline)) == len(claims)
        assert all((c.reason in fold) == with_quotes for c in claims)


def test_the_invariance_table_agrees_with_the_paper_everywhere():
    text = str(evidence.invariance_markdown())
    assert text.count(") ✓") == 6 * 6 and "disagrees" not in text  # 3 published rows and 3 derived ones


# ---------------------------------------------------------------------------
# The verdicts' numbers come from the data (so the prose cannot drift from it).
# ---------------------------------------------------------------------------


def test_gradient_verdict_matches_a_fresh_measurement():
    table = gradient_flow.summary()
    assert table["none"]["scale_spread"] > 1e6
    assert table["layer"]["scale_spread"] < 3 and table["batch"]["scale_spread"] < 3
    assert table["batch"]["growth_to_input"] > 10 > table["layer"]["growth_to_input"]


def test_the_numbers_in_the_reasons_are_the_results_shown_under_them():
    from lnlib.nb01_formulas_step_by_step import articles
    from lnlib.nb06_claims_tested import article003_mymodel, sync_batch_norm

    gradients = gradient_flow.summary()
    quoted = {  # claim → what its reason must say, formatted from the results now
        "000-a": [
            f"about {gradient_flow.power_of_ten(gradients['none']['scale_spread'], 1)} between weight scales "
            f"{gradient_flow.GAINS[0]} and {gradient_flow.GAINS[-1]} in a {gradient_flow.DEPTH}-layer MLP",
            f"LN: about {gradients['layer']['scale_spread']:.1f})",
        ],
        "001-c": [f"about {articles.article001_check().gap:.1e}".replace("e-0", "e-")],
        "003-e": [f"agree to {sync_batch_norm.simulate(2, batch=16)['bn_synced_output_gap']:.0e}"],
        "003-h": [article003_mymodel.fitting_sizes_text()],
    }
    for claim_id, numbers in quoted.items():
        for number in numbers:
            assert number in ledger.by_id(claim_id).reason, (claim_id, number)


def test_memory_verdict_matches_autograd():
    from lnlib.nb06_claims_tested import time_and_memory

    ln, bn = (time_and_memory.saved_for_backward(kind, 8192, 768) for kind in ("layer", "batch"))
    assert ln["input"] == bn["input"]
    assert bn["statistics"] + bn["running buffers"] < ln["statistics"] < 0.01 * ln["input"]
    assert np.isclose(ln["statistics"], 2 * 8192 * 4)


def test_rows_citing_a_toy_name_the_courses_toy_verdicts_and_show_them_computed():
    from lnlib.tools import verdicts

    every = {v.id: v for v in verdicts.every_verdict()}
    cited = {verdict_id for claim in ledger.LEDGER for verdict_id in claim.toy}
    assert cited <= set(every), cited - set(every)
    assert {verdict_id[:2] for verdict_id in cited} == {"04", "06", "07"}
    assert ledger.by_id("003-i").grade == "depends" and ledger.by_id("003-i").toy == (
        "06-batch-noise",
        "07-batch-noise",
    )
    for claim_id in (
        "004-h",
        "003-g",
        "000-e",
    ):  # the literature first, then each cited verdict, computed now
        claim = ledger.by_id(claim_id)
        assert ledger.reason(claim) == " ".join(
            [claim.reason] + [ledger.toy_sentence(every[verdict_id]) for verdict_id in claim.toy]
        )
