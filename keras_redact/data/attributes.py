"""Images with binary attributes (CelebA's 40), for attribute-combination redaction."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from keras_redact.data import sources


def load_attributes(name: str = "celeb_a", split: str = "train", *, image_size: int = 64,
                    data_dir: str | None = None, download: bool = True,
                    limit: int | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Loads a TFDS dataset with an `attributes` feature as arrays.

    Each image is centre-cropped to a square and resized to `image_size` (the usual DCGAN
    preparation of CelebA's 218 x 178 faces).

    Args:
        name: A TFDS name whose examples have `image` and a dict `attributes` of booleans.
        split: Split to load.
        image_size: Side of the square uint8 images returned.
        data_dir: TFDS data folder.
        download: Whether TFDS may download data that is not prepared yet.
        limit: Load at most this many examples.

    Returns:
        `(images, attributes)`: uint8 `(N, image_size, image_size, C)` and
        `{name: bool (N,)}`.

    Raises:
        ValueError: For a dataset without attributes, or one that is not available.
    """
    builder, ds = sources.tfds_dataset(name, split, data_dir, download)
    features = builder.info.features
    if "attributes" not in features or "image" not in features:
        raise ValueError(f"TFDS dataset {name!r} has no 'image' and 'attributes' features; "
                         f"it has {sorted(features.keys())}")
    if limit is not None:
        ds = ds.take(int(limit))

    def prepare(example):
        image = example["image"]
        side = tf.minimum(tf.shape(image)[0], tf.shape(image)[1])
        image = tf.image.resize_with_crop_or_pad(image, side, side)
        image = tf.image.resize(image, (image_size, image_size), antialias=True)
        image = tf.cast(tf.clip_by_value(tf.round(image), 0, 255), tf.uint8)
        return image, example["attributes"]

    images, attributes = [], {}
    for image, attrs in ds.map(prepare).batch(256).as_numpy_iterator():
        images.append(image)
        for key, value in attrs.items():
            attributes.setdefault(key, []).append(np.asarray(value, bool))
    if not images:
        raise ValueError(f"TFDS dataset {name!r} split {split!r} has no examples")
    return np.concatenate(images), {k: np.concatenate(v) for k, v in attributes.items()}
