"""The digits network: lnlib's norms before each tanh, weights at the initial scale, Karpathy's pictures at init."""

import math

import numpy as np
import pytest
import torch

from lnlib import nn as lnn
from lnlib.digits import network, training


def test_each_norm_is_lnlibs_module():
    kinds = {"batch": lnn.BatchNorm1d, "layer": lnn.LayerNorm, "rms": lnn.RMSNorm, "none": torch.nn.Identity}
    for norm, kind in kinds.items():
        model = network.DigitsMLP(norm)
        assert all(type(n) is kind for n in model.norms) and len(model.norms) == network.DEPTH


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
def test_hidden_weights_start_at_the_initial_scale_over_root_fan_in(scale):
    model = network.DigitsMLP("none", scale, seed=3)
    for linear in model.linears:
        expected = scale / math.sqrt(linear.in_features)
        assert abs(linear.weight.std().item() / expected - 1) < 0.05
        assert linear.bias.abs().max().item() == 0.0
    assert abs(model.readout.weight.std().item() * math.sqrt(network.WIDTH) - 1) < 0.15


def test_the_network_builds_any_described_norm_and_trains_a_step_with_it(stand_in_norm):
    from lnlib.support import norms

    model = network.DigitsMLP(stand_in_norm)
    assert all(type(n) is lnn.LayerNorm for n in model.norms)
    assert network.norm_name(stand_in_norm) == norms.get(stand_in_norm).name()
    assert network.norm_colour(stand_in_norm) == norms.get(stand_in_norm).colour
    record = training.train(training.RunConfig(stand_in_norm, 1.0, 0.1, steps=2, record_every=1))
    assert record["diverged_at"] is None and len(record["loss"]) == 2 and math.isfinite(record["loss"][-1])


def test_names_and_colours_come_from_the_one_description():
    from lnlib.support import norms

    for norm in network.NORMS:
        assert network.norm_name(norm) == norms.name(norm)
        assert network.norm_colour(norm) == norms.colour(norm)


def test_bad_arguments_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="unknown norm 'bogus'"):
        network.DigitsMLP("bogus")
    for scale in (0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="init_scale must be a positive number"):
            network.DigitsMLP("none", scale)


def test_the_same_seed_builds_the_same_network():
    a, b = network.DigitsMLP("layer", 2.0, seed=5), network.DigitsMLP("layer", 2.0, seed=5)
    c = network.DigitsMLP("layer", 2.0, seed=6)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not torch.equal(a.linears[0].weight, c.linears[0].weight)


@pytest.mark.parametrize("norm", ["batch", "layer", "rms"])
def test_a_norm_makes_the_pictures_at_init_independent_of_the_scale(norm):
    small, large = network.at_initialization(norm, 1.0), network.at_initialization(norm, 10.0)
    for a, b in zip(small.activations, large.activations):
        np.testing.assert_allclose(a, b, atol=2e-4)
    assert small.saturation.max() < 0.1


def test_without_a_norm_the_scale_decides_saturation_and_signal():
    pictures = {s: network.at_initialization("none", s) for s in (0.1, 1.0, 10.0)}
    assert pictures[10.0].saturation.mean() > 0.5 > pictures[1.0].saturation.mean()
    assert pictures[0.1].activation_std[-1] < 1e-3 < pictures[1.0].activation_std[-1]  # the signal dies away
    assert pictures[0.1].gradient_std[0] < 1e-3 * pictures[1.0].gradient_std[0]


def test_the_pictures_gradients_are_the_losss_gradients_wrt_each_tanh_output():
    pictures = network.at_initialization("layer", 1.0)
    assert len(pictures.activations) == len(pictures.gradients) == network.DEPTH
    assert all(
        a.shape == g.shape == (network.INIT_EXAMPLES * network.WIDTH,)
        for a, g in zip(pictures.activations, pictures.gradients)
    )
    assert math.isclose(pictures.loss, math.log(10), rel_tol=0.2)
    assert np.abs(pictures.activations[0]).max() <= 1.0
