"""The digits: data/digits.csv.gz, scikit-learn's file read into the arrays scikit-learn gives, split once with
a seed, standardised from the training split only."""

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from lnlib.digits import data, experiments
from lnlib.support import paths


@pytest.fixture(scope="module")
def split():
    return data.digits()


@pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None,
    reason="scikit-learn is not installed (requirements-test.txt has it): nothing to compare the file with",
)
def test_the_file_gives_exactly_what_scikit_learns_load_digits_gives():
    import sklearn.datasets
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels, labels = data.load()
    assert pixels.dtype == bunch.data.dtype and labels.dtype == bunch.target.dtype
    assert np.array_equal(pixels, bunch.data) and np.array_equal(labels, bunch.target)
    original = Path(sklearn.datasets.__file__).parent / "data" / "digits.csv.gz"
    assert original.read_bytes() == paths.DIGITS.read_bytes(), (
        f"not scikit-learn {sklearn.__version__}'s file"
    )


def test_the_file_holds_1797_images_of_64_pixels_0_to_16_and_every_digit():
    pixels, labels = data.load()
    assert pixels.shape == (1797, data.IMAGE_SIDE**2) and labels.shape == (1797,)
    assert pixels.min() == 0 and pixels.max() == 16 and np.array_equal(pixels, np.round(pixels))
    assert sorted(np.unique(labels)) == list(range(data.CLASSES))


def test_the_results_cache_records_the_sha256_of_the_file_it_was_made_from():
    assert re.fullmatch("[0-9a-f]{64}", data.file_sha256())
    assert experiments.load().data["digits_sha256"] == data.file_sha256(), "the file changed: regenerate"


def test_the_split_is_seeded_complete_and_disjoint(split):
    pixels, labels = data.load()
    assert len(split.y_train) == data.TRAIN_EXAMPLES
    assert len(split.y_train) + len(split.y_test) == len(labels)
    order = np.random.default_rng(data.SPLIT_SEED).permutation(len(labels))
    assert np.array_equal(split.y_train, labels[order[: data.TRAIN_EXAMPLES]])
    assert np.array_equal(
        split.train_images.reshape(len(split.y_train), -1), pixels[order[: data.TRAIN_EXAMPLES]]
    )
    assert set(np.unique(split.y_test)) == set(range(data.CLASSES))


def test_standardised_with_the_training_statistics_only(split):
    pixels, labels = data.load()
    order = np.random.default_rng(data.SPLIT_SEED).permutation(len(labels))
    train, test = pixels[order[: data.TRAIN_EXAMPLES]], pixels[order[data.TRAIN_EXAMPLES :]]
    varying = train.std(axis=0) > 0
    np.testing.assert_allclose(split.x_train[:, varying].mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(split.x_train[:, varying].std(axis=0), 1, atol=1e-4)
    expected = (test[:, varying] - train[:, varying].mean(axis=0)) / train[:, varying].std(axis=0)
    np.testing.assert_allclose(split.x_test[:, varying], expected, rtol=1e-5, atol=1e-5)
    # the held-out digits' own statistics are not used: their standardised pixels are not exactly centred
    assert np.abs(split.x_test[:, varying].mean(axis=0)).max() > 0.01
    assert not varying.all()  # some border pixels are always 0 in training: centred only, never divided by 0
    assert np.isfinite(split.x_test).all()


def test_standardise_only_centres_a_constant_pixel():
    pixels = np.array([[1.0, 5.0], [3.0, 5.0]])
    out = data.standardise(pixels, pixels.mean(axis=0), pixels.std(axis=0))
    np.testing.assert_allclose(out, [[-1.0, 0.0], [1.0, 0.0]])
    assert out.dtype == np.float32


def test_tensors_are_float32_inputs_and_integer_labels(split):
    import torch

    x_train, y_train, x_test, y_test = split.tensors()
    assert x_train.dtype == torch.float32 and y_train.dtype == torch.int64
    assert x_train.shape == (data.TRAIN_EXAMPLES, 64) and x_test.shape[1] == 64
