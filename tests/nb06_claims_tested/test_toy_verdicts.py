"""Notebook 06's toy verdicts: each word is the verdict rule applied to the cached numbers, seed by seed."""

import numpy as np
import pytest

from lnlib.nb06_claims_tested import ledger, toy_verdicts
from lnlib.small_nets import generalization, learning_rates, rnn_noise
from lnlib.support.verdict_rule import Effect, ToyVerdict, decide, halves, word

IDS = list(toy_verdicts.VERDICTS)


@pytest.mark.parametrize("verdict_id", IDS)
def test_each_word_is_the_rule_applied_to_its_parts_on_every_seed_and_each_half(verdict_id):
    verdict = toy_verdicts.by_id(verdict_id)
    assert verdict.id == verdict_id and verdict.id.startswith("06-") and verdict.notebook == "06"
    assert verdict.outcome == decide(verdict.effects).word
    for effect in verdict.effects:
        assert effect.seeds >= 5
    for half, index in ((verdict.decision.first_half, 0), (verdict.decision.second_half, 1)):
        assert half == word([e.on(halves(e.seeds)[index]) for e in verdict.effects])
    stable = verdict.decision.full == verdict.decision.first_half == verdict.decision.second_half
    assert verdict.outcome == (verdict.decision.full if stable else "not decided")


def test_all_verdicts_takes_no_arguments_and_returns_each_once():
    verdicts = toy_verdicts.all_verdicts()
    assert [v.id for v in verdicts] == IDS
    assert all(isinstance(v, ToyVerdict) for v in verdicts)


def test_the_held_out_effect_is_lns_accuracy_minus_no_norms_seed_by_seed():
    results = generalization.LAB.results()
    by_hand = [
        results[f"layer/seed{s}"]["final_test_accuracy"] - results[f"none/seed{s}"]["final_test_accuracy"]
        for s in generalization.SEEDS
    ]
    (effect,) = toy_verdicts.by_id("06-generalization").effects
    np.testing.assert_allclose(effect.values, by_hand)
    assert toy_verdicts.by_id("06-generalization").outcome == decide([Effect("by hand", by_hand)]).word


def test_the_rnn_harm_is_measured_against_no_norm_with_a_one_point_threshold():
    results = rnn_noise.LAB.results()
    verdict = toy_verdicts.by_id("06-rnn-noise")
    groups = [arm for arm in rnn_noise.ARMS if arm.startswith("batch")]
    assert len(verdict.effects) == len(groups)
    for arm, effect in zip(groups, verdict.effects):
        by_hand = [
            results[f"{arm}/seed{s}"]["test_accuracy"] - results[f"none/seed{s}"]["test_accuracy"]
            for s in rnn_noise.SEEDS
        ]
        np.testing.assert_allclose(effect.values, by_hand)
        assert effect.predicted == "below" and effect.threshold == -toy_verdicts.HARM


def test_the_learning_rate_effect_counts_the_rates_each_seed_trains_at():
    results = learning_rates.LAB.results()
    (effect,) = toy_verdicts.by_id("06-learning-rates").effects
    for index, seed in enumerate(learning_rates.SEEDS):
        counts = {
            norm: sum(
                np.isfinite(
                    results[learning_rates.key({"norm": norm, "lr": lr, "init_gain": 1.0, "seed": seed})][
                        "final_loss"
                    ]
                )
                and results[learning_rates.key({"norm": norm, "lr": lr, "init_gain": 1.0, "seed": seed})][
                    "final_loss"
                ]
                < learning_rates.TRAINS_BELOW
                for lr in learning_rates.LEARNING_RATES
            )
            for norm in ("layer", "none")
        }
        assert effect.values[index] == counts["layer"] - counts["none"]


def _stand_in(verdict_id: str, values) -> ToyVerdict:
    return ToyVerdict(verdict_id, "06", "a claim", "a source", (Effect("a part", values),), "numbers {0}")


def test_a_ledger_row_fills_its_toy_sentence_from_the_verdict_it_is_given():
    claim = ledger.by_id("000-c")
    (verdict_id,) = claim.toy
    shown = ledger.reason(claim, {verdict_id: _stand_in(verdict_id, (1, 2, 3, 4, 5))})
    refuted = ledger.reason(claim, {verdict_id: _stand_in(verdict_id, (-1, -2, -3, -4, -5))})
    assert shown != refuted
    for reason, values in ((shown, (1, 2, 3, 4, 5)), (refuted, (-1, -2, -3, -4, -5))):
        assert reason.endswith(ledger.toy_sentence(_stand_in(verdict_id, values)))
    assert ledger.reason(claim) == ledger.reason(claim, {verdict_id: toy_verdicts.by_id(verdict_id)})
    assert ledger.reason(ledger.by_id("003-h")) == ledger.by_id("003-h").reason  # no toy cited


def test_verdicts_read_from_another_folder_of_caches(tmp_path):
    from lnlib.support import protocol

    with protocol.reading_from(tmp_path), pytest.raises(FileNotFoundError):
        toy_verdicts.by_id("06-generalization")
    with pytest.raises(KeyError, match="no toy verdict"):
        toy_verdicts.by_id("06-dropout")


def test_the_summary_table_lists_every_verdict_with_its_word(chinese):
    table = toy_verdicts.verdict_table()
    assert [v.id for v in table.verdicts] == list(toy_verdicts.VERDICTS)
    shown = table._repr_html_()
    assert all(v.outcome_text in shown for v in table.verdicts) and "笔记本 06 的玩具结论" in shown
