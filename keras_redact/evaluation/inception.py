"""Inception-based FID (opt-in): TF-GAN's Inception network from TF-Hub.

The default quality measures use the project's label classifier, which works offline and
fits MNIST-like data. For RGB data, the usual FID uses the Inception network; TF-GAN
publishes the one its `frechet_inception_distance` uses on TF-Hub. Loading it needs a
network connection the first time (TF-Hub then caches it under `TFHUB_CACHE_DIR`), so it
is an opt-in: `bin/evaluate --metrics=inception_fid`. Offline, point `handle` at a copy
of the SavedModel.
"""

from __future__ import annotations

import functools

import numpy as np
import tensorflow as tf

# TF-GAN's `inception_metrics.INCEPTION_TFHUB` and its input size and feature output.
INCEPTION_TFHUB = "https://tfhub.dev/tensorflow/tfgan/eval/inception/1"
INCEPTION_SIZE = 299
INCEPTION_FEATURES = "pool_3"


@functools.cache
def load_inception(handle: str = INCEPTION_TFHUB):
    """TF-GAN's Inception network (cached per handle).

    Args:
        handle: A TF-Hub URL, or the folder of a copy of that SavedModel.

    Raises:
        RuntimeError: If it cannot be loaded (for example offline), saying how to get it.
    """
    try:
        import tensorflow_hub as hub
    except ImportError as error:  # tensorflow-gan depends on it; say so if it is missing.
        raise RuntimeError("Inception FID needs tensorflow-hub: pip install tensorflow-hub") \
            from error
    try:
        return hub.load(handle)
    except Exception as error:
        raise RuntimeError(
            f"Could not load the Inception network from {handle!r} ({type(error).__name__}: "
            f"{error}). It downloads once with a network connection and is then cached in "
            "$TFHUB_CACHE_DIR; offline, copy that SavedModel to this machine and pass its "
            "folder as the handle (bin/evaluate --inception_handle=DIR), or use the "
            "classifier-feature FID (--metrics=fid), which needs no network.") from error


def inception_features(images, model) -> tf.Tensor:
    """Inception pool features `(N, 2048)` of images in [-1, 1] (any size, 1 or 3 channels).

    Images are resized to 299 x 299 (bilinear) and grey ones repeated to 3 channels, as
    TF-GAN's `preprocess_image` expects.
    """
    images = tf.convert_to_tensor(images, tf.float32)
    if images.shape[-1] == 1:
        images = tf.repeat(images, 3, axis=-1)
    images = tf.image.resize(images, (INCEPTION_SIZE, INCEPTION_SIZE), method="bilinear")
    output = model(images)
    if isinstance(output, dict):
        output = output[INCEPTION_FEATURES]
    return tf.reshape(output, (tf.shape(images)[0], -1))


def features_of(images, model, batch_size: int = 64) -> np.ndarray:
    """`inception_features` over a numpy array, in batches."""
    images = np.asarray(images, np.float32)
    return np.concatenate([np.asarray(inception_features(images[i:i + batch_size], model))
                           for i in range(0, len(images), batch_size)])
