"""The digits come from scikit-learn's package, split once with a seed, standardised from the training split only."""

import numpy as np
import pytest

from lnlib.digits import data


@pytest.fixture(scope="module")
def split():
    return data.digits()


def test_the_split_is_seeded_complete_and_disjoint(split):
    from sklearn.datasets import load_digits

    bunch = load_digits()
    assert len(split.y_train) == data.TRAIN_EXAMPLES
    assert len(split.y_train) + len(split.y_test) == len(bunch.target) == 1797
    order = np.random.default_rng(data.SPLIT_SEED).permutation(len(bunch.target))
    assert np.array_equal(split.y_train, bunch.target[order[: data.TRAIN_EXAMPLES]])
    assert np.array_equal(
        split.train_images.reshape(len(split.y_train), -1), bunch.data[order[: data.TRAIN_EXAMPLES]]
    )
    assert set(np.unique(split.y_test)) == set(range(data.CLASSES))


def test_standardised_with_the_training_statistics_only(split):
    from sklearn.datasets import load_digits

    bunch = load_digits()
    order = np.random.default_rng(data.SPLIT_SEED).permutation(len(bunch.target))
    train, test = bunch.data[order[: data.TRAIN_EXAMPLES]], bunch.data[order[data.TRAIN_EXAMPLES :]]
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
