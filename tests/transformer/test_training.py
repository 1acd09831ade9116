"""Training measures what it says, repeats itself bit for bit, and reports a blow-up instead of crashing."""

import math

import numpy as np
import pytest
import torch

from lnlib.transformer import training
from lnlib.transformer.training import TrainConfig, train

SMALL = TrainConfig(n_layers=2, d_model=32, steps=12, batch_size=4, seq_len=8)


def test_a_run_records_every_step_and_the_measurements_at_init():
    result = train(SMALL)
    assert len(result.losses) == len(result.grad_norms) == SMALL.steps
    assert len(result.init_grad_norms) == len(result.init_block_grad_norms) == SMALL.n_layers
    assert len(result.init_residual) == SMALL.n_layers + 1
    assert all(g > 0 for g in result.init_grad_norms) and not result.diverged
    assert result.diverged_step is None and result.wall_time > 0
    # a fresh model guesses about uniformly: its first loss is near ln 65 (64 tokens + padding), within 0.5
    assert result.losses[0] == pytest.approx(math.log(65), abs=0.5)
    assert math.isfinite(result.eval_loss)
    # layer norm has no batch statistics: the two held-out losses are the same number
    assert result.eval_loss == result.eval_loss_batch_statistics
    assert result.mean_shift == [] and result.statistics_steps == []


def test_the_same_config_gives_bit_identical_numbers():
    for config in (SMALL, SMALL.replace(norm="batch", padded=True, min_len=3)):
        first, second = train(config), train(config)
        assert first.losses == second.losses and first.grad_norms == second.grad_norms
        assert first.eval_loss == second.eval_loss and first.init_grad_norms == second.init_grad_norms
        assert first.mean_shift == second.mean_shift
    assert train(SMALL.replace(seed=1)).losses != train(SMALL).losses


def test_training_leaves_torch_global_settings_as_it_found_them():
    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    train(SMALL.replace(steps=2))
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic


def test_a_model_learns_the_chain():
    result = train(TrainConfig(n_layers=1, steps=120, lr=1e-2))
    chain = training.task_chain(TrainConfig())
    # well below the unigram level (4.06): at least 75 % of the way to the optimum 1.386
    assert result.eval_loss < chain.unigram_loss - 0.75 * (chain.unigram_loss - chain.best_loss)
    assert result.eval_loss > chain.best_loss - 0.05, "no model beats the optimum (beyond sampling noise)"


def test_a_blow_up_is_caught_reported_and_stops_training():
    result = train(TrainConfig(norm="none", n_layers=4, lr=1e4, steps=60, batch_size=4))
    assert result.diverged and result.diverged_step is not None
    assert len(result.losses) == result.diverged_step < 60, "training stops at the step that blew up"
    assert all(math.isfinite(v) for v in result.losses), "only the finite steps are recorded"
    assert math.isnan(result.final_loss)
    assert result.as_dict()["eval_loss"] is None, "NaN is stored as null in JSON"


def test_warmup_raises_the_learning_rate_linearly():
    # step 1 of a 4-step warm-up to 4e-3 uses lr 1e-3: its first update equals a plain run's at 1e-3
    warm = train(SMALL.replace(warmup_steps=4, steps=1, lr=4e-3), keep_model=True)
    plain = train(SMALL.replace(steps=1, lr=1e-3), keep_model=True)
    faster = train(SMALL.replace(steps=1, lr=4e-3), keep_model=True)
    for a, b in zip(warm.model.parameters(), plain.model.parameters()):
        assert torch.equal(a, b)
    assert not all(torch.equal(a, b) for a, b in zip(warm.model.parameters(), faster.model.parameters()))


def test_on_step_can_stop_training():
    result = train(SMALL, on_step=lambda r: len(r.losses) >= 5)
    assert len(result.losses) == 5 and not result.diverged


def test_init_gradients_match_a_direct_computation():
    config = SMALL.replace(n_layers=3)
    model = training.build_model(config)
    batches = training.evaluation_batches(config)[:2]
    measured = training.init_diagnostics(model, batches)
    norms = []
    for inputs, targets, mask in batches:
        model.zero_grad()
        training.masked_cross_entropy(model(inputs, mask), targets, mask).backward()
        norms.append(model.blocks[-1].feed_forward.w2.weight.grad.norm().item())
    # the mean over batches of the last block's ‖∂L/∂W²‖, to float rounding
    assert measured["init_grad_norms"][-1] == pytest.approx(np.mean(norms), rel=1e-5)
    assert measured["init_residual"][0] == pytest.approx(1.0, abs=0.25), "embeddings have unit variance"


def test_batch_norm_runs_measure_batch_statistics_and_the_train_eval_gap():
    result = train(SMALL.replace(norm="batch", steps=20, batch_size=2))
    assert result.statistics_steps == list(range(0, 20, training.STATISTICS_EVERY))
    assert len(result.mean_shift) == len(result.var_ratio_shift) == 4
    assert all(s > 0 for s in result.mean_shift)
    # batch of 2 × 8 tokens: batch statistics differ from the running ones, so the two held-out losses differ
    assert result.eval_loss != result.eval_loss_batch_statistics


def test_padded_runs_ignore_padding_in_the_loss():
    inputs, targets, mask = training.to_tensors(
        training.draw_batch(
            SMALL.replace(padded=True, min_len=3), training.task_chain(SMALL), 6, np.random.default_rng(0)
        )
    )
    logits = torch.randn(6, SMALL.seq_len, SMALL.vocab_size + 1)
    changed = logits.clone()
    changed[~mask] = 100.0  # whatever the model says at padding positions
    assert training.masked_cross_entropy(logits, targets, mask) == training.masked_cross_entropy(
        changed, targets, mask
    )
    assert (~mask).any()


def test_results_round_trip_through_json_data():
    result = train(SMALL.replace(steps=3))
    again = training.TrainResult.from_dict(result.as_dict())
    assert again.losses == result.losses and again.config == result.config


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"norm": "weight"}, "unknown norm"),
        ({"placement": "between"}, "placement"),
        ({"lr": 0}, "lr must be a positive number"),
        ({"lr": float("nan")}, "lr must be a positive number"),
        ({"steps": 0}, "steps"),
        ({"batch_size": 1.5}, "batch_size"),
        ({"warmup_steps": -1}, "warmup_steps"),
        ({"padded": True, "min_len": 1}, "min_len"),
    ],
)
def test_bad_configs_say_what_is_wrong(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes)


def test_labels_name_the_architecture():
    assert TrainConfig(norm="layer", placement="post", n_layers=12).label == "Post-LN, 12 blocks"
    assert TrainConfig(norm="none", n_layers=1).label == "no norm, 1 block"
    assert "(padding counted)" in TrainConfig(norm="batch", padded=True, batch_norm_counts_padding=True).label


def test_training_step_benchmark_compares_each_norm_with_torch():
    from lnlib.tools import bench

    rows = bench.bench_training(rounds=2)
    assert [(norm, name) for norm, _, name, _, _ in rows] == [
        ("layer", "torch.nn"),
        ("layer", "lnlib.nn"),
        ("batch", "torch.nn"),
        ("batch", "lnlib.nn"),
        ("rms", "torch.nn"),
        ("rms", "lnlib.nn"),
        ("none", "— (no norm)"),
    ]
    for norm, _, name, milliseconds, ratio in rows:
        assert milliseconds > 0
        if norm == "none":
            assert ratio is None, "no norm modules: nothing to compare"
        elif name == "torch.nn":
            assert ratio == 1.0
        else:
            assert ratio > 0
