"""Can it come back? Two attacks on a generator by whoever holds its weights.

A certificate (`evaluation.certify`) covers G's samples from *random* latents. An attacker
with the weights has two more ways to reach Omega:

- **latent search** (`latent_search`): optimise z so that G(z) lands in Omega, by Adam on
  a differentiable membership score through G, keeping z among typical latents (its norm
  projected each step into the interval that holds `mass` of a standard normal's norms,
  from the chi-square distribution of the latent dimension). Success: an independent
  membership test (a judge) puts G(z) in Omega.
- **fine-tuning revival** (`revival`): continue ordinary GAN training (the package's
  `DCGAN` step) from (G, D) on some data, and watch the invalidity of fresh samples come
  back epoch by epoch.

Run on the redacted G, on the pre-trained G0 and on the post-hoc filter (G0 with its Omega
samples rejected), they say how much harder redaction makes recovery than filtering
(`bin/audit`, docs/redaction.md).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf
from scipy import stats

from keras_redact import checks
from keras_redact.conditions import num_classes_of
from keras_redact.evaluation import invalidity as inv_lib
from keras_redact.evaluation import sampling


def typical_norms(latent_dim: int, mass: float = 0.999) -> tuple[float, float]:
    """The interval of ||z|| that holds `mass` of a standard normal's latents (central
    chi-square quantiles of `latent_dim` degrees of freedom, square-rooted)."""
    latent_dim = checks.integer("latent_dim", latent_dim)
    checks.number("mass", mass, 0.0, 1.0)
    low, high = stats.chi2.ppf([(1.0 - mass) / 2.0, (1.0 + mass) / 2.0], latent_dim)
    return float(math.sqrt(low)), float(math.sqrt(high))


def project_to_typical(latents, low: float, high: float):
    """Each latent rescaled, along its direction, so that its norm is in [low, high]."""
    norms = tf.norm(latents, axis=-1, keepdims=True)
    return latents * tf.clip_by_value(norms, low, high) / tf.maximum(norms, 1e-12)


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """What a latent search found.

    Attributes:
        starts: Random starts searched from.
        successes: Starts whose G(z) the judge put in Omega within `steps`.
        rate: `successes / starts`.
        rate_ci: Its 95% Clopper-Pearson interval.
        steps: Adam steps each start was given.
        median_steps: The median step of the first success among the successes (0: the
            start itself was in Omega), or None without a success.
        at_start: Starts already in Omega before any step (random latents' invalidity).
        norms: The found latents' norms (`median`, `min`, `max`) and the typical interval
            (`typical`) they were kept in.
        by_condition: Conditional generators: for each condition (as a string), its
            starts, successes, rate and 95% interval; None for unconditional ones.
    """

    starts: int
    successes: int
    rate: float
    rate_ci: tuple[float, float]
    steps: int
    median_steps: float | None
    at_start: int
    norms: dict
    by_condition: dict | None = None

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "rate_ci": list(self.rate_ci)}


def latent_search(generator, score: Callable, in_omega: Callable, *, starts: int = 1000,
                  steps: int = 100, learning_rate: float = 0.05, mass: float = 0.999,
                  batch_size: int = 250, seed: int = 0, keep: int = 64,
                  pairs: bool = False) -> tuple[SearchResult, np.ndarray]:
    """Searches the typical latents for samples in Omega by gradient ascent on `score`.

    Args:
        generator: A Keras generator (conditional ones take `[latents, labels]`; each start
            keeps the condition it was drawn with, uniform over the conditions).
        score: `samples -> (N,)` differentiable, higher inside Omega, in (0, 1] (a label
            classifier's probability of the redacted labels, say); Adam minimises
            `-log(score)`.
        in_omega: `samples -> bool`, the judge of success (independent of `score` for an
            honest figure).
        starts: Random starts.
        steps: Adam steps a start.
        learning_rate: Adam's learning rate on z.
        mass: The typical set's share of a standard normal's latents (0.999).
        batch_size: Starts searched together.
        seed: Seed of the starts.
        keep: How many found samples to return (the first successes).
        pairs: Conditional generators: return the found samples as `(images, labels)`
            pairs (what a conditional GAN's p_Omega holds) instead of images.

    Returns:
        The `SearchResult` (with each condition's figures for a conditional generator)
        and up to `keep` found samples (images; for a conditional generator, the images
        of the found pairs).
    """
    starts = checks.integer("starts", starts)
    steps = checks.integer("steps", steps, minimum=0)
    batch_size = checks.integer("batch_size", batch_size)
    checks.number("learning_rate", learning_rate, 0.0, math.inf)
    latent_dim = sampling.latent_dim_of(generator)
    num_classes = num_classes_of(generator)
    low, high = typical_norms(latent_dim, mass)
    rng = np.random.default_rng(seed)
    first_success, conditions, found, found_labels, norms = [], [], [], [], []
    for begin in range(0, starts, batch_size):
        n = min(batch_size, starts - begin)
        z0 = rng.standard_normal((n, latent_dim)).astype(np.float32)
        labels = (None if num_classes is None
                  else rng.integers(0, num_classes, n).astype(np.int32))
        first, samples, z = _search_batch(generator, score, in_omega, z0, labels, steps,
                                          learning_rate, low, high)
        first_success.append(first)
        if labels is not None:
            conditions.append(labels)
        hit = first >= 0
        found.append(samples[hit][:keep])
        if labels is not None:
            found_labels.append(labels[hit][:keep])
        norms.append(np.linalg.norm(z[hit], axis=-1))
    first = np.concatenate(first_success)
    hits = first[first >= 0]
    found_norms = np.concatenate(norms)
    measured = inv_lib.Invalidity.from_flags(first >= 0)
    result = SearchResult(
        starts, int(hits.size), measured.value, tuple(measured.ci), steps,
        float(np.median(hits)) if hits.size else None, int(np.count_nonzero(first == 0)),
        {"median": float(np.median(found_norms)) if hits.size else None,
         "min": float(found_norms.min()) if hits.size else None,
         "max": float(found_norms.max()) if hits.size else None,
         "typical": [low, high]},
        _by_condition(first >= 0, np.concatenate(conditions), num_classes)
        if num_classes is not None else None)
    images = np.concatenate(found)[:keep]
    if pairs and num_classes is not None:
        return result, (images, np.concatenate(found_labels)[:keep])
    return result, images


def _by_condition(success, conditions, num_classes: int) -> dict:
    """Each condition's starts, successes, rate and 95% interval."""
    figures = {}
    for c in range(num_classes):
        hits = success[conditions == c]
        if not hits.size:
            continue
        measured = inv_lib.Invalidity.from_flags(hits)
        figures[str(c)] = {"starts": int(hits.size), "successes": int(hits.sum()),
                           "rate": measured.value, "rate_ci": list(measured.ci)}
    return figures


def _search_batch(generator, score, in_omega, z0, labels, steps, learning_rate, low, high):
    """One batch of starts: the first step each was in Omega (-1: never), the samples at
    that step, and the latents there."""
    z = tf.Variable(project_to_typical(tf.constant(z0), low, high))
    optimizer = keras.optimizers.Adam(learning_rate)
    inputs = (lambda v: [v, tf.constant(labels)]) if labels is not None else (lambda v: v)

    def pair(images):
        return (images, tf.constant(labels)) if labels is not None else images

    @tf.function(autograph=False)
    def step():
        with tf.GradientTape() as tape:
            samples = pair(generator(inputs(z), training=False))
            loss = -tf.reduce_mean(tf.math.log(tf.maximum(
                tf.reshape(score(samples), [-1]), 1e-12)))
        optimizer.apply_gradients([(tape.gradient(loss, z), z)])
        z.assign(project_to_typical(z, low, high))

    @tf.function(autograph=False)
    def judged():
        images = generator(inputs(z), training=False)
        return images, tf.reshape(tf.cast(in_omega(pair(images)), tf.bool), [-1])

    n = z0.shape[0]
    first = np.full(n, -1, np.int64)
    samples = np.zeros((n, *generator.outputs[0].shape[1:]), np.float32)
    latents = np.zeros_like(z0)
    for k in range(steps + 1):
        if k:
            step()
        images, inside = (np.asarray(t) for t in judged())
        new = inside & (first < 0)
        first[new], samples[new], latents[new] = k, images[new], z.numpy()[new]
        if (first >= 0).all():
            break
    return first, samples, latents


def revival(generator, discriminator, data, in_omega: Callable, *, epochs: int = 5,
            batch_size: int = 64, steps_per_epoch: int | None = None,
            samples: int = 5000, seed: int = 0, discriminator_output: str = "probability",
            compile_kwargs: dict | None = None) -> list[float]:
    """Fine-tunes copies of (G, D) with plain GAN training and measures Omega coming back.

    Args:
        generator: The generator to fine-tune (not changed: a copy trains).
        discriminator: Its discriminator (copied too).
        data: The fine-tuning data, `(N, ...)` samples in G's range (for a conditional GAN,
            `(samples, labels)`).
        in_omega: `samples -> bool`, Omega's membership test.
        epochs: Epochs of fine-tuning.
        batch_size: Batch size.
        steps_per_epoch: Steps an epoch (default: one pass over `data`).
        samples: Fresh samples measured after each epoch.
        seed: Seed of the training latents and the measured samples.
        discriminator_output: `"probability"` or `"logit"`.
        compile_kwargs: `DCGAN.compile`'s arguments (default: its defaults, K_G 5 with
            Adam at the paper's pre-training rates).

    Returns:
        The invalidity of `samples` fresh samples before fine-tuning and after each epoch.
    """
    from keras_redact.models import DCGAN  # models sit above evaluation's own maths

    epochs = checks.integer("epochs", epochs)
    num_classes = num_classes_of(generator)  # read before copying: a copy has no attribute
    g, d = _copy(generator), _copy(discriminator)
    flags = sampling.GeneratedMap(g, in_omega, num_classes=num_classes)
    curve = [float(np.mean(flags(samples, seed=seed)))]
    gan = DCGAN(g, d, seed=seed, num_classes=num_classes,
                discriminator_output=discriminator_output)
    gan.compile(**(compile_kwargs or {}))
    size = len(data[0]) if isinstance(data, tuple) else len(data)
    dataset = tf.data.Dataset.from_tensor_slices(data).shuffle(
        size, seed=seed, reshuffle_each_iteration=True).repeat().batch(
            batch_size, drop_remainder=True)
    steps = steps_per_epoch or max(size // batch_size, 1)
    for epoch in range(epochs):
        gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
        curve.append(float(np.mean(flags(samples, seed=seed + 1 + epoch))))
    return curve


def _copy(model):
    """A copy of a Keras model with its weights (the original is left as it is)."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def epochs_until(curve: list[float], level: float) -> int | None:
    """The first epoch (0: before fine-tuning) whose invalidity is at least `level`."""
    return next((epoch for epoch, value in enumerate(curve) if value >= level), None)
