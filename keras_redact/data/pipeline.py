"""The one `tf.data` pipeline: scale uint8 images to [-1, 1], split by a predicate, batch.

Only uint8 samples (images) are scaled; float samples of any shape pass through as they
are, so a generator of 2-D points or feature vectors trains on its own data's values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

from keras_redact.data import sources
from keras_redact.data.sources import ImageSource

Predicate = Callable[[tf.Tensor, tf.Tensor], tf.Tensor]
"""`predicate(image, label) -> bool tensor`: True for samples in the redaction set."""


def scale_images(images):
    """uint8 `[0, 255]` -> float32 `[-1, 1]` (the DCGAN `tanh` range)."""
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def scale_samples(samples):
    """uint8 images -> float32 in [-1, 1] (`scale_images`); float samples unchanged (float32)."""
    if samples.dtype == tf.uint8:
        return scale_images(samples)
    if not samples.dtype.is_floating:
        raise ValueError("samples must be uint8 images or floats; received dtype "
                         f"{samples.dtype.name}")
    return tf.cast(samples, tf.float32)


def unscale_images(images):
    """float `[-1, 1]` -> float32 `[0, 1]`, clipped."""
    return tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) / 2.0, 0.0, 1.0)


def from_scaled(images, labels, name: str = "arrays") -> ImageSource:
    """Float images in [-1, 1] (as `to_numpy` gives) back to a uint8 `ImageSource`.

    The inverse of `scale_images`, exact for images that came from uint8 data.
    """
    pixels = np.round((np.asarray(images, np.float32) + 1.0) * 127.5)
    return sources.from_arrays(np.clip(pixels, 0, 255).astype(np.uint8), labels, name=name)


def label_predicate(labels: Iterable[int]) -> Predicate:
    """`predicate(image, label)` that is True when `label` is in `labels`."""
    wanted = tf.constant(sorted({int(y) for y in labels}), tf.int64)
    if wanted.shape[0] == 0:
        raise ValueError("labels must name at least one label; received none")

    def predicate(image, label):
        del image
        return tf.reduce_any(tf.equal(tf.cast(label, tf.int64), wanted))

    return predicate


def split(dataset: tf.data.Dataset, predicate: Predicate):
    """Splits unbatched `(image, label)` pairs into `(kept, redacted)` datasets."""
    kept = dataset.filter(lambda x, y: tf.logical_not(predicate(x, y)))
    redacted = dataset.filter(predicate)
    return kept, redacted


def batches(
    source: ImageSource | tf.data.Dataset,
    batch_size: int = 64,
    *,
    predicate: Predicate | None = None,
    part: str = "all",
    shuffle: bool = True,
    seed: int | None = None,
    with_labels: bool = False,
    drop_remainder: bool = True,
    cache: bool = True,
    repeat: bool = False,
    shuffle_buffer: int = 10_000,
) -> tf.data.Dataset:
    """Builds training batches: uint8 images scaled to [-1, 1], float samples as they are.

    Args:
        source: An `ImageSource` or an unbatched dataset of `(sample, label)`.
        batch_size: Batch size.
        predicate: The redaction predicate; needed unless `part` is `"all"`.
        part: `"all"`, `"kept"` (samples where the predicate is False: X minus Omega) or
            `"redacted"` (where it is True).
        shuffle: Shuffle each epoch (seeded by `seed`).
        seed: Shuffle seed.
        with_labels: Yield `(images, labels)` instead of images.
        drop_remainder: Drop the last incomplete batch (GAN steps expect full batches).
        cache: Cache the scaled images in memory (right for datasets that fit in RAM).
        repeat: Repeat forever.
        shuffle_buffer: Shuffle buffer size.

    Returns:
        A batched, prefetched `tf.data.Dataset`.

    Raises:
        ValueError: For an unknown `part`, or a `part` other than "all" without predicate.
    """
    if part not in ("all", "kept", "redacted"):
        raise ValueError(f"part must be 'all', 'kept' or 'redacted'; received {part!r}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive integer; received {batch_size!r}")
    ds = source.dataset if isinstance(source, ImageSource) else source
    if part != "all":
        if predicate is None:
            raise ValueError(f"part={part!r} needs a predicate")
        kept, redacted = split(ds, predicate)
        ds = kept if part == "kept" else redacted
    ds = ds.map(lambda x, y: (scale_samples(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        ds = ds.cache()
        if ds.cardinality() == tf.data.UNKNOWN_CARDINALITY:
            # A filtered split: count it once (it is cached anyway) so that Keras knows the
            # epoch length, shows a full progress bar and does not warn at each epoch end.
            count = int(ds.reduce(0, lambda n, _: n + 1))
            ds = ds.apply(tf.data.experimental.assert_cardinality(count))
    if not with_labels:
        ds = ds.map(lambda x, y: x, num_parallel_calls=tf.data.AUTOTUNE)
    return shuffled_batches(ds, batch_size, shuffle=shuffle, seed=seed, repeat=repeat,
                            drop_remainder=drop_remainder, shuffle_buffer=shuffle_buffer)


def shuffled_batches(ds: tf.data.Dataset, batch_size: int, *, shuffle: bool = True,
                     seed: int | None = None, repeat: bool = False,
                     drop_remainder: bool = True,
                     shuffle_buffer: int = 10_000) -> tf.data.Dataset:
    """Shuffles (reshuffled each epoch), optionally repeats, batches and prefetches."""
    if shuffle:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(int(batch_size), drop_remainder=drop_remainder)
    return ds.prefetch(tf.data.AUTOTUNE)


def to_numpy(source: ImageSource | tf.data.Dataset, predicate: Predicate | None = None,
             part: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """Materialises a (part of a) source as float32 samples (`batches`' scaling) and labels."""
    ds = batches(source, 1024, predicate=predicate, part=part, shuffle=False,
                 with_labels=True, drop_remainder=False, cache=False)
    xs, ys = [], []
    for x, y in ds:
        xs.append(x.numpy())
        ys.append(y.numpy())
    if not xs:
        shape = (source.image_shape if isinstance(source, ImageSource)
                 else tuple(source.element_spec[0].shape))
        return np.zeros((0, *shape), np.float32), np.zeros((0,), np.int64)
    return np.concatenate(xs), np.concatenate(ys)
