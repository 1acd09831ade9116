"""The digits: 1,797 handwritten 8×8 digits in ``data/digits.csv.gz``, split once and standardised from the
training split.

The file is scikit-learn's copy of the test set of the UCI "Optical Recognition of Handwritten Digits" data
(E. Alpaydin and C. Kaynak, 1998; CC BY 4.0), ``sklearn/datasets/data/digits.csv.gz`` byte for byte: one row
per image, 64 pixels of 0 … 16 and the digit. :func:`load` reads it with NumPy into exactly the arrays
``sklearn.datasets.load_digits`` gives (a test compares them where scikit-learn is installed); nothing is
downloaded. :func:`digits` shuffles them with a fixed seed, keeps :data:`TRAIN_EXAMPLES` for training and
the rest as held-out examples, and standardises every pixel with the mean and standard deviation of the
*training* examples only (a pixel that is constant in training is only centred), so nothing about the
held-out examples leaks into training.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass

import numpy as np

from lnlib.support import paths

TRAIN_EXAMPLES = 1000
SPLIT_SEED = 0
CLASSES = 10
IMAGE_SIDE = 8


@dataclass(frozen=True)
class Digits:
    """The split: standardised inputs (float32 arrays of 64 pixels), labels, the training statistics, raw images."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    pixel_mean: np.ndarray
    pixel_std: np.ndarray
    train_images: np.ndarray  # (n, 8, 8), the raw pixels 0 … 16, for pictures

    def tensors(self) -> tuple:
        """``(x_train, y_train, x_test, y_test)`` as torch tensors (float32 inputs, int64 labels)."""
        import torch

        return (
            torch.from_numpy(self.x_train),
            torch.from_numpy(self.y_train),
            torch.from_numpy(self.x_test),
            torch.from_numpy(self.y_test),
        )


def standardise(pixels: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(pixels − mean) / std`` per pixel, a pixel with std 0 only centred; float32."""
    safe = np.where(std > 0, std, 1.0)
    return ((pixels - mean) / safe).astype(np.float32)


def load() -> tuple:
    """``(pixels, labels)`` of the 1,797 digits: float64 ``(1797, 64)`` and int64 ``(1797,)``, as
    ``load_digits()``'s ``data`` and ``target``."""
    with gzip.open(paths.DIGITS, "rt", encoding="ascii") as file:
        table = np.loadtxt(file, delimiter=",")
    return table[:, :-1], table[:, -1].astype(np.int64)


def file_sha256() -> str:
    """The SHA-256 of ``data/digits.csv.gz``: which data the results cache was made from."""
    return hashlib.sha256(paths.DIGITS.read_bytes()).hexdigest()


@functools.cache
def digits() -> Digits:
    """The one split every run of notebook 07 uses (read from ``data/digits.csv.gz`` on first use, then kept)."""
    pixels, labels = load()
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    train, test = order[:TRAIN_EXAMPLES], order[TRAIN_EXAMPLES:]
    mean, std = pixels[train].mean(axis=0), pixels[train].std(axis=0)
    return Digits(
        x_train=standardise(pixels[train], mean, std),
        y_train=labels[train],
        x_test=standardise(pixels[test], mean, std),
        y_test=labels[test],
        pixel_mean=mean,
        pixel_std=std,
        train_images=pixels[train].reshape(-1, IMAGE_SIDE, IMAGE_SIDE),
    )
