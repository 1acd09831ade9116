"""Ba, Kiros and Hinton (2016), Table 1, recomputed from lnlib's norms, with RMSNorm added."""

import pytest

from lnlib.nb06_claims_tested import invariances


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recomputed_table_matches_the_published_one_and_the_derived_rms_norm_row(seed):
    table = invariances.invariance_table(seed=seed)
    for norm, published in invariances.PUBLISHED.items():
        assert table[norm] == published, norm
    assert table["rms norm"] == invariances.RMS_NORM_EXPECTED


def test_invariant_and_not_invariant_are_far_apart():
    """Invariant: the output moves by rounding only (< 1e-9); not: by more than 1 % of its size."""
    for norm in list(invariances.PUBLISHED) + ["rms norm"]:
        for transformation in invariances.TRANSFORMATIONS:
            change = invariances.output_change(norm, transformation)
            assert change < 1e-9 or change > 1e-2, (norm, transformation, change)


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="unknown norm"):
        invariances.output_change("group norm", "dataset re-scaling")
    with pytest.raises(ValueError, match="unknown transformation"):
        invariances.output_change("layer norm", "rotation")
