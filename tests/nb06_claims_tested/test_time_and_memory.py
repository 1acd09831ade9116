"""Time and memory of layer norm and batch norm: the measurements run and count what they claim to count.

No test asserts a time: times are measured by the notebook and by the benchmark, on a shared machine.
"""

import numpy as np
import pytest

from lnlib import ui
from lnlib.nb06_claims_tested import time_and_memory

FLOAT32 = 4


@pytest.mark.parametrize("batch, features", [(64, 512), (3, 7), (4096, 16)])
def test_layer_norm_keeps_the_input_and_two_numbers_per_example(batch, features):
    saved = time_and_memory.saved_for_backward("layer", batch, features)
    assert saved == {
        "input": batch * features * FLOAT32,
        "statistics": 2 * batch * FLOAT32,
        "parameters": 2 * features * FLOAT32,
        "running buffers": 0,
    }


@pytest.mark.parametrize("batch, features", [(64, 512), (3, 7), (4096, 16)])
def test_batch_norm_keeps_the_input_two_numbers_per_feature_and_two_running_buffers(batch, features):
    saved = time_and_memory.saved_for_backward("batch", batch, features)
    assert saved["input"] == batch * features * FLOAT32
    assert saved["statistics"] == 2 * features * FLOAT32
    assert saved["running buffers"] == 2 * features * FLOAT32
    assert saved["parameters"] == features * FLOAT32  # γ is saved, β is not needed for the backward pass


def test_neither_norm_keeps_much_beyond_the_input_that_both_keep():
    for features, _batch, kind, kept_input, extra, _ in time_and_memory.memory_rows():
        assert extra <= kept_input / 4, (features, kind)  # at most a quarter more, at D = 16 or N = 16


def test_numpy_peak_is_about_the_same_for_both_norms_at_every_shape():
    for features in (16, 1024):
        batch = 2**14 // features
        peaks = [time_and_memory.numpy_peak_bytes(kind, batch, features) for kind in time_and_memory.KINDS]
        input_bytes = batch * features * FLOAT32
        assert all(
            input_bytes <= peak < 8 * input_bytes for peak in peaks
        )  # a few temporaries of the input's size
        assert 0.8 < peaks[0] / peaks[1] < 1.25


def test_timing_rows_cover_the_sizes_with_a_fixed_number_of_values():
    rows = time_and_memory.time_forward_backward(feature_dims=(16, 256), total_values=2**12, rounds=2)
    assert [(d, n) for d, n, _, _ in rows] == [(16, 256), (256, 16)]
    assert all(np.isfinite(t) and t > 0 for row in rows for t in row[2:])
    assert (
        time_and_memory.time_forward_backward(feature_dims=[16, 256], total_values=2**12, rounds=2) is rows
    )  # measured once
    ratios = str(time_and_memory.time_ratios(rows))
    for features, _, layer, batch in rows:
        assert f"{ui.format_number(layer / batch, 2)} at D = {features}" in ratios


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="'layer' or 'batch'"):
        time_and_memory.saved_for_backward("group", 4, 4)
    with pytest.raises(ValueError, match="at least 1"):
        time_and_memory.saved_for_backward("layer", 0, 4)
    with pytest.raises(ValueError, match="'layer' or 'batch'"):
        time_and_memory.numpy_peak_bytes("rms", 4, 4)


def test_memory_app_says_which_norm_keeps_more():
    app = time_and_memory.MemoryApp()
    assert "Both keep the input: 131,072 bytes" in app.note.value
    app.controls["batch"].value = 65536
    app.controls["features"].value = 8
    assert "Batch norm keeps less" in app.note.value
    app.controls["batch"].value = 8
    app.controls["features"].value = 65536
    assert "Layer norm keeps less" in app.note.value
    app.controls["batch"].value = 1
    assert app.status == "explained"
