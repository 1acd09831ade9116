"""BN's running statistics by hand against torch, what goes wrong without eval(), folding (notebook 03)."""

import numpy as np
import pytest
import torch

from lnlib import nn as lnn
from lnlib.nb03_bn_vs_ln_axes import conventions
from lnlib.nb03_bn_vs_ln_axes import running_statistics as rs


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0, None])
def test_running_updates_by_hand_match_torch(momentum):
    for step in rs.running_updates(rs.training_batches(6, 5), momentum):
        np.testing.assert_allclose(step["running_mean"], step["torch running_mean"], rtol=1e-13, atol=1e-14)
        np.testing.assert_allclose(step["running_var"], step["torch running_var"], rtol=1e-13)
        np.testing.assert_allclose(step["batch variance (unbiased)"], step["batch variance (biased)"] * 5 / 4)


def test_momentum_none_is_the_plain_average_of_the_batch_statistics():
    batches = rs.training_batches(7, 4)
    last = rs.running_updates(batches, None)[-1]
    np.testing.assert_allclose(
        last["running_mean"], np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-13
    )
    np.testing.assert_allclose(
        last["running_var"], np.mean([b.var(0, ddof=1) for b in batches], axis=0), rtol=1e-13
    )


def test_the_report_shows_the_numbers_of_the_first_update():
    batch = rs.training_batches(3, 4)[0]
    report = rs.running_updates_report()
    # running_mean = 0.9·0 + 0.1·μ_B; running_var = 0.9·1 + 0.1·unbiased σ²_B
    assert f"running_mean {0.1 * batch.mean(0)[0]:+.6f} (torch {0.1 * batch.mean(0)[0]:+.6f})" in report
    assert f"running_var {0.9 + 0.1 * batch.var(0, ddof=1)[0]:.6f}" in report
    assert "m = 0.3333" in report  # momentum=None, batch 3


def test_eval_by_hand_matches_torch_and_lnlib():
    layer = rs.trained_layer()
    x = rs.training_batches(1, 6, seed=9)[0]
    hand, ours = rs.eval_by_hand(layer, x)
    np.testing.assert_allclose(hand, ours, rtol=1e-13, atol=1e-13)
    mine = lnn.BatchNorm1d(3, eps=rs.EPS, dtype=torch.float64)
    mine.load_state_dict(layer.state_dict())
    np.testing.assert_allclose(
        mine.eval()(torch.from_numpy(x)).detach().numpy(), hand, rtol=1e-12, atol=1e-12
    )
    # the line notebook 03 prints: the same largest gap, in the format it promises
    report = rs.eval_by_hand_report(layer, x)
    assert report.startswith(f"largest difference, by hand vs torch: {np.abs(hand - ours).max():.1e} (")


def test_forgetting_eval():
    result = rs.forgotten_eval(test_shift=2.0)
    assert "Expected more than 1 value per channel" in result["batch of one"]
    same = result["same example, two batches"]
    assert same["train"] > 0.1 and same["eval"] == 0
    drift = result["drift"]
    # the buffers moved most of the way towards the test data's mean
    assert np.all(
        np.abs(drift["after"] - drift["test mean"]) < np.abs(drift["before"] - drift["test mean"]) / 3
    )
    assert "after 20 test batches" in rs.forgotten_eval_report()


def test_bn_folds_into_the_linear_before_it_and_ln_does_not():
    result = rs.fold_into_linear()
    assert result["BN folded, largest difference"] < 1e-12
    assert result["LN, best affine fit, largest difference"] > 0.5


def test_bad_arguments():
    with pytest.raises(ValueError, match="momentum"):
        rs.running_updates(rs.training_batches(), 1.5)
    with pytest.raises(ValueError, match="at least 2 examples"):
        rs.training_batches(3, 1)
    with pytest.raises(ValueError, match="momentum"):
        conventions.compare(momentum=0)
    with pytest.raises(ValueError, match="batch_size"):
        conventions.data(1)


def _rows(**kwargs):
    return {name: (train, infer) for name, _, train, infer in conventions.compare(**kwargs)}


def test_each_convention_differs_from_torch_where_its_description_says():
    rows = _rows(momentum=0.1, batch_size=8, offset=1.0)
    float32 = 1e-5
    # d2l-zh/cs231n with momentum 0.9 and d2l-en: the same training output; a biased buffer at inference
    for name in ("d2l-zh, cs231n", "d2l-en"):
        assert rows[name][0] < float32 and rows[name][1] > 0.05
    assert rows["d2l-zh, cs231n"] == rows["d2l-en"]
    # given torch's number, the old value gets 0.1: much further off
    assert rows["d2l-zh, cs231n given torch's m"][1] > 5 * rows["d2l-en"][1]
    # makemore: unbiased variance in training, torch's buffers at inference
    assert rows["makemore part 3"][0] > 0.05 and rows["makemore part 3"][1] < float32
    assert rows["The Annotated Transformer"][0] > 0.05
    assert rows["labml"][0] < float32


def test_the_naming_trap_costs_nothing_at_one_half():
    rows = _rows(momentum=0.5)
    assert rows["d2l-zh, cs231n given torch's m"] == rows["d2l-zh, cs231n"]


def test_makemore_differs_by_the_bessel_factor():
    batches, _, _ = conventions.data(8)
    y, _, _ = conventions.makemore(batches, 0.1)
    reference = torch.nn.functional.batch_norm(batches[-1], None, None, training=True, eps=conventions.EPS)
    np.testing.assert_allclose(
        y.std(0, unbiased=False), reference.std(0, unbiased=False) * np.sqrt(7 / 8), rtol=1e-3
    )


def test_labml_breaks_down_at_a_large_offset_in_float32():
    assert _rows(offset=1.0)["labml"][0] < 1e-5
    assert _rows(offset=1e3)["labml"][0] > 0.01
    assert np.isnan(_rows(offset=1e5)["labml"][0])
    # torch's own float32 layer norm stays close to float64 there
    assert conventions.torch_float32_gap(8, 1e3) < 1e-3 and conventions.torch_float32_gap(8, 1e5) < 0.05


def test_the_app_note_states_the_factors():
    app = conventions.ConventionsApp()
    assert "√(B/(B−1)) = 1.0690" in app.note.value and "B/(B−1) = 1.1429" in app.note.value
    app.controls["offset"].value = 1e5
    assert "NaN" in app.note.value and app.status == "ok"
