"""Batch norm on several devices: real gloo processes and the in-process simulation behind the slider."""

import multiprocessing

import numpy as np
import pytest

from lnlib import functional
from lnlib.nb06_claims_tested import sync_batch_norm
from lnlib.nb06_claims_tested.shards import batch_norm_over_shards, example_batch, no_communication, shards_of


@pytest.fixture(scope="module")
def two_processes():
    return sync_batch_norm.run_on_processes(world_size=2, batch=16, features=4, seed=0)


def test_two_gloo_processes_unsynchronised_statistics_differ_from_the_whole_batch(two_processes):
    rows = two_processes.rows()
    alone = [gap for what, _, gap, _ in rows if what.startswith("BN, statistics of its own shard")]
    assert len(alone) == 6 and min(alone) > 1e-2  # μ, y and ∂L/∂x of both ranks are off by a visible amount


def test_two_gloo_processes_all_reduced_statistics_match_the_whole_batch(two_processes):
    synced = [
        gap for what, _, gap, _ in two_processes.rows() if what.startswith("BN, statistics all-reduced")
    ]
    assert len(synced) == 6 and max(synced) < 1e-12


def test_two_gloo_processes_layer_norm_is_identical_however_the_batch_is_split(two_processes):
    ln = [gap for what, _, gap, _ in two_processes.rows() if what.startswith("LN")]
    assert len(ln) == 4 and max(ln) == 0.0
    assert [a["rank"] for a in two_processes.answers] == [0, 1]
    assert "gloo" in str(two_processes.table())


def test_the_processes_are_gone_after_the_run(two_processes):
    assert multiprocessing.active_children() == []


def test_a_distributed_run_needs_two_processes_with_examples_each():
    with pytest.raises(ValueError, match="at least 2 processes"):
        sync_batch_norm.run_on_processes(world_size=1)
    with pytest.raises(ValueError, match="at least one example"):
        sync_batch_norm.run_on_processes(world_size=3, batch=2)


def test_one_shard_is_exactly_library_batch_norm_forward_and_backward():
    data = example_batch(12, 3, seed=5)
    x, grad, gamma, beta = data["x"], data["grad"], data["gamma"], data["beta"]
    result = batch_norm_over_shards([x], [grad], gamma, beta, no_communication)
    np.testing.assert_allclose(
        result.outputs[0],
        functional.batch_norm(x, None, None, gamma, beta, training=True),
        rtol=1e-12,
        atol=1e-13,
    )
    np.testing.assert_allclose(
        result.input_grads[0], functional.batch_norm_backward(grad, x, gamma)[0], rtol=1e-10, atol=1e-12
    )


def test_summing_over_the_shards_of_one_process_is_the_whole_batch():
    data = example_batch(12, 3, seed=5)
    shards, grads = shards_of(data["x"], 3), shards_of(data["grad"], 3)
    whole = batch_norm_over_shards([data["x"]], [data["grad"]], data["gamma"], data["beta"], no_communication)
    pieces = batch_norm_over_shards(shards, grads, data["gamma"], data["beta"], no_communication)
    np.testing.assert_allclose(np.concatenate(pieces.outputs), whole.outputs[0], atol=1e-13)
    np.testing.assert_allclose(np.concatenate(pieces.input_grads), whole.input_grads[0], atol=1e-13)


def test_a_device_with_one_example_cannot_train_batch_norm():
    data = example_batch(4, 2)
    with pytest.raises(ValueError, match="at least 2 examples"):
        batch_norm_over_shards(
            [data["x"][:1]], [data["grad"][:1]], data["gamma"], data["beta"], no_communication
        )
    with pytest.raises(ValueError, match="single example"):
        sync_batch_norm.simulate(3, batch=4)
    with pytest.raises(ValueError, match="5 devices"):
        shards_of(np.zeros((4, 2)), 5)


@pytest.mark.parametrize("devices", [2, 4, 8])
def test_simulated_devices_drift_alone_and_agree_when_all_reduced(devices):
    result = sync_batch_norm.simulate(devices, batch=32)
    assert result["bn_alone_output_gap"] > 1e-2 and result["bn_alone_grad_gap"] > 1e-2
    assert result["bn_synced_output_gap"] < 1e-12 and result["bn_synced_grad_gap"] < 1e-12
    assert result["ln_output_gap"] == 0 and result["ln_grad_gap"] == 0
    assert np.ptp(result["device_means"][:, 0]) > 0


def test_one_simulated_device_is_the_whole_batch():
    result = sync_batch_norm.simulate(1, batch=32)
    assert result["bn_alone_output_gap"] == 0 and result["ln_output_gap"] == 0


def test_shard_app_notes_say_what_the_devices_see():
    app = sync_batch_norm.ShardStatisticsApp()
    assert "alone" in app.note.value and app.status == "ok"
    app.controls["devices"].value = 16
    assert "2 examples each" in app.note.value and "x̂ = ±1" in app.note.value
    app.controls["synchronised"].value = True
    assert "whole batch's again" in app.note.value
    app.controls["devices"].value = 1
    assert "One device" in app.note.value
