"""The one-screen summary of BN and LN (end of notebook 03): every fact that can be computed, computed again."""

import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from lnlib import functional
from lnlib import nn as lnn
from lnlib.nb03_bn_vs_ln_axes import running_statistics, shared_statistics, summary

LAYOUT_KEYS = {"(N, C)": "features", "(N, L, D)": "tokens", "(N, C, H, W)": "images"}


@pytest.mark.parametrize("norm", ["batch", "layer"])
@pytest.mark.parametrize("layout", list(summary.LAYOUT_AXES))
def test_the_axes_stated_are_notebook_03s_table_of_axes(norm, layout):
    assert summary.AXES[norm][layout] == shared_statistics.grouping(LAYOUT_KEYS[layout], norm).axis


@pytest.mark.parametrize("layout", list(summary.LAYOUT_AXES))
def test_standardizing_over_the_axes_stated_is_what_functional_computes(layout):
    shape = shared_statistics.LAYOUTS[LAYOUT_KEYS[layout]]["shape"]
    x = np.random.default_rng(0).standard_normal(shape)
    channels = shape[-1] if layout == "(N, L, D)" else shape[1]
    as_channels_first = x.transpose(0, 2, 1) if layout == "(N, L, D)" else x  # BN takes channels in axis 1
    bn = functional.batch_norm(as_channels_first, np.zeros(channels), np.ones(channels), training=True)
    if layout == "(N, L, D)":
        bn = bn.transpose(0, 2, 1)
    np.testing.assert_allclose(functional.standardize(x, summary.AXES["batch"][layout]), bn, atol=1e-12)
    trailing = shape[1:] if layout != "(N, L, D)" else shape[-1:]
    ln = functional.layer_norm(x, trailing)
    np.testing.assert_allclose(functional.standardize(x, summary.AXES["layer"][layout]), ln, atol=1e-12)


def test_the_axes_are_written_with_their_letters():
    assert "(N, C, H, W): over N, H, W" in summary.axes_text("batch")
    assert "(N, L, D): over D" in summary.axes_text("layer")


@pytest.mark.parametrize("module", [lnn, torch.nn], ids=["lnlib.nn", "torch.nn"])
def test_the_buffers_and_the_momentum_stated_are_the_modules(module):
    bn, ln = module.BatchNorm1d(3), module.LayerNorm(3)
    assert tuple(name for name, _ in bn.named_buffers()) == summary.BUFFERS["batch"]
    assert tuple(name for name, _ in ln.named_buffers()) == summary.BUFFERS["layer"]
    assert bn.momentum == summary.DEFAULT_MOMENTUM


def test_bn_depends_on_the_batch_and_the_mode_and_ln_on_neither():
    torch.manual_seed(0)
    x0, mates, other_mates = torch.randn(1, 6), torch.randn(7, 6), torch.randn(7, 6) + 3
    bn, ln = lnn.BatchNorm1d(6), lnn.LayerNorm(6)
    with torch.no_grad():
        bn_train = [bn(torch.cat([x0, m]))[0] for m in (mates, other_mates)]
        ln_train = [ln(torch.cat([x0, m]))[0] for m in (mates, other_mates)]
        assert not torch.allclose(*bn_train) and torch.equal(*ln_train)
        bn.eval(), ln.eval()
        assert not torch.allclose(bn(x0)[0], bn_train[0]) and torch.equal(ln(x0)[0], ln_train[0])
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        lnn.BatchNorm1d(6).train()(x0)
    assert torch.equal(lnn.LayerNorm(6)(x0), ln(x0))


def test_bn_folds_into_the_layer_before_it_and_ln_cannot():
    gaps = running_statistics.fold_into_linear()
    assert gaps["BN folded, largest difference"] < 1e-12
    assert gaps["LN, best affine fit, largest difference"] > 0.1


def test_the_summary_has_its_six_rows_with_the_axes_and_the_buffers():
    page = summary.summary_html()
    aspects = re.findall(r"<tr><th[^>]*>([^<]+)</th>", page)
    assert aspects == [aspect for aspect, _, _ in summary.rows()] and len(aspects) == 6
    assert summary.axes_text("batch") in page and summary.axes_text("layer") in page
    assert all(name in page for name in summary.BUFFERS["batch"])


def test_importing_the_summary_loads_neither_torch_nor_widgets_nor_plots():
    code = (
        "import sys; import lnlib.nb03_bn_vs_ln_axes.summary as s; s.summary_html();"
        "print(sorted(m for m in ('torch', 'ipywidgets', 'matplotlib', 'numpy') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
