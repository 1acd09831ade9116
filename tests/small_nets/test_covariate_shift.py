"""Santurkar et al.'s three measurements, on a small MLP."""

import torch

from lnlib.small_nets import covariate_shift, networks


def small_model(arm="batch"):
    norm, noise = covariate_shift.ARMS[arm]
    return networks.MLP(20, 16, 5, 5, norm, seed=0, noise=noise)


def test_measurements_leave_the_model_exactly_as_they_found_it():
    model = small_model("noisy batch")
    task = networks.teacher_task(train=64, test=8)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    generator = model.norms[0][1].generator.get_state()
    covariate_shift.measure(model, task.x_train, task.y_train, 0.3)
    covariate_shift._layer_input_moments(model, task.x_train)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert torch.equal(generator, model.norms[0][1].generator.get_state())


def test_gradient_ics_is_zero_when_the_lower_layers_do_not_move():
    model = small_model("none")
    task = networks.teacher_task(train=64, test=8)
    still = covariate_shift.measure(model, task.x_train, task.y_train, 0.0)
    moving = covariate_shift.measure(model, task.x_train, task.y_train, 0.3)
    assert still["gradient_ics"] == 0 and still["gradient_cosine"] > 0.9999
    assert moving["gradient_ics"] > 0
    assert moving["loss_range"] >= 0 and moving["beta_smoothness"] > 0


def test_the_grid_covers_every_arm_at_every_seed():
    keys = {covariate_shift.key(c) for c in covariate_shift.LAB.configs()}
    assert (
        len(keys) == len(covariate_shift.ARMS) * len(covariate_shift.SEEDS)
        and len(covariate_shift.SEEDS) >= 5
    )


def test_figure_smooths_the_loss_over_every_step():
    results = covariate_shift.LAB.results()
    line = covariate_shift.figure(results).axes[0].lines[0]  # no norm's training loss
    losses = [
        results[covariate_shift.key({"arm": "none", "seed": s})]["losses"] for s in covariate_shift.SEEDS
    ]
    assert len(line.get_xdata()) == min(len(loss) for loss in losses) and line.get_xdata()[0] == 0
