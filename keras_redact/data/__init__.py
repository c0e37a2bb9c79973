"""Datasets (embedded MNIST subset, TFDS, IDX and image folders, arrays of any shape) and the
tf.data pipeline."""

from keras_redact import _quiet  # noqa: F401 (TensorFlow without start-up lines)
from keras_redact.data.attributes import load_attributes
from keras_redact.data.pipeline import (
    batches,
    label_predicate,
    scale_images,
    scale_samples,
    split,
    to_numpy,
    unscale_images,
)
from keras_redact.data.sources import (
    EMBEDDED,
    ImageSource,
    from_arrays,
    load,
    load_idx_folder,
    load_image_folder,
    load_tfds,
    mnist_5k,
    read_idx,
)

__all__ = ["EMBEDDED", "ImageSource", "batches", "from_arrays", "label_predicate", "load",
           "load_attributes", "load_idx_folder", "load_image_folder", "load_tfds", "mnist_5k",
           "read_idx", "scale_images", "scale_samples", "split", "to_numpy", "unscale_images"]
