"""Batches of kept data that carry f's values, for classifier-based redaction."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_redact import conditions as cond_lib
from keras_redact.data import pipeline
from keras_redact.redaction import methods
from keras_redact.redaction import sets as sets_lib

SCORES_KEY = "redaction_scores"
"""Key of f's values in dict batches (see `scored_batches`)."""


def scored_batches(samples, redaction_set, batch_size: int = 64, *, seed: int | None = None,
                   repeat: bool = False, shuffle_buffer: int = 10_000) -> tf.data.Dataset:
    """Batches of kept data that carry f on each image, for classifier-based redaction.

    f is fixed, so its values on the kept data need computing once, not at every step:
    `RedactionGAN` takes them from `{"images": ..., "redaction_scores": ...}` batches
    instead of running f on each real batch (the same values; about a fifth less work per
    classifier-based step).

    Args:
        samples: The kept images in [-1, 1], `(N, H, W, C)` numpy, or for a conditional
            GAN the pairs `(images, labels)` (the batches then carry `"labels"` too).
        redaction_set: A `ClassifierRedactionSet` (its `score` gives f).
        batch_size: Batch size (incomplete last batches are dropped).
        seed: Shuffle seed.
        repeat: Repeat forever (for `fit(..., steps_per_epoch=...)`).
        shuffle_buffer: Shuffle buffer size.

    Returns:
        A batched, shuffled, prefetched `tf.data.Dataset` of dicts.

    Raises:
        ValueError: If the set has no f, or there is not one full batch.
    """
    if not methods.of(redaction_set).guided:
        raise ValueError("scored_batches needs a ClassifierRedactionSet; received "
                         f"{type(redaction_set).__name__}")
    samples = cond_lib.as_numpy(samples)
    total = cond_lib.count(samples)
    if total < batch_size:
        raise ValueError(f"{total} images make no full batch of {batch_size}")
    scores = sets_lib.batched(redaction_set.score, samples).astype(np.float32)
    batch = {"images": cond_lib.images_in(samples), SCORES_KEY: scores}
    if isinstance(samples, tuple):
        batch["labels"] = samples[1]
    return pipeline.shuffled_batches(
        tf.data.Dataset.from_tensor_slices(batch),
        batch_size, seed=seed, repeat=repeat, shuffle_buffer=shuffle_buffer)
