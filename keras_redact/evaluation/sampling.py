"""Streaming generation: run a function over N generated samples, batch by batch.

Memory stays flat in N: only what `fn` returns (logits, features, flags) is kept, never the
images. Latents come from a seeded NumPy generator, so results are deterministic for a seed.

A conditional generator (`[latents, labels]`) draws its conditions uniformly over its
labels, or takes one fixed `label`; its samples are the pairs `(images, labels)`, and that
is what `fn` gets (`conditions.images_in` takes the images out).
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from keras_redact import calls, checks
from keras_redact.conditions import num_classes_of


def latent_dim_of(generator) -> int:
    """The latent size of a Keras generator (its single input's last dimension)."""
    inputs = getattr(generator, "inputs", None)
    if not inputs:
        raise ValueError(f"Cannot tell the latent size of {generator!r}: it has no inputs")
    return int(inputs[0].shape[-1])


class GeneratedMap:
    """`fn` over generated samples, traced once for repeated calls.

    `map_generated` for callers that measure the same generator again and again, like
    the per-epoch callbacks: each `map_generated` call traces a new `tf.function` (and
    TensorFlow warns about retracing after a few), while one `GeneratedMap` traces once
    and keeps seeing the generator's current weights.

    Args:
        generator: A Keras model or callable from latents (or `[latents, labels]`) to
            images in [-1, 1].
        fn: Function of a batch of samples (images, or `(images, labels)` for a
            conditional generator) returning a tensor or a tuple of tensors (traced
            without AutoGraph: use `tf.cond` / `tf.where`, not Python `if`, on tensors).
        latent_dim: Latent size (read from the generator if None).
        num_classes: Conditional generators: the number of conditions (default: the
            generator's `num_classes` attribute).

    Example:
        >>> flags = GeneratedMap(generator, contains)
        >>> flags(10_000, seed=1).mean()                # invalidity, after each epoch
    """

    def __init__(self, generator, fn: Callable, *, latent_dim: int | None = None,
                 num_classes: int | None = None):
        self.generator = generator
        self.latent_dim = latent_dim or latent_dim_of(generator)
        self.num_classes = num_classes_of(generator, num_classes)
        conditional = self.num_classes is not None
        # `fn` is straight-line tensor code; AutoGraph has nothing to convert in it, and
        # its attempts on closures print "could not transform" warnings.
        fn = tf.autograph.experimental.do_not_convert(fn)

        @tf.function(reduce_retracing=True)
        def step(latents, labels):
            inputs = [latents, labels] if conditional else latents
            if isinstance(generator, keras.Model):
                images = generator(inputs, training=False)
            else:
                images = generator(inputs)
            with calls.shared():  # one pass of each network, however many parts of fn ask
                return fn((images, labels)) if conditional else fn(images)

        self.step = step

    def _draw(self, rng, n, label):
        latents = rng.standard_normal((n, self.latent_dim)).astype(np.float32)
        if self.num_classes is None:
            return latents, np.zeros((n,), np.int32)
        if label is None:
            return latents, rng.integers(0, self.num_classes, n).astype(np.int32)
        return latents, np.full((n,), label, np.int32)

    def __call__(self, num_samples: int, *, seed: int = 0, batch_size: int = 1000,
                 progress=False, label: int | None = None):
        """Applies `fn` to `num_samples` samples drawn with latent seed `seed`.

        Args:
            num_samples: Number of samples.
            seed: Seed of the latents (and of a conditional generator's labels).
            batch_size: Samples per batch.
            progress: Show a Keras progress bar.
            label: Conditional generators: this condition for every sample (default:
                uniform over the conditions).

        Returns:
            `fn`'s outputs concatenated along the first axis (numpy), as a tuple if `fn`
            returns a tuple.

        Raises:
            ValueError: If `num_samples` is not a positive integer, or `label` is not
                one of a conditional generator's conditions.
        """
        num_samples = checks.integer("num_samples", num_samples)
        if label is not None:
            if self.num_classes is None:
                raise ValueError(f"label applies to conditional generators; received "
                                 f"label={label!r} for an unconditional one")
            label = checks.integer("label", label, minimum=0)
            if label >= self.num_classes:
                raise ValueError(f"label must be in 0..{self.num_classes - 1}; "
                                 f"received {label}")
        rng = np.random.default_rng(seed)
        bar = keras.utils.Progbar(num_samples) if progress else None
        chunks = []
        done = 0
        while done < num_samples:
            n = min(batch_size, num_samples - done)
            latents, labels = self._draw(rng, n, label)
            out = self.step(tf.constant(latents), tf.constant(labels))
            chunks.append(tuple(np.asarray(o) for o in out) if isinstance(out, (tuple, list))
                          else np.asarray(out))
            done += n
            if bar is not None:
                bar.update(done)
        if isinstance(chunks[0], tuple):
            return tuple(np.concatenate(parts) for parts in zip(*chunks))
        return np.concatenate(chunks)


def map_generated(generator, fn: Callable, num_samples: int, *, seed: int = 0,
                  batch_size: int = 1000, latent_dim: int | None = None, progress=False,
                  label: int | None = None):
    """Applies `fn(samples)` to `num_samples` samples of `generator`, in batches.

    Traces `fn` anew on each call: for repeated measurements of one generator, keep a
    `GeneratedMap`.

    Args:
        generator: A Keras model or callable from latents (or `[latents, labels]`) to
            images in [-1, 1].
        fn: Function of a batch of samples (images, or `(images, labels)` for a
            conditional generator) returning a tensor or a tuple of tensors (traced
            without AutoGraph: use `tf.cond` / `tf.where`, not Python `if`, on tensors).
        num_samples: Number of samples.
        seed: Seed of the latents.
        batch_size: Samples per batch.
        latent_dim: Latent size (read from the generator if None).
        progress: Show a Keras progress bar.
        label: Conditional generators: one condition for all samples (default: uniform).

    Returns:
        `fn`'s outputs concatenated along the first axis (numpy), as a tuple if `fn`
        returns a tuple.
    """
    return GeneratedMap(generator, fn, latent_dim=latent_dim)(
        num_samples, seed=seed, batch_size=batch_size, progress=progress, label=label)
