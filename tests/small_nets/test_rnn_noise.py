"""Batch norm's noise in a recurrent network, and the ghost batch norm of the memory experiment."""

import numpy as np
import pytest
import torch

from lnlib.small_nets import rnn_noise


def test_ghost_batch_norm_with_one_group_is_torchs_batch_norm():
    x = torch.randn(16, 5) * 3 + 1
    ghost, torch_bn = rnn_noise.GhostBatchNorm(5, group=16), torch.nn.BatchNorm1d(5)
    torch.testing.assert_close(ghost(x), torch_bn(x))
    torch.testing.assert_close(ghost.running_mean, torch_bn.running_mean)
    torch.testing.assert_close(ghost.running_var, torch_bn.running_var)
    ghost.eval(), torch_bn.eval()
    torch.testing.assert_close(ghost(x), torch_bn(x))


def test_ghost_batch_norm_standardizes_each_group_alone():
    x = torch.randn(12, 3)
    y = rnn_noise.GhostBatchNorm(3, group=4)(x).reshape(3, 4, 3)
    torch.testing.assert_close(y.mean(dim=1), torch.zeros(3, 3), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="groups of 5"):
        rnn_noise.GhostBatchNorm(3, group=5)(x)
    with pytest.raises(ValueError, match="at least 2 examples"):
        rnn_noise.GhostBatchNorm(3, group=1)


def test_batch_norm_noise_falls_with_the_batch_and_layer_norm_has_none():
    spreads = [rnn_noise.batch_noise_through_time(n)[-1] for n in (4, 32, 256)]
    assert spreads[0] > spreads[1] > spreads[2] > 0
    assert rnn_noise.batch_noise_through_time(16, "layer").max() < 1e-12
    with pytest.raises(ValueError, match="at least 2"):
        rnn_noise.batch_noise_through_time(1)


def test_the_noise_enters_at_the_first_step_and_grows_through_time():
    spread = rnn_noise.batch_noise_through_time(8)
    assert spread[0] > 0.1 and spread[-10:].mean() > spread[:3].mean()


def test_hidden_states_shapes_and_bad_norm():
    w_h, w_x = rnn_noise._random_weights(8, rnn_noise.TOKENS, 0)
    sequences = rnn_noise._sequences(5, 7, np.random.default_rng(0))
    assert rnn_noise.hidden_states(sequences, w_h, w_x, "batch").shape == (5, 7, 8)
    with pytest.raises(ValueError, match="'batch', 'layer' or 'none'"):
        rnn_noise.hidden_states(sequences, w_h, w_x, "group")
    with pytest.raises(ValueError, match="unknown norm"):
        rnn_noise.NormalizedRNN("dropout")


def test_memory_task_targets_the_first_token():
    x, y = rnn_noise.memory_task(6, torch.Generator().manual_seed(0), length=9)
    assert x.shape == (6, 9, rnn_noise.TOKENS) and torch.equal(x[:, 0].argmax(dim=1), y)


def test_app_explains_a_batch_of_one_and_reports_the_spread():
    app = rnn_noise.RecurrentNoiseApp()
    assert "N = 8" in app.note.value and app.status == "ok"
    app.controls["batch"].value = 1
    assert app.status == "explained"
    app.controls["kind"].value = "layer"
    assert app.status == "ok" and "does not depend" in app.note.value
