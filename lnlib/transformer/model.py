r"""A toy decoder-only Transformer whose norm and its place in the block are parameters.

Each block is one of the two textbook formulas, with ``Norm`` layer norm, batch norm, RMS norm or
nothing at all:

.. math::
    \text{Post-LN (Vaswani et al. 2017, article 004):}\quad
        x \leftarrow \mathrm{Norm}(x + \mathrm{Attention}(x)),\;
        x \leftarrow \mathrm{Norm}(x + \mathrm{FFN}(x))

    \text{Pre-LN (GPT-2; Xiong et al. 2020):}\quad
        x \leftarrow x + \mathrm{Attention}(\mathrm{Norm}(x)),\;
        x \leftarrow x + \mathrm{FFN}(\mathrm{Norm}(x))

Pre-LN adds one more norm after the last block (the residual stream is never normalized inside
it). Each norm is built from its one description (:mod:`lnlib.support.norms`): the from-scratch module of
:mod:`lnlib.nn` (or, for the benchmark, PyTorch's) for one token's ``(d_model,)`` features. Batch norm in a sequence model normalizes each channel over batch × positions, so the statistics
mix tokens of different sequences and of different positions; padding is left out of them
(:class:`SequenceBatchNorm`), unless ``batch_norm_counts_padding=True`` asks for the naive version
that shows why it must be.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from lnlib.support import norms

__all__ = [
    "ToyTransformer",
    "Block",
    "CausalSelfAttention",
    "FeedForward",
    "SequenceBatchNorm",
    "PLACEMENTS",
    "INITS",
    "NORM_LIBRARIES",
    "check_norm",
]

PLACEMENTS = ("pre", "post")
NORM_LIBRARIES = ("lnlib", "torch")
"""Where the norm modules come from: the course's own, or PyTorch's (to compare their speed)."""
INITS = ("torch", "xavier")


def check_norm(norm: str) -> str:
    """``norm`` if it is a described norm (:func:`lnlib.support.norms.get`); its ValueError otherwise."""
    norms.get(norm)
    return norm


def _build(norm: str, shape: tuple, library: str) -> nn.Module:
    described = norms.get(norm)
    return described.build(shape) if library == "lnlib" else described.torch_build(shape)


class CausalSelfAttention(nn.Module):
    r"""Multi-head self-attention in which position t sees positions ≤ t.

    .. math::  \mathrm{Attention}(x) = \mathrm{concat}_h\Big(\mathrm{softmax}\big(
               \tfrac{Q_h K_h^\top}{\sqrt{d_h}} + M\big) V_h\Big) W^O,
               \quad Q = xW^Q,\ K = xW^K,\ V = xW^V

    with :math:`M_{ts} = -\infty` for :math:`s > t`. Shapes: (batch, length, d_model) in and out.
    """

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"d_model ({d_model}) must be a multiple of n_heads ({n_heads})")
        self.n_heads = n_heads
        self.query = nn.Linear(d_model, d_model)
        self.key = nn.Linear(d_model, d_model)
        self.value = nn.Linear(d_model, d_model)
        self.output = nn.Linear(d_model, d_model)

    def forward(self, x: Tensor) -> Tensor:
        batch, length, d_model = x.shape
        d_head = d_model // self.n_heads

        def heads(t: Tensor) -> Tensor:  # (batch, length, d_model) -> (batch, heads, length, d_head)
            return t.reshape(batch, length, self.n_heads, d_head).transpose(1, 2)

        # Q = x W^Q, K = x W^K, V = x W^V, split into heads
        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        # S = Q Kᵀ / sqrt(d_h), with −∞ where s > t (the future)
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
        future = torch.ones(length, length, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
        # A = softmax(S) V, heads concatenated again
        attended = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(batch, length, d_model)
        # Attention(x) = A W^O
        return self.output(attended)


class FeedForward(nn.Module):
    r"""The position-wise feed-forward network, :math:`\mathrm{FFN}(x) = \max(0, xW^1 + b^1)\,W^2 + b^2`.

    ``w2`` is the :math:`W^{2}` whose gradient Xiong et al. (2020, Theorem 1) bound at initialization.
    """

    def __init__(self, d_model: int, expansion: int = 4) -> None:
        super().__init__()
        self.w1 = nn.Linear(d_model, expansion * d_model)
        self.w2 = nn.Linear(expansion * d_model, d_model)

    def forward(self, x: Tensor) -> Tensor:
        # FFN(x) = ReLU(x W¹ + b¹) W² + b²
        return self.w2(torch.relu(self.w1(x)))


class SequenceBatchNorm(nn.Module):
    r"""Batch norm of (batch, length, channels): each channel over every real token of the batch.

    .. math::  y_{btc} = \frac{x_{btc} - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}}\gamma_c + \beta_c,
               \quad \mu_c, \sigma^2_c \text{ over } \{(b, t) : \text{token } (b, t) \text{ is real}\}

    The real tokens are gathered into an (N, C) batch for ``BatchNorm1d`` and put back; padding
    positions pass through unchanged. ``counts_padding=True`` is the naive version: every position,
    padding included, enters the statistics.
    """

    def __init__(self, norm: nn.Module, counts_padding: bool = False) -> None:
        super().__init__()
        self.counts_padding = counts_padding
        self.norm = norm  # a batch norm of (N, C)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if mask is None or self.counts_padding:
            # every position is a sample: (batch · length, channels)
            return self.norm(x.reshape(-1, x.shape[-1])).reshape(x.shape)
        # only the real tokens are samples; the padding keeps its values
        return x.index_put((mask,), self.norm(x[mask]))


class _TokenNorm(nn.Module):
    """A per-token norm (layer, RMS, group, none, …), each token one example, with the ``(x, mask)`` call of :class:`SequenceBatchNorm`; mask unused."""

    def __init__(self, norm: nn.Module) -> None:
        super().__init__()
        self.norm = norm

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        # every token is one example of (d_model,) features: (batch · length, channels)
        return self.norm(x.reshape(-1, x.shape[-1])).reshape(x.shape)


def block_norm(
    norm: str, d_model: int, batch_norm_counts_padding: bool = False, library: str = "lnlib"
) -> nn.Module:
    """The described norm ``norm`` for one token's ``(d_model,)`` features, called as ``module(x, mask)``: a norm
    whose statistics come from the batch is wrapped in the padding-aware :class:`SequenceBatchNorm`."""
    module = _build(norm, (d_model,), library)
    if norms.get(norm).uses_batch:
        return SequenceBatchNorm(module, batch_norm_counts_padding)
    return _TokenNorm(module)


class Block(nn.Module):
    """One Transformer block: attention then feed-forward, each in a residual branch, normalized pre or post."""

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        norm: str = "layer",
        placement: str = "pre",
        batch_norm_counts_padding: bool = False,
        library: str = "lnlib",
    ) -> None:
        super().__init__()
        self.placement = placement
        self.attention = CausalSelfAttention(d_model, n_heads)
        self.feed_forward = FeedForward(d_model)
        self.norm1 = block_norm(norm, d_model, batch_norm_counts_padding, library)
        self.norm2 = block_norm(norm, d_model, batch_norm_counts_padding, library)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        if self.placement == "post":
            # x ← Norm(x + Attention(x))
            x = self.norm1(x + self.attention(x), mask)
            # x ← Norm(x + FFN(x))
            x = self.norm2(x + self.feed_forward(x), mask)
        else:
            # x ← x + Attention(Norm(x))
            x = x + self.attention(self.norm1(x, mask))
            # x ← x + FFN(Norm(x))
            x = x + self.feed_forward(self.norm2(x, mask))
        return x


class ToyTransformer(nn.Module):
    r"""A decoder-only language model: embeddings, ``n_layers`` blocks, (a final norm under Pre-LN), a linear head.

    ``model(tokens, mask=None)`` maps (batch, length) token ids to (batch, length, vocab_size)
    logits; ``mask`` (batch, length), True on real tokens, tells batch norm which positions are
    padding. Initialization: embeddings whose sum has unit variance per coordinate,
    :math:`\mathbb E\|x_0\|^2 = d`, and linear layers as ``torch.nn.Linear`` initializes them
    (``init="torch"``: uniform on :math:`\pm 1/\sqrt{\text{fan-in}}`) or as Xiong et al. (2020)
    analyse them (``init="xavier"``: Xavier-uniform weights, zero biases). Xavier's weights are larger by
    :math:`\sqrt{6\,\text{fan-in}/(\text{fan-in} + \text{fan-out})}`: 2.2 times for the feed-forward
    :math:`W^2` (4d → d), 1.7 times for the d → d attention weights, 1.1 times for :math:`W^1`.
    ``model.record_residual = True`` keeps :math:`x_0, x_1, \dots, x_L` (the residual stream
    entering each block and leaving the last) in ``model.residual_stream`` at the next forward pass.
    """

    def __init__(
        self,
        vocab_size: int,
        d_model: int,
        n_heads: int,
        n_layers: int,
        max_len: int,
        norm: str = "layer",
        placement: str = "pre",
        *,
        batch_norm_counts_padding: bool = False,
        norm_library: str = "lnlib",
        init: str = "torch",
    ) -> None:
        super().__init__()
        if init not in INITS:
            raise ValueError(f"init must be one of {', '.join(map(repr, INITS))}, got {init!r}")
        check_norm(norm)
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be 'pre' or 'post', got {placement!r}")
        if norm_library not in NORM_LIBRARIES:
            raise ValueError(f"norm_library must be one of {', '.join(NORM_LIBRARIES)}, got {norm_library!r}")
        for name, value in (
            ("vocab_size", vocab_size),
            ("d_model", d_model),
            ("n_heads", n_heads),
            ("n_layers", n_layers),
            ("max_len", max_len),
        ):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.norm, self.placement, self.max_len, self.init = norm, placement, max_len, init
        self.token_embedding = nn.Embedding(vocab_size, d_model)
        self.position_embedding = nn.Embedding(max_len, d_model)
        self.blocks = nn.ModuleList(
            Block(d_model, n_heads, norm, placement, batch_norm_counts_padding, norm_library)
            for _ in range(n_layers)
        )
        # Pre-LN leaves the residual stream unnormalized: one more norm before the head
        self.final_norm = block_norm(
            norm if placement == "pre" else "none", d_model, batch_norm_counts_padding, norm_library
        )
        self.head = nn.Linear(d_model, vocab_size)
        self.record_residual = False
        self.residual_stream: list = []
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        if self.init == "xavier":
            for module in self.modules():
                if isinstance(module, nn.Linear):
                    nn.init.xavier_uniform_(module.weight)
                    nn.init.zeros_(module.bias)
        # token and position embeddings N(0, 1/2) each: x₀ = e_token + e_position has unit variance
        nn.init.normal_(self.token_embedding.weight, std=math.sqrt(0.5))
        nn.init.normal_(self.position_embedding.weight, std=math.sqrt(0.5))

    def forward(self, tokens: Tensor, mask: Tensor | None = None) -> Tensor:
        if tokens.dim() != 2:
            raise ValueError(f"tokens must have shape (batch, length), got {tuple(tokens.shape)}")
        length = tokens.shape[1]
        if length > self.max_len:
            raise ValueError(f"sequences of length {length} exceed max_len={self.max_len}")
        if mask is not None and mask.shape != tokens.shape:
            raise ValueError(
                f"mask must have the tokens' shape {tuple(tokens.shape)}, got {tuple(mask.shape)}"
            )
        if mask is not None and bool(mask.all()):
            mask = None  # no padding: nothing to leave out
        # x₀ = token embedding + position embedding
        x = self.token_embedding(tokens) + self.position_embedding.weight[:length]
        stream = [x]
        for block in self.blocks:
            # x_{l+1} = Block_l(x_l)
            x = block(x, mask)
            stream.append(x)
        if self.record_residual:
            self.residual_stream = [s.detach() for s in stream]
        # logits = Norm(x_L) W_head + b   (Norm only under Pre-LN)
        return self.head(self.final_norm(x, mask))
