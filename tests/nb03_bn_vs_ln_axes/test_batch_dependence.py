"""BN depends on the batch, LN does not (notebook 03): batch size, train vs eval, a batch of one, padding."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from lnlib import functional
from lnlib.nb03_bn_vs_ln_axes import batch_dependence as bd


def test_population_is_the_one_notebook_03_describes():
    assert bd.FEATURE_MEANS[0] == 3 and bd.FEATURE_STDS[0] == 2  # "feature 1 has mean 3 and std 2"
    assert bd.LENGTHS == (8, 6, 4, 2)  # "here 8, 6, 4 and 2 tokens"
    x = bd.draw_examples(20000, seed=0)
    np.testing.assert_allclose(x.mean(axis=0), bd.FEATURE_MEANS, atol=0.05)
    np.testing.assert_allclose(x.std(axis=0), bd.FEATURE_STDS, rtol=0.03)
    assert x.dtype == np.float32
    np.testing.assert_array_equal(bd.draw_examples(5, seed=1), bd.draw_examples(5, seed=1))


def test_refusal_message_is_torchs():
    with pytest.raises(ValueError) as refusal:
        nn.BatchNorm1d(6)(torch.zeros(1, 6))
    assert bd.refusal_message((1, 6)) == str(refusal.value)
    with pytest.raises(AssertionError):
        bd.refusal_message((2, 6))


# ---------------------------------------------------------------------------
# Batch size
# ---------------------------------------------------------------------------


def test_batch_statistics_are_what_batch_norm_computes():
    stats = bd.batch_statistics(8, batches=5)
    x = torch.from_numpy(
        np.concatenate([bd.probe_example()[None], bd.draw_examples(5 * 7, seed=[0, 8]).reshape(5, 7, 6)[0]])
    )
    layer = nn.BatchNorm1d(6, momentum=1.0)  # momentum 1: running stats = this batch's
    layer.train()(x)
    assert stats["bn_mean"][0] == pytest.approx(float(layer.running_mean[0]), rel=1e-6)
    # torch keeps the unbiased variance; BN normalizes with the biased one, (B − 1)/B of it
    assert stats["bn_var"][0] == pytest.approx(float(layer.running_var[0]) * 7 / 8, rel=1e-5)


def test_layer_norm_statistics_never_change_with_the_batch():
    for size in (1, 2, 64):
        stats = bd.batch_statistics(size)
        assert np.ptp(stats["ln_mean"]) == 0 and np.ptp(stats["ln_var"]) == 0
    with pytest.raises(ValueError, match="at least 1"):
        bd.batch_statistics(0)


def test_batch_mean_spread_follows_sigma_sqrt_b_minus_1_over_b():
    measured = bd.bn_mean_spread()
    expected = bd.expected_spread(np.array(bd.SIZE_GRID))
    np.testing.assert_allclose(measured, expected, rtol=0.3)  # 100 batches: within 30 %
    assert measured[0] > 4 * measured[-1]  # B = 2 against B = 128
    assert bd.expected_spread(10**6) == pytest.approx(2 / 1000, rel=1e-5)  # → σ/√B


def test_batch_size_app_at_one_two_and_eight():
    app = bd.BatchSizeApp()
    stats = bd.batch_statistics(8)
    np.testing.assert_array_equal(app.bn_points.get_ydata(), stats["bn_mean"])
    assert f"{stats['bn_mean'].std():.4f}" in app.note.value
    app.controls["batch"].value = 1
    assert app.status == "explained" and bd.refusal_message((1, 6)) in app.note.value
    app.controls["batch"].value = 2
    assert "±1" in app.note.value
    two = bd.draw_examples(2, seed=4).astype(np.float64)
    out = nn.functional.batch_norm(torch.from_numpy(two), None, None, training=True, eps=bd.EPS).numpy()
    half_gap = np.abs(two[0] - two[1]) / 2  # |x̂| = d/√(d² + ε), ±1 unless d² ~ ε
    np.testing.assert_allclose(
        np.abs(out), np.broadcast_to(half_gap / np.sqrt(half_gap**2 + bd.EPS), (2, 6)), rtol=1e-12
    )
    assert np.all(np.sign(out[0]) == -np.sign(out[1]))


# ---------------------------------------------------------------------------
# Train vs eval, a batch of one
# ---------------------------------------------------------------------------


def test_running_statistics_learn_the_population():
    layer = bd.trained_batch_norm()
    assert not layer.training
    np.testing.assert_allclose(layer.running_mean.numpy(), bd.FEATURE_MEANS, atol=0.3)
    np.testing.assert_allclose(layer.running_var.numpy(), bd.FEATURE_STDS**2, rtol=0.25)


def test_probe_outputs_are_torch_modules_forward():
    batch_norm = bd.trained_batch_norm()
    x = bd.batch_with_probe(8, 1.5)
    fresh = copy.deepcopy(batch_norm).train()
    with torch.no_grad():
        expected_train = fresh(x)[0].numpy()
        expected_eval = batch_norm(x)[0].numpy()
    np.testing.assert_allclose(bd.probe_outputs(batch_norm, 8, 1.5, True), expected_train, rtol=1e-6)
    np.testing.assert_array_equal(bd.probe_outputs(batch_norm, 8, 1.5, False), expected_eval)
    assert torch.equal(
        batch_norm.running_mean, bd.trained_batch_norm().running_mean
    )  # untouched by the probe
    with pytest.raises(ValueError, match="between 1 and 64"):
        bd.batch_with_probe(65, 0.0)


def test_only_bn_in_training_moves_with_the_batch_mates():
    batch_norm, layer_norm = bd.trained_batch_norm(), nn.LayerNorm(6, eps=bd.EPS)

    def moved(layer, training):
        return np.max(
            np.abs(bd.probe_outputs(layer, 8, -2.0, training) - bd.probe_outputs(layer, 8, 2.0, training))
        )

    assert moved(batch_norm, True) > 0.5
    assert moved(batch_norm, False) == 0 and moved(layer_norm, True) == 0 and moved(layer_norm, False) == 0


def test_probe_curves_equal_one_batch_at_a_time():
    batch_norm, layer_norm = bd.trained_batch_norm(), nn.LayerNorm(6, eps=bd.EPS)
    shifts = np.array([-3.0, 0.0, 1.25])
    for training in (True, False):
        bn, ln = bd.probe_curves(batch_norm, layer_norm, 8, shifts, training)
        for k, shift in enumerate(shifts):
            assert bn[k] == pytest.approx(bd.probe_outputs(batch_norm, 8, shift, training)[0], abs=1e-5)
            assert ln[k] == pytest.approx(bd.probe_outputs(layer_norm, 8, shift, training)[0], abs=1e-6)


def test_layer_norm_output_is_bit_for_bit_the_same_alone_and_in_64():
    result = bd.alone_and_in_batch(nn.LayerNorm(6, eps=bd.EPS), training=True)
    assert result == {"largest difference": 0.0, "bit for bit equal": True}
    report = bd.alone_and_in_batch_report()
    assert report.count("bit for bit equal: True") == 3 and bd.refusal_message((1, 6)) in report


def test_train_eval_app():
    app = bd.TrainEvalApp()
    assert "BN, train" in app.note.value and "bit for bit equal: True" in app.note.value
    ln_train = [bar.get_height() for bar in app.ln_bars]
    app.controls["mode"].value = False
    assert f"{float(app.batch_norm.running_mean[0]):.4f}" in app.note.value
    assert [bar.get_height() for bar in app.ln_bars] == ln_train  # LN: same in train and eval
    np.testing.assert_allclose(app.bn_curve.get_ydata(), app.bn_curve.get_ydata()[0])  # eval: flat
    app.controls["batch"].value = 1
    assert app.status == "ok"  # eval: one example is fine
    app.controls["mode"].value = True
    assert app.status == "explained" and "Switch to eval" in app.note.value


# ---------------------------------------------------------------------------
# Padding
# ---------------------------------------------------------------------------


def test_padded_batch_shape_and_mask():
    x, mask = bd.padded_batch(3, pad_value=-1.0)
    assert x.shape == (4, 11, 6) and mask.sum(axis=1).tolist() == list(bd.LENGTHS)
    assert np.all(x[~mask] == -1.0)
    with pytest.raises(ValueError):
        bd.padded_batch(-1)


def test_batch_norm_tokens_is_batch_norm_1d_over_features():
    x, _ = bd.padded_batch(2)
    output, mean = bd.batch_norm_tokens(x)
    expected = functional.batch_norm(x.transpose(0, 2, 1), None, None, training=True, eps=bd.EPS).transpose(
        0, 2, 1
    )
    np.testing.assert_allclose(output, expected, atol=1e-5)
    np.testing.assert_allclose(mean, x.reshape(-1, 6).mean(axis=0), rtol=1e-5)


def test_masked_batch_norm_sees_the_real_tokens_only():
    output, mean = bd.masked_batch_norm()
    real = np.concatenate(bd.real_sequences())
    np.testing.assert_allclose(mean, real.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(
        output, functional.batch_norm(real, None, None, training=True, eps=bd.EPS), atol=1e-5
    )


@pytest.mark.parametrize("pad", [0.0, -5.0, 2.5])
def test_padding_moves_bn_more_the_more_there_is_and_never_moves_ln(pad):
    shifts = [bd.padding_shift(extra, pad) for extra in (0, 10, 40)]
    assert [s["ln"] for s in shifts] == [0.0, 0.0, 0.0]
    assert 0 < shifts[0]["bn"] < shifts[1]["bn"] < shifts[2]["bn"]
    assert shifts[0]["padding fraction"] == pytest.approx(1 - 20 / 32)


def test_padding_app_reports_the_padding_fraction_and_both_shifts():
    app = bd.PaddingApp()
    app.controls["extra"].value = 12
    now = bd.padding_shift(12)
    assert f"{100 * now['padding fraction']:.4f}".rstrip("0").rstrip(".") + "%" in app.note.value
    assert f"{now['bn']:.4f}" in app.note.value and "without any padding by 0." in app.note.value
    assert app.marker.get_xdata()[0] == 12


def test_paired_bars_sit_side_by_side_at_each_position():
    from lnlib.ui import style

    figure, axes = style.new_figure(4, 3)
    left, right = style.paired_bars(axes, 3, ("BN", "red"), ("LN", "blue"), width=0.4)
    assert [bar.get_x() + bar.get_width() / 2 for bar in left] == pytest.approx([0.8, 1.8, 2.8])
    assert [bar.get_x() + bar.get_width() / 2 for bar in right] == pytest.approx([1.2, 2.2, 3.2])
    assert all(bar.get_height() == 0 for bar in (*left, *right))
    assert list(axes.get_xticks()) == [1, 2, 3] and left.get_label() == "BN"
