"""The small networks, task and training loop behind notebook 06's experiments."""

import pytest
import torch

from lnlib.small_nets import networks


def test_teacher_task_is_seeded_and_has_the_asked_label_noise():
    clean = networks.teacher_task(train=2000, test=100, label_noise=0.0, seed=3)
    noisy = networks.teacher_task(train=2000, test=100, label_noise=0.5, seed=3)
    assert clean.x_train.shape == (2000, 20) and clean.x_test.shape == (100, 20) and clean.classes == 5
    assert torch.equal(clean.x_train, noisy.x_train) and torch.equal(clean.y_test, noisy.y_test)
    changed = (clean.y_train != noisy.y_train).float().mean().item()
    assert 0.3 < changed < 0.5  # half drawn anew, of which 1/5 land on the same class
    assert torch.equal(networks.teacher_task(seed=3).y_train, networks.teacher_task(seed=3).y_train)
    with pytest.raises(ValueError, match="fraction"):
        networks.teacher_task(label_noise=1.5)


@pytest.mark.parametrize("norm", networks.FEATURE_NORMS)
def test_every_norm_builds_and_runs(norm):
    model = networks.MLP(20, 16, 3, 5, norm)
    assert model(torch.randn(8, 20)).shape == (8, 5)
    assert len(model.hidden_states(torch.randn(8, 20))) == 3


def test_unknown_norm_and_optimizer_are_refused():
    with pytest.raises(ValueError, match="unknown norm"):
        networks.feature_norm("group", 4)
    task = networks.teacher_task(train=32, test=8)
    with pytest.raises(ValueError, match="'sgd' or 'adam'"):
        networks.train_classifier(networks.MLP(20, 8, 1, 5), task, 0.1, 1, optimizer="lbfgs")


def test_noise_after_norm_moves_in_training_and_is_its_mean_in_evaluation():
    noise = networks.NoiseAfterNorm(4, scale=0.5, shift=0.5, seed=0)
    x = torch.ones(3, 4)
    first, second = noise(x), noise(x)
    assert not torch.equal(first, second)
    noise.eval()
    assert torch.equal(noise(x), x + 0.5)


def test_training_is_repeatable_and_learns():
    task = networks.teacher_task(train=512, test=256, seed=0)
    runs = []
    for _ in range(2):
        model = networks.MLP(20, 32, 2, 5, "batch", seed=1)
        runs.append(networks.train_classifier(model, task, 0.1, 100, 32, seed=2).losses)
    assert runs[0] == runs[1]
    assert sum(runs[0][-10:]) / 10 < sum(runs[0][:10]) / 10


def test_a_divergent_run_is_reported_not_raised():
    task = networks.teacher_task(train=64, test=8)
    model = networks.MLP(20, 32, 6, 5, "none", init_gain=3.0)
    history = networks.train_classifier(model, task, 100.0, 50, 32)
    assert history.diverged_at is not None and len(history.losses) == history.diverged_at
