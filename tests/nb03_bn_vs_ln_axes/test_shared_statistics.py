"""Which elements share one mean and variance (notebook 03): the groupings, checked against torch's own modules."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from lnlib import ui
from lnlib.functional import standardize
from lnlib.nb03_bn_vs_ln_axes import shared_statistics

EPS = 1e-5
CASES = [(layout, norm) for layout in shared_statistics.LAYOUTS for norm in shared_statistics.NORM_TITLES]


def _torch_module_output(
    layout: str, norm: str, x: np.ndarray, groups: int = shared_statistics.DEFAULT_GROUPS
):
    """What torch's own module (no affine, training mode) gives for the layout's input."""
    t = torch.from_numpy(x)
    tokens = layout == "tokens"
    if tokens:
        t = t.transpose(1, 2)  # (N, L, D) → (N, D, L): torch wants channels in dim 1
    channels = t.shape[1]
    trailing = list(x.shape[1:]) if layout == "images" else [x.shape[-1]]
    with torch.no_grad():
        if norm == "batch":
            module = (nn.BatchNorm2d if layout == "images" else nn.BatchNorm1d)(
                channels, eps=EPS, affine=False, dtype=t.dtype
            )
            out = module.train()(t)
        elif norm == "layer":
            return nn.LayerNorm(trailing, eps=EPS, elementwise_affine=False, dtype=t.dtype)(
                torch.from_numpy(x)
            ).numpy()
        elif norm == "rms":
            return nn.RMSNorm(trailing, eps=EPS, elementwise_affine=False)(torch.from_numpy(x)).numpy()
        elif norm == "instance":
            module = (nn.InstanceNorm2d if layout == "images" else nn.InstanceNorm1d)(channels, eps=EPS)
            out = module.train()(t.unsqueeze(-1) if layout == "features" else t)
            out = out.squeeze(-1) if layout == "features" else out
        else:
            out = nn.GroupNorm(groups, channels, eps=EPS, affine=False)(t)
    return (out.transpose(1, 2) if tokens else out).numpy()


@pytest.mark.parametrize("layout, norm", [c for c in CASES if c != ("features", "instance")])
def test_each_grouping_computes_what_torch_computes(layout, norm):
    x = shared_statistics.example_input(layout, seed=1)
    np.testing.assert_allclose(
        shared_statistics.normalize(x, shared_statistics.grouping(layout, norm), EPS),
        _torch_module_output(layout, norm, x),
        rtol=1e-9,
        atol=1e-9,
    )


def test_instance_norm_of_features_is_refused_by_torch_with_the_message_the_app_quotes():
    with pytest.raises(ValueError) as refusal:
        nn.InstanceNorm1d(6).train()(torch.zeros(4, 6, 1))
    app = shared_statistics.SharingApp()
    app.controls["layout"].value = "features"
    app.controls["norm"].value = "instance"
    assert app.status == "explained" and str(refusal.value) in app.note.value
    # lnlib's instance_norm refuses it too, and the app quotes lnlib's words beside torch's
    how = shared_statistics.grouping("features", "instance")
    with pytest.raises(ValueError, match="Expected more than 1 spatial element") as lnlib_refusal:
        shared_statistics.normalize(shared_statistics.example_input("features"), how)
    assert str(lnlib_refusal.value) in app.note.value and "instance_norm(x[:, :, None])" in app.note.value


@pytest.mark.parametrize("layout, norm", [c for c in CASES if c != ("features", "instance")])
def test_the_norm_functions_are_standardize_over_the_axes_the_pictures_show(layout, norm):
    how = shared_statistics.grouping(layout, norm)
    x = shared_statistics.example_input(layout, seed=3)
    if norm == "rms":  # no mean: the mean square over the same axes
        view = x.reshape(how.view_shape)
        expected = view / np.sqrt(np.mean(view**2, axis=how.axis, keepdims=True) + EPS)
    else:
        expected = standardize(x.reshape(how.view_shape), how.axis, EPS)
    np.testing.assert_allclose(
        shared_statistics.normalize(x, how, EPS), expected.reshape(x.shape), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize(
    "layout, norm, groups, size",
    [
        ("features", "batch", 6, 4),
        ("features", "layer", 4, 6),
        ("features", "group", 8, 3),
        ("tokens", "batch", 6, 20),
        ("tokens", "layer", 20, 6),
        ("tokens", "rms", 20, 6),
        ("tokens", "instance", 24, 5),
        ("images", "batch", 6, 24),
        ("images", "layer", 4, 36),
        ("images", "instance", 24, 6),
        ("images", "group", 8, 18),
    ],
)
def test_group_counts_and_sizes(layout, norm, groups, size):
    labels = shared_statistics.group_labels(shared_statistics.grouping(layout, norm))
    counts = np.bincount(labels.ravel())
    assert len(counts) == groups and np.all(counts == size)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([c for c in CASES if c != ("features", "instance")]), st.integers(0, 10**6))
def test_changing_one_value_moves_exactly_its_group(case, seed):
    layout, norm = case
    how = shared_statistics.grouping(layout, norm)
    x = shared_statistics.example_input(layout, seed=seed % 97)
    rng = np.random.default_rng(seed)
    index = tuple(int(rng.integers(0, size)) for size in x.shape)
    labels = shared_statistics.group_labels(how)
    np.testing.assert_array_equal(shared_statistics.moved_by(x, how, index), labels == labels[index])


def test_batch_norm_groups_run_across_examples_and_layer_norm_groups_do_not():
    for layout in shared_statistics.LAYOUTS:
        bn = shared_statistics.group_labels(shared_statistics.grouping(layout, "batch"))
        assert len(set(bn[0].ravel()) & set(bn[1].ravel())) > 0  # examples share BN's groups
        for norm in ("layer", "rms", "instance", "group"):
            if (layout, norm) == ("features", "instance"):
                continue
            labels = shared_statistics.group_labels(shared_statistics.grouping(layout, norm))
            assert not set(labels[0].ravel()) & set(labels[1].ravel())  # never across examples


def test_group_norm_spans_layer_norm_to_instance_norm():
    x = shared_statistics.example_input("images")
    np.testing.assert_allclose(
        shared_statistics.normalize(x, shared_statistics.grouping("images", "group", 1)),
        shared_statistics.normalize(x, shared_statistics.grouping("images", "layer")),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        shared_statistics.normalize(x, shared_statistics.grouping("images", "group", 6)),
        shared_statistics.normalize(x, shared_statistics.grouping("images", "instance")),
        atol=1e-12,
    )


@pytest.mark.parametrize(
    "arguments, message",
    [
        (("video", "batch"), "layout must be one of"),
        (("images", "weight"), "norm must be one of"),
        (("images", "group", 4), "groups must divide"),
        (("images", "group", 0), "groups must divide"),
    ],
)
def test_bad_choices_are_refused(arguments, message):
    with pytest.raises(ValueError, match=message):
        shared_statistics.grouping(*arguments)


def test_normalize_checks_the_shape():
    with pytest.raises(ValueError, match="layout's shape"):
        shared_statistics.normalize(np.zeros((2, 6)), shared_statistics.grouping("features", "batch"))


def test_calls_read_as_the_learner_would_type_them():
    assert shared_statistics.grouping("images", "batch").call == "standardize(x, axis=(0, 2, 3))"
    assert shared_statistics.grouping("tokens", "layer").call == "standardize(x, axis=2)"
    assert shared_statistics.grouping("images", "group").call == "group_norm(x, 2)"
    assert shared_statistics.grouping("images", "instance").call == "instance_norm(x)"
    assert (
        shared_statistics.grouping("tokens", "instance").call
        == "instance_norm(x.transpose(0, 2, 1)).transpose(0, 2, 1)"
    )
    assert (
        shared_statistics.grouping("images", "rms").call
        == "rms_norm(x, normalized_shape=(6, 2, 3), eps=1e-5)"
    )
    assert shared_statistics.grouping("tokens", "rms").call == "rms_norm(x, normalized_shape=6, eps=1e-5)"


@pytest.mark.parametrize("layout, norm", [c for c in CASES if c != ("features", "instance")])
def test_each_call_shown_computes_what_normalize_computes(layout, norm):
    from lnlib import functional

    how = shared_statistics.grouping(layout, norm, groups=3)
    x = shared_statistics.example_input(layout, seed=5)
    shown = eval(how.call, {"x": x, **{name: getattr(functional, name) for name in functional.__all__}})
    np.testing.assert_array_equal(shown, shared_statistics.normalize(x, how))


def test_axes_table_lists_every_layout_and_norm():
    table = shared_statistics.axes_table_html()
    assert table.count("<tr>") == 1 + len(CASES)
    for layout, norm in CASES:
        assert shared_statistics.grouping(layout, norm).torch_call in table


def test_axes_tables_by_layout_hold_the_same_rows_folded_by_layout():
    folded = shared_statistics.axes_tables_by_layout_html()
    assert folded.count("<details") == len(shared_statistics.LAYOUTS) and folded.count(" open") == 1
    assert folded.count("<tr>") == len(shared_statistics.LAYOUTS) + len(CASES)
    for layout, norm in CASES:
        assert shared_statistics.grouping(layout, norm).call in folded


def test_cube_geometry_and_wu_he_highlights():
    polygons, cells = shared_statistics.cube_cells(4, 6, 6)
    assert len(polygons) == len(cells) == 6 * 6 + 4 * 6 + 4 * 6 and all(len(p) == 4 for p in polygons)
    cube = shared_statistics.as_cube(
        shared_statistics.group_labels(shared_statistics.grouping("images", "batch")), "images"
    )
    assert cube.shape == (4, 6, 6)
    shared = shared_statistics.highlighted_cells(cube, cells)
    assert shared.sum() == 6 + 4  # BN: channel 1's front column and its top row
    cube = shared_statistics.as_cube(
        shared_statistics.group_labels(shared_statistics.grouping("tokens", "layer")), "tokens"
    )
    # one token: a row of the front face, a row of the top face, and one cell of the right face
    assert (
        shared_statistics.highlighted_cells(cube, shared_statistics.cube_cells(*cube.shape)[1]).sum()
        == 6 + 6 + 1
    )


def test_as_cube_moves_tokens_features_to_the_channel_axis():
    x = np.arange(4 * 5 * 6).reshape(4, 5, 6)
    cube = shared_statistics.as_cube(x, "tokens")
    assert cube.shape == (4, 6, 5) and cube[1, 2, 3] == x[1, 3, 2]
    assert shared_statistics.as_cube(np.zeros((4, 6)), "features").shape == (4, 6, 1)


def test_sharing_app_reports_the_call_and_the_perturbation_check():
    app = shared_statistics.SharingApp()
    assert "standardize(x, axis=(0, 2, 3))" in app.note.value and "6 groups of 24 values" in app.note.value
    assert "exactly the values of its group" in app.note.value
    app.controls["layout"].value = "tokens"
    app.controls["norm"].value = "layer"
    assert "nn.LayerNorm(6)" in app.note.value and "20 groups of 6 values" in app.note.value
    assert app.view.caption.get_text() == "LayerNorm: 20 groups of 6 values"
    app.controls["norm"].value = "rms"
    assert "mean square" in app.note.value


def test_group_norm_app_names_its_two_ends():
    app = shared_statistics.GroupNormApp()
    app.controls["groups"].value = 1
    assert "LayerNorm over (C, H, W)" in app.note.value and "to rounding" in app.note.value
    app.controls["groups"].value = 6
    assert "InstanceNorm" in app.note.value and "to rounding" in app.note.value
    app.controls["groups"].value = 3
    assert "each group holds 2 channels" in app.note.value


def test_the_small_layout_shows_each_elements_group_and_the_table_its_statistics():
    app = shared_statistics.SharingApp()
    app.controls["layout"].value = "features"
    texts = [[t.get_text() for t in row] for row in app.view.cell_texts]
    assert texts == [[str(j) for j in range(1, 7)]] * 4  # BatchNorm: one group per column
    app.controls["norm"].value = "layer"
    assert [[t.get_text() for t in row] for row in app.view.cell_texts] == [[str(i)] * 6 for i in range(1, 5)]
    how = shared_statistics.grouping("features", "layer")
    x = shared_statistics.example_input("features")
    _, mean, var = standardize(x, 1, return_moments=True)
    rows = shared_statistics.group_statistics(how)
    np.testing.assert_allclose([r[2] for r in rows], mean.ravel(), rtol=1e-12)
    np.testing.assert_allclose([r[3] for r in rows], var.ravel(), rtol=1e-12)
    assert f"{ui.format_number(rows[0][2])}" in app.view.groups_view.value
    app.controls["layout"].value = "images"  # too many rows for numbers: the cells stay unlabelled
    assert all(t.get_text() == "" for row in app.view.cell_texts for t in row)
    app.controls["norm"].value = "instance"  # 24 groups: the table shows the first 8
    assert "the first 8 of 24" in app.view.groups_view.value
