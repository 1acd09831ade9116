"""One digits run: seeded, every record as described, divergence caught, bad configurations refused."""

import math

import numpy as np
import pytest
import torch

from lnlib.digits import training
from lnlib.digits.training import RunConfig
from lnlib.support.determinism import torch_threads

SHORT = {"steps": 40, "record_every": 10}


def run(config):
    with torch_threads(deterministic=True):
        return training.train(config)


def test_a_run_repeats_exactly_and_records_what_it_says():
    config = RunConfig("batch", 1.0, 0.1, seed=1, evaluate_every=20, **SHORT)
    first, second = run(config), run(config)
    assert first == second
    assert first["step"] == [10, 20, 30, 40] and len(first["loss"]) == 4
    assert len(first["update_ratio"]) == 6 and all(len(r) == 4 for r in first["update_ratio"])
    assert first["evaluated_at"] == [0, 20] and len(first["test_accuracy_curve"]) == 2
    assert first["loss"][-1] < first["loss"][0] and 0.1 < first["test_accuracy"] <= 1
    assert run(config.replace(seed=2))["loss"] != first["loss"]


def test_the_update_ratio_is_the_log_of_the_sgd_steps_relative_size():
    config = RunConfig("none", 1.0, 0.05, steps=1, record_every=1)
    record = run(config)
    from lnlib.digits import data, network

    x_train, y_train, _, _ = data.digits().tensors()
    model = network.DigitsMLP("none", 1.0, 0)
    index = torch.randint(
        0, len(x_train), (config.batch_size,), generator=torch.Generator().manual_seed(1000)
    )
    torch.nn.functional.cross_entropy(model(x_train[index]), y_train[index]).backward()
    for ratio, layer in zip(record["update_ratio"], model.weight_layers()):
        expected = math.log10(0.05 * float(layer.weight.grad.std()) / float(layer.weight.detach().std()))
        assert math.isclose(ratio[0], expected, abs_tol=1e-4)


def test_a_diverging_run_stops_and_reports_nan_instead_of_raising():
    record = run(RunConfig("none", 10.0, 1e38, steps=60, record_every=10))  # the logits overflow
    assert record["diverged_at"] is not None
    assert math.isnan(record["test_accuracy"]) and math.isnan(record["train_loss"])


def test_on_record_can_stop_a_run():
    calls = []
    with torch_threads(deterministic=True):
        record = training.train(
            RunConfig("layer", 1.0, 0.1, **SHORT), on_record=lambda r: calls.append(1) or len(calls) == 2
        )
    assert record["stopped_at"] == 20 and record["step"] == [10, 20]
    assert np.isfinite(record["test_accuracy"])


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"norm": "bogus"}, "unknown norm"),
        ({"lr": 0.0}, "learning rate must be a positive number"),
        ({"lr": float("nan")}, "learning rate must be a positive number"),
        ({"batch_size": 1}, "batch_size must be between 2"),
        ({"steps": 0}, "steps and record_every"),
    ],
)
def test_bad_configurations_are_refused_with_a_reason(changes, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**{**{"norm": "none", "init_scale": 1.0, "lr": 0.1}, **changes})
