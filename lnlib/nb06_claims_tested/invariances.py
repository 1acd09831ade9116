r"""The invariance table of Ba, Kiros and Hinton (2016), Table 1, recomputed, with RMSNorm, GroupNorm and
InstanceNorm added.

A layer computes pre-activations :math:`a = W x` for a batch of inputs x (one row each) and
normalizes them. Each transformation below changes W or the data; a norm is *invariant* to it when
the normalized output does not change at all. Published table (rows: norm; columns: transformation):

==============  =========  ==========  ==========  =========  ==========  ============
norm            W rescale  W recenter  w_i rescale data rescale data recenter one case rescale
==============  =========  ==========  ==========  =========  ==========  ============
batch norm      yes        no          yes         yes        yes         no
weight norm     yes        no          yes         no         no          no
layer norm      yes        yes         no          yes        no          yes
==============  =========  ==========  ==========  =========  ==========  ============

RMSNorm is not in the paper; its row is derived here: it is layer norm without the subtraction of
the mean, so it keeps layer norm's invariances to re-scaling (the whole matrix, the whole dataset,
one case: each multiplies an example's pre-activations by one number) and loses the one to
re-centering the weight matrix (which adds one number to an example's pre-activations).

GroupNorm and InstanceNorm are not in the paper either; for this fully connected layer of H = 8
neurons, GroupNorm takes G = 2 groups of 4 neighbouring neurons, and InstanceNorm reads the 8 neurons
as L = 4 positions of C = 2 channels (as a sequence's tokens are laid out), so that each channel holds
every other neuron: two different splits into groups of 4 (groups of 2 would leave the statistics at
the mercy of ε whenever two neurons happen to be close). Both
standardize each example on its own, over part of its neurons, so they keep layer norm's row:
re-scaling W, the data or one case multiplies every neuron of an example by one number; re-centering
W adds one number to every neuron of an example; both cancel in every group. Re-scaling one neuron's
weights moves its group's statistics, and re-centering the data adds a different number to each neuron.
"""

from __future__ import annotations

import numpy as np

from lnlib.functional import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from lnlib.support.language import gettext_noop as N_

TRANSFORMATIONS = {
    "weight matrix re-scaling": "W → δ·W (every weight times one δ)",
    "weight matrix re-centering": "W → W + 1·γᵀ (one vector added to every neuron's weights)",
    "weight vector re-scaling": "w_i → δ_i·w_i (each neuron's weights times its own δ_i)",
    "dataset re-scaling": "x → δ·x (every input times one δ)",
    "dataset re-centering": "x → x + γ (one vector added to every input)",
    "single training case re-scaling": "x_n → δ·x_n (one example times δ)",
}

# Ba, Kiros and Hinton (2016), Table 1: True where the paper says "invariant".
PUBLISHED = {
    "batch norm": [True, False, True, True, True, False],
    "weight norm": [True, False, True, False, False, False],
    "layer norm": [True, True, False, True, False, True],
}

# Derived in the module docstring: layer norm's row without the re-centering invariance.
RMS_NORM_EXPECTED = [True, False, False, True, False, True]
# The rows the paper does not have, each derived in the module docstring.
DERIVED = {
    "rms norm": RMS_NORM_EXPECTED,
    "group norm": PUBLISHED["layer norm"],
    "instance norm": PUBLISHED["layer norm"],
}
LABELS = {
    "weight matrix re-scaling": N_("weight matrix re-scaling"),
    "weight matrix re-centering": N_("weight matrix re-centering"),
    "weight vector re-scaling": N_("weight vector re-scaling"),
    "dataset re-scaling": N_("dataset re-scaling"),
    "dataset re-centering": N_("dataset re-centering"),
    "single training case re-scaling": N_("single training case re-scaling"),
    "batch norm": N_("batch norm"),
    "weight norm": N_("weight norm"),
    "layer norm": N_("layer norm"),
    "rms norm": N_("rms norm"),
    "group norm": N_("group norm"),
    "instance norm": N_("instance norm"),
}
"""The table's transformations and norms as shown (translated where shown; the keys stay program values)."""
GROUPS = 2  # GroupNorm's groups of neighbouring neurons
CHANNELS = 2  # InstanceNorm's channels: the neurons as positions of CHANNELS channels each

EPS = 1e-12  # small enough that the ε in the square root cannot hide a difference


def _normalize(norm: str, weights: np.ndarray, inputs: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """The layer's normalized pre-activations for a batch ``inputs`` (N, D_in) and ``weights`` (H, D_in)."""
    pre_activations = inputs @ weights.T
    hidden = weights.shape[0]
    if norm == "batch norm":
        return batch_norm(pre_activations, None, None, gain, None, training=True, eps=EPS)
    if norm == "layer norm":
        return layer_norm(pre_activations, hidden, gain, None, eps=EPS)
    if norm == "rms norm":
        return rms_norm(pre_activations, hidden, gain, eps=EPS)
    if norm == "group norm":
        return group_norm(pre_activations, GROUPS, eps=EPS) * gain
    if norm == "instance norm":
        # (N, L, C) tokens, transposed to (N, C, L): channel c holds neurons c, c + C, c + 2C, ...
        tokens = pre_activations.reshape(len(pre_activations), hidden // CHANNELS, CHANNELS)
        normalized = instance_norm(tokens.transpose(0, 2, 1), eps=EPS).transpose(0, 2, 1)
        return normalized.reshape(pre_activations.shape) * gain
    if norm == "weight norm":
        # a_i = g_i / ‖w_i‖ · w_iᵀ x   (Salimans and Kingma, 2016)
        return pre_activations * (gain / np.linalg.norm(weights, axis=1))
    raise ValueError(f"unknown norm {norm!r}; choose from {list(PUBLISHED) + list(DERIVED)}")


def _transformed(transformation: str, weights: np.ndarray, inputs: np.ndarray, rng) -> tuple:
    """``(weights, inputs)`` after ``transformation``, with random positive factors and random shifts."""
    weights, inputs = weights.copy(), inputs.copy()
    if transformation == "weight matrix re-scaling":
        weights *= rng.uniform(2, 5)
    elif transformation == "weight matrix re-centering":
        weights += rng.normal(size=weights.shape[1])
    elif transformation == "weight vector re-scaling":
        weights *= rng.uniform(2, 5, size=(weights.shape[0], 1))
    elif transformation == "dataset re-scaling":
        inputs *= rng.uniform(2, 5)
    elif transformation == "dataset re-centering":
        inputs += rng.normal(size=inputs.shape[1])
    elif transformation == "single training case re-scaling":
        inputs[0] *= rng.uniform(2, 5)
    else:
        raise ValueError(f"unknown transformation {transformation!r}; choose from {list(TRANSFORMATIONS)}")
    return weights, inputs


def output_change(norm: str, transformation: str, seed: int = 0) -> float:
    """The largest change of the normalized output that ``transformation`` causes, relative to its size.

    The output is compared where it is defined for both: for single training case re-scaling, on
    every example (the re-scaled one included).
    """
    rng = np.random.default_rng(seed)
    batch, inputs_dim, hidden = 16, 6, 8
    weights = rng.normal(size=(hidden, inputs_dim))
    inputs = rng.normal(size=(batch, inputs_dim))
    gain = rng.uniform(0.5, 2.0, size=hidden)
    before = _normalize(norm, weights, inputs, gain)
    after = _normalize(norm, *_transformed(transformation, weights, inputs, rng), gain)
    return float(np.max(np.abs(after - before)) / np.max(np.abs(before)))


def invariance_table(tolerance: float = 1e-9, seed: int = 0) -> dict:
    """norm → [invariant to each of TRANSFORMATIONS], measured: the output moves by less than ``tolerance``."""
    norms = list(PUBLISHED) + list(DERIVED)
    return {norm: [output_change(norm, t, seed) < tolerance for t in TRANSFORMATIONS] for norm in norms}
