"""Notebook 07's cache: it holds every configuration of the grids, and a few re-run now come out the same."""

import json

import pytest

from lnlib.digits import experiments
from lnlib.support import results_cache

REGENERATED = [
    experiments.grid_config("batch", 1.0, 3.0, seed=2),
    experiments.grid_config("none", 10.0, 0.3, seed=0),
    experiments.grid_config("rms", 0.1, 10.0, seed=1),
]


@pytest.fixture(scope="module")
def results():
    return experiments.load()


def test_the_cache_holds_every_configuration_of_the_grids_and_nothing_else(results):
    assert sorted(c.key for c in experiments.configs()) == sorted(results._runs)
    assert len(experiments.configs()) == 4 * 7 * 5 * 3 + 3 * 2 * 3
    assert results.data["format"] == experiments.FORMAT_VERSION


def test_regenerating_part_of_the_cache_reproduces_it(results, rerun_agrees):
    regenerated = experiments.rerun(REGENERATED)
    stored = [results.run(config) for config in REGENERATED]
    rerun_agrees(results.data.get("machine"), stored, regenerated, "part of notebook 07's cache")


def test_differences_notices_a_changed_number(results):
    stored = results.run(REGENERATED[0])
    changed = json.loads(json.dumps(stored))
    changed["update_ratio"][2][5] *= 1.001
    assert len(results_cache.differences(stored, changed)) == 1


def test_a_configuration_not_in_the_cache_says_so(results):
    with pytest.raises(KeyError, match="not in the cache"):
        results.run(experiments.grid_config("none", 2.0, 0.1))
    with pytest.raises(ValueError, match="unknown grids"):
        experiments.configs(("grid", "warmup"))
