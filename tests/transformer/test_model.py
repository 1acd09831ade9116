"""The toy Transformer computes the textbook blocks, and its norms behave as the course says they do."""

import math

import pytest
import torch
import torch.nn.functional as F

from lnlib import nn as lnlib_nn
from lnlib.transformer import ToyTransformer, training
from lnlib.transformer.model import CausalSelfAttention, SequenceBatchNorm

VOCAB, D, HEADS, LENGTH = 11, 16, 4, 8


def model(norm="layer", placement="pre", layers=2, **options):
    torch.manual_seed(0)
    return ToyTransformer(VOCAB, D, HEADS, layers, LENGTH, norm, placement, **options)


def tokens(seed=0, batch=4):
    return torch.randint(0, VOCAB, (batch, LENGTH), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("norm", ["layer", "batch", "rms", "none"])
@pytest.mark.parametrize("placement", ["pre", "post"])
def test_logits_have_shape_batch_length_vocab(norm, placement):
    logits = model(norm, placement)(tokens())
    assert logits.shape == (4, LENGTH, VOCAB) and torch.isfinite(logits).all()


def test_the_norms_are_the_course_own_modules_unless_torch_is_asked_for():
    ours = model("layer")
    assert isinstance(ours.blocks[0].norm1.norm, lnlib_nn.LayerNorm)
    assert isinstance(model("rms").blocks[1].norm2.norm, lnlib_nn.RMSNorm)
    assert isinstance(model("batch").blocks[0].norm1.norm, lnlib_nn.BatchNorm1d)
    assert isinstance(model("layer", norm_library="torch").blocks[0].norm1.norm, torch.nn.LayerNorm)


@pytest.mark.parametrize("norm", ["layer", "batch", "rms"])
def test_course_norms_and_torch_norms_give_the_same_model(norm):
    ours, theirs = model(norm), model(norm, norm_library="torch")
    theirs.load_state_dict(ours.state_dict())
    # same weights, same logits: largest difference should be below 1e-5 (float32 rounding)
    assert (ours(tokens()) - theirs(tokens())).abs().max() < 1e-5


def test_post_ln_block_is_norm_of_x_plus_sublayer_of_x():
    net = model("layer", "post", layers=1)
    block, x = net.blocks[0], torch.randn(3, LENGTH, D)
    # h = LN(x + Attention(x)); y = LN(h + FFN(h))
    h = F.layer_norm(x + block.attention(x), (D,))
    expected = F.layer_norm(h + block.feed_forward(h), (D,))
    assert (block(x) - expected).abs().max() < 1e-5
    assert isinstance(net.final_norm.norm, torch.nn.Identity), "Post-LN's last block already ends in a norm"


def test_pre_ln_block_is_x_plus_sublayer_of_norm_of_x():
    net = model("layer", "pre", layers=1)
    block, x = net.blocks[0], torch.randn(3, LENGTH, D)
    # h = x + Attention(LN(x)); y = h + FFN(LN(h))
    h = x + block.attention(F.layer_norm(x, (D,)))
    expected = h + block.feed_forward(F.layer_norm(h, (D,)))
    assert (block(x) - expected).abs().max() < 1e-5
    assert isinstance(net.final_norm.norm, lnlib_nn.LayerNorm), "Pre-LN normalizes once more before the head"


def test_post_ln_keeps_every_token_of_the_residual_stream_standardized():
    net = model("layer", "post", layers=3)
    net.record_residual = True
    net(tokens())
    assert len(net.residual_stream) == 4, "x_0 … x_L"
    for x in net.residual_stream[1:]:
        # γ = 1, β = 0 at init: each token has mean 0 and variance 1 (to 1e-4)
        assert x.mean(-1).abs().max() < 1e-5 and (x.var(-1, unbiased=False) - 1).abs().max() < 1e-3


def test_attention_matches_torch_scaled_dot_product_attention():
    torch.manual_seed(1)
    attention, x = CausalSelfAttention(D, HEADS), torch.randn(2, LENGTH, D)

    def heads(t):
        return t.reshape(2, LENGTH, HEADS, D // HEADS).transpose(1, 2)

    q, k, v = heads(attention.query(x)), heads(attention.key(x)), heads(attention.value(x))
    reference = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(2, LENGTH, D)
    # largest difference should be below 1e-5
    assert (attention(x) - attention.output(reference)).abs().max() < 1e-5


@pytest.mark.parametrize("norm", ["layer", "rms", "none"])
def test_per_token_norms_are_causal_and_keep_sequences_apart(norm):
    net = model(norm)
    x = tokens()
    changed_future, changed_neighbours = x.clone(), x.clone()
    changed_future[:, -1] = (x[:, -1] + 1) % VOCAB
    changed_neighbours[1:] = tokens(seed=9)[1:]
    # positions before the change and the untouched sequence 0 give exactly the same logits
    assert torch.equal(net(x)[:, :-1], net(changed_future)[:, :-1])
    assert torch.equal(net(x)[0], net(changed_neighbours)[0])


def test_batch_norm_in_training_leaks_across_sequences_and_from_the_future_but_not_in_eval():
    net = model("batch")
    x = tokens()
    changed_future, changed_neighbours = x.clone(), x.clone()
    changed_future[:, -1] = (x[:, -1] + 1) % VOCAB
    changed_neighbours[1:] = tokens(seed=9)[1:]
    # training mode: batch statistics mix every token of the batch
    assert (net(x)[0] - net(changed_neighbours)[0]).abs().max() > 1e-3
    assert (net(x)[:, 0] - net(changed_future)[:, 0]).abs().max() > 1e-4
    net.eval()  # running statistics: each token on its own again
    assert torch.equal(net(x)[0], net(changed_neighbours)[0])
    assert torch.equal(net(x)[:, :-1], net(changed_future)[:, :-1])


def test_batch_norm_statistics_leave_padding_out_unless_asked_to_count_it():
    x = torch.randn(3, LENGTH, D) * 2 + 1
    mask = torch.ones(3, LENGTH, dtype=torch.bool)
    mask[1, 5:] = mask[2, 2:] = False
    honest, naive = (
        SequenceBatchNorm(lnlib_nn.BatchNorm1d(D)),
        SequenceBatchNorm(lnlib_nn.BatchNorm1d(D), True),
    )
    honest(x, mask), naive(x, mask)
    # one update from (0, 1) with momentum 0.1: running_mean = 0.1 · (mean of the tokens counted)
    assert torch.allclose(honest.norm.running_mean, 0.1 * x[mask].mean(0), atol=1e-6)
    assert torch.allclose(naive.norm.running_mean, 0.1 * x.reshape(-1, D).mean(0), atol=1e-6)
    # real tokens are standardized over real tokens only: each channel has mean 0 (to 1e-5)
    assert honest(x, mask)[mask].mean(0).abs().max() < 1e-5
    # padding passes through unchanged
    assert torch.equal(honest(x, mask)[~mask], x[~mask])


def test_padding_changes_real_tokens_only_under_naive_batch_norm():
    x = tokens()
    mask = torch.ones_like(x, dtype=torch.bool)
    mask[:, 5:] = False
    other_padding = x.clone()
    other_padding[~mask] = (x[~mask] + 3) % VOCAB
    honest, naive = model("batch"), model("batch", batch_norm_counts_padding=True)
    assert torch.equal(honest(x, mask)[mask], honest(other_padding, mask)[mask])
    assert (naive(x, mask)[mask] - naive(other_padding, mask)[mask]).abs().max() > 1e-3


def test_initializations_set_the_embedding_and_the_weight_scales():
    torch_init, xavier = model("layer", init="torch"), model("layer", init="xavier")
    weight = torch_init.blocks[0].attention.query.weight.detach()
    # PyTorch's Linear: uniform on ±1/sqrt(fan_in), std 1/sqrt(3·16) = 0.144; Xavier: std 1/sqrt(16) = 0.25
    assert weight.abs().max() <= 1 / math.sqrt(D)
    assert float(weight.std()) == pytest.approx(1 / math.sqrt(3 * D), rel=0.15)
    assert xavier.blocks[0].attention.query.weight.detach().std().item() == pytest.approx(
        1 / math.sqrt(D), rel=0.15
    )
    assert torch.all(xavier.blocks[0].feed_forward.w2.bias == 0)
    # x₀ = token + position embedding has unit variance per coordinate (to sampling error)
    big = ToyTransformer(200, 256, 4, 1, 64)
    x0 = (big.token_embedding.weight[:64] + big.position_embedding.weight).detach()
    assert x0.var().item() == pytest.approx(1.0, rel=0.05)


def test_xavier_weights_are_as_many_times_larger_as_the_docstring_and_notebook_04_say(read_notebook):
    torch_init, xavier = (
        training.build_model(training.TrainConfig(init=init)) for init in ("torch", "xavier")
    )

    def ratio(*layers) -> float:
        """std of Xavier's weights over std of PyTorch's, pooled over every block."""

        def std(net):
            return torch.cat(
                [
                    block.get_submodule(layer).weight.detach().flatten()
                    for block in net.blocks
                    for layer in layers
                ]
            ).std()

        return float(std(xavier) / std(torch_init))

    d = training.TrainConfig().d_model
    measured = {
        "w2": ratio("feed_forward.w2"),
        "w1": ratio("feed_forward.w1"),
        "square": ratio(*(f"attention.{name}" for name in ("query", "key", "value", "output"))),
    }
    # sqrt(6 fan_in / (fan_in + fan_out)): 2.19 for W² (4d → d), 1.73 for d → d, 1.10 for W¹ (d → 4d), within 2 %
    for name, (fan_in, fan_out) in {"w2": (4 * d, d), "square": (d, d), "w1": (d, 4 * d)}.items():
        assert measured[name] == pytest.approx(math.sqrt(6 * fan_in / (fan_in + fan_out)), rel=0.02), name
    stated = {name: f"{value:.1f} times" for name, value in measured.items()}
    docstring = " ".join(ToyTransformer.__doc__.split())
    assert f"{stated['w2']} for the feed-forward :math:`W^2`" in docstring
    assert f"{stated['square']} for the d → d attention weights" in docstring
    assert f"{stated['w1']} for :math:`W^1`" in docstring
    notebook = " ".join(" ".join(cell.source.split()) for cell in read_notebook(4).cells)
    assert f"{stated['w2']} for $W^2$" in notebook
    assert f"{stated['square']} for the {d} → {d} attention weights" in notebook


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"norm": "weight"}, "unknown norm"),
        ({"placement": "middle"}, "placement"),
        ({"norm_library": "jax"}, "norm_library"),
        ({"init": "zeros"}, "init"),
        ({"layers": 0}, "n_layers"),
    ],
)
def test_bad_arguments_say_what_is_wrong(arguments, message):
    with pytest.raises(ValueError, match=message):
        model(**arguments)
    with pytest.raises(ValueError, match="multiple of n_heads"):
        ToyTransformer(VOCAB, 10, 4, 1, LENGTH)


def test_bad_inputs_say_what_is_wrong():
    net = model()
    with pytest.raises(ValueError, match="exceed max_len"):
        net(torch.zeros(2, LENGTH + 1, dtype=torch.long))
    with pytest.raises(ValueError, match=r"shape \(batch, length\)"):
        net(torch.zeros(LENGTH, dtype=torch.long))
    with pytest.raises(ValueError, match="mask must have"):
        net(tokens(), torch.ones(4, 3, dtype=torch.bool))


@pytest.mark.parametrize("placement", ["pre", "post"])
def test_the_model_builds_any_described_norm(stand_in_norm, placement):
    """A norm added to lnlib.support.norms needs nothing of the model: it builds, runs and trains a step."""
    net = model(stand_in_norm, placement)
    assert isinstance(net.blocks[0].norm1.norm, lnlib_nn.LayerNorm)
    logits = net(tokens())
    assert logits.shape == (4, LENGTH, VOCAB) and torch.isfinite(logits).all()
    assert training.architecture_name(stand_in_norm, placement) == f"{placement.capitalize()}-SI"
    result = training.train(
        training.TrainConfig(norm=stand_in_norm, placement=placement, n_layers=1, steps=2)
    )
    assert len(result.losses) == 2 and not result.diverged


def test_a_group_norm_normalizes_each_token():
    net = model("group", "post", layers=1)
    assert net(tokens()).shape == (4, LENGTH, VOCAB)
