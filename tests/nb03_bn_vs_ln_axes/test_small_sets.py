"""Where a norm's set runs short (a batch of one, two values), and LN on images two ways (notebook 03)."""

import numpy as np
import pytest
import torch

from lnlib.nb03_bn_vs_ln_axes import small_sets


def test_a_batch_of_one_trains_under_batchnorm2d_and_not_under_batchnorm1d():
    results = small_sets.batch_of_one()
    one_d, two_d = results["BatchNorm1d on (1, C)"], results["BatchNorm2d on (1, C, H, W)"]
    assert not one_d["trains"] and "Expected more than 1 value per channel" in one_d["message"]
    assert two_d["trains"] and two_d["values per channel"] == 16 and two_d["lnlib agrees"]
    np.testing.assert_allclose(two_d["output means"], 0, atol=1e-6)
    np.testing.assert_allclose(two_d["output variances"], 1, atol=1e-4)
    assert np.all(np.isfinite(two_d["weight gradient"])) and np.any(two_d["weight gradient"] != 0)
    report = small_sets.batch_of_one_report()
    assert "refuses to train" in report and "16 values per channel" in report


def test_two_values_normalize_to_plus_and_minus_one_under_ln_and_bn_alike():
    for name, result in small_sets.two_values().items():
        assert result["signs"] == [-1.0, 1.0], name
        assert result["formula gap"] < 1e-10 and result["lnlib vs torch"] < 1e-12
        assert result["within 0.001 of ±1"] > 0.98
    # whatever the input: two examples far apart in scale give the same LN output
    ln = torch.nn.functional.layer_norm(torch.tensor([[1.0, 2.0], [-500.0, 300.0]]), (2,), eps=1e-5)
    np.testing.assert_allclose(ln.numpy(), [[-1, 1], [-1, 1]], atol=1e-4)
    assert "% of the outputs are ±1" in small_sets.two_values_report()


def test_layer_norm_on_images_over_chw_and_per_pixel():
    result = small_sets.image_layer_norms((2, 4, 3, 3))
    whole, pixel = result["over (C, H, W)"], result["over C, at each pixel"]
    assert (whole["statistics"], whole["values each"]) == (2, 36)
    assert (pixel["statistics"], pixel["values each"]) == (18, 4)
    assert whole["lnlib vs torch"] < 1e-12 and pixel["lnlib vs torch"] < 1e-12
    assert result["largest difference between the two"] > 0.1  # two different norms
    report = small_sets.image_layer_norms_report()
    assert "nn.LayerNorm(4)(x.permute(0, 2, 3, 1))" in report and "nn.GroupNorm(1, 4)" in report


@pytest.mark.parametrize("trials", [10, 200])
def test_two_values_report_counts_its_trials(trials):
    assert f"{trials} random pairs" in small_sets.two_values_report(trials)
