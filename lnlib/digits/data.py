"""The digits: scikit-learn's bundled 8×8 handwritten digits, split once and standardised from the training split.

``sklearn.datasets.load_digits`` reads a file shipped inside the scikit-learn package (1,797 images, 64
pixels of 0 … 16, ten classes): nothing is downloaded. :func:`digits` shuffles them with a fixed seed, keeps
:data:`TRAIN_EXAMPLES` for training and the rest as held-out examples, and standardises every pixel with the
mean and standard deviation of the *training* examples only (a pixel that is constant in training is only
centred), so nothing about the held-out examples leaks into training.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

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


@functools.cache
def digits() -> Digits:
    """The one split every run of notebook 07 uses (read from scikit-learn's package on first use, then kept)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    pixels, labels = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
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
