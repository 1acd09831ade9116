"""The learning-rate and initial-scale sweep, read from its cache, and its app."""

import numpy as np
import pytest

from lnlib.small_nets import learning_rates


def test_the_grid_is_half_decades_from_a_thousandth_to_ten():
    assert learning_rates.LEARNING_RATES[0] == 0.01 and learning_rates.LEARNING_RATES[-1] == 10
    np.testing.assert_allclose(np.diff(np.log10(learning_rates.LEARNING_RATES)), 0.5, atol=1e-3)


def test_final_losses_follow_the_sweeps_and_nan_marks_divergence():
    results = learning_rates.LAB.results()
    assert learning_rates.final_losses(results, "none").shape == (7,)
    assert learning_rates.final_losses(results, "batch", "init_gain").shape == (5,)
    assert np.isnan(learning_rates.final_losses(results, "none")[-1])  # lr 10 without a norm diverges
    with pytest.raises(ValueError, match="'lr' or 'init_gain'"):
        learning_rates.final_losses(results, "none", "momentum")


def test_app_says_which_networks_train_at_the_chosen_rate():
    app = learning_rates.LearningRateApp()
    assert "BN: trains" in app.note.value
    app.controls["lr"].value = 10.0
    assert "no norm: diverged" in app.note.value
    app.controls["lr"].value = 0.01
    assert "does not train" in app.note.value


def test_ranges_are_read_aloud():
    assert learning_rates.describe_range([0.03162, 0.1, 0.3162]) == "0.03 to 0.3"
    assert learning_rates.describe_range([1.0], "init_gain") == "only 1"
    assert learning_rates.describe_range([0.25, 1.0], "init_gain") == "0.25, 1"
    assert learning_rates.describe_range([]) == "none"


def test_a_setting_trains_only_when_every_seed_trains():
    results = learning_rates.LAB.results()
    for norm in learning_rates.COMPARED_NORMS:
        every = learning_rates.training_range(results, norm)
        per_seed = [set(learning_rates.seed_range(results, norm, seed)) for seed in learning_rates.SEEDS]
        assert set(every) == set.intersection(*per_seed)
