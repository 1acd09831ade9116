"""The one experiment protocol (lnlib.support.protocol): configurations × seeds, one seeded run each, a cache
file that records its machine, written under any folder laid out as data/ and read back from it."""

from __future__ import annotations

import sys
import types

import pytest

from lnlib.support import paths, protocol


def _run(config: dict, device: str) -> dict:
    import torch

    torch.manual_seed(config["seed"])
    return {"draw": float(torch.randn(()) * config["scale"]), "device": device}


@pytest.fixture
def toy_lab(monkeypatch):
    """A lab of two configurations × three seeds, defined in a module the protocol can import."""
    module = types.ModuleType("toy_lab_for_tests")
    module.LAB = protocol.Lab(
        name="toy",
        notebook="99",
        file="toy/toy.json",
        grid=lambda: [{"scale": 1.0}, {"scale": 2.0}, {"scale": 1.0}],
        seeds=(0, 1, 2),
        key=lambda c: f"scale{c['scale']:g}/seed{c['seed']}",
        run=_run,
        records=lambda: {"made_from": "nothing"},
    )
    monkeypatch.setitem(sys.modules, "toy_lab_for_tests", module)
    monkeypatch.setitem(protocol.LAB_MODULES, "toy", "toy_lab_for_tests")
    return module.LAB


def test_a_lab_runs_each_configuration_and_seed_once_and_writes_its_machine(toy_lab, tmp_path):
    assert len(toy_lab.configs()) == 6  # the repeated configuration runs once
    content = protocol.generate("toy", tmp_path, workers=1, progress=False)
    written = tmp_path / "toy" / "toy.json"
    assert written.exists() and content["machine"] == protocol.machine()
    assert content["seeds"] == [0, 1, 2] and content["made_from"] == "nothing"
    assert set(content["results"]) == {f"scale{s}/seed{seed}" for s in (1, 2) for seed in (0, 1, 2)}
    # one seed, two scales: the same draw, twice as large (seeded runs)
    results = content["results"]
    assert results["scale2/seed1"]["draw"] == pytest.approx(2 * results["scale1/seed1"]["draw"], rel=1e-5)
    # read back from that folder, and a rerun agrees with the cache
    with protocol.reading_from(tmp_path):
        assert toy_lab.results() == results
    assert toy_lab.results(tmp_path)["scale1/seed0"] == toy_lab.rerun("scale1/seed0")


def test_bad_names_devices_and_folders_are_refused_with_a_reason(toy_lab, tmp_path):
    with pytest.raises(ValueError, match="unknown lab 'toys'"):
        protocol.names(["toys"])
    with pytest.raises(ValueError, match="--device is one of"):
        protocol.check_device("tpu")
    import torch

    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA GPU"):
            protocol.generate("toy", tmp_path, workers=1, device="cuda", progress=False)
    with pytest.raises(ValueError, match="not a folder"), protocol.reading_from(tmp_path / "missing"):
        pass
    with pytest.raises(FileNotFoundError, match="python -m lnlib cache toy"):
        toy_lab.results(tmp_path)
    with pytest.raises(ValueError, match="no configuration"):
        toy_lab.rerun("scale3/seed0")


def test_names_expand_groups_and_all_in_order():
    assert protocol.names(["small-nets"]) == list(protocol.GROUPS["small-nets"])
    assert protocol.names([]) == list(protocol.LAB_MODULES)
    assert protocol.names(["digits", "all"])[0] == "digits"
    assert protocol.data_folder() == paths.DATA
