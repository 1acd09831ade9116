"""The cached experiments of notebook 06: one configuration of each re-run and compared with its cache."""
import math

import pytest

from lnlib import experiment_cache

CHEAPEST = {
    "covariate_shift": "none/seed0",
    "generalization": "rms/seed1",
    "learning_rates": "layer/lr0.3162/gain1/seed1",
    "rnn_noise": "layer, 10 tokens/seed2",
}


def test_every_experiment_has_a_cheap_configuration_under_test():
    assert set(CHEAPEST) == set(experiment_cache.EXPERIMENTS)


@pytest.mark.parametrize("name", experiment_cache.EXPERIMENTS)
def test_rerunning_one_configuration_gives_the_cached_numbers(name):
    cached = experiment_cache.load(name)
    assert CHEAPEST[name] in cached
    fresh = experiment_cache.rerun(name, CHEAPEST[name])
    assert experiment_cache.same_numbers(fresh, cached[CHEAPEST[name]])


@pytest.mark.parametrize("name", experiment_cache.EXPERIMENTS)
def test_the_cache_holds_every_configuration_once(name):
    module = experiment_cache._module(name)
    keys = [module.config_key(config) for config in module.configs()]
    assert len(keys) == len(set(keys)) and set(keys) == set(experiment_cache.load(name))


def test_each_cache_file_is_read_once_per_process():
    assert experiment_cache.load("generalization") is experiment_cache.load("generalization")


def test_unknown_names_and_missing_files_are_explained(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown experiment"):
        experiment_cache.path("dropout")
    with pytest.raises(ValueError, match="no configuration"):
        experiment_cache.rerun("rnn_noise", "transformer/seed0")
    monkeypatch.setattr(experiment_cache, "DATA", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m lnlib.experiment_cache rnn_noise"):
        experiment_cache.load("rnn_noise")


def test_same_numbers_compares_nested_results_with_a_tolerance():
    a = {"x": [1.0, float("nan")], "y": {"z": 3}, "s": "text", "n": None}
    assert experiment_cache.same_numbers(a, {"x": [1.0 + 1e-9, math.nan], "y": {"z": 3}, "s": "text", "n": None})
    assert not experiment_cache.same_numbers(a, {"x": [1.1, math.nan], "y": {"z": 3}, "s": "text", "n": None})
    assert not experiment_cache.same_numbers([1.0], [1.0, 2.0])
    assert not experiment_cache.same_numbers({"x": 1}, {"y": 1})
