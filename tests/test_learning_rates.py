"""The learning-rate and initial-scale sweep, read from its cache, and its app."""
import numpy as np
import pytest

from lnlib import experiment_cache, learning_rates


def test_the_grid_is_half_decades_from_a_thousandth_to_ten():
    assert learning_rates.LEARNING_RATES[0] == 0.001 and learning_rates.LEARNING_RATES[-1] == 10
    np.testing.assert_allclose(np.diff(np.log10(learning_rates.LEARNING_RATES)), 0.5, atol=1e-3)


def test_final_losses_follow_the_sweeps_and_nan_marks_divergence():
    results = experiment_cache.load("learning_rates")
    assert learning_rates.final_losses(results, "none").shape == (9,)
    assert learning_rates.final_losses(results, "batch", "init_gain").shape == (5,)
    assert np.isnan(learning_rates.final_losses(results, "none")[-1])  # lr 10 without a norm diverges
    with pytest.raises(ValueError, match="'lr' or 'init_gain'"):
        learning_rates.final_losses(results, "none", "momentum")


def test_app_says_which_networks_train_at_the_chosen_rate():
    app = learning_rates.LearningRateApp()
    assert "batch: trains" in app.note.value
    app.controls["lr"].value = 10.0
    assert "none: diverged" in app.note.value
    app.controls["lr"].value = 0.001
    assert "does not train" in app.note.value
