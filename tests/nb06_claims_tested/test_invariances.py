"""Ba, Kiros and Hinton (2016), Table 1, recomputed from lnlib's norms, with RMSNorm, GroupNorm and InstanceNorm added."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lnlib.nb06_claims_tested import invariances


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recomputed_table_matches_the_published_one_and_the_derived_rows(seed):
    table = invariances.invariance_table(seed=seed)
    for norm, published in invariances.PUBLISHED.items():
        assert table[norm] == published, norm
    assert table["rms norm"] == invariances.RMS_NORM_EXPECTED
    for norm, derived in invariances.DERIVED.items():
        assert table[norm] == derived, norm
    assert list(table) == [*invariances.PUBLISHED, "rms norm", "group norm", "instance norm"]


def test_invariant_and_not_invariant_are_far_apart():
    """Invariant: the output moves by rounding only (< 1e-9); not: by more than 1 % of its size."""
    for norm in list(invariances.PUBLISHED) + list(invariances.DERIVED):
        for transformation in invariances.TRANSFORMATIONS:
            change = invariances.output_change(norm, transformation)
            assert change < 1e-9 or change > 1e-2, (norm, transformation, change)


def test_group_and_instance_norm_of_the_layer_are_torchs_on_the_same_neurons():
    rng = np.random.default_rng(0)
    weights, inputs, gain = rng.normal(size=(8, 6)), rng.normal(size=(16, 6)), rng.uniform(0.5, 2, size=8)
    a = torch.from_numpy(inputs @ weights.T)
    eps = invariances.EPS
    group = F.group_norm(a, invariances.GROUPS, eps=eps) * torch.from_numpy(gain)
    tokens = a.reshape(16, 4, invariances.CHANNELS).transpose(1, 2)
    instance = F.instance_norm(tokens, eps=eps).transpose(1, 2).reshape(16, 8) * torch.from_numpy(gain)
    for norm, theirs in (("group norm", group), ("instance norm", instance)):
        ours = invariances._normalize(norm, weights, inputs, gain)
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-9)
    # two different splits of the neurons into groups of 4: the rows agree, the outputs do not
    assert not np.allclose(group.numpy(), instance.numpy())


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown norm"):
        invariances.output_change("power norm", "dataset re-scaling")
    with pytest.raises(ValueError, match="unknown transformation"):
        invariances.output_change("layer norm", "rotation")
