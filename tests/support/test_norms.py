"""One description of each norm (lnlib.support.norms): the course's module and torch's agree on every norm and
shape, a bad shape is refused with a reason, and a norm registered later is found by every lookup."""

from __future__ import annotations

import pytest
import torch

from lnlib.support import norms

SHAPES = ((8,), (8, 6), (8, 3, 3))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("key", norms.COURSE_NORMS)
def test_the_course_module_computes_what_torch_computes(key, shape):
    norm = norms.get(key)
    if key == "instance" and len(shape) == 1:
        with pytest.raises(ValueError, match="positions"):
            norm.build(shape)
        return
    torch.manual_seed(0)
    x = torch.randn(4, *shape, dtype=torch.float64) * 3 + 1
    ours, theirs = norm.build(shape).double(), norm.torch_build(shape).double()
    ours.train(), theirs.train()
    torch.testing.assert_close(ours(x), theirs(x))
    if key == "batch":  # the running statistics too
        torch.testing.assert_close(ours.running_var, theirs.running_var)


def test_each_norm_is_described_once_with_both_names_and_a_distinct_colour():
    described = norms.every()
    assert [n.key for n in described] == list(norms.COURSE_NORMS)
    assert len({n.colour for n in described}) == len(described)
    for norm in described:
        assert norm.name("en") and norm.name("zh") and norm.averages_over("zh")
    assert [n.key for n in described if n.uses_batch] == ["batch"]


def test_bad_shapes_and_keys_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="feature shape"):
        norms.get("layer").build(())
    with pytest.raises(ValueError, match="do not split"):
        norms.get("group").build((5,))
    with pytest.raises(ValueError, match="unknown norm 'weight'"):
        norms.get("weight")
    with pytest.raises(ValueError, match="already described"):
        norms.register(norms.get("layer"))
    with pytest.raises(ValueError, match="course's norms"):
        norms.unregister("layer")


def test_a_registered_norm_is_found_and_removed():
    stand_in = norms.Norm(
        "stand-in",
        {"en": "stand-in", "zh": "替身"},
        "SI",
        {"en": "-", "zh": "-"},
        "#000000",
        False,
        lambda shape: torch.nn.Identity(),
        lambda shape: torch.nn.Identity(),
    )
    norms.register(stand_in)
    try:
        assert norms.get("stand-in") is stand_in and "stand-in" in norms.registered_keys()
    finally:
        norms.unregister("stand-in")
    assert "stand-in" not in norms.registered_keys()
