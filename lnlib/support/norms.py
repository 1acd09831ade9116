r"""One description of each norm the labs compare: the one place a lab, an app or a figure learns about a norm.

Each :class:`Norm` says, once: its key (what a configuration stores), its name in both languages and its
abbreviation, the axes it averages over, its colour in every figure, how to build the course's own module
(:mod:`lnlib.nn`) for a feature shape, and PyTorch's equivalent module, built the same way (the tests check
that the two agree). A feature shape is one example's shape without the batch: ``(C,)`` for a layer of
``C`` units or a token of ``C`` channels, ``(C, H, W)`` for an image.

=========  ==============  =====================================  ==============================
key        module          averages over                           statistics
=========  ==============  =====================================  ==============================
none       identity        nothing                                 none
layer      LayerNorm       each example's features                 per example
batch      BatchNorm       each feature over the batch (and H, W)  across the batch
rms        RMSNorm         each example's features, mean square    per example
group      GroupNorm       each example's groups of channels       per example
instance   InstanceNorm    each example's channel over H, W        per example
=========  ==============  =====================================  ==============================

Pre/Post placement is not a norm's property: it belongs to the Transformer block. A lab registers a
variant of its own (notebook 06's noisy batch norm) with :func:`register`, and a test registers a
stand-in norm to check that every lab builds its model from this table only.

Examples:
    >>> from lnlib.support import norms
    >>> norms.get("layer").abbreviation, norms.get("batch").uses_batch
    ('LN', True)
    >>> norms.get("layer").build((8,))
    LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> [norm.key for norm in norms.every()]
    ['none', 'layer', 'batch', 'rms', 'group', 'instance']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

EPS = 1e-5
"""Every norm's ε in every lab: torch's default for LN, BN, GN and IN, and RMSNorm's too (torch's RMSNorm
defaults to the dtype's machine ε, smaller; one ε makes the norms comparable)."""
GROUPS = 2
"""How many groups GroupNorm splits the channels into, in every lab (a shape whose channels it does not divide is refused)."""


@dataclass(frozen=True)
class Norm:
    """A norm, described once.

    Args:
        key: what a configuration stores, e.g. ``"layer"``.
        names: its name in each language of the course (``"en"``, ``"zh"``).
        abbreviation: its short name in legends and tables (``"LN"``).
        axes: what it averages over, in each language.
        colour: its colour in every figure (Okabe and Ito's colour-blind-safe palette).
        uses_batch: True when its statistics come from the batch (a lab that pads must mask them).
        build: feature shape → the course's module (:mod:`lnlib.nn`).
        torch_build: feature shape → PyTorch's equivalent module.
    """

    key: str
    names: dict
    abbreviation: str
    axes: dict
    colour: str
    uses_batch: bool
    build: Callable = field(repr=False)
    torch_build: Callable = field(repr=False)

    def name(self, language: str | None = None) -> str:
        """Its name in ``language`` (default: the reader's)."""
        from lnlib.support.language import current

        return self.names[language or current()]

    def averages_over(self, language: str | None = None) -> str:
        """What it averages over, in ``language`` (default: the reader's)."""
        from lnlib.support.language import current

        return self.axes[language or current()]


def _channels(shape: tuple) -> int:
    shape = tuple(shape)
    if not shape or any(not isinstance(size, int) or size < 1 for size in shape):
        raise ValueError(f"a feature shape is one example's shape, e.g. (64,) or (8, 6, 6); got {shape!r}")
    return shape[0]


def _spatial(kind: str, shape: tuple) -> int:
    """How many spatial dimensions ``shape`` has after its channels (1 to 3), for BN's and IN's module class."""
    dims = len(shape) - 1
    if kind == "instance" and dims == 0:
        raise ValueError(
            f"InstanceNorm averages each channel over positions; a feature shape of {tuple(shape)!r} has none "
            "(give (C, L), (C, H, W) or (C, D, H, W))"
        )
    if dims > 3:
        raise ValueError(f"a feature shape has at most 3 dimensions after the channels; got {tuple(shape)!r}")
    return max(dims, 1)


def _groups(channels: int) -> int:
    if channels % GROUPS:
        raise ValueError(
            f"GroupNorm splits the channels into {GROUPS} groups; {channels} channels do not split"
        )
    return GROUPS


def _identity(library):
    def build(shape):
        _channels(shape)
        return library.Identity()

    return build


def _layer(library):
    def build(shape):
        _channels(shape)
        return library.LayerNorm(tuple(shape), eps=EPS)

    return build


def _rms(library):
    def build(shape):
        _channels(shape)
        return library.RMSNorm(tuple(shape), eps=EPS)

    return build


def _group(library):
    def build(shape):
        channels = _channels(shape)
        return library.GroupNorm(_groups(channels), channels, eps=EPS)

    return build


def _batch(library):
    def build(shape):
        channels = _channels(shape)
        return getattr(library, f"BatchNorm{_spatial('batch', shape)}d")(channels, eps=EPS, momentum=0.1)

    return build


def _instance(library):
    def build(shape):
        channels = _channels(shape)
        module = getattr(library, f"InstanceNorm{_spatial('instance', shape)}d")
        return module(channels, eps=EPS, affine=True)

    return build


class _Library:
    """``lnlib.nn`` or ``torch.nn``, imported when a module is first built (never at import time)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str):
        import importlib

        if self.name == "lnlib" and attribute == "Identity":
            import torch

            return torch.nn.Identity
        return getattr(importlib.import_module("lnlib.nn" if self.name == "lnlib" else "torch.nn"), attribute)


_LNLIB, _TORCH = _Library("lnlib"), _Library("torch")


def _described(key, en, zh, abbreviation, axes_en, axes_zh, colour, uses_batch, builder) -> Norm:
    return Norm(
        key,
        {"en": en, "zh": zh},
        abbreviation,
        {"en": axes_en, "zh": axes_zh},
        colour,
        uses_batch,
        builder(_LNLIB),
        builder(_TORCH),
    )


_REGISTERED: dict = {}


def register(norm: Norm) -> Norm:
    """Add ``norm`` to the table (a key already there is refused); returns it."""
    if norm.key in _REGISTERED:
        raise ValueError(f"a norm with key {norm.key!r} is already described")
    _REGISTERED[norm.key] = norm
    return norm


def unregister(key: str) -> None:
    """Remove a norm that :func:`register` added (a test's stand-in); the six of the course stay."""
    if key in COURSE_NORMS:
        raise ValueError(f"{key!r} is one of the course's norms; only an added norm can be removed")
    _REGISTERED.pop(key, None)


def get(key: str) -> Norm:
    """The norm called ``key`` (a ValueError that lists the known keys, for any other)."""
    try:
        return _REGISTERED[key]
    except KeyError:
        raise ValueError(f"unknown norm {key!r}; the norms are {', '.join(map(repr, _REGISTERED))}") from None


def every() -> list:
    """Every described norm, the course's six first, in the order of the table above."""
    return list(_REGISTERED.values())


def registered_keys() -> tuple:
    """Every described norm's key."""
    return tuple(_REGISTERED)


def name(key: str, language: str | None = None) -> str:
    """The name of the norm ``key`` in ``language`` (default: the reader's)."""
    return get(key).name(language)


def colour(key: str) -> str:
    """The colour of the norm ``key`` in every figure."""
    return get(key).colour


for _norm in (
    _described("none", "no norm", "不用归一化", "none", "nothing", "不求平均", "#777777", False, _identity),
    _described(
        "layer",
        "LayerNorm",
        "LayerNorm（层归一化）",
        "LN",
        "each example's features",
        "每个样本自己的全部特征",
        "#0072B2",
        False,
        _layer,
    ),
    _described(
        "batch",
        "BatchNorm",
        "BatchNorm（批归一化）",
        "BN",
        "each feature over the batch (and positions)",
        "每个特征在整个批次（及各位置）上",
        "#E69F00",
        True,
        _batch,
    ),
    _described(
        "rms",
        "RMSNorm",
        "RMSNorm（均方根归一化）",
        "RMSNorm",
        "each example's features (mean square only)",
        "每个样本自己的全部特征（只用均方）",
        "#009E73",
        False,
        _rms,
    ),
    _described(
        "group",
        "GroupNorm",
        "GroupNorm（组归一化）",
        "GN",
        "each example's groups of channels (and positions)",
        "每个样本的每组通道（及各位置）",
        "#D55E00",
        False,
        _group,
    ),
    _described(
        "instance",
        "InstanceNorm",
        "InstanceNorm（实例归一化）",
        "IN",
        "each example's channel over positions",
        "每个样本的每个通道在各位置上",
        "#CC79A7",
        False,
        _instance,
    ),
):
    register(_norm)
del _norm

COURSE_NORMS = tuple(_REGISTERED)
"""The six norms of the course, in order."""
