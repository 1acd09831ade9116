"""Article 003's MyModel: it fails as printed, fits only 6×6 with the import, and the fixed model fits any size."""

import pytest

from lnlib.nb06_claims_tested import article003_mymodel


def test_as_printed_it_raises_name_error_because_f_is_never_imported():
    assert (
        article003_mymodel.try_model(article003_mymodel.article_model(False), 2, 6)
        == "fails with a name error: name 'F' is not defined"
    )


@pytest.mark.parametrize("size", [3, 5, 6, 7, 8, 32])
def test_with_the_import_only_a_six_by_six_input_fits(size):
    result = article003_mymodel.try_model(article003_mymodel.article_model(True), 2, size)
    assert (result == "runs: output (2, 512)") == (size == 6), (size, result)
    assert (article003_mymodel.flattened_features(size) == 1024) == (size == 6)


def test_the_fitting_sizes_are_read_from_the_model_and_each_one_runs():
    sizes = article003_mymodel.fitting_sizes()
    assert sizes == [(3, 18), (4, 10), (6, 6), (10, 4), (18, 3)]
    assert article003_mymodel.square_fitting_sizes() == [6]
    assert article003_mymodel.fitting_sizes_text() == "3×18, 4×10, 6×6, 10×4 and 18×3"
    model = article003_mymodel.article_model(True)
    for h, w in sizes:
        assert article003_mymodel.flattened_features(h, w) == 1024
        assert article003_mymodel.try_model(model, 2, h, width=w) == "runs: output (2, 512)", (h, w)
    assert "fails" in article003_mymodel.try_model(model, 2, 5, width=7)


@pytest.mark.parametrize("size", [3, 6, 7, 32, 64])
def test_the_fixed_model_fits_every_input_of_three_or_more(size):
    assert article003_mymodel.try_model(article003_mymodel.FixedModel(), 2, size) == "runs: output (2, 512)"


def test_a_single_three_by_three_example_stops_batch_norm_in_both():
    for model in (article003_mymodel.article_model(True), article003_mymodel.FixedModel()):
        assert "more than 1 value per channel" in article003_mymodel.try_model(model, 1, 3)


def test_outcomes_table_and_app_notes():
    text = str(article003_mymodel.outcomes())
    assert text.count("name error") == 3 and text.count("runs: output (2, 512)") == 5
    assert "2×3×4×10 | flattened 1024 values; runs" in text
    assert "Error" not in text  # no raw exception names on the page (the browser test looks for them)
    app = article003_mymodel.MyModelApp()
    assert "one square size" in app.note.value and "3×18, 4×10, 6×6, 10×4 and 18×3" in app.note.value
    app.controls["size"].value = 32
    assert "57,600" in app.note.value and "57600" in app.table.value
    app.controls["size"].value = 2
    assert app.status == "explained"
    app.controls["size"].value = 3
    app.controls["batch"].value = 1
    assert app.status == "ok" and "nothing to average" in app.note.value
