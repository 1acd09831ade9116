"""The cached experiments of notebook 06 on the one protocol: one configuration of each re-run and compared."""

import pytest

from lnlib.support import protocol

CHEAPEST = {
    "covariate_shift": "none/seed0",
    "generalization": "rms/seed1",
    "learning_rates": "layer/lr0.3162/gain1/seed1",
    "rnn_noise": "layer, 10 tokens/seed2",
    "batch_noise": "none/seed1",
}
NAMES = list(protocol.GROUPS["small-nets"])


def test_the_group_names_the_five_labs_and_each_has_a_cheap_configuration_under_test():
    assert set(CHEAPEST) == set(NAMES)
    for name in NAMES:
        lab = protocol.lab(name)
        assert lab.name == name and lab.notebook == "06" and lab.file == f"experiments/{name}.json"
        assert len(lab.seeds) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_rerunning_one_configuration_gives_the_cached_numbers(name, rerun_agrees):
    lab = protocol.lab(name)
    cached = lab.results()
    assert CHEAPEST[name] in cached
    fresh = lab.rerun(CHEAPEST[name])
    rerun_agrees(lab.load().get("machine"), cached[CHEAPEST[name]], fresh, f"{name} {CHEAPEST[name]}")


@pytest.mark.parametrize("name", NAMES)
def test_the_cache_holds_every_configuration_once_under_the_key_the_protocol_gives(name):
    lab = protocol.lab(name)
    keys = [lab.key(config) for config in lab.configs()]
    assert len(keys) == len(set(keys)) and set(keys) == set(lab.results())
    assert lab.load()["seeds"] == list(lab.seeds)


def test_a_key_joins_the_fields_with_their_prefixes():
    lab = protocol.lab("learning_rates")
    assert (
        lab.key({"norm": "layer", "lr": 0.31622776, "init_gain": 1.0, "seed": 1})
        == "layer/lr0.316228/gain1/seed1"
    )


def test_each_cache_file_is_read_once_per_process():
    lab = protocol.lab("generalization")
    assert lab.results() is lab.results()


def test_unknown_configurations_and_missing_files_are_explained(tmp_path):
    with pytest.raises(ValueError, match="no configuration"):
        protocol.lab("rnn_noise").rerun("transformer/seed0")
    with (
        protocol.reading_from(tmp_path),
        pytest.raises(FileNotFoundError, match="python -m lnlib cache rnn_noise"),
    ):
        protocol.lab("rnn_noise").results()
