"""The cached experiments of notebook 06: one protocol, and one configuration of each re-run and compared."""

import pytest

from lnlib.small_nets import experiments
from lnlib.support import paths, results_cache

CHEAPEST = {
    "covariate_shift": "none/seed0",
    "generalization": "rms/seed1",
    "learning_rates": "layer/lr0.3162/gain1/seed1",
    "rnn_noise": "layer, 10 tokens/seed2",
    "batch_noise": "none/seed1",
}
NAMES = [experiment.name for experiment in experiments.all_experiments()]


def test_the_cache_finds_the_five_experiments_by_import_and_each_has_a_cheap_configuration_under_test():
    assert NAMES == ["covariate_shift", "generalization", "learning_rates", "rnn_noise", "batch_noise"]
    assert set(CHEAPEST) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_rerunning_one_configuration_gives_the_cached_numbers(name, rerun_agrees):
    experiment = experiments.by_name(name)
    cached = experiment.load()
    assert CHEAPEST[name] in cached
    fresh = experiment.rerun(CHEAPEST[name])
    assert experiment.rerun(CHEAPEST[name]) == fresh  # bit for bit, on any machine
    machine = results_cache.read(experiment.path, "").get("machine")
    rerun_agrees(machine, cached[CHEAPEST[name]], fresh, f"{name} {CHEAPEST[name]}")


@pytest.mark.parametrize("name", NAMES)
def test_the_cache_holds_every_configuration_once_under_the_key_the_protocol_gives(name):
    experiment = experiments.by_name(name)
    keys = [experiment.key(config) for config in experiment.configs()]
    assert len(keys) == len(set(keys)) and set(keys) == set(experiment.load())
    assert experiment.path == paths.SMALL_NET_RESULTS / f"{name}.json"


def test_a_key_joins_the_fields_with_their_prefixes():
    experiment = experiments.by_name("learning_rates")
    assert (
        experiment.key({"norm": "layer", "lr": 0.31622776, "init_gain": 1.0, "seed": 1})
        == "layer/lr0.316228/gain1/seed1"
    )


def test_each_cache_file_is_read_once_per_process():
    assert experiments.load("generalization") is experiments.load("generalization")


def test_unknown_names_and_missing_files_are_explained(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown experiment 'dropout'; the experiments are covariate_shift"):
        experiments.by_name("dropout")
    with pytest.raises(ValueError, match="no configuration"):
        experiments.by_name("rnn_noise").rerun("transformer/seed0")
    monkeypatch.setattr(paths, "SMALL_NET_RESULTS", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m lnlib cache small-nets rnn_noise"):
        experiments.load("rnn_noise")
