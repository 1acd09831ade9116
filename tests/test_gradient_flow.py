"""Gradients at initialization, layer by layer, with and without norms."""
import numpy as np

from lnlib import gradient_flow


def test_one_gradient_norm_per_layer():
    norms = gradient_flow.gradient_norms("layer", 1.0)
    assert norms.shape == (gradient_flow.DEPTH,) and np.all(norms > 0)


def test_without_a_norm_the_whole_gradient_scales_as_the_gain_to_the_depth():
    small, large = gradient_flow.gradient_norms("none", 0.7), gradient_flow.gradient_norms("none", 1.4)
    ratio = large.mean() / small.mean()
    assert 2.0 ** 28 < ratio < 2.0 ** 35  # (1.4 / 0.7)^30 = 2^30, times what the softmax adds


def test_norms_make_the_gradient_independent_of_the_initial_scale():
    for norm in ("layer", "batch"):
        means = [gradient_flow.gradient_norms(norm, gain).mean() for gain in gradient_flow.GAINS]
        assert max(means) / min(means) < 3, norm


def test_figure_has_one_panel_per_norm():
    figure = gradient_flow.figure()
    assert len(figure.axes) == len(gradient_flow.NORMS)
