"""The experiments cache: the grids it promises, complete, and reproduced bit for bit when re-run."""

import json

import pytest

import lnlib.__main__ as command_line
from lnlib.support import results_cache
from lnlib.support.determinism import torch_threads
from lnlib.transformer import experiments, training
from lnlib.transformer.training import TrainConfig


def test_every_grid_has_at_least_three_seeds_and_the_learning_rate_grid_six_rates():
    assert len(experiments.SEEDS) >= 3 and len(experiments.INIT_SEEDS) >= 3
    assert len(experiments.LEARNING_RATES) >= 6
    for norm, placement in (
        ("none", "pre"),
        ("layer", "post"),
        ("layer", "pre"),
        ("batch", "pre"),
        ("rms", "pre"),
    ):
        assert (norm, placement) in experiments.ARCHITECTURES
    for configs in (
        experiments.learning_rate_configs(),
        experiments.warmup_configs(),
        experiments.batch_norm_configs(),
    ):
        seeds_per_config = {}
        for config in configs:
            seeds_per_config.setdefault(experiments.config_key(config.replace(seed=0)), set()).add(
                config.seed
            )
        assert all(seeds == set(experiments.SEEDS) for seeds in seeds_per_config.values())


def test_shared_runs_are_run_once():
    kinds_and_keys = [(kind, experiments.config_key(c)) for kind, c in experiments.jobs()]
    assert len(kinds_and_keys) == len(set(kinds_and_keys))
    shared = TrainConfig(norm="batch", placement="post", lr=experiments.BATCH_NORM_LR)  # in two grids
    assert shared in experiments.learning_rate_configs() and shared in experiments.batch_norm_configs()


def test_the_stored_cache_holds_every_job_of_the_current_grids(transformer_results):
    for kind, config in experiments.jobs():
        if kind == "train":
            assert transformer_results.has(config), (
                f"{config} is missing: run python -m lnlib cache transformer"
            )
        else:
            assert transformer_results.init(config, seeds=(config.seed,))
    assert transformer_results.data["format"] == experiments.FORMAT_VERSION


# A small part of the cache, re-run here: one initialization, a Post-BN run on padded batches of 2
# (batch statistics recorded), a Post-LN run with its batch-dependence probe, a 4-block no-norm run,
# and one run of the 600-step grid.
REGENERATED = [
    ("init", TrainConfig(norm="layer", placement="post", n_layers=4, seed=4, init="xavier")),
    (
        "train",
        TrainConfig(
            norm="batch", placement="post", lr=experiments.BATCH_NORM_LR, batch_size=2, padded=True, seed=1
        ),
    ),
    (
        "train",
        TrainConfig(norm="layer", placement="post", lr=experiments.BATCH_NORM_LR, batch_size=2, seed=2),
    ),
    ("train", TrainConfig(norm="none", lr=1e-1, seed=0)),
    # the long-budget grid: a no-norm run at the top rate (it diverges early, so it is cheap to re-run)
    ("train", TrainConfig(norm="none", lr=1e-1, steps=experiments.LONG_BUDGET_STEPS, seed=0)),
]


def _stored(results, kind, config):
    key = experiments.config_key(config)
    records = results.data["init"] if kind == "init" else results.data["runs"]
    return next(r for r in records if experiments.config_key(TrainConfig(**r["config"])) == key)


def test_regenerating_part_of_the_cache_reproduces_it(transformer_results, rerun_agrees):
    for job in REGENERATED:
        assert job in experiments.jobs(), f"{job} is not part of the grids any more"
    regenerated = experiments.run_jobs(REGENERATED, workers=1, progress=False)
    assert regenerated[2]["batch_dependence"]["train_neighbours"] == 0.0
    stored = [_stored(transformer_results, *job) for job in REGENERATED]
    machine = transformer_results.data.get("machine")
    if results_cache.other_machine(machine):
        stored, regenerated = _cut_where_both_diverged(stored, regenerated)
    rerun_agrees(machine, stored, regenerated, "part of notebook 04's cache")


PER_STEP = ("losses", "grad_norms")
"""A run's traces with one value per step taken: a run that diverges stops them at the step it diverged."""


def _cut_where_both_diverged(stored: list, regenerated: list) -> tuple:
    """The records with each run that diverged in both cut to the steps both took: on another CPU a run that
    diverges may diverge some steps sooner or later (its step is a measured number like any other), while
    whether it diverged at all must agree."""
    cut_stored, cut_regenerated = [], []
    for old, new in zip(stored, regenerated):
        if old.get("diverged") and new.get("diverged"):
            old, new = dict(old), dict(new)
            for key in PER_STEP:
                steps = min(len(old[key]), len(new[key]))
                old[key], new[key] = old[key][:steps], new[key][:steps]
        cut_stored.append(old)
        cut_regenerated.append(new)
    return cut_stored, cut_regenerated


def test_cutting_where_both_diverged_keeps_every_other_difference():
    diverged = {"diverged": True, "losses": [1.0, 9.0], "grad_norms": [1.0, 9.0]}
    later = {"diverged": True, "losses": [1.0, 9.0, 99.0], "grad_norms": [1.0, 9.0, 99.0]}
    trained = {"diverged": False, "losses": [1.0, 0.5, 0.4], "grad_norms": [1.0, 0.5, 0.4]}
    stored, regenerated = _cut_where_both_diverged([diverged, trained, diverged], [later, trained, trained])
    assert stored[0] == regenerated[0] == diverged  # both diverged: the steps both took
    assert results_cache.differences(stored[1:], regenerated[1:], numbers=False) != []  # only one diverged


def test_differences_notices_a_changed_number_and_ignores_wall_time(transformer_results):
    stored = _stored(transformer_results, *REGENERATED[1])
    changed = json.loads(json.dumps(stored))
    changed["wall_time"] = stored["wall_time"] + 5
    assert results_cache.differences(stored, changed) == []
    changed["losses"][7] *= 1.001
    assert results_cache.differences(stored, changed) == [
        f".losses[7]: stored {stored['losses'][7]!r}, regenerated {changed['losses'][7]!r}"
    ]
    changed["losses"].pop()
    assert "values stored" in results_cache.differences(stored, changed)[0]


def test_batch_dependence_is_zero_for_layer_norm_and_in_eval_mode():
    config = TrainConfig(n_layers=2, batch_size=4)
    with torch_threads(deterministic=True):
        ln = experiments.batch_dependence(training.build_model(config), config)
        bn = experiments.batch_dependence(training.build_model(config.replace(norm="batch")), config)
    assert ln == {"train_neighbours": 0.0, "train_future": 0.0, "eval_neighbours": 0.0, "eval_future": 0.0}
    assert bn["train_neighbours"] > 1e-4 and bn["train_future"] > 1e-5
    assert bn["eval_neighbours"] == 0.0 and bn["eval_future"] == 0.0


def test_missing_results_say_how_to_get_them(tmp_path, transformer_results):
    with pytest.raises(KeyError, match="not in the cache"):
        transformer_results.run(TrainConfig(n_layers=7))
    with pytest.raises(FileNotFoundError, match="python -m lnlib cache transformer"):
        experiments.load(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="unknown grid 'everything'"):
        experiments.jobs(("everything",))


def test_the_command_line_rejects_an_unknown_grid(capsys):
    with pytest.raises(SystemExit):
        command_line.main(["cache", "transformer", "--grids", "bogus"])
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_the_command_line_offers_the_grids_of_the_experiments():
    assert command_line.TRANSFORMER_GRIDS == experiments.GRIDS
