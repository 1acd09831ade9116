"""The small networks, task and training loop behind notebook 06's experiments."""

import pytest
import torch

from lnlib.small_nets import networks
from lnlib.support import norms


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


# every norm of the course that takes a layer of units (InstanceNorm needs positions), and the noisy variant
@pytest.mark.parametrize("norm", [*(k for k in norms.COURSE_NORMS if k != "instance"), networks.NOISY_BATCH])
def test_every_norm_builds_from_the_one_description_and_runs(norm):
    model = networks.MLP(20, 16, 3, 5, norm)
    assert model(torch.randn(8, 20)).shape == (8, 5)
    assert len(model.hidden_states(torch.randn(8, 20))) == 3
    described = norms.get("batch" if norm == networks.NOISY_BATCH else norm).build((16,))
    built = model.norms[0][0] if norm == networks.NOISY_BATCH else model.norms[0]
    assert type(built) is type(described)  # lnlib's own module, as the registry builds it


def test_the_mlp_and_the_rnn_build_a_norm_registered_elsewhere(stand_in_norm):
    from lnlib.small_nets import rnn_noise

    mlp = networks.MLP(20, 16, 2, 5, stand_in_norm)
    assert mlp(torch.randn(8, 20)).shape == (8, 5)
    loss = torch.nn.functional.cross_entropy(mlp(torch.randn(8, 20)), torch.zeros(8, dtype=torch.long))
    loss.backward()  # one training step's gradient flows through the stand-in
    assert all(p.grad is not None for p in mlp.norms[0].parameters())
    rnn = rnn_noise.NormalizedRNN(stand_in_norm, length=5, hidden=8)
    x, _ = rnn_noise.memory_task(4, torch.Generator().manual_seed(0), length=5)
    assert rnn(x).shape == (4, rnn_noise.TOKENS)


def test_unknown_norm_and_optimizer_are_refused():
    with pytest.raises(ValueError, match="unknown norm"):
        networks.feature_norm("dropout", 4)
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
