"""The learning-rate range at 600 steps: read from the cache by the rule of the 150-step verdict."""

import numpy as np

from lnlib.nb04_transformer_stability import budget, verdicts
from lnlib.transformer import experiments


def test_the_long_budget_table_holds_four_times_the_steps(transformer_results):
    table = budget.long_budget_table(transformer_results)
    assert set(table) == set(experiments.LONG_BUDGET_ARCHITECTURES)
    assert experiments.LONG_BUDGET_STEPS == 4 * budget.SHORT_STEPS
    for rates, losses, outcomes in table.values():
        assert list(rates) == list(experiments.LEARNING_RATES)
        assert losses.shape == outcomes.shape == (len(experiments.SEEDS), len(experiments.LEARNING_RATES))


def test_the_long_budget_verdict_follows_its_rule_and_quotes_both_budgets(transformer_results):
    verdict = budget.verdict_learning_rate_range_long(transformer_results)
    table = budget.long_budget_table(transformer_results)
    spans = {k: verdicts.learning_rate_range(o, r) for k, (r, _, o) in table.items()}
    wider = [k for k in (("layer", "pre"), ("layer", "post")) if spans[k][2] > spans[("none", "pre")][2]]
    expected = "shown" if len(wider) == 2 else "partly shown" if wider else "not shown"
    assert verdict.outcome == expected
    for low, high, count in spans.values():
        assert (f"→ {low:g} … {high:g} ({count} rates)" if count else "→ none") in verdict.evidence


def test_longer_runs_learn_at_the_lowest_rate_where_150_steps_were_too_few(transformer_results):
    short = verdicts.learning_rate_table(transformer_results)
    long = budget.long_budget_table(transformer_results)
    for key in (("layer", "pre"), ("layer", "post")):
        assert not (short[key][2][:, 0] == "learned").all()  # 150 steps: still on the way down
        assert np.all(long[key][1][:, 0] < short[key][1][:, 0])  # 600 steps: further down, every seed


def test_the_budget_figure_draws_both_budgets(transformer_results):
    figure = budget.figure_budget(transformer_results)
    assert "150" in figure.axes[0].get_title() and "600" in figure.axes[1].get_title()
    assert len(figure.axes[1].get_legend().get_texts()) == len(experiments.LONG_BUDGET_ARCHITECTURES) + 1
