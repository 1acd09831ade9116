"""The held-out test of notebook 06, read from its cache."""

from lnlib.small_nets import experiments, generalization


def test_points_from_none_are_the_paired_difference_in_points():
    results = experiments.load("generalization")
    mean, error = generalization.difference_from_none(results, "batch")
    assert generalization.points_from_none(results, "batch") == f"−{-100 * mean:.1f} ± {100 * error:.1f}"


def test_findings_quote_every_norm_against_no_norm():
    results = experiments.load("generalization")
    text = str(generalization.findings(results))
    for norm, name in (("layer", "LN"), ("rms", "RMSNorm"), ("batch", "BN")):
        assert f"{generalization.points_from_none(results, norm)} " in text and name in text
    assert f"at least {min(row['train'] for row in generalization.summary(results).values()):.3f}" in text
