"""The Post-LN / Pre-LN block diagram: its layout is the model's, and the drawing shows every step."""

import pytest
import torch

from lnlib.nb04_transformer_stability import diagrams
from lnlib.transformer.training import TrainConfig, build_model


def test_post_ln_normalizes_the_stream_and_pre_ln_only_the_branches():
    post, pre = diagrams.block_layout("post"), diagrams.block_layout("pre")
    assert [s.label for s in post] == ["Attention", "+", "Norm", "FFN", "+", "Norm"]
    assert all(not s.on_branch for s in post if s.kind == "norm")
    assert [s.label for s in pre[:-1]] == ["Norm", "Attention", "+", "Norm", "FFN", "+"]
    assert all(s.on_branch for s in pre[:-1] if s.kind == "norm")
    assert pre[-1].kind == "norm" and not pre[-1].on_branch and pre[-1].label.startswith("final")
    with pytest.raises(ValueError, match="placement"):
        diagrams.block_layout("sandwich")


@pytest.mark.parametrize("placement", ["post", "pre"])
def test_the_layout_matches_the_model_a_final_norm_only_under_pre_ln(placement):
    model = build_model(TrainConfig(norm="layer", placement=placement, n_layers=2))
    norms = [
        m
        for m in model.modules()
        if type(m).__name__ == "_TokenNorm" and not isinstance(m.norm, torch.nn.Identity)
    ]
    per_block = sum(
        s.kind == "norm" and not s.label.startswith("final") for s in diagrams.block_layout(placement)
    )
    final = sum(s.label.startswith("final") for s in diagrams.block_layout(placement))
    assert len(norms) == 2 * per_block + final


def test_the_figure_draws_every_label_of_both_blocks():
    figure = diagrams.block_diagram()
    texts = [t.get_text() for axis in figure.axes for t in axis.texts]
    assert (
        texts.count("Norm") == 2 + 3
    )  # Post-LN's two on the stream; Pre-LN's two on branches and a final one
    assert texts.count("Attention") == 2 and texts.count("FFN") == 2 and texts.count("+") == 4
    assert "Post-LN" in figure.axes[0].get_title() and "Pre-LN" in figure.axes[1].get_title()
