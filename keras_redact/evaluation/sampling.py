"""Streaming generation: run a function over N generated samples, batch by batch.

Memory stays flat in N: only what `fn` returns (logits, features, flags) is kept, never the
images. Latents come from a seeded NumPy generator, so results are deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

from keras_redact import checks


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
        generator: A Keras model or callable from latents to images in [-1, 1].
        fn: Function of a batch of images returning a tensor or a tuple of tensors
            (traced without AutoGraph: use `tf.cond` / `tf.where`, not Python `if`, on
            tensors).
        latent_dim: Latent size (read from the generator if None).

    Example:
        >>> flags = GeneratedMap(generator, contains)
        >>> flags(10_000, seed=1).mean()                # invalidity, after each epoch
    """

    def __init__(self, generator, fn: Callable, *, latent_dim: int | None = None):
        self.generator = generator
        self.latent_dim = latent_dim or latent_dim_of(generator)
        # `fn` is straight-line tensor code; AutoGraph has nothing to convert in it, and
        # its attempts on closures print "could not transform" warnings.
        fn = tf.autograph.experimental.do_not_convert(fn)

        @tf.function(reduce_retracing=True)
        def step(latents):
            if isinstance(generator, keras.Model):
                images = generator(latents, training=False)
            else:
                images = generator(latents)
            return fn(images)

        self.step = step

    def __call__(self, num_samples: int, *, seed: int = 0, batch_size: int = 1000,
                 progress=False):
        """Applies `fn` to `num_samples` samples drawn with latent seed `seed`.

        Args:
            num_samples: Number of samples.
            seed: Seed of the latents.
            batch_size: Samples per batch.
            progress: Show a Keras progress bar.

        Returns:
            `fn`'s outputs concatenated along the first axis (numpy), as a tuple if `fn`
            returns a tuple.

        Raises:
            ValueError: If `num_samples` is not a positive integer.
        """
        num_samples = checks.integer("num_samples", num_samples)
        rng = np.random.default_rng(seed)
        bar = keras.utils.Progbar(num_samples) if progress else None
        chunks = []
        done = 0
        while done < num_samples:
            n = min(batch_size, num_samples - done)
            latents = rng.standard_normal((n, self.latent_dim)).astype(np.float32)
            out = self.step(tf.constant(latents))
            chunks.append(tuple(np.asarray(o) for o in out) if isinstance(out, (tuple, list))
                          else np.asarray(out))
            done += n
            if bar is not None:
                bar.update(done)
        if isinstance(chunks[0], tuple):
            return tuple(np.concatenate(parts) for parts in zip(*chunks))
        return np.concatenate(chunks)


def map_generated(generator, fn: Callable, num_samples: int, *, seed: int = 0,
                  batch_size: int = 1000, latent_dim: int | None = None, progress=False):
    """Applies `fn(images)` to `num_samples` samples of `generator`, in batches.

    Traces `fn` anew on each call: for repeated measurements of one generator, keep a
    `GeneratedMap`.

    Args:
        generator: A Keras model or callable from latents to images in [-1, 1].
        fn: Function of a batch of images returning a tensor or a tuple of tensors
            (traced without AutoGraph: use `tf.cond` / `tf.where`, not Python `if`, on
            tensors).
        num_samples: Number of samples.
        seed: Seed of the latents.
        batch_size: Samples per batch.
        latent_dim: Latent size (read from the generator if None).
        progress: Show a Keras progress bar.

    Returns:
        `fn`'s outputs concatenated along the first axis (numpy), as a tuple if `fn`
        returns a tuple.
    """
    return GeneratedMap(generator, fn, latent_dim=latent_dim)(
        num_samples, seed=seed, batch_size=batch_size, progress=progress)
