"""Notebook 07's cache: the protocol's file, with every configuration × seed of both grids, and re-runs that agree."""

import json

import pytest

from lnlib.digits import data, experiments
from lnlib.digits.training import RunConfig
from lnlib.nb07_real_data_digits import verdicts
from lnlib.support import protocol, results_cache

RERUN = experiments.grid_config("batch", 1.0, 3.0, seed=2)


@pytest.fixture(scope="module")
def results():
    return experiments.load()


def test_the_cache_holds_every_configuration_of_both_grids_at_every_seed_and_nothing_else(results):
    keys = sorted(experiments.LAB.key(config) for config in experiments.LAB.configs())
    assert keys == sorted(results.data["results"])
    per_seed = 4 * 7 * 5 + 3 * 2
    assert len(keys) == per_seed * len(experiments.SEEDS)
    assert results.seeds == experiments.SEEDS and len(results.seeds) >= 5
    assert results.data["format"] == protocol.FORMAT_VERSION and results.data["lab"] == "digits"


def test_the_cache_records_the_digits_files_sha256(results):
    assert results.data["digits_sha256"] == data.file_sha256(), (
        "the digits file changed: regenerate the cache"
    )


def test_the_lab_is_the_protocols_digits_lab():
    assert protocol.lab("digits") is experiments.LAB
    for config in experiments.LAB.grid():
        assert "seed" not in config and json.loads(json.dumps(config)) == config
        RunConfig(**config, seed=0)  # every configuration is a valid run


def test_rerunning_one_configuration_agrees_with_the_cache(results, rerun_agrees):
    """Number by number on the machine that made the cache; elsewhere its shape, and whether it trains when it is
    not within 5 points of the bar."""
    stored = results.run(RERUN)
    regenerated = experiments.LAB.rerun(RERUN.key)
    if abs(stored["test_accuracy"] - verdicts.TRAINS_AT) > 0.05:
        assert verdicts.run_outcome(regenerated) == verdicts.run_outcome(stored)
    rerun_agrees(results.data.get("machine"), stored, regenerated, "a run of notebook 07's cache")


def test_differences_notices_a_changed_number(results):
    stored = results.run(RERUN)
    changed = json.loads(json.dumps(stored))
    changed["update_ratio"][2][5] *= 1.001
    assert len(results_cache.differences(stored, changed)) == 1


def test_a_configuration_not_in_the_cache_says_so(results):
    with pytest.raises(KeyError, match="not in the cache"):
        results.run(experiments.grid_config("none", 2.0, 0.1))
