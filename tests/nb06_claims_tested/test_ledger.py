"""The ledger of notebook 06: complete, its quotes real, its evidence computable, its verdicts backed by the data."""

import re

import numpy as np
import pytest

from lnlib.nb00_start_here import sources
from lnlib.nb06_claims_tested import evidence, ledger
from lnlib.small_nets import (
    covariate_shift,
    experiments,
    generalization,
    gradient_flow,
    learning_rates,
    rnn_noise,
)

CHECKED = [c.id for c in ledger.LEDGER if c.check is not None]


def test_every_row_is_complete_and_its_verdict_is_one_of_the_five():
    ids = [c.id for c in ledger.LEDGER]
    assert len(ids) == len(set(ids))
    for claim in ledger.LEDGER:
        assert claim.verdict in ledger.CLAIM_VERDICTS, claim.id
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
    assert sum(ledger.verdict_counts().values()) == len(ledger.LEDGER)
    shown = str(ledger.verdicts("003-h"))
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


def test_covariate_shift_verdict_matches_the_cached_runs():
    table = covariate_shift.summary(experiments.load("covariate_shift"))
    none, batch, noisy, very_noisy, layer = (table[a] for a in covariate_shift.ARMS)
    assert batch["input_shift"] < none["input_shift"] / 5  # BN does steady its inputs ...
    assert noisy["input_shift"] > 2 * none["input_shift"]  # ... the noisy BN far less than no norm ...
    assert noisy["train_loss"] < none["train_loss"] - 0.1  # ... and still trains much better
    assert (
        very_noisy["input_shift"] > 4 * none["input_shift"] and very_noisy["train_loss"] < none["train_loss"]
    )
    assert batch["gradient_ics"] > 0.95 * none["gradient_ics"]  # no smaller ICS by gradients
    assert batch["loss_range"] < none["loss_range"] / 20  # a much smoother landscape
    # LN barely steadies its inputs and gains nothing clear in training (worse in the cache, about level when
    # another CPU reruns it)
    assert layer["train_loss"] > none["train_loss"] - 0.05 and layer["input_shift"] > none["input_shift"] / 2


def test_generalization_verdict_matches_the_cached_runs():
    results = experiments.load("generalization")
    table = generalization.summary(results)
    assert all(row["train"] > 0.99 for row in table.values())  # every net fits the noisy labels
    ln_mean, ln_se = generalization.difference_from_none(results, "layer")
    assert -0.01 < ln_mean < 0 and ln_se < 0.005  # LN: a hair below no norm, not above
    assert -0.02 < generalization.difference_from_none(results, "rms")[0] < 0  # RMSNorm: slightly below too
    assert generalization.difference_from_none(results, "batch")[0] < -0.03


def test_learning_rate_and_scale_verdicts_match_the_cached_runs():
    results = experiments.load("learning_rates")
    ranges = {norm: learning_rates.training_range(results, norm) for norm in learning_rates.COMPARED_NORMS}
    # BN widens the range; LN does not (its rates are among no norm's: one rate fewer in the cache, the same
    # when another CPU reruns it, a borderline rate whose outcome turns on rounding)
    assert len(ranges["batch"]) > len(ranges["none"]) and set(ranges["layer"]) <= set(ranges["none"])
    assert ranges["layer"]
    scales = {
        norm: learning_rates.training_range(results, norm, "init_gain")
        for norm in learning_rates.COMPARED_NORMS
    }
    assert set(scales["none"]) < set(scales["layer"]) < set(scales["batch"])


def test_rnn_verdict_matches_the_cached_runs():
    table = rnn_noise.summary(experiments.load("rnn_noise"))
    assert table["none"]["mean"] == 1.0
    assert table["batch, m = 64"]["mean"] > 0.95 and table["batch, m = 8"]["mean"] > 0.95
    assert table["batch, m = 4"]["mean"] < 0.4 and table["batch, m = 2"]["mean"] < 0.4
    assert table["layer"]["mean"] < 0.3 and table["layer, 10 tokens"]["mean"] > 0.95


def test_gradient_verdict_matches_a_fresh_measurement():
    table = gradient_flow.summary()
    assert table["none"]["scale_spread"] > 1e6
    assert table["layer"]["scale_spread"] < 3 and table["batch"]["scale_spread"] < 3
    assert table["batch"]["growth_to_input"] > 10 > table["layer"]["growth_to_input"]


def test_the_numbers_in_the_reasons_are_the_results_shown_under_them():
    from lnlib.nb01_formulas_step_by_step import articles
    from lnlib.nb06_claims_tested import article003_mymodel, sync_batch_norm

    gradients = gradient_flow.summary()
    ics = covariate_shift.summary(experiments.load("covariate_shift"))
    none, noisy, layer = ics["none"], ics["noisy batch"], ics["layer"]
    held_out = experiments.load("generalization")
    accuracy = generalization.summary(held_out)
    rnn = rnn_noise.summary(experiments.load("rnn_noise"))
    quoted = {  # claim → what its reason must say, formatted from the results now
        "000-a": [
            f"about {gradient_flow.power_of_ten(gradients['none']['scale_spread'], 1)} between weight scales "
            f"{gradient_flow.GAINS[0]} and {gradient_flow.GAINS[-1]} in a {gradient_flow.DEPTH}-layer MLP",
            f"LN: about {gradients['layer']['scale_spread']:.1f})",
        ],
        "000-d": [
            f"({accuracy['layer']['test']:.2f} vs {accuracy['batch']['test']:.2f} accuracy)",
            f"({generalization.points_from_none(held_out, 'layer')} points)",
        ],
        "004-i": [f"({generalization.points_from_none(held_out, 'layer')} points)"],
        "003-a": [
            f"(BN was {-100 * generalization.difference_from_none(held_out, 'batch')[0]:.1f} points worse"
        ],
        "003-b": [
            f"(the noisy BN: {noisy['input_shift'] / none['input_shift']:.1f}× the shift of no norm, yet loss "
            f"{noisy['train_loss']:.2f} vs {none['train_loss']:.2f})"
        ],
        "004-d": [f"({layer['input_shift']:.2f} vs {none['input_shift']:.2f} without a norm)"],
        "003-d": [f"(≥ {int(100 * min(rnn[arm]['mean'] for arm in ('batch, m = 8', 'batch, m = 64')))} %)"],
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


def test_the_transformer_learning_rate_statements_of_004_h_match_notebook_04s_cache():
    from lnlib.nb04_transformer_stability import verdicts

    table = verdicts.learning_rate_table()
    spans = {
        key: verdicts.learning_rate_range(outcomes, rates) for key, (rates, _, outcomes) in table.items()
    }
    none, pre, post = spans[("none", "pre")], spans[("layer", "pre")], spans[("layer", "post")]
    reason = ledger.by_id("004-h").reason
    assert "higher largest rate with Pre-LN than without a norm but not at the lowest" in reason
    assert pre[1] > none[1] and pre[0] > none[0] and pre[2] == none[2]  # shifted, as wide, not wider
    assert post[2] < none[2]  # Post-LN's range is narrower
    from lnlib.nb04_transformer_stability import budget

    long = {k: verdicts.learning_rate_range(o, r) for k, (r, _, o) in budget.long_budget_table().items()}
    assert "given 600 steps Pre-LN's range becomes wider than no norm's and Post-LN's as wide" in reason
    assert long[("layer", "pre")][2] > long[("none", "pre")][2] == long[("layer", "post")][2]


def test_the_transformer_gradient_ratios_of_003_g_are_notebook_04s():
    from lnlib.nb04_transformer_stability import post_ln
    from lnlib.transformer import experiments as transformer_experiments

    results = transformer_experiments.load()
    reason = ledger.by_id("003-g").reason
    assert f"Xavier init (×{post_ln.output_to_input_gradient(results, 'post', 'xavier'):.2f}" in reason
    assert f"PyTorch's default (×{post_ln.output_to_input_gradient(results, 'post', 'torch'):.2f})" in reason


def test_batch_noise_verdict_matches_the_cached_runs():
    from lnlib.small_nets import batch_noise

    results = experiments.load("batch_noise")
    table, effect = batch_noise.summary(results), batch_noise.noise_effect(results)
    reason = ledger.by_id("003-i").reason
    assert ledger.by_id("003-i").verdict == "depends" and "Our toy disagrees" in reason
    assert all(row["train"] > 0.99 for row in table.values())  # every arm fits the noisy labels completely
    assert abs(effect["train_change"]) < 0.5  # "just as completely"
    assert effect["test_change"] < -2  # "does worse on held-out data"
    for arm, (mean, error) in effect["vs_none"].items():  # "BN at every noise level trails no norm"
        if arm.startswith("batch"):
            assert mean + 2 * error < 0, arm
    assert "no regularizing effect of the noise shows here" in str(batch_noise.findings(results))


def test_the_digits_sentences_of_the_reasons_match_notebook_07s_cache():
    from lnlib.digits.experiments import INIT_SCALES
    from lnlib.nb07_real_data_digits import verdicts as digits

    results = digits.cached_results()
    cells = {norm: digits.trained_cells(results, norm) for norm in digits.NORMS}
    assert (cells["layer"], cells["none"]) == (20, 7)  # 000-e
    assert digits.trained_scales(results, "none", 0.1) == [1.0]  # 004-g
    assert all(
        digits.trained_scales(results, n, 0.1) == [0.1, 0.3, 1.0, 3.0] for n in ("batch", "layer", "rms")
    )
    for scale in INIT_SCALES:  # 004-h
        none = digits.trained_rates(results, "none", scale)
        assert all(
            len(digits.trained_rates(results, n, scale)) > len(none) for n in ("batch", "layer", "rms")
        )
        if none:
            assert digits.largest_rate(results, "layer", scale) <= max(none)
    higher = sum(
        digits.largest_rate(results, "batch", s) > (digits.largest_rate(results, "none", s) or 0)
        for s in INIT_SCALES
    )
    assert higher == 4
    assert digits.verdict_batch_noise(results).outcome == "not shown"  # 003-i
