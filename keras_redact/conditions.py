"""Conditional GANs: what makes a generator conditional, and how many conditions it has.

A conditional generator takes `[latents, labels]` and a conditional discriminator
`[images, labels]`, labels as integer class indices `0 .. num_classes - 1`. Its samples are
pairs `(x, y)`: the redaction sets, measurements and exports of a conditional model work on
pairs (docs/conditional.md).
"""

from __future__ import annotations

import numpy as np

from keras_redact import checks


def features_of(data):
    """A batch's `x`: `data` itself, or the first element of `(x, y)` / `(x,)`."""
    return data[0] if isinstance(data, (tuple, list)) else data


def labels_of(data):
    """The labels of a batch given as `(images, labels)` or a dict with `"labels"`.

    Raises:
        ValueError: If the batch has no labels (a conditional GAN trains on pairs).
    """
    given = features_of(data)
    if isinstance(given, dict) and "labels" in given:
        return given["labels"]
    if isinstance(data, (tuple, list)) and len(data) > 1:
        return data[1]
    raise ValueError("A conditional GAN trains on (images, labels) batches; received "
                     "batches without labels (pipeline.batches(..., with_labels=True))")


def is_conditional(generator) -> bool:
    """Whether a generator is conditional: it takes `[latents, labels]`."""
    return len(getattr(generator, "inputs", None) or ()) == 2


def num_classes_of(generator, num_classes=None) -> int | None:
    """The number of conditions of a conditional generator (None if unconditional).

    Read from `num_classes` if given, else from the generator's `num_classes` attribute
    (the conditional builders have it).

    Raises:
        ValueError: For a conditional generator whose number of conditions is unknown.
    """
    if not is_conditional(generator):
        return None
    found = num_classes if num_classes is not None else getattr(generator, "num_classes",
                                                                None)
    if found is None:
        raise ValueError(
            "A conditional generator ([latents, labels] inputs) needs its number of "
            "conditions: give it a num_classes attribute or pass num_classes=")
    return checks.integer("num_classes", found, minimum=2)


# === Samples: arrays, or (images, labels) pairs ===


images_in = features_of
"""The images of samples given as images or as `(images, labels)` pairs (`features_of`)."""


def count(samples) -> int:
    """How many samples (numpy images or pairs)."""
    return len(images_in(samples))


def take(samples, index):
    """The samples at `index` (numpy fancy index or mask), images or pairs."""
    if isinstance(samples, (tuple, list)):
        return tuple(np.asarray(part)[index] for part in samples)
    return np.asarray(samples)[index]


def concatenate(parts):
    """Samples joined along the first axis (all images, or all pairs)."""
    parts = list(parts)
    if parts and isinstance(parts[0], (tuple, list)):
        return tuple(np.concatenate(group) for group in zip(*parts, strict=True))
    return np.concatenate(parts)


def as_numpy(samples):
    """Numpy samples: float32 images, or `(float32 images, int32 labels)`."""
    if isinstance(samples, (tuple, list)):
        images, labels = samples
        return (np.asarray(images, np.float32),
                np.asarray(labels).astype(np.int32).reshape(-1))
    return np.asarray(samples, np.float32)
