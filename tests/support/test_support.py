"""The shared helpers: the repository's paths, torch's threads and determinism, free ports."""

import socket

import pytest
import torch

from lnlib.support import paths
from lnlib.support.determinism import torch_threads
from lnlib.support.ports import free_port


def test_paths_point_into_this_repository():
    assert (paths.ROOT / "README.md").is_file() and (paths.ROOT / "lnlib" / "functional.py").is_file()
    assert [p.name[:2] for p in paths.notebooks()] == ["00", "01", "02", "03", "04", "05", "06", "07"]
    for data_file in (paths.TRANSFORMER_RESULTS, paths.DIGITS_RESULTS, paths.GLOSSARY, paths.WORKED_EXAMPLE):
        assert data_file.is_file(), data_file
    assert sorted(p.stem for p in paths.SMALL_NET_RESULTS.glob("*.json")) == [
        "batch_noise",
        "covariate_shift",
        "generalization",
        "learning_rates",
        "rnn_noise",
    ]


def test_torch_threads_restores_threads_and_determinism_even_after_an_error():
    before = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    with pytest.raises(RuntimeError), torch_threads(deterministic=True):
        assert torch.get_num_threads() == 1 and torch.are_deterministic_algorithms_enabled()
        raise RuntimeError("inside")
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == before

    @torch_threads()
    def inside():
        return torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()

    assert inside() == (1, before[1]) and torch.get_num_threads() == before[0]


def test_torch_threads_touches_the_deterministic_switch_only_when_it_changes(monkeypatch):
    # torch's use_deterministic_algorithms imports TorchInductor on first use (about 1.3 s): an app's
    # first drawing, under torch_threads(), must not pay for it
    calls = []
    switch = torch.use_deterministic_algorithms
    monkeypatch.setattr(
        torch, "use_deterministic_algorithms", lambda mode: (calls.append(mode), switch(mode))
    )
    assert not torch.are_deterministic_algorithms_enabled()
    with torch_threads():
        pass
    assert calls == []
    with torch_threads(deterministic=True):
        with torch_threads(deterministic=True), torch_threads():
            assert torch.are_deterministic_algorithms_enabled()
        assert torch.are_deterministic_algorithms_enabled()
    assert calls == [True, False] and not torch.are_deterministic_algorithms_enabled()


def test_free_port_is_free_on_loopback():
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))
