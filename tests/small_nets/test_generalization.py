"""The held-out test of notebook 06, read from its cache."""

from lnlib.small_nets import generalization


def test_points_from_none_are_the_paired_difference_in_points():
    results = generalization.LAB.results()
    mean, error = generalization.difference_from_none(results, "batch")
    assert generalization.points_from_none(
        results, "batch"
    ) == f"{100 * mean:.1f} ± {100 * error:.1f}".replace("-", "−")
