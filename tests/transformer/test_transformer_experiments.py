"""The lab of notebook 04 on the protocol: its grids, complete in the cache, and reproduced when re-run."""

import json

import pytest

from lnlib.nb04_transformer_stability import verdicts
from lnlib.support import protocol, results_cache
from lnlib.support.determinism import torch_threads
from lnlib.transformer import experiments, training
from lnlib.transformer.training import TrainConfig


def test_every_configuration_runs_with_five_seeds_and_the_learning_rate_grid_has_six_rates():
    assert experiments.LAB.seeds == experiments.SEEDS == (0, 1, 2, 3, 4)
    assert len(experiments.LEARNING_RATES) >= 6
    for norm, placement in (
        ("none", "pre"),
        ("layer", "post"),
        ("layer", "pre"),
        ("batch", "pre"),
        ("rms", "pre"),
    ):
        assert (norm, placement) in experiments.ARCHITECTURES
    seeds_per_job = {}
    for config in experiments.LAB.configs():
        seeds_per_job.setdefault(experiments.key({**config, "seed": 0}), set()).add(config["seed"])
    assert all(seeds == set(experiments.SEEDS) for seeds in seeds_per_job.values())


def test_the_lab_is_the_protocols_and_a_run_two_grids_share_runs_once():
    assert protocol.lab("transformer") is experiments.LAB
    keys = [experiments.key(config) for config in experiments.LAB.configs()]
    assert len(keys) == len(set(keys))
    shared = TrainConfig(norm="batch", placement="post", lr=experiments.BATCH_NORM_LR)  # in two grids
    assert shared in experiments.learning_rate_configs() and shared in experiments.batch_norm_configs()
    assert sum(config == experiments.job("train", shared) for config in experiments.grid()) == 2
    assert keys.count(experiments.config_key("train", shared)) == 1
    with pytest.raises(ValueError, match="'init' or 'train'"):
        experiments.job("evaluate", shared)


def test_the_stored_cache_holds_every_job_of_the_current_grids(transformer_results):
    content = experiments.LAB.load()
    assert content["seeds"] == list(experiments.SEEDS)
    assert set(content["results"]) == {experiments.key(config) for config in experiments.LAB.configs()}
    for config in experiments.LAB.configs():
        if config["kind"] == "train":
            assert transformer_results.has(TrainConfig(**{k: v for k, v in config.items() if k != "kind"}))


# A small part of the cache, re-run here: one initialization and a Post-LN run with its batch-dependence probe.
REGENERATED = [
    experiments.config_key(
        "init", TrainConfig(norm="layer", placement="post", n_layers=4, seed=4, init="xavier")
    ),
    experiments.config_key(
        "train",
        TrainConfig(norm="layer", placement="post", lr=experiments.BATCH_NORM_LR, batch_size=2, seed=2),
    ),
]


def test_regenerating_part_of_the_cache_reproduces_it(transformer_results, rerun_agrees):
    stored = [transformer_results.results[key] for key in REGENERATED]
    regenerated = [experiments.LAB.rerun(key) for key in REGENERATED]
    assert regenerated[1]["batch_dependence"]["train_neighbours"] == 0.0
    machine = experiments.LAB.load().get("machine")
    if results_cache.other_machine(machine):
        stored, regenerated = _cut_where_both_diverged(stored, regenerated)
    rerun_agrees(machine, stored, regenerated, "part of notebook 04's cache")


def test_a_rerun_on_another_machine_keeps_every_verdicts_word(transformer_results, tmp_path):
    """Every verdict's word from a cache in which the re-run configurations replace the stored ones."""
    content = json.loads(json.dumps(experiments.LAB.load()))
    for key in REGENERATED:
        content["results"][key] = experiments.LAB.rerun(key)
    results_cache.write(tmp_path / experiments.LAB.file, content)
    expected = [v.outcome for v in verdicts.all_verdicts()]
    with protocol.reading_from(tmp_path):
        assert [v.outcome for v in verdicts.all_verdicts(experiments.load())] == expected


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
    stored = transformer_results.results[REGENERATED[1]]
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


def test_a_run_honours_its_device_and_refuses_an_unknown_kind():
    config = experiments.job("init", TrainConfig(n_layers=1)) | {"seed": 0}
    assert experiments.run(config, "cpu")["init_grad_norms"]
    with pytest.raises(KeyError):
        experiments.run({k: v for k, v in config.items() if k != "kind"}, "cpu")


def test_missing_results_say_how_to_get_them(tmp_path, transformer_results):
    with pytest.raises(KeyError, match="not in the cache"):
        transformer_results.run(TrainConfig(n_layers=7))
    with (
        protocol.reading_from(tmp_path),
        pytest.raises(FileNotFoundError, match="python -m lnlib cache transformer"),
    ):
        experiments.load()
