"""Warm-up's cause and Post-LN's side: the verdicts read the cache and say what the toy does not show."""

import math

import numpy as np
import pytest

from lnlib.nb04_transformer_stability import post_ln, verdicts
from lnlib.transformer import experiments
from lnlib.transformer.training import TrainResult


def test_adams_first_step_does_not_depend_on_the_gradients_size():
    small, large = (post_ln.adam_first_step(s) for s in (1.0, 1000.0))
    assert small == pytest.approx(experiments.WARMUP_LR, rel=1e-3)
    assert large == pytest.approx(small, rel=1e-6)


def test_the_toy_shows_the_warmup_effect_but_not_the_gradient_cause(transformer_results):
    verdict = post_ln.verdict_warmup_cause(transformer_results)
    assert verdict.outcome == "not shown" and "The toy shows the effect, not this cause." in verdict.evidence
    torch_layers = verdicts.init_series(transformer_results, "layer", "post", "torch", 12, "init_grad_norms")
    xavier_layers = verdicts.init_series(
        transformer_results, "layer", "post", "xavier", 12, "init_grad_norms"
    )
    torch_ratio = torch_layers.mean(axis=0)[-1] / torch_layers.mean(axis=0)[0]
    xavier_ratio = xavier_layers.mean(axis=0)[-1] / xavier_layers.mean(axis=0)[0]
    assert (
        torch_ratio < 1.1 < xavier_ratio
    )  # barely grows where warm-up is needed; grows where it does not rescue
    assert f"×{torch_ratio:.2f} under PyTorch's init" in verdict.evidence
    assert f"×{xavier_ratio:.2f}" in verdict.evidence
    xavier = verdicts.warmup_runs(transformer_results, "post", 50, init="xavier")
    assert all(verdicts.outcome(r) == "failed" for r in xavier)
    assert "with 50 warm-up steps Post-LN failed" in verdict.evidence


def test_shallow_post_ln_matches_pre_ln_in_the_cache(transformer_results):
    verdict = post_ln.verdict_post_ln_shallow(transformer_results)
    post = verdicts.warmup_runs(transformer_results, "post", 0, depth=4)
    pre = verdicts.warmup_runs(transformer_results, "pre", 0, depth=4)
    difference = np.mean([a.eval_loss - b.eval_loss for a, b in zip(post, pre)])
    assert verdict.outcome == "shown" and f"{difference:+.3f}" in verdict.evidence
    assert "no worse than Pre-LN" in verdict.evidence and "150 steps cannot show it" in verdict.evidence


class WorsePostLN:
    """Every run learns, Post-LN clearly worse than Pre-LN."""

    def runs(self, config, seeds=experiments.SEEDS):
        loss = 1.6 + (0.1 if config.placement == "post" else 0) + 0.001 * np.arange(len(seeds))
        return [
            TrainResult(config.replace(seed=s), losses=[4.0, v], eval_loss=v) for s, v in zip(seeds, loss)
        ]


def test_shallow_post_ln_verdict_follows_its_rule():
    verdict = post_ln.verdict_post_ln_shallow(WorsePostLN())
    assert verdict.outcome == "partly shown" and "worse than Pre-LN" in verdict.evidence
    assert math.isfinite(float(verdict.evidence.split("paired by seed: ")[1].split(" ")[0]))


def test_the_learning_rate_verdict_says_it_is_what_150_steps_show(transformer_results):
    verdict = verdicts.verdict_learning_rate_range(transformer_results)
    assert verdict.outcome == "not shown" and "(within 150 steps)" in verdict.claim
    assert "this verdict is what 150 steps show" in verdict.evidence
    assert "Pre-LN, Pre-BN, Pre-RMSNorm would train over a wider range than no norm" in verdict.evidence
