"""Batch norm by hand beside layer norm (notebook 02): exact numbers, lnlib and torch agreeing with them."""

from fractions import Fraction

import numpy as np
import pytest
import torch

from lnlib.nb02_worked_example_four_neurons import batch_by_hand as bh


def test_d2l_two_by_two_example():
    ln, bn = bh.by_hand(bh.D2L_EXAMPLE, "layer"), bh.by_hand(bh.D2L_EXAMPLE, "batch")
    assert ln.x_hat_without_eps == ((-1, 1), (-1, 1))  # d2l-zh: LN gives [[−1, 1], [−1, 1]]
    assert bn.x_hat_without_eps == ((-1, -1), (1, 1))  # and BN [[−1, −1], [1, 1]]
    np.testing.assert_allclose(ln.x_hat_floats(), [[-1, 1], [-1, 1]], atol=5e-5)  # up to ε
    x = torch.tensor(bh.D2L_EXAMPLE, dtype=torch.float64)
    np.testing.assert_allclose(
        bn.x_hat_floats(), torch.nn.BatchNorm1d(2, dtype=torch.float64)(x).detach(), atol=1e-14
    )


def test_the_four_by_four_statistics_are_whole_numbers_as_the_comment_says():
    ln, bn = bh.by_hand(bh.BATCH, "layer"), bh.by_hand(bh.BATCH, "batch")
    assert ln.means == (2, 8, 4, 2) and ln.variances == (9, 1, 9, 25)
    assert bn.means == (4, 2, 2, 8) and bn.variances == (9, 9, 25, 1)
    assert ln.x_hat_without_eps[0] == (Fraction(-1, 3), -1, Fraction(-1, 3), Fraction(5, 3))
    assert bn.x_hat_without_eps[1] == (Fraction(5, 3), Fraction(5, 3), Fraction(7, 5), -1)
    # LN: example 3 is example 1 shifted by 2, so their normalized rows are the same
    assert ln.x_hat_without_eps[0] == ln.x_hat_without_eps[2]


def test_lnlib_and_torch_agree_with_every_number_by_hand():
    gaps = bh.agreement(bh.BATCH)
    assert set(gaps) == {
        ("layer", "lnlib.functional.layer_norm"),
        ("layer", "torch.nn.LayerNorm"),
        ("batch", "lnlib.functional.batch_norm"),
        ("batch", "torch.nn.BatchNorm1d"),
    }
    assert max(gaps.values()) < 1e-12
    assert all("as expected" in line for line in bh.agreement_lines(bh.BATCH))


def test_the_blackboard_table_shows_the_exact_numbers():
    header, rows = bh.blackboard_rows(bh.BATCH)
    by_label = {row[0]: row[1:] for row in rows}
    assert header[-2:] == ["LN's μ (row)", "LN's σ² (row)"]
    assert by_label["example 4"] == ["3", "1", "-5", "9", "2", "25"]
    assert by_label["BN's σ² (column)"][:4] == ["9", "9", "25", "1"]
    assert by_label["LN x̂, example 4"][:4] == ["0.2", "-0.2", "-1.4", "1.4"]
    assert by_label["BN x̂, example 1"][:4] == ["-1", "-1", "-0.2", "-1"]
    _, flat = bh.blackboard_rows(((1, 2), (1, 3)))
    assert {r[0]: r[1:] for r in flat}["BN x̂, example 1"][0] == "0/0"  # σ² = 0 in feature 1


def test_the_note_names_the_statistics_each_norm_used():
    note = bh.statistics_note(bh.BATCH, 4)
    assert "its own μ = 2 and σ² = 25" in note and "μ = (4, 2, 2, 8) and σ² = (9, 9, 25, 1)" in note
    with pytest.raises(ValueError, match="between 1 and 4"):
        bh.statistics_note(bh.BATCH, 5)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="rectangular"):
        bh.by_hand([[1, 2], [3]], "layer")
    with pytest.raises(ValueError, match="norm must be"):
        bh.by_hand(bh.BATCH, "group")
    with pytest.raises(ValueError, match="non-negative"):
        bh.by_hand(bh.BATCH, "layer", eps=-1)


def test_the_app_edits_the_chosen_example_and_the_sliders_follow_the_choice():
    app = bh.BatchBesideLayerApp()
    assert app.status == "ok"
    app.controls["example"].value = 4
    assert [app.controls[f"x{j}"].value for j in range(1, 5)] == [3, 1, -5, 9]
    app.controls["x3"].value = 5  # example 4 becomes (3, 1, 5, 9): feature 3's column changes
    assert app.rows[3] == [3, 1, 5, 9]
    # column 3 is now (1, 9, 3, 5): μ = 4.5, σ² = 8.75; example 4's own row (3, 1, 5, 9): μ = 4.5, σ² = 8.75
    assert "μ = (4, 2, 4.5, 8) and σ² = (9, 9, 8.75, 1)" in app.note.value
    assert "its own μ = 4.5 and σ² = 8.75" in app.note.value
    app.controls["example"].value = 1  # the sliders show example 1 again; example 4 keeps its edit
    assert [app.controls[f"x{j}"].value for j in range(1, 5)] == [1, -1, 1, 7] and app.rows[3][2] == 5


def test_the_notebooks_reading_of_the_table():
    ln = np.array(bh.by_hand(bh.BATCH, "layer").x_hat_without_eps, dtype=object)
    bn = np.array(bh.by_hand(bh.BATCH, "batch").x_hat_without_eps, dtype=object)
    assert ln[3, 2] == bn[3, 2] == Fraction(-7, 5)  # example 4, feature 3: −1.4 both ways
    assert (ln == bn).sum() == 4  # "only 4 of the 16 entries agree"
    # up to ε: d2l-zh's example with torch's ε gives ±0.99998
    assert f"{bh.by_hand(bh.D2L_EXAMPLE, 'layer').x_hat_floats()[0, 1]:.5f}" == "0.99998"
