"""The one verdict rule (lnlib.support.verdict_rule): each part is clear when every seed agrees; the word
follows from the parts, and a word that either half of the seeds contradicts is "not decided"."""

from __future__ import annotations

import math

import pytest

from lnlib.support.verdict_rule import Effect, ToyVerdict, decide, every_seed, halves, word


def test_a_part_is_for_against_or_unclear_by_every_seed():
    assert Effect("gap", (0.1, 0.2, 0.3)).side == "for"
    assert Effect("gap", (-0.1, -0.2, -0.3)).side == "against"
    assert Effect("gap", (0.1, -0.2, 0.3)).side == "unclear"
    # a prediction below a threshold: a ratio that must fall under 0.75
    assert Effect("ratio", (0.5, 0.6), predicted="below", threshold=0.75).side == "for"
    assert Effect("ratio", (0.8, 0.9), predicted="below", threshold=0.75).side == "against"
    # a value on the threshold, or NaN, agrees with neither side
    assert Effect("gap", (0.1, 0.0)).side == "unclear"
    assert Effect("gap", (0.1, math.nan)).side == "unclear"
    # a diverged run (∞) lies on a side
    assert Effect("gap", (0.1, math.inf)).side == "for"


def test_mean_and_standard_error_are_computed_by_hand():
    effect = Effect("gap", (1.0, 2.0, 3.0, 4.0, 5.0))
    assert effect.mean == 3.0
    # s² = (4 + 1 + 0 + 1 + 4) / 4 = 2.5, standard error √(2.5 / 5)
    assert effect.standard_error == pytest.approx(math.sqrt(0.5))
    assert math.isnan(Effect("gap", (1.0,)).standard_error)
    assert math.isnan(Effect("gap", (1.0, math.inf)).standard_error)


def test_the_word_follows_from_the_parts():
    shown, against, unclear = Effect("a", (1, 2)), Effect("b", (-1, -2)), Effect("c", (1, -2))
    assert word([shown, shown]) == "shown"
    assert word([against, against]) == "not shown"
    assert word([shown, against]) == "partly shown"
    assert word([shown, unclear]) == "not decided"
    with pytest.raises(ValueError, match="at least one effect"):
        word([])


def test_halves_are_disjoint_and_cover_the_seeds():
    assert halves(5) == ((0, 1), (2, 3, 4))
    first, second = halves(6)
    assert set(first) | set(second) == set(range(6)) and not set(first) & set(second)


def test_a_word_either_half_contradicts_is_not_decided():
    # every seed of the first half for, the second mixed: the full set is unclear anyway
    decision = decide([Effect("gap", (0.2, 0.1, 0.3, -0.1, 0.2))])
    assert decision.word == "not decided" and decision.first_half == "shown"
    # every seed agreeing decides, and each half agrees with it
    decision = decide([Effect("gap", (0.2, 0.1, 0.3, 0.1, 0.2)), Effect("other", (-1, -1, -2, -1, -3))])
    assert decision.word == "partly shown" and decision.stable


def test_every_seed_is_the_one_trains_rule():
    assert every_seed([True, True, True])
    assert not every_seed([True, False, True])
    assert not every_seed([])


def test_a_toy_verdict_takes_its_word_from_its_effects_and_reports_them():
    verdict = ToyVerdict(
        "00-example", "00", "BN trails LN", "a paper", [Effect("BN − LN", (0.1, 0.2, 0.3))], "…"
    )
    assert verdict.outcome == "shown"
    data = verdict.as_dict()
    assert data["word"] == "shown" and data["effects"][0]["values"] == [0.1, 0.2, 0.3]
    assert data["effects"][0]["seeds"] == 3 and data["effects"][0]["mean"] == pytest.approx(0.2)
    assert "0.2" in verdict._repr_html_()


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="above or below"):
        Effect("gap", (1.0,), predicted="higher")
    with pytest.raises(ValueError, match="no seed"):
        Effect("gap", ())


def test_a_toy_verdict_keeps_its_word_as_a_value_and_shows_it_in_chinese(chinese):
    from lnlib.support import language

    verdict = ToyVerdict(
        "00-x", "00", "某个说法。", "某篇论文", [Effect("差", (1, 2)), Effect("差", (-1, -2))], "数字"
    )
    assert verdict.outcome == "partly shown" and verdict.outcome_text == "部分复现"
    shown = verdict._repr_html_()
    assert "结论：部分复现。" in shown and "具体数字与出处（某篇论文）" in shown and "Verdict" not in shown
    language.use("en")
    assert verdict.outcome_text == "partly shown" and "Verdict: partly shown." in verdict._repr_html_()
