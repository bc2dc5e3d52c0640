"""The image data set of the book: scikit-learn's 8x8 handwritten digits, with a fixed split.

``sklearn.datasets.load_digits`` ships inside scikit-learn (no download): 1797 grey-level
images of 8x8 pixels, each pixel an integer level :math:`x \\in \\{0, 1, \\dots, 16\\}`
(``N_LEVELS = 17`` levels). Images in ``gauss_flows`` are channels-last, so one image is an
event of shape ``IMAGE_SHAPE = (8, 8, 1)`` (the layout ``masks.channel``, ``masks.checkerboard``
and ``Squeeze`` use).

The train/test split is fixed: a permutation of the 1797 images drawn with
``numpy.random.default_rng(SPLIT_SEED)``; the first ``N_TEST = 360`` (20 %) are the test set,
the other 1437 the training set. Every held-out number in the book is on that same test set.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

IMAGE_SHAPE = (8, 8, 1)
N_LEVELS = 17
N_TEST = 360
SPLIT_SEED = 0


class Digits(NamedTuple):
    """The digits, split: images ``(n, 8, 8, 1)`` of integer levels 0..16 and labels ``(n,)``."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


@functools.lru_cache(maxsize=1)
def _split() -> Digits:
    from sklearn.datasets import load_digits   # imported here: only image users pay for it

    bunch = load_digits()
    images = bunch.images.astype(np.int32).reshape((-1,) + IMAGE_SHAPE)
    labels = bunch.target.astype(np.int32)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    test, train = order[:N_TEST], order[N_TEST:]
    arrays = (images[train], labels[train], images[test], labels[test])
    for array in arrays:
        array.flags.writeable = False     # shared by every caller: nobody may change them
    return Digits(*arrays)


def digits() -> Digits:
    """The fixed train/test split of the 8x8 digits (1437 training, 360 test images)."""
    return _split()
