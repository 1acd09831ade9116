"""Gradients at initialization, layer by layer, with and without norms."""

import numpy as np

from lnlib import ui
from lnlib.small_nets import gradient_flow


def test_one_gradient_norm_per_layer():
    norms = gradient_flow.gradient_norms("layer", 1.0)
    assert norms.shape == (gradient_flow.DEPTH,) and np.all(norms > 0)


def test_without_a_norm_the_whole_gradient_scales_as_the_gain_to_the_depth():
    small, large = gradient_flow.gradient_norms("none", 0.7), gradient_flow.gradient_norms("none", 1.4)
    ratio = large.mean() / small.mean()
    assert 2.0**28 < ratio < 2.0**35  # (1.4 / 0.7)^30 = 2^30, times what the softmax adds


def test_norms_make_the_gradient_independent_of_the_initial_scale():
    for norm in ("layer", "batch"):
        means = [gradient_flow.gradient_norms(norm, gain).mean() for gain in gradient_flow.GAINS]
        assert max(means) / min(means) < 3, norm


def test_powers_of_ten_are_written_as_read():
    assert gradient_flow.power_of_ten(73609.7) == "7.4·10⁴"
    assert gradient_flow.power_of_ten(1.079e-5) == "1.1·10⁻⁵"
    assert gradient_flow.power_of_ten(6.82e9, 1) == "7·10⁹"


def test_findings_quote_the_measured_factors():
    table = gradient_flow.summary()
    text = str(gradient_flow.findings())
    for gain in (0.7, 1.4):
        factor = (
            gradient_flow.gradient_norms("none", gain).mean()
            / gradient_flow.gradient_norms("none", 1.0).mean()
        )
        assert (
            f"at gain {gain} is {gradient_flow.power_of_ten(factor)} times" in text
            or f"at gain {gain} {gradient_flow.power_of_ten(factor)} times" in text
        )
    assert f"grows {round(table['batch']['growth_to_input'])}-fold" in text
    assert f"{ui.format_number(table['layer']['scale_spread'], 2)} (LN)" in text


def test_figure_has_one_panel_per_norm():
    figure = gradient_flow.figure()
    assert len(figure.axes) == len(gradient_flow.COMPARED_NORMS)
